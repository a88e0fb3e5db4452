/** The emulators are oracles: none imports the clients (tracking/, fiscal/), the receipt model or the outbox they test. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../src/emulator');
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));

describe('emulators share no code with the clients they test', () => {
  it('no file under src/emulator imports tracking/, fiscal/, sale/ or outbox/', () => {
    const offending = files(root).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/from '((?:\.\.\/)+(?:tracking|fiscal|sale|outbox)\/[^']*)'/g)].map((m) => `${relative(root, f)}: ${m[1]}`),
    );
    expect(offending).toEqual([]);
  });
});

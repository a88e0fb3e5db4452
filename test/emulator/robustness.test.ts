/** Bad input never crashes the emulator: random bodies on every route answer 4xx or 2xx, never 5xx. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';

let emu: Emulator;
let xtraceToken = '';
let trueToken = '';

beforeAll(async () => {
  emu = await createEmulator({ codes: [{ code: '010460043993125621S000000000001', status: 'INTRODUCED' }] });
  const r = await fetch(`${emu.url}/api/users/authenticate`, { method: 'POST', headers: { accept: '*/*', 'content-type': 'application/json' }, body: JSON.stringify({ login: 'demo', password: 'demo' }) });
  xtraceToken = ((await r.json()) as { accessToken: string }).accessToken;
  const key = (await (await fetch(`${emu.url}/api/v3/true-api/auth/key`, { headers: { accept: '*/*' } })).json()) as { uuid: string; data: string };
  const { createTestSigner } = await import('../../src/tracking/signer.js');
  const signed = await createTestSigner().signAttached(key.data);
  const t = await fetch(`${emu.url}/api/v3/true-api/auth/simpleSignIn`, { method: 'POST', headers: { accept: '*/*', 'content-type': 'application/json' }, body: JSON.stringify({ uuid: key.uuid, data: signed }) });
  trueToken = ((await t.json()) as { token: string }).token;
});
afterAll(async () => {
  await emu.close();
});

const routes: [string, string, () => Record<string, string>][] = [
  ['POST', '/api/users/authenticate', () => ({})],
  ['POST', '/api/users/tokens/refresh', () => ({})],
  ['POST', '/public/api/cod/public/codes', () => ({ authorization: `Bearer ${xtraceToken}` })],
  ['POST', '/public/api/cod/private/codes', () => ({ authorization: `Bearer ${xtraceToken}` })],
  ['POST', '/public/api/v1/doc/withdrawal', () => ({ authorization: `Bearer ${xtraceToken}` })],
  ['POST', '/public/api/v1/doc/return', () => ({ authorization: `Bearer ${xtraceToken}` })],
  ['POST', '/api/v3/true-api/auth/simpleSignIn', () => ({})],
  ['POST', '/api/v4/true-api/codes/check', () => ({ 'x-api-key': 'demo-api-key' })],
  ['POST', '/api/v3/true-api/cises/info', () => ({ authorization: `Bearer ${trueToken}` })],
  ['POST', '/api/v3/true-api/lk/documents/create', () => ({ authorization: `Bearer ${trueToken}` })],
  ['POST', '/_emulator/codes', () => ({})],
  ['POST', '/_emulator/faults', () => ({})],
];

const bodies = fc.oneof(
  fc.json(),
  fc.string(),
  fc.record({ codes: fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null))) }),
  fc.record({ documentBody: fc.base64String(), signature: fc.string() }),
  fc.record({ product_document: fc.base64String(), type: fc.constantFrom('LK_RECEIPT', 'LP_RETURN', 'X'), signature: fc.string() }),
);

describe('robustness', () => {
  it.each(routes)('%s %s never answers 5xx', async (method, path, headers) => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.boolean(), async (body, raw) => {
        const res = await fetch(`${emu.url}${path}`, {
          method,
          headers: { accept: '*/*', 'content-type': 'application/json', ...headers() },
          body: raw && typeof body === 'string' ? body : JSON.stringify(body),
        });
        await res.arrayBuffer();
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
    const faults = await (await fetch(`${emu.url}/_emulator/faults`)).json();
    if (JSON.stringify(faults) !== '{}') await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  });
});

/**
 * tspiot/client-info.ts — the `client_info` tanba sends with every ТС ПИоТ check: name, version,
 * install id and token. The version is tanba's package version (read once); the default install id
 * is a stable UUID-shaped hash of the host name, so it does not change between restarts [I].
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

function readVersion(): string {
  // src/tracking/tspiot (tsx) and dist/src/tracking/tspiot (built) are three and four levels deep.
  for (const rel of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tanba' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}

export const TANBA_VERSION = readVersion();

/** A UUID-shaped id from a SHA-256 of `seed` (version nibble 5, RFC 4122 variant). */
export function stableId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function defaultInstallId(): string {
  return stableId(`tanba:${hostname()}`);
}

export interface ClientInfo {
  name: string;
  version: string;
  id: string;
  token: string;
}

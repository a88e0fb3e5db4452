/**
 * Opens the scanners named in the agent configuration with the drivers of `drivers/` (loaded only
 * when a scanner is configured). Device trouble never crashes the agent: errors and state changes
 * are logged and shown on the status page; the drivers reconnect by themselves.
 */
import type { Logger } from 'pino';
import type { Scanner } from '../scan/types.js';
import type { AgentConfig } from './config.js';

export async function openConfiguredScanners(config: AgentConfig, logger: Logger): Promise<Scanner[]> {
  if (config.scanners.length === 0) return [];
  const drivers = await import('../../drivers/index.js');
  const out: Scanner[] = [];
  for (const s of config.scanners) {
    const scanner: Scanner =
      s.driver === 'serial'
        ? drivers.openSerialScanner({ path: s.path, ...(s.baud ? { baudRate: s.baud } : {}) })
        : s.driver === 'hid-pos'
          ? drivers.openHidPosScanner({ path: s.path })
          : s.driver === 'hid-keyboard'
            ? drivers.openHidKeyboardScanner({ path: s.path })
            : drivers.openStdinScanner();
    const log = logger.child({ part: 'scanner', driver: s.driver, path: s.path });
    scanner.on('error', (e: { code?: string; message?: string }) => log.warn({ code: e.code }, e.message ?? 'scanner error'));
    scanner.on('status', (st: { state: string; code?: string; message?: string }) => log.info({ state: st.state, code: st.code }, st.message ?? `scanner ${st.state}`));
    out.push(scanner);
  }
  return out;
}

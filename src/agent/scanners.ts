/**
 * Opens the scanners named in the agent configuration with the drivers of `drivers/` (loaded only
 * when a scanner is configured). Device trouble never crashes the agent: errors and state changes
 * are logged and shown on the status page; the drivers reconnect by themselves.
 */
import type { Logger } from 'pino';
import type { Scanner } from '../scan/types.js';
import type { ListDevicesOptions } from '../../drivers/discovery.js';
import type { AgentConfig } from './config.js';

export async function openConfiguredScanners(config: AgentConfig, logger: Logger, discovery: ListDevicesOptions = {}): Promise<Scanner[]> {
  if (config.scanners.length === 0 && !config.discoverScanners) return [];
  const drivers = await import('../../drivers/index.js');
  let wanted = config.scanners;
  if (wanted.length === 0) {
    // Discovery: only devices that look like scanners in a mode that keeps GS (USB-COM, HID POS).
    const found = await drivers.listDevices(discovery);
    for (const p of found.problems) logger.warn({ code: p.code }, `scanner discovery: ${p.message}`);
    wanted = found.devices
      .filter((d) => d.likelyScanner && (d.kind === 'serial' || d.kind === 'hid-pos'))
      .map((d) => ({ driver: d.kind === 'serial' ? ('serial' as const) : ('hid-pos' as const), path: d.path }));
    for (const d of found.devices.filter((x) => x.likelyScanner && x.advice)) logger.info({ path: d.path, mode: d.mode }, d.advice!);
    logger.info({ scanners: wanted.map((w) => `${w.driver} ${w.path}`) }, `scanner discovery found ${wanted.length}`);
  }
  const out: Scanner[] = [];
  for (const s of wanted) {
    const baud = 'baud' in s ? s.baud : undefined;
    const scanner: Scanner =
      s.driver === 'serial'
        ? drivers.openSerialScanner({ path: s.path, ...(baud ? { baudRate: baud } : {}) })
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

/**
 * `tanba doctor`: checks an installation one part at a time — config, database, disk, clock,
 * tracking reachability and token, each register's fiscal channel (reachable, credentials, shift,
 * license, autonomous mode), scanners, the running agent — each with a verdict and what to do.
 */
import { accessSync, constants, existsSync, statSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { ListDevicesOptions } from '../../drivers/discovery.js';
import { AgentClient, localUrl } from './client.js';
import { createChannel } from '../fiscal/create.js';
import { type AgentConfig, ConfigError, type ConfigFlags, loadConfig, resolveRegisters, storePath } from './config.js';

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  /** Stable name: config, database, disk, clock, tracking, token, fiscal:<register>, scanners, agent. */
  name: string;
  verdict: Verdict;
  /** What was found. */
  detail: string;
  /** What to do about it (absent when nothing needs doing). */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  flags?: ConfigFlags;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Probe the tracking system's token (health call). Provided by the composition root. */
  trackingHealth?: (config: AgentConfig) => Promise<{ ok: boolean; tokenExpiresAt: string | null; message?: string }>;
  timeoutMs?: number;
  /** Device enumeration (injectable for tests). */
  discovery?: ListDevicesOptions;
}

const MB = 1024 * 1024;

export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const cwd = opts.cwd ?? process.cwd();
  let config: AgentConfig | null = null;
  try {
    config = loadConfig({ flags: opts.flags, env: opts.env, cwd });
    const where = opts.flags?.config ?? opts.env?.TANBA_CONFIG;
    checks.push({ name: 'config', verdict: 'ok', detail: where ? `${where} is valid` : 'no config file: running on the embedded defaults' });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    checks.push({
      name: 'config',
      verdict: 'fail',
      detail: e.issues.map((i) => `${i.field} (${i.source}): ${i.problem}`).join('; '),
      fix: e.issues.map((i) => `${i.field}: ${i.fix}`).join('; '),
    });
  }
  if (!config) {
    for (const name of ['database', 'disk', 'clock', 'tracking', 'token', 'fiscal', 'scanners', 'agent'])
      checks.push({ name, verdict: 'skip', detail: 'not checked: the configuration must be fixed first' });
    return { ok: false, checks };
  }

  checks.push(checkDatabase(resolve(cwd, storePath(config))));
  checks.push(checkDisk(dirname(resolve(cwd, storePath(config)))));
  const timeoutMs = opts.timeoutMs ?? 5000;
  const net = await checkTracking(config, timeoutMs);
  checks.push(net.clock, net.reach);
  checks.push(await checkToken(config, net.reachable, opts.trackingHealth));
  checks.push(...(await checkFiscal(config, timeoutMs)));
  checks.push(await checkScanners(config, opts.discovery));
  checks.push(await checkAgent(config, timeoutMs));
  return { ok: checks.every((c) => c.verdict !== 'fail'), checks };
}

function checkDatabase(path: string): DoctorCheck {
  if (!existsSync(path)) {
    try {
      accessSync(dirname(path), constants.W_OK);
      return { name: 'database', verdict: 'ok', detail: `${path} does not exist yet; it will be created on first start` };
    } catch {
      return { name: 'database', verdict: 'fail', detail: `${path} does not exist and its folder is not writable`, fix: `create ${dirname(path)} and give the agent's user write access, or set db.path / --db` };
    }
  }
  try {
    if (!statSync(path).isFile()) return { name: 'database', verdict: 'fail', detail: `${path} is not a file`, fix: 'point db.path / --db at a file' };
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch {
    return { name: 'database', verdict: 'fail', detail: `${path} is not readable and writable by this user`, fix: `give the agent's user read/write access to ${path} (and its -wal/-shm files)` };
  }
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 2000 });
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    const res = rows.map((r) => r.quick_check).join('; ');
    if (res !== 'ok') return { name: 'database', verdict: 'fail', detail: `${path} is damaged: ${res}`, fix: 'stop the agent, move the file aside (keep it for support) and restore the latest backup' };
    const mode = (db.pragma('journal_mode', { simple: true }) as string) ?? '?';
    return { name: 'database', verdict: 'ok', detail: `${path} passes the integrity check (journal ${mode})` };
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (/NOTADB|CORRUPT/.test(code))
      return { name: 'database', verdict: 'fail', detail: `${path} is not a readable SQLite database (${code})`, fix: 'stop the agent, move the file aside (keep it for support) and restore the latest backup' };
    if (/BUSY|LOCKED/.test(code)) return { name: 'database', verdict: 'warn', detail: `${path} is locked by another process`, fix: 'normal while the agent runs; otherwise close the program holding it' };
    return { name: 'database', verdict: 'fail', detail: `${path} cannot be opened: ${e instanceof Error ? e.message : String(e)}`, fix: 'check the path and permissions' };
  } finally {
    db?.close();
  }
}

/** Each register's cash register: asked through its own channel (the same client the agent uses). */
async function checkFiscal(config: AgentConfig, timeoutMs: number): Promise<DoctorCheck[]> {
  const regs = resolveRegisters(config);
  return Promise.all(
    regs.map(async (r): Promise<DoctorCheck> => {
      const name = `fiscal:${r.id}`;
      if (!r.fiscal)
        return {
          name,
          verdict: 'warn',
          detail: `register ${r.id} has no fiscal channel: its receipts are kept and wait`,
          fix: 'set fiscal (or registers[].fiscal) to { "channel": "webkassa" | "rekassa" | "external", … } in the configuration',
        };
      if (r.fiscal.channel === 'external') return { name, verdict: 'ok', detail: `register ${r.id}: the POS fiscalises itself (channel external) and reports each result` };
      const ch = createChannel(r.fiscal);
      try {
        const h = await Promise.race([ch.health(), new Promise<null>((res) => setTimeout(() => res(null), timeoutMs).unref())]);
        if (!h) return { name, verdict: 'fail', detail: `register ${r.id}: ${r.fiscal.channel} at ${r.fiscal.url} did not answer within ${timeoutMs} ms`, fix: 'check the internet link and fiscal.url' };
        const what = h.problems.map((p) => `${p.code}: ${p.message}`).join('; ');
        const shift = h.shift?.openedAt ? `; shift ${h.shift.number ?? ''} open since ${h.shift.openedAt}` : '';
        if (!h.ok) return { name, verdict: 'fail', detail: `register ${r.id}: ${r.fiscal.channel} ${what || 'is not usable'}`, fix: fixFor(h.problems.map((p) => p.code)) };
        if (h.offline || h.problems.length)
          return { name, verdict: 'warn', detail: `register ${r.id}: ${r.fiscal.channel} answers${h.offline ? ', working autonomously (no OFD link)' : ''}${what ? `; ${what}` : ''}${shift}`, fix: fixFor(h.problems.map((p) => p.code)) };
        return { name, verdict: 'ok', detail: `register ${r.id}: ${r.fiscal.channel} at ${r.fiscal.url} answers, credentials accepted${shift}` };
      } finally {
        await ch.close?.().catch(() => undefined);
      }
    }),
  );
}

function fixFor(codes: string[]): string {
  const c = codes.join(' ');
  if (/auth|login|credential|-1\b|webkassa-1\b|rekassa-(401|403)/.test(c)) return 'check fiscal.login, fiscal.password (TANBA_FISCAL_PASSWORD) and fiscal.apiKey (TANBA_FISCAL_API_KEY)';
  if (/licen/.test(c)) return 'renew the cash register licence with the provider';
  if (/72|offline|autonom|18\b/.test(c)) return 'restore the internet link of the cash register to its OFD (or pay the OFD); receipts wait and go out in order';
  if (/block/.test(c)) return 'the cash register is blocked: contact the cash register provider or the OFD';
  if (/shift/.test(c)) return 'close the shift (Z report) in the cash register service';
  return 'see the message; `tanba status` shows the register state while the agent runs';
}

function checkDisk(dir: string): DoctorCheck {
  try {
    const s = statfsSync(existsSync(dir) ? dir : '.');
    const free = s.bavail * s.bsize;
    const detail = `${Math.round(free / MB)} MB free where the database lives`;
    if (free < 50 * MB) return { name: 'disk', verdict: 'fail', detail, fix: 'free disk space: with a full disk no sale can be recorded' };
    if (free < 500 * MB) return { name: 'disk', verdict: 'warn', detail, fix: 'free some disk space soon' };
    return { name: 'disk', verdict: 'ok', detail };
  } catch (e) {
    return { name: 'disk', verdict: 'warn', detail: `free space unknown (${e instanceof Error ? e.message : String(e)})` };
  }
}

async function checkTracking(config: AgentConfig, timeoutMs: number): Promise<{ clock: DoctorCheck; reach: DoctorCheck; reachable: boolean }> {
  const url = config.tracking.url;
  if (!url) {
    return {
      clock: { name: 'clock', verdict: 'skip', detail: `local time ${new Date().toISOString()}; no tracking URL to compare with` },
      reach: {
        name: 'tracking',
        verdict: 'warn',
        detail: 'no tracking system configured: codes are checked on local knowledge only',
        fix: 'set tracking.url (or --tracking-url / TANBA_TRACKING_URL) and the credentials',
      },
      reachable: false,
    };
  }
  const t0 = Date.now();
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    const t1 = Date.now();
    const latency = t1 - t0;
    const date = res.headers.get('date');
    let clock: DoctorCheck;
    if (!date) clock = { name: 'clock', verdict: 'skip', detail: 'the tracking system sent no Date header to compare with' };
    else {
      // The Date header has 1 s resolution: allow the round trip plus a second.
      const skew = (t0 + t1) / 2 - Date.parse(date);
      const abs = Math.abs(skew) / 1000;
      const detail = `local clock is ${abs < 2 ? 'in step with' : `${Math.round(abs)} s ${skew > 0 ? 'ahead of' : 'behind'}`} the tracking system`;
      clock =
        abs > 300
          ? { name: 'clock', verdict: 'fail', detail, fix: 'set the time: enable NTP (timedatectl set-ntp true / Windows "Set time automatically"); tokens and documents are refused with a wrong clock' }
          : abs > 30
            ? { name: 'clock', verdict: 'warn', detail, fix: 'enable time synchronisation (NTP)' }
            : { name: 'clock', verdict: 'ok', detail };
    }
    return { clock, reach: { name: 'tracking', verdict: 'ok', detail: `${url} answers (HTTP ${res.status}, ${latency} ms)` }, reachable: true };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as { name?: string }).name ?? '';
    const why =
      cause === 'ENOTFOUND' || cause === 'EAI_AGAIN'
        ? ['the name does not resolve', 'check the URL and the DNS settings of this PC']
        : cause === 'ECONNREFUSED'
          ? ['the connection is refused', 'check the URL and port; is the service (or emulator) running?']
          : cause === 'TimeoutError' || cause === 'UND_ERR_CONNECT_TIMEOUT'
            ? [`no answer within ${timeoutMs} ms`, 'check the internet connection, the proxy and the firewall']
            : [`${(e as { cause?: { message?: string } }).cause?.message ?? (e instanceof Error ? e.message : String(e))}`, 'check the URL, the network and the firewall'];
    return {
      clock: { name: 'clock', verdict: 'skip', detail: `local time ${new Date().toISOString()}; the tracking system did not answer` },
      reach: { name: 'tracking', verdict: 'fail', detail: `${url}: ${why[0]}`, fix: `${why[1]}; sales are kept and sent when it is back` },
      reachable: false,
    };
  }
}

async function checkToken(config: AgentConfig, reachable: boolean, health: DoctorOptions['trackingHealth']): Promise<DoctorCheck> {
  if (!config.tracking.url) return { name: 'token', verdict: 'skip', detail: 'no tracking system configured' };
  const t = config.tracking;
  const hasCreds = t.family === 'xtrace' ? Boolean((t.login && t.password) || t.apiKey) : Boolean(t.apiKey || (t.login && t.password));
  if (!hasCreds)
    return {
      name: 'token',
      verdict: 'warn',
      detail: 'no credentials configured',
      fix: t.family === 'xtrace' ? 'set tracking.login and TANBA_TRACKING_PASSWORD (or tracking.apiKey for Uzbekistan)' : 'set tracking.apiKey (TANBA_TRACKING_API_KEY)',
    };
  if (!reachable) return { name: 'token', verdict: 'skip', detail: 'the tracking system is not reachable' };
  if (!health) return { name: 'token', verdict: 'skip', detail: 'token check not available in this build' };
  try {
    const h = await health(config);
    if (!h.ok) return { name: 'token', verdict: 'fail', detail: h.message ?? 'the tracking system refused the credentials', fix: 'check tracking.login / password / apiKey; renew them in the personal account if expired' };
    if (!h.tokenExpiresAt) return { name: 'token', verdict: 'ok', detail: 'credentials accepted' };
    const left = (Date.parse(h.tokenExpiresAt) - Date.now()) / 1000;
    return left > 60
      ? { name: 'token', verdict: 'ok', detail: `token issued, expires ${h.tokenExpiresAt} (in ${Math.round(left / 60)} min; renewed automatically)` }
      : { name: 'token', verdict: 'warn', detail: `token expires ${h.tokenExpiresAt}`, fix: 'the agent renews it; if this persists, check the clock and the credentials' };
  } catch (e) {
    return {
      name: 'token',
      verdict: 'fail',
      detail: `token request failed: ${e instanceof Error ? e.message : String(e)}`,
      fix: 'check tracking.login / password / apiKey and the clock',
    };
  }
}

async function checkScanners(config: AgentConfig, discovery: ListDevicesOptions | undefined): Promise<DoctorCheck> {
  if (config.scanners.length === 0) {
    const base = config.discoverScanners ? 'none listed; discovery is on' : 'none configured: codes come from the POS through the API';
    let found: { devices: { path: string; kind: string; likelyScanner: boolean; advice: string | null; vendor: string | null }[] } = { devices: [] };
    try {
      const { listDevices } = await import('../../drivers/discovery.js');
      found = await listDevices(discovery);
    } catch {
      // discovery unavailable here: say nothing more
    }
    const likely = found.devices.filter((d) => d.likelyScanner);
    if (likely.length === 0) return { name: 'scanners', verdict: 'ok', detail: `${base}; no scanner found on USB-COM or HID` };
    const wrongMode = likely.filter((d) => d.kind === 'hid-keyboard' || d.kind === 'hid-other');
    const detail = `${base}; found ${likely.map((d) => `${d.vendor ?? 'scanner'} ${d.kind} ${d.path}`).join(', ')}`;
    if (wrongMode.length > 0) return { name: 'scanners', verdict: 'warn', detail, fix: wrongMode.map((d) => d.advice ?? `switch ${d.path} to USB-COM or HID POS mode`).join('; ') };
    return { name: 'scanners', verdict: 'ok', detail, fix: config.discoverScanners ? undefined : 'list them under "scanners" in the config, or set "discoverScanners": true' };
  }
  const problems: string[] = [];
  const fixes: string[] = [];
  for (const s of config.scanners) {
    if (s.driver === 'stdin') continue;
    if (/^COM\d+$/i.test(s.path) && process.platform === 'win32') continue; // COM ports have no file to stat
    if (!existsSync(s.path)) {
      problems.push(`${s.driver} ${s.path}: not present`);
      fixes.push(`plug the scanner in or correct the path of ${s.path} (\`tanba devices\` lists what is connected)`);
      continue;
    }
    try {
      accessSync(s.path, constants.R_OK | constants.W_OK);
    } catch {
      problems.push(`${s.driver} ${s.path}: permission denied`);
      fixes.push(
        s.driver === 'serial'
          ? `add the agent's user to the dialout group: sudo usermod -aG dialout <user> (then log in again)`
          : `add a udev rule giving the agent's user access to ${s.path} (e.g. MODE="0660", GROUP="plugdev")`,
      );
    }
  }
  if (problems.length === 0) return { name: 'scanners', verdict: 'ok', detail: `${config.scanners.length} configured, all present and accessible` };
  return { name: 'scanners', verdict: 'fail', detail: problems.join('; '), fix: fixes.join('; ') };
}

async function checkAgent(config: AgentConfig, timeoutMs: number): Promise<DoctorCheck> {
  const url = localUrl(config.http.host, config.http.port);
  if (config.http.port === 0) return { name: 'agent', verdict: 'skip', detail: 'port 0 (any free port): cannot look for a running agent' };
  try {
    const s = await new AgentClient(url, { token: config.http.token, timeoutMs }).status();
    if (s.state === 'ready') return { name: 'agent', verdict: 'ok', detail: `running at ${url}, ready, ${s.queue.pending} pending` };
    return {
      name: 'agent',
      verdict: 'warn',
      detail: `running at ${url}, degraded: ${s.problems.map((p) => p.message).join('; ') || 'see the status page'}`,
      fix: `open ${url}/ for details`,
    };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    if (cause === 'ECONNREFUSED') return { name: 'agent', verdict: 'warn', detail: `no agent running at ${url}`, fix: 'start it: `tanba agent` (or the tanba-agent service)' };
    return {
      name: 'agent',
      verdict: 'fail',
      detail: `${url} answers but not as a tanba agent (${e instanceof Error ? e.message : String(e)})`,
      fix: 'another program uses this port: choose another with http.port / --port, or check http.token',
    };
  }
}

export function formatDoctor(report: DoctorReport): string {
  const mark: Record<Verdict, string> = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };
  const lines = report.checks.map((c) => `${mark[c.verdict]}  ${c.name.padEnd(9)} ${c.detail}${c.fix ? `\n      → ${c.fix}` : ''}`);
  lines.push(report.ok ? 'No blocking problem found.' : 'Fix the FAIL lines above, then run `tanba doctor` again.');
  return lines.join('\n');
}

/**
 * Agent configuration: one zod schema gives the type, the embedded defaults and the checks.
 * Sources, later ones win: embedded defaults < config file (JSON) < environment (TANBA_*) < flags.
 * Every mistake is reported by field, with where it came from and what to write instead.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { LANGUAGES } from '../decision/locales/index.js';
import { type FiscalConfig, FISCAL_CHANNELS, fiscalConfigSchema } from '../fiscal/create.js';
import { redactUrl } from '../outbox/postgres/connection.js';
import { type FieldError, schemaKeys, toFieldErrors } from '../util/field-errors.js';

const tin = z.string().regex(/^\d{9,12}$/);

export const scannerConfigSchema = z
  .object({
    driver: z.enum(['serial', 'hid-pos', 'hid-keyboard', 'stdin']),
    path: z.string().min(1),
    baud: z.number().int().positive().optional(),
    registerId: z.string().min(1).optional(),
  })
  .strict();

export const agentConfigSchema = z
  .object({
    country: z.enum(['KZ', 'RU', 'UZ']).default('KZ'),
    /** Language of cashier messages in decisions (the status page lets the reader switch). */
    language: z.enum(LANGUAGES).default('ru'),
    http: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(7315),
        /** Required when `host` is not loopback; then every call must carry it (Bearer or ?token=). */
        token: z.string().min(16).optional(),
        bodyLimitBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
        /** Web origins (e.g. a browser POS at "http://localhost:8080") allowed to call the API; "*" for any. */
        corsOrigins: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    db: z.object({ path: z.string().min(1).default('tanba.db') }).strict().prefault({}),
    /** Where receipts are kept. `db.path` is the older spelling of `{ kind: 'sqlite', path }`. */
    store: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('sqlite'), path: z.string().min(1) }).strict(),
        z
          .object({
            kind: z.literal('postgres'),
            /** postgres://user@host:port/database; the password from TANBA_STORE_PASSWORD (keeps it out of the file). */
            url: z.string().regex(/^postgres(ql)?:\/\//, 'write a URL like postgres://tanba@db.example:5432/tanba (password in TANBA_STORE_PASSWORD)'),
            schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'write a plain PostgreSQL identifier, e.g. "tanba"').optional(),
            poolSize: z.number().int().min(1).max(100).optional(),
          })
          .strict(),
      ])
      .optional(),
    /** The default fiscal channel settings every register extends (e.g. the channel, URL and API key of the account). */
    fiscal: z.record(z.string(), z.unknown()).default({}),
    /** VAT percent for receipt lines that do not say; null = the seller charges no VAT. Registers may override it. */
    vatRate: z.number().min(0).max(100).nullable().default(null),
    /** The cash registers this agent serves; each sends its receipts through its `fiscal` channel. None: one register "default". */
    registers: z
      .array(
        z
          .object({
            id: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
            sellerTin: tin.optional(),
            vatRate: z.number().min(0).max(100).nullable().optional(),
            /** This register's channel settings, merged over the top-level `fiscal`. */
            fiscal: z.record(z.string(), z.unknown()).optional(),
          })
          .strict(),
      )
      .default([]),
    tracking: z
      .object({
        /** Base URL of the tracking system (or the emulator). Absent: no online checks, sales stay queued. */
        url: z.url({ protocol: /^https?$/ }).optional(),
        /** Default: follows `country` (xtrace for KZ/UZ, tspiot for RU; true-api = the direct CDN, local-module = ЛМ ЧЗ only). */
        family: z.enum(['xtrace', 'true-api', 'tspiot', 'local-module']).optional(),
        login: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        apiKey: z.string().min(1).optional(),
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
        /** Further adapter settings passed through as they are (paths, limits, businessPlaceId…; see tracking/config.ts). */
        adapter: z.record(z.string(), z.unknown()).default({}),
      })
      .strict()
      .prefault({}),
    decision: z
      .object({
        budgetMs: z.number().int().min(50).max(30_000).default(1500),
        /** What a cashier may do when the code could not be checked in time. */
        unknownPolicy: z.enum(['allow', 'deny']).default('allow'),
      })
      .strict()
      .prefault({}),
    relay: z
      .object({
        enabled: z.boolean().default(true),
        concurrency: z.number().int().min(1).max(64).default(4),
        /** First retry delay after a failed send, growing to `retryMaxMs`. */
        retryMinMs: z.number().int().min(10).default(1000),
        retryMaxMs: z.number().int().min(100).default(300_000),
        /** Network attempts per claim of a receipt (transient failures only). */
        attemptsPerClaim: z.number().int().min(1).max(10).default(3),
        /** Wait after an ambiguous send before asking the cash register what it issued. */
        reconcileDelayMs: z.number().int().min(0).default(1000),
        /** While a register is blocked (72 h, blocked by the OFD), how often its next receipt is tried. */
        blockedProbeMs: z.number().int().min(1000).default(60_000),
        /** How long a worker's claim is reserved; a worker that dies is taken over after this (shared stores). */
        leaseSeconds: z.number().int().min(1).max(3600).default(120),
        /** Keep fiscalised receipts (return bases, sold-here knowledge) this many days. */
        retentionDays: z.number().int().min(1).max(3650).default(180),
      })
      .strict()
      .prefault({}),
    /** A queue older than this makes the agent "degraded". */
    queueAgeWarningMinutes: z.number().int().min(1).default(24 * 60),
    /** Seller BINs/INNs served by this agent, and which registers belong to which seller. */
    sellers: z
      .array(z.object({ tin, name: z.string().optional(), registers: z.array(z.string().min(1)).default([]) }).strict())
      .default([]),
    scanners: z.array(scannerConfigSchema).default([]),
    /** With no scanners listed: open the likely scanners found on USB-COM and HID POS at start. */
    discoverScanners: z.boolean().default(false),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** Log file (rotated); absent: JSON lines on stderr. */
        file: z.string().min(1).optional(),
        rotateSize: z.string().regex(/^\d+[kmg]?$/).default('10m'),
        rotateFrequency: z.enum(['daily', 'hourly']).default('daily'),
        keep: z.number().int().min(1).max(365).default(14),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .transform((c) => ({ ...c, tracking: { ...c.tracking, family: c.tracking.family ?? (c.country === 'RU' ? ('tspiot' as const) : ('xtrace' as const)) } }))
  .superRefine((c, ctx) => {
    const t = c.tracking;
    if (t.url && t.family === 'xtrace' && !t.apiKey) {
      for (const k of ['login', 'password'] as const)
        if (!t[k])
          ctx.addIssue({ code: 'custom', path: ['tracking', k], message: `is required to sign in to ${t.url}${c.country === 'UZ' ? ' (or set tracking.apiKey)' : ''}` });
    }
    if (t.url && t.family === 'true-api' && !t.apiKey) ctx.addIssue({ code: 'custom', path: ['tracking', 'apiKey'], message: `is required for True API (${t.url})` });
    const ids = new Set<string>();
    c.registers.forEach((r, i) => {
      if (ids.has(r.id)) ctx.addIssue({ code: 'custom', path: ['registers', i, 'id'], message: `repeats register id ${r.id}` });
      ids.add(r.id);
    });
    const regs = c.registers.length ? c.registers : [{ id: 'default', fiscal: undefined }];
    regs.forEach((r, i) => {
      const merged = mergeFiscal(c.fiscal, r.fiscal);
      if (Object.keys(merged).length === 0) return;
      const at = c.registers.length ? ['registers', i, 'fiscal'] : ['fiscal'];
      if (typeof merged.channel !== 'string' || !(FISCAL_CHANNELS as readonly string[]).includes(merged.channel)) {
        ctx.addIssue({ code: 'custom', path: [...at, 'channel'], message: `must be one of ${FISCAL_CHANNELS.join(', ')}` });
        return;
      }
      const p = fiscalConfigSchema.safeParse(merged);
      // Passed on as they are (unknown keys stay unknown keys), under the register's path.
      if (!p.success) for (const iss of p.error.issues) ctx.addIssue({ ...(iss as unknown as z.core.$ZodIssueCustom), path: [...at, ...iss.path.map((x) => (typeof x === 'symbol' ? String(x) : x))] });
    });
    if (!isLoopback(c.http.host) && !c.http.token) {
      ctx.addIssue({
        code: 'custom',
        path: ['http', 'token'],
        message: `is required because http.host "${c.http.host}" is reachable from other machines`,
      });
    }
  });

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const hints: Record<string, string> = {
  'http.port': 'write a whole number from 1 to 65535 (0 picks a free port), e.g. 7315',
  'http.host': 'write "127.0.0.1" (this PC only) or "0.0.0.0" (the store network; then set http.token)',
  'http.token': 'write a secret of at least 16 characters, e.g. the output of `openssl rand -hex 24`',
  'tracking.login': 'write the login of the store account (or set TANBA_TRACKING_LOGIN)',
  'tracking.password': 'set TANBA_TRACKING_PASSWORD in the environment (keeps it out of the file)',
  'tracking.url': 'write the base URL, e.g. "https://api.markirovka.kz" or "http://127.0.0.1:7316" for the emulator',
  'db.path': 'write a file path, e.g. "tanba.db"',
  'fiscal.channel': 'write "webkassa", "rekassa" or "external" (the POS fiscalises itself)',
  'fiscal.password': 'set TANBA_FISCAL_PASSWORD in the environment (keeps it out of the file)',
  'fiscal.apiKey': 'set TANBA_FISCAL_API_KEY in the environment (keeps it out of the file)',
  'fiscal.url': 'write the base URL of the cash register service, e.g. "https://devkkm.webkassa.kz" (test) or the emulator\'s URL',
  'registers.*.id': 'write a short id for the till, e.g. "till-1"',
  'sellers.*.tin': 'write the seller BIN/INN: 12 digits (KZ BIN, RU INN of a person), 10 (RU INN) or 9 (UZ INN)',
  'scanners.*.path': 'write the device path, e.g. "/dev/ttyACM0" or "COM3"',
  'log.rotateSize': 'write a size such as "10m", "500k" or "1g"',
};

const knownKeys = schemaKeys(agentConfigSchema as unknown as z.ZodType);

export interface ConfigIssue extends FieldError {
  /** Where the wrong value came from: `file tanba.json`, `env TANBA_PORT`, `flag --port`, or `defaults`. */
  source: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config-invalid';
  constructor(readonly issues: ConfigIssue[]) {
    super(`The configuration has ${issues.length} mistake${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  ${i.field} (${i.source}): ${i.problem} — ${i.fix}`).join('\n')}`);
  }
}

/** Flags from the command line (only the ones given). */
export interface ConfigFlags {
  config?: string;
  port?: string | number;
  host?: string;
  db?: string;
  trackingUrl?: string;
  token?: string;
  logLevel?: string;
  logFile?: string;
}

interface Layer {
  source: string;
  values: Record<string, unknown>;
  /** dotted field → name of the env var / flag that set it */
  origins: Record<string, string>;
}

/** Environment variables the agent reads, each mapped to a config field. */
export const envVars: Record<string, string> = {
  TANBA_HOST: 'http.host',
  TANBA_PORT: 'http.port',
  TANBA_TOKEN: 'http.token',
  TANBA_DB: 'db.path',
  TANBA_TRACKING_URL: 'tracking.url',
  TANBA_TRACKING_FAMILY: 'tracking.family',
  TANBA_TRACKING_LOGIN: 'tracking.login',
  TANBA_TRACKING_PASSWORD: 'tracking.password',
  TANBA_TRACKING_API_KEY: 'tracking.apiKey',
  TANBA_FISCAL_PASSWORD: 'fiscal.password',
  TANBA_FISCAL_API_KEY: 'fiscal.apiKey',
  TANBA_COUNTRY: 'country',
  TANBA_LANGUAGE: 'language',
  TANBA_LOG_LEVEL: 'log.level',
  TANBA_LOG_FILE: 'log.file',
};
const numericFields = new Set(['http.port']);

const flagFields: Record<keyof Omit<ConfigFlags, 'config'>, [string, string]> = {
  port: ['http.port', '--port'],
  host: ['http.host', '--host'],
  db: ['db.path', '--db'],
  trackingUrl: ['tracking.url', '--tracking-url'],
  token: ['http.token', '--token'],
  logLevel: ['log.level', '--log-level'],
  logFile: ['log.file', '--log-file'],
};

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    if (cur[p] === null || typeof cur[p] !== 'object' || Array.isArray(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

function coerce(field: string, raw: string): unknown {
  if (numericFields.has(field) && /^\s*-?\d+\s*$/.test(raw)) return Number(raw);
  return raw;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Reads a JSON config file; syntax errors name the line and column. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError([
      {
        field: '(file)',
        source: `file ${path}`,
        problem: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(e)})`,
        fix: code === 'ENOENT' ? 'check the path given to --config / TANBA_CONFIG, or omit it to run on the embedded defaults' : 'give the agent read access to the file',
      },
    ]);
  }
  try {
    const v: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SyntaxError('the top level must be an object { … }');
    return v as Record<string, unknown>;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    let where = '';
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    throw new ConfigError([
      { field: '(file)', source: `file ${path}`, problem: `is not valid JSON${where}: ${msg}`, fix: 'write JSON: keys in double quotes, no trailing commas, no comments' },
    ]);
  }
}

/**
 * Builds the agent configuration from defaults, an optional file, the environment and flags.
 * Throws `ConfigError` listing every mistake at once.
 */
export function loadConfig(opts: { flags?: ConfigFlags; env?: NodeJS.ProcessEnv; cwd?: string; file?: Record<string, unknown> } = {}): AgentConfig {
  const flags = opts.flags ?? {};
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const layers: Layer[] = [];
  const configPath = flags.config ?? env.TANBA_CONFIG;
  if (opts.file) layers.push({ source: 'file', values: opts.file, origins: {} });
  else if (configPath) {
    const full = resolve(cwd, configPath);
    layers.push({ source: `file ${configPath}`, values: readConfigFile(full), origins: {} });
  }
  const envLayer: Layer = { source: 'env', values: {}, origins: {} };
  for (const [name, field] of Object.entries(envVars)) {
    const v = env[name];
    if (v !== undefined && v !== '') {
      setPath(envLayer.values, field, coerce(field, v));
      envLayer.origins[field] = `env ${name}`;
    }
  }
  layers.push(envLayer);
  const flagLayer: Layer = { source: 'flags', values: {}, origins: {} };
  for (const [key, [field, name]] of Object.entries(flagFields) as [keyof typeof flagFields, [string, string]][]) {
    const v = flags[key];
    if (key === 'db' && typeof v === 'string' && /^postgres(ql)?:\/\//.test(v)) {
      // `--db postgres://…` names the chain's shared store.
      setPath(flagLayer.values, 'store', { kind: 'postgres', url: v });
      flagLayer.origins.store = 'flag --db';
      continue;
    }
    if (key === 'db' && v !== undefined) {
      setPath(flagLayer.values, 'store', { kind: 'sqlite', path: String(v) });
      flagLayer.origins.store = 'flag --db';
    }
    if (v !== undefined) {
      setPath(flagLayer.values, field, typeof v === 'string' ? coerce(field, v) : v);
      flagLayer.origins[field] = `flag ${name}`;
    }
  }
  layers.push(flagLayer);

  let merged: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  for (const l of layers) {
    merged = deepMerge(merged, l.values);
    for (const k of Object.keys(flattenKeys(l.values))) origins[k] = l.origins[k] ?? l.source;
  }
  const r = agentConfigSchema.safeParse(merged);
  if (!r.success) {
    const errs = toFieldErrors(r.error.issues, merged, hints, knownKeys);
    throw new ConfigError(errs.map((e) => ({ ...e, source: originOf(e.field, origins) })));
  }
  return r.data;
}

function flattenKeys(v: Record<string, unknown>, prefix = '', out: Record<string, true> = {}): Record<string, true> {
  for (const [k, val] of Object.entries(v)) {
    const key = prefix ? `${prefix}.${k}` : k;
    out[key] = true;
    if (val && typeof val === 'object' && !Array.isArray(val)) flattenKeys(val as Record<string, unknown>, key, out);
  }
  return out;
}

function originOf(field: string, origins: Record<string, string>): string {
  const parts = field.split('.');
  for (let n = parts.length; n > 0; n--) {
    const o = origins[parts.slice(0, n).join('.')];
    if (o) return o;
  }
  return 'defaults';
}

/** Embedded defaults (what `tanba agent` runs on with no configuration). */
export function defaultConfig(overrides: AgentConfigInput = {}): AgentConfig {
  const r = agentConfigSchema.safeParse(overrides);
  if (!r.success) throw new ConfigError(toFieldErrors(r.error.issues, overrides, hints, knownKeys).map((e) => ({ ...e, source: 'code' })));
  return r.data;
}

/** The configuration with secrets replaced, for logs, `tanba doctor` and the status API. */
export function redactConfig(c: AgentConfig): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(c)) as Record<string, Record<string, unknown>>;
  if (copy.http.token) copy.http.token = '[redacted]';
  for (const k of ['password', 'apiKey']) if (copy.tracking[k]) copy.tracking[k] = '[redacted]';
  const redactFiscal = (f: Record<string, unknown> | undefined) => {
    if (f) for (const k of ['password', 'apiKey', 'token']) if (f[k] !== undefined) f[k] = '[redacted]';
  };
  redactFiscal(copy.fiscal);
  for (const r of copy.registers as unknown as { fiscal?: Record<string, unknown> }[]) redactFiscal(r.fiscal);
  if (copy.store?.kind === 'postgres' && typeof copy.store.url === 'string') copy.store.url = redactUrl(copy.store.url);
  return copy;
}

/**
 * A register's channel settings: the top-level `fiscal` extended by the register's own. A register
 * that names another channel than the top level stands on its own settings.
 */
function mergeFiscal(base: Record<string, unknown>, own: Record<string, unknown> | undefined): Record<string, unknown> {
  if (own?.channel !== undefined && base.channel !== undefined && own.channel !== base.channel) return { ...own };
  return { ...base, ...(own ?? {}) };
}

export interface ResolvedRegister {
  id: string;
  sellerTin: string | null;
  vatRate: number | null;
  /** The merged, validated channel settings; null = no channel (receipts wait). */
  fiscal: FiscalConfig | null;
}

/** The registers with their merged channel settings (the schema has validated them). */
export function resolveRegisters(c: AgentConfig): ResolvedRegister[] {
  const regs = c.registers.length ? c.registers : [{ id: 'default', sellerTin: undefined, vatRate: undefined, fiscal: undefined }];
  return regs.map((r) => {
    const merged = mergeFiscal(c.fiscal, r.fiscal);
    return {
      id: r.id,
      sellerTin: r.sellerTin ?? c.sellers.find((s) => s.registers.includes(r.id))?.tin ?? c.sellers[0]?.tin ?? null,
      vatRate: r.vatRate !== undefined ? r.vatRate : c.vatRate,
      fiscal: Object.keys(merged).length ? fiscalConfigSchema.parse(merged) : null,
    };
  });
}

/** The SQLite file the agent keeps receipts in. */
export function storePath(c: AgentConfig): string {
  return c.store?.kind === 'sqlite' ? c.store.path : c.db.path;
}


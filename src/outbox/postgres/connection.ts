/**
 * The edge between a connection URL and the StoreError codes callers act on: where a URL points
 * (for messages, never with its password), how a separately supplied password is put into it,
 * and how node-postgres and server errors (SQLSTATE) map to StoreError.
 */
import { StoreError } from '../errors.js';

/** What a URL points at, for messages: `host:port/database as user`, or the socket. Never the password. */
export interface Target {
  where: string;
  database: string | null;
  user: string | null;
}

const URL_RE = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i;

export function describeTarget(url: string): Target {
  const m = URL_RE.exec(url);
  if (!m) return { where: '(unparsable PostgreSQL URL)', database: null, user: null };
  const [, , auth, hostPort, path, query] = m;
  const params = new URLSearchParams(query ? query.slice(1) : '');
  const user = params.get('user') ?? (auth ? decodeSafe(auth.split(':')[0]) : '') ?? '';
  const database = params.get('dbname') ?? params.get('database') ?? (path && path.length > 1 ? decodeSafe(path.slice(1)) : null);
  let host = params.get('host') ?? '';
  let port = params.get('port') ?? '';
  if (!host) {
    const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(decodeSafe(hostPort)) ?? [];
    host = hp[1] ?? '';
    port ||= hp[2] ?? '';
  }
  port ||= '5432';
  const where = host.startsWith('/') ? `${host}/.s.PGSQL.${port}` : `${host || 'localhost'}:${port}`;
  return { where, database: database || null, user: user || null };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The URL with `password` as its password (replacing one it had). */
export function withPassword(url: string, password: string): string {
  const m = URL_RE.exec(url);
  if (!m) return url;
  const [, scheme, auth, hostPort, path, query] = m;
  const user = auth ? auth.split(':')[0] : '';
  return `${scheme}${user}:${encodeURIComponent(password)}@${hostPort}${path ?? ''}${query ?? ''}`;
}

/** Text for logs: the URL with any password replaced by `***`. */
export function redactUrl(url: string): string {
  const m = URL_RE.exec(url);
  if (!m) return '(PostgreSQL URL)';
  const [, scheme, auth, hostPort, path, query] = m;
  const params = new URLSearchParams(query ? query.slice(1) : '');
  if (params.has('password')) params.set('password', '***');
  const q = [...params.keys()].length > 0 ? '?' + params.toString().replace(/%2F/gi, '/') : '';
  const a = auth === undefined ? '' : auth.includes(':') ? `${auth.split(':')[0]}:***@` : `${auth}@`;
  return `${scheme}${a}${hostPort}${path ?? ''}${q}`;
}

/** Network-level failures before the server answered: nothing was written. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EACCES', 'ETIMEDOUT']);
/** The connection broke while a command was on its way: the outcome of a COMMIT is unknown. */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Map a node-postgres error (a DatabaseError with SQLSTATE `code`, or a socket error) to a StoreError. */
export function fromPgError(e: unknown, doing: string, target: Target): StoreError {
  if (e instanceof StoreError) return e;
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : '';
  const msg = e instanceof Error ? e.message : String(e);
  const at = target.where;
  if (UNREACHABLE.has(code) || /timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(msg))
    return new StoreError(
      'store-io',
      `Cannot reach PostgreSQL at ${at} (${code || 'connect timeout'}) while ${doing}; nothing was saved. Check that the server is running and the store URL (host, port, socket folder) is right.`,
    );
  if (BROKEN.has(code) || /Connection terminated|Client has encountered a connection error|Connection ended/i.test(msg))
    return new StoreError(
      'store-io',
      `Lost the connection to PostgreSQL at ${at} while ${doing}; the change may or may not have been committed. Retrying with the same receipt id is safe (it is idempotent).`,
    );
  const s = `(SQLSTATE ${code})`;
  switch (code) {
    case '28P01':
    case '28000':
      return new StoreError('store-io', `PostgreSQL at ${at} refused the login${target.user ? ` of user ${target.user}` : ''} ${s}; check the user and password (TANBA_STORE_PASSWORD) and pg_hba.conf.`);
    case '3D000':
      return new StoreError('store-io', `The database ${target.database ?? '(default)'} does not exist at ${at} ${s}; create it (createdb) or fix the store URL.`);
    case '53100':
      return new StoreError('disk-full', `PostgreSQL at ${at} is out of disk space while ${doing} ${s}; nothing was saved. Free disk space on the database server.`);
    case '53300':
      return new StoreError('store-io', `PostgreSQL at ${at} has too many connections while ${doing} ${s}; lower the store poolSize or raise max_connections.`);
    case '25006':
      return new StoreError('store-readonly', `PostgreSQL at ${at} is read-only (a standby?) while ${doing} ${s}; nothing was saved. Point the store URL at the primary.`);
    case '42501':
      return new StoreError('store-readonly', `The PostgreSQL user${target.user ? ` ${target.user}` : ''} may not do this while ${doing} ${s}: ${msg}. Grant it the rights on the tanba schema.`);
    case '40001':
    case '40P01':
    case '55P03':
      return new StoreError('store-locked', `PostgreSQL at ${at} could not take a lock while ${doing} ${s}; nothing was saved. Try again.`);
    case 'XX001':
    case 'XX002':
      return new StoreError('store-corrupt', `PostgreSQL at ${at} reports damaged data while ${doing} ${s}: ${msg}. Ask the database administrator to check the server.`);
    case '57P01':
    case '57P02':
    case '57P03':
      return new StoreError('store-io', `PostgreSQL at ${at} is shutting down or starting up while ${doing} ${s}; try again shortly.`);
    default:
      return new StoreError('store-io', `PostgreSQL error while ${doing}: ${msg}${code ? ' ' + s : ''}.`);
  }
}

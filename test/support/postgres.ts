/**
 * A throw-away PostgreSQL cluster for tests: `initdb` into a temp folder, `pg_ctl start` listening
 * on a unix socket in that folder only (no TCP port), `pg_ctl stop -m immediate` and the folder
 * removed at the end (also when the test process exits early). When the tests run as root (CI),
 * the server binaries run as the `postgres` OS user, because initdb refuses root.
 *
 * Without the server binaries this fails once, up front, saying what to install; it never skips.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PgCluster {
  /** Connection URL over the unix socket, user `tanba`, database `postgres`. */
  url: string;
  socketDir: string;
  dataDir: string;
  /** A fresh schema name for one store (each store gets an empty schema of its own). */
  newSchema(prefix?: string): string;
  stop(): Promise<void>;
}

/** The folder holding initdb/pg_ctl/postgres: $TANBA_PG_BIN, Debian's /usr/lib/postgresql/<v>/bin (newest), or `pg_config --bindir`. */
export function findPostgresBin(): string | null {
  const has = (dir: string) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(dir, b)));
  const env = process.env.TANBA_PG_BIN;
  if (env) return has(env) ? env : null;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(debian, v, 'bin'))) return join(debian, v, 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (has(dir)) return dir;
  } catch {
    /* no pg_config */
  }
  return null;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

export async function startPostgres(opts: { fsync?: boolean } = {}): Promise<PgCluster> {
  const bin = findPostgresBin();
  if (!bin)
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found, and these tests need a real PostgreSQL. ' +
        'Install them: `apt-get install postgresql` (Debian/Ubuntu; the binaries land in /usr/lib/postgresql/<version>/bin), ' +
        'or set TANBA_PG_BIN to the folder that holds them.',
    );
  // Unix socket paths are limited to ~107 bytes: keep the folder short.
  const base = tmpdir().length > 60 ? '/tmp' : tmpdir();
  const dir = mkdtempSync(join(base, 'tanba-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const asRoot = isRoot();
  if (asRoot) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      rmSync(dir, { recursive: true, force: true });
      throw new Error('Running as root: the PostgreSQL binaries refuse root, and there is no `postgres` OS user to run them as. `apt-get install postgresql` creates it.');
    }
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
  }
  const cmd = (tool: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]);
  const pgCtlStop = cmd('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate', '-w']);
  let started = false;
  let stopped = false;
  const cleanupSync = () => {
    if (stopped) return;
    stopped = true;
    if (started) {
      try {
        execFileSync(pgCtlStop[0], pgCtlStop[1], { stdio: 'ignore' });
      } catch {
        /* already down */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanupSync);
  try {
    await run(...cmd('initdb', ['-D', dataDir, '-U', 'tanba', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']));
    const server = [`-c listen_addresses=''`, `-k ${dir}`, '-c max_connections=200', `-c fsync=${opts.fsync ? 'on' : 'off'}`, '-c full_page_writes=off'];
    await run(...cmd('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', server.join(' '), '-w', '-t', '60', 'start']));
    started = true;
  } catch (e) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    cleanupSync();
    process.removeListener('exit', cleanupSync);
    const err = e as { stderr?: string; message: string };
    throw new Error(`Could not start a test PostgreSQL cluster (${bin}, as ${asRoot ? 'postgres' : userInfo().username}): ${err.stderr?.trim() || err.message}\n${log}`);
  }
  let n = 0;
  return {
    url: `postgres://tanba@/postgres?host=${dir}`,
    socketDir: dir,
    dataDir,
    newSchema: (prefix = 't') => `${prefix}_${process.pid}_${++n}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', cleanupSync);
      try {
        await run(...pgCtlStop);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

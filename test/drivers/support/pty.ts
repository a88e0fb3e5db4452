/** Real pty pairs made by socat, for serial tests and benchmarks. Waits on the filesystem, never on fixed sleeps. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';

export interface PtyPair {
  /** The end the scanner driver opens. */
  device: string;
  /** The end the test writes "scanner bytes" into. */
  wire: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Poll `cond` every few ms until it holds, failing after `timeoutMs`. */
export async function waitUntil(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function startPtyPair(device: string, wire: string): Promise<PtyPair> {
  const proc = spawn('socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${wire}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let exited = false;
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.on('exit', () => (exited = true));
  await waitUntil(() => exited || (existsSync(device) && existsSync(wire)), 5000, `socat links ${device}`).catch((e) => {
    proc.kill('SIGKILL');
    throw e;
  });
  if (exited) throw new Error(`socat exited early: ${stderr}`);
  return {
    device,
    wire,
    proc,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = once(proc, 'exit');
      proc.kill('SIGTERM');
      await gone;
      await waitUntil(() => !existsSync(device) && !existsSync(wire), 5000, 'socat links removed');
    },
  };
}

/** The "scanner" side: writes raw bytes into the wire end of a pty pair. */
export class Wire {
  private constructor(private readonly fh: FileHandle) {}
  static async open(path: string): Promise<Wire> {
    return new Wire(await open(path, 'r+'));
  }
  async write(data: string | Uint8Array): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
    await this.fh.write(buf);
  }
  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

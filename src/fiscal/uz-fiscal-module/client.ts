/**
 * JSON-RPC 2.0 client of the Uzbek fiscal module (E-POS Communicator / FiscalDriveAPI): one POST
 * path, `{jsonrpc, id, method, params}`, always HTTP 200 with the refusal in `error`. One logical
 * call, no retries (the relay retries): the channel (index.ts) decides what a refusal means for a
 * receipt. Transport failures are classified by the shared ChannelHttp (a timeout or reset after
 * the request of a receipt call is `unknown-result`).
 */
import { FiscalError } from '../types.js';
import { ChannelHttp, classifyStatus, silentLogger, type FiscalLogger } from '../http.js';
import { rpcEnvelopeSchema } from './answer.js';
import { fmError } from './errors.js';

export interface RpcOptions {
  /** The call may sign a receipt: an ambiguous failure is `unknown-result`. */
  mutating: boolean;
}

export class UzRpcClient {
  readonly http: ChannelHttp;
  private nextId = 1;

  constructor(
    private readonly url: string,
    timeoutMs: number,
    logger: FiscalLogger = silentLogger,
  ) {
    this.http = new ChannelHttp({ channel: 'uz-fiscal-module', timeoutMs, logger });
  }

  /** One call → its `result`. Rejects with a FiscalError (a refusal, or no usable answer). */
  async call(method: string, params: Record<string, unknown>, opts: RpcOptions): Promise<unknown> {
    const id = this.nextId++;
    const a = await this.http.send({ method: 'POST', url: this.url, data: { jsonrpc: '2.0', id, method, params }, mutating: opts.mutating, what: method });
    if (a.status !== 200) throw classifyStatus(a.status, a.headers, { mutating: opts.mutating, what: method }, a.isJson ? undefined : a.text.slice(0, 200).trim() || undefined);
    const env = a.isJson ? rpcEnvelopeSchema.safeParse(a.json) : null;
    if (!env?.success) throw badAnswer(method, opts.mutating, a.isJson ? 'not a JSON-RPC answer' : 'not JSON');
    const e = env.data.error;
    if (e) {
      const code = typeof e.code === 'number' ? e.code : typeof e.code === 'string' && /^-?\d+$/.test(e.code) ? Number(e.code) : null;
      throw fmError(code, e.message ?? (e.data !== undefined ? JSON.stringify(e.data) : null), method);
    }
    if (env.data.id !== undefined && env.data.id !== null && env.data.id !== id) throw badAnswer(method, opts.mutating, `the answer is for request ${JSON.stringify(env.data.id)}, not ${id}`);
    if (env.data.result === undefined || env.data.result === null) throw badAnswer(method, opts.mutating, 'no result');
    return env.data.result;
  }

  close(): void {
    this.http.close();
  }
}

export function badAnswer(method: string, mutating: boolean, why: string): FiscalError {
  return new FiscalError(
    mutating ? 'unknown-result' : 'transient',
    'bad-answer',
    `${method}: unexpected answer from the fiscal module (${why})${mutating ? '; the receipt may have been issued' : ''}`,
  );
}

/**
 * Multikassa local-API client and answers (fiscal-channels.md §3.2, [S]). Every answer is the
 * envelope `{ success, code, message, data }`; a refusal comes as `success: false` on HTTP 4xx/5xx
 * (a field client reports business refusals on 500 with a body such as "#2D - Z-отчет не был
 * открыт"), so the body is read first and the status decides only when there is no readable
 * envelope (then 500 after a receipt request is `unknown-result`). The module's codes are
 * classified by the fiscal-module table (uz-fiscal-module/errors.ts). One call, no retries.
 */
import { z } from 'zod';
import { FiscalError } from '../types.js';
import { ChannelHttp, classifyStatus, joinUrl, silentLogger, type FiscalLogger } from '../http.js';
import { fmError } from '../uz-fiscal-module/errors.js';

export const PATHS = {
  operations: '/api/v1/operations',
  zReport: '/api/v1/zReport',
  unsentCount: '/api/v1/unsentCount',
  resendUnsent: '/api/v1/resendUnsent',
  info: '/api/v1/info',
} as const;

const str = z.union([z.string(), z.number()]).transform(String);
/** An integer sent as a number or as a string of digits (the zReport answers strings of tiyin). */
const int = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

export const envelopeSchema = z
  .object({ success: z.boolean().nullish(), code: z.union([z.number(), z.string()]).nullish(), message: z.string().nullish(), data: z.unknown().optional() })
  .loose();

export const saleDataSchema = z
  .object({
    receipt_gnk_fiscalsign: str.pipe(z.string().min(1)),
    receipt_gnk_receiptseq: str.pipe(z.string().regex(/^\d+$/)),
    receipt_gnk_terminalid: str.nullish(),
    module_gnk_terminalid: str.nullish(),
    receipt_gnk_qrcodeurl: z.string().nullish(),
    receipt_gnk_datetime: z.string().nullish(),
    receipt_id: str.nullish(),
  })
  .loose();
export type SaleData = z.infer<typeof saleDataSchema>;

export const zReportSchema = z
  .object({
    zCount: int,
    terminalId: str.nullish(),
    openTime: z.string().nullish(),
    closeTime: z.string().nullish(),
    lastReceiptSeq: int.nullish(),
    totalSaleCount: int,
    totalRefundCount: int.nullish(),
    totalSaleCash: int,
    totalSaleCard: int,
    totalRefundCash: int.nullish(),
    totalRefundCard: int.nullish(),
  })
  .loose();
export type ZReport = z.infer<typeof zReportSchema>;

export const countSchema = z.object({ Count: int.optional(), count: int.optional(), TerminalID: z.unknown().optional() }).loose();
export const infoSchema = z.object({ terminalId: str.pipe(z.string().min(1)) }).loose();

/** `data`, or `data.result` for the operations that nest their answer there. */
export function resultOf(data: unknown): unknown {
  if (data && typeof data === 'object' && 'result' in (data as Record<string, unknown>)) return (data as Record<string, unknown>).result;
  return data;
}

export class MultikassaClient {
  readonly http: ChannelHttp;

  constructor(
    private readonly base: string,
    timeoutMs: number,
    logger: FiscalLogger = silentLogger,
  ) {
    this.http = new ChannelHttp({ channel: 'multikassa', timeoutMs, logger });
  }

  /** One call → `data`. Rejects with a FiscalError (a refusal, or no usable answer). */
  async call(method: 'GET' | 'POST', path: string, body: unknown, opts: { mutating: boolean }): Promise<unknown> {
    const what = `${method} ${path}`;
    const a = await this.http.send({ method, url: joinUrl(this.base, path), data: body, mutating: opts.mutating, what });
    const env = a.isJson ? envelopeSchema.safeParse(a.json) : null;
    const gateway = a.status === 429 || a.status === 502 || a.status === 503 || a.status === 504;
    if (env?.success && !gateway) {
      const e = env.data;
      const ok2xx = a.status >= 200 && a.status < 300;
      const refused = e.success === false || (!ok2xx && (e.message || (e.data && typeof e.data === 'object' && 'message' in (e.data as object))));
      if (refused) {
        const inner = e.data && typeof e.data === 'object' ? (e.data as Record<string, unknown>).message : undefined;
        const message = typeof inner === 'string' && inner ? inner : (e.message ?? null);
        const code = typeof e.code === 'number' ? e.code : typeof e.code === 'string' && /^-?\d+$/.test(e.code) ? Number(e.code) : null;
        throw fmError(code, message, what, 'multikassa');
      }
      if (ok2xx) return e.data;
    }
    if (a.status < 200 || a.status >= 300) throw classifyStatus(a.status, a.headers, { mutating: opts.mutating, what }, a.isJson ? undefined : a.text.slice(0, 200).trim() || undefined);
    throw new FiscalError(
      opts.mutating ? 'unknown-result' : 'transient',
      'bad-answer',
      `${what}: unexpected answer from Multikassa (${a.isJson ? 'not a {success, data} envelope' : 'not JSON'})${opts.mutating ? '; the receipt may have been issued' : ''}`,
      { status: a.status },
    );
  }

  close(): void {
    this.http.close();
  }
}

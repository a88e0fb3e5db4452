/**
 * Uzbek fiscal-module answers: the JSON-RPC envelope, the receipt answer (TerminalID, ReceiptSeq,
 * DateTime, FiscalSign, QRCodeURL), GetInfo, GetReceiptCount, GetUnsentCount, GetZReportInfo and
 * GetReceiptInfo (fiscal-channels.md §3.1 and the E-POS integration guide [S]), and the module's
 * time formats (UTC+5). Keys are read case-insensitively (the module's decoder is; answers are
 * seen in PascalCase and camelCase). A body that breaks a schema is `bad-answer`.
 */
import { z } from 'zod';

/** A shallow copy of `v` with its keys lower-cased (non-objects unchanged). */
export function lowerKeys(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k.toLowerCase()] = x;
  return out;
}

const str = z.union([z.string(), z.number()]).transform(String);
const int = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

export const rpcEnvelopeSchema = z
  .object({
    jsonrpc: z.string().optional(),
    id: z.unknown().optional(),
    result: z.unknown().optional(),
    error: z
      .object({ code: z.union([z.number(), z.string()]).nullish(), message: z.string().nullish(), data: z.unknown().optional() })
      .loose()
      .nullish(),
  })
  .loose();

export const saleAnswerSchema = z
  .object({
    terminalid: str.pipe(z.string().min(1)),
    receiptseq: str.pipe(z.string().regex(/^\d+$/)),
    datetime: str.pipe(z.string().min(1)),
    fiscalsign: str.pipe(z.string().min(1)),
    qrcodeurl: z.string().nullish(),
    appletversion: z.string().nullish(),
  })
  .loose();
export type SaleAnswer = z.infer<typeof saleAnswerSchema>;

export const infoAnswerSchema = z.object({ terminalid: str.pipe(z.string().min(1)), appletversion: z.string().nullish() }).loose();

export const countAnswerSchema = z.object({ count: int }).loose();

export const unsentAnswerSchema = z
  .object({ count: int, terminalid: z.union([z.record(z.string(), int), z.string(), z.null()]).optional() })
  .loose();

export const zInfoAnswerSchema = z
  .object({
    number: int,
    count: int.nullish(),
    opentime: z.string().nullish(),
    closetime: z.string().nullish(),
    lastreceiptseq: int,
    totalsalecount: int,
    totalsalecash: int,
    totalsalecard: int,
    totalrefundcount: int,
    totalrefundcash: int,
    totalrefundcard: int,
  })
  .loose();
export type ZInfo = z.infer<typeof zInfoAnswerSchema>;

export const receiptInfoAnswerSchema = z
  .object({ receiptseq: str, transactiontime: z.string().nullish(), sale: z.boolean().nullish(), totalcash: int.nullish(), totalcard: int.nullish(), count: int.nullish() })
  .loose();

/** Parse a result with a schema after lower-casing its keys; null when it does not fit. */
export function parseResult<T extends z.ZodTypeAny>(schema: T, result: unknown): z.output<T> | null {
  const p = schema.safeParse(lowerKeys(result));
  return p.success ? p.data : null;
}

const OFFSET_MS = 5 * 3_600_000;

/** Epoch ms → "yyyy-MM-dd HH:mm:ss" in Uzbekistan time (UTC+5), the form of Receipt.Time. */
export function uzLocalTime(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** Epoch ms → "yyyyMMddHHmmss" in UTC+5, the form of DateTime and RefundInfo.DateTime. */
export function uzCompactTime(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 19).replace(/[-:T]/g, '');
}

/**
 * A module date ("yyyyMMddHHmmss", "yyyy-MM-dd HH:mm:ss", with or without ".0") in UTC+5 → ISO UTC,
 * or null when it is neither.
 */
export function uzDateToIso(s: string | null | undefined): string | null {
  if (!s) return null;
  const digits = s.replace(/\.\d+$/, '').replace(/\D/g, '');
  if (digits.length !== 14) return null;
  const [y, mo, d, h, mi, se] = [digits.slice(0, 4), digits.slice(4, 6), digits.slice(6, 8), digits.slice(8, 10), digits.slice(10, 12), digits.slice(12, 14)].map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, se) - OFFSET_MS;
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** Any module date form → the 14 digits RefundInfo wants (a field client reports separators make the OFD leave the refund unlinked). */
export function toCompact(s: string): string | null {
  const digits = s.replace(/\.\d+$/, '').replace(/\D/g, '');
  return digits.length === 14 ? digits : null;
}

/**
 * Webkassa answers: the `{Data, Errors}` envelope, the check `Data` (sale answer, also returned by
 * GetTicketByExternalCheckNumber and with error 14), client-info, and their mapping to FiscalResult.
 * Every answer is validated here; a body that breaks the schema is `bad-answer`.
 */
import { z } from 'zod';

const code = z.union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)]);

export const envelopeSchema = z.object({
  Data: z.unknown().optional(),
  Errors: z
    .array(z.object({ Code: code, Text: z.string().nullish() }).loose())
    .nullish()
    .transform((e) => e ?? []),
});
export type Envelope = z.infer<typeof envelopeSchema>;

const str = z.union([z.string(), z.number()]).transform(String);
const int = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

export const checkDataSchema = z
  .object({
    CheckNumber: str,
    DateTime: z.string().nullish(),
    DateTimeUTC: z.string().nullish(),
    OfflineMode: z.boolean().nullish(),
    CashboxOfflineMode: z.boolean().nullish(),
    Cashbox: z.object({ UniqueNumber: str.nullish(), RegistrationNumber: str.nullish() }).loose().nullish(),
    CheckOrderNumber: int.nullish(),
    ShiftNumber: int.nullish(),
    TicketUrl: z.string().nullish(),
  })
  .loose();
export type CheckData = z.infer<typeof checkDataSchema>;

export const authorizeDataSchema = z.object({ Token: z.string().min(1) }).loose();

export const clientInfoSchema = z
  .object({
    CashboxUniqueNumber: str.nullish(),
    CashboxRegistrationNumber: str.nullish(),
    CashboxStatus: z.union([z.string(), z.number()]).nullish(),
    OfflineMode: z.boolean().nullish(),
    CashboxOfflineMode: z.boolean().nullish(),
    License: z
      .object({ LicenseStatus: z.union([z.string(), z.number()]).nullish(), LicenseExpirationDate: z.string().nullish() })
      .loose()
      .nullish(),
    Ofd: z.object({ Ofd: z.union([z.string(), z.number()]).nullish(), Expiration: z.string().nullish() }).loose().nullish(),
  })
  .loose();
export type ClientInfo = z.infer<typeof clientInfoSchema>;

/**
 * A Webkassa date → ISO. "dd.MM.yyyy HH:mm:ss" is Kazakhstan time (+05:00) unless `utc`; an ISO string is
 * normalised; anything else is returned as written.
 */
export function webkassaDateToIso(s: string, utc: boolean): string {
  const m = /^(\d{2})\.(\d{2})\.(\d{4})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d{1,3}))?$/.exec(s.trim());
  if (m) {
    const [, dd, mm, yyyy, hh, mi, ss, ms] = m;
    const t = Date.UTC(+yyyy, +mm - 1, +dd, +hh, +mi, +(ss ?? 0), ms ? +ms.padEnd(3, '0') : 0) - (utc ? 0 : 5 * 3600_000);
    if (Number.isFinite(t)) return new Date(t).toISOString();
  }
  const iso = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(s) ? Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s.replace(' ', 'T') : s.replace(' ', 'T') + '+05:00') : NaN;
  return Number.isFinite(iso) ? new Date(iso).toISOString() : s;
}

/** The check's issue time as ISO (DateTimeUTC preferred), or undefined when the answer has none. */
export function checkDateTime(d: CheckData): string | undefined {
  if (d.DateTimeUTC) return webkassaDateToIso(d.DateTimeUTC, true);
  if (d.DateTime) return webkassaDateToIso(d.DateTime, false);
  return undefined;
}

/**
 * Uzbek fiscal-module channel configuration (the module's local JSON-RPC, E-POS Communicator /
 * FiscalDriveAPI, fiscal-channels.md §3.1): the zod schema the agent validates a register's
 * `fiscal` block with, and its type. There are no secrets: the JSON-RPC has no token.
 */
import { z } from 'zod';

export const uzFiscalModuleConfigSchema = z
  .object({
    channel: z.literal('uz-fiscal-module'),
    /** The JSON-RPC endpoint (some installs use :3449). */
    url: z.string().url().default('http://127.0.0.1:3448/rpc/api'),
    /** The module's factory number (`FactoryID`, e.g. `LG420230630021`; `Api.ListFiscalDrives` lists them). */
    factoryId: z.string().min(1),
    /** Per-call timeout; the module may take long to sign (reference: 30 s). */
    timeoutMs: z.number().int().positive().default(30_000),
    /**
     * Before concluding "not issued" after an ambiguous send, at least this long must have passed since
     * `prepare` (a request the Communicator is still working on could sign after we gave up). Default: the timeout + 5 s.
     */
    settleMs: z.number().int().min(0).optional(),
    /**
     * `prepare` may reuse the counters it read fresh up to this long ago, advanced by this channel's own confirmed
     * receipts, instead of two calls before every receipt (throughput). Never makes "not issued" wrong (the last
     * ReceiptSeq comes from the module's own answer); only another program's receipt of the same kind and amounts in
     * that window could be taken for ours. 0 (default) = read before every receipt.
     */
    snapshotReuseMs: z.number().int().min(0).default(0),
    /** Open the shift (Api.OpenZReport) when a receipt meets a closed one, then send it again once. */
    autoOpenShift: z.boolean().default(true),
    /**
     * The receipt's `Time`: `send` = when it is sent to the module (default: a queued receipt would otherwise
     * carry an old time the module refuses as older than its last receipt), `sale` = when it was recorded.
     */
    receiptTime: z.enum(['send', 'sale']).default('send'),
    /**
     * The key of the refund basis in the receipt: the reference writes `RefundInfo`; one field client reports
     * that only `refundInfo` links the refund to its sale at the OFD. `both` (default) sends both, same values.
     */
    refundInfoKey: z.enum(['both', 'RefundInfo', 'refundInfo']).default('both'),
    /**
     * How a 29-character tobacco pack code goes into `Label`: `cut-crypto` (default) drops its last 4
     * characters (the form a field client sends), `ki` keeps GTIN + serial (21), `full` sends it unchanged.
     */
    packLabel: z.enum(['cut-crypto', 'ki', 'full']).default('cut-crypto'),
    /** `OwnerType` of goods lines: 0 bought and resold (default), 1 own production; service lines send 2. */
    ownerType: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
    /** Require SPIC (ИКПУ) and PackageCode on every line, not only marked ones. */
    requireIkpuForAll: z.boolean().default(false),
    /**
     * The call that returns the last receipt the module signed, used to recover the fiscal sign after an
     * ambiguous send (the guide's `getLastRegisteredReceipt`); null = not available on this install.
     */
    lastReceiptMethod: z.string().min(1).nullable().default('Api.GetLastRegisteredReceipt'),
    /** Optional `Location` sent with every receipt. */
    location: z.object({ Latitude: z.number(), Longitude: z.number() }).strict().optional(),
  })
  .strict();

export type UzFiscalModuleConfig = z.infer<typeof uzFiscalModuleConfigSchema>;
/** What callers may pass: defaults not yet applied. */
export type UzFiscalModuleConfigInput = z.input<typeof uzFiscalModuleConfigSchema>;

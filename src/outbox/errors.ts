/** StoreError: the one error the sale log throws, with a stable `code` callers can act on. */

export type StoreErrorCode =
  | 'invalid-sale' // the input does not have the sale/return shape
  | 'invalid-item' // an item's code is not a valid marking code (message names the item)
  | 'duplicate-item' // the same marking code twice in one sale
  | 'id-conflict' // the id is already used by a different sale/return
  | 'disk-full' // SQLITE_FULL: nothing was written
  | 'store-locked' // SQLITE_BUSY/LOCKED: another process holds the database
  | 'store-corrupt' // SQLITE_CORRUPT/NOTADB or a failed integrity check
  | 'store-readonly' // the file or folder is not writable
  | 'store-io' // any other I/O failure
  | 'store-closed' // the store was closed
  | 'not-found' // no record with that id (operator actions)
  | 'lease-lost'; // a worker's lease lapsed and another took the receipt over: its outcome was not applied

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly details: { itemIndex?: number; sqliteCode?: string; id?: string } = {},
  ) {
    super(message);
  }
}

export function isStoreError(e: unknown): e is StoreError {
  return e instanceof StoreError;
}

/** Map a better-sqlite3 error (which carries `code` like SQLITE_FULL) to a StoreError. */
export function fromSqliteError(e: unknown, doing: string): StoreError {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: unknown })?.code;
  const sqliteCode = typeof code === 'string' ? code : 'UNKNOWN';
  const msg = e instanceof Error ? e.message : String(e);
  const base = sqliteCode.split('_').slice(0, 2).join('_'); // SQLITE_BUSY_SNAPSHOT → SQLITE_BUSY
  const d = { sqliteCode };
  if (sqliteCode === 'SQLITE_FULL')
    return new StoreError('disk-full', `The disk (or the configured database size limit) is full while ${doing}; nothing was saved. Free disk space.`, d);
  if (base === 'SQLITE_BUSY' || base === 'SQLITE_LOCKED')
    return new StoreError('store-locked', `The sale database is locked by another process while ${doing}; nothing was saved. Close the other program using it.`, d);
  if (base === 'SQLITE_CORRUPT' || base === 'SQLITE_NOTADB')
    return new StoreError('store-corrupt', `The sale database is damaged (${sqliteCode}) while ${doing}; nothing was saved. Restore it from a backup or move it aside.`, d);
  if (base === 'SQLITE_READONLY' || base === 'SQLITE_CANTOPEN' || base === 'SQLITE_PERM')
    return new StoreError('store-readonly', `The sale database cannot be written (${sqliteCode}) while ${doing}. Check file permissions.`, d);
  return new StoreError('store-io', `Sale database error while ${doing}: ${msg}`, d);
}

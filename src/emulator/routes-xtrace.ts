/**
 * xTrace-family routes (KZ markirovka.kz / UZ Asl Belgisi) in the shapes of the official KZ description
 * ("Описание API ИС МПТ, Роль Пользователь", xTrace ver.1.0, 31 Oct 2025) as
 * shared/reference/tracking-fidelity.md §3 transcribes it, and the UZ clients where UZ differs.
 * An independent oracle: nothing here comes from src/tracking (the client under test).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { kiOf, type CodeRecord, type EmDocument, type EmulatorState } from './state.js';

export interface XtraceRouteOptions {
  maxCodesPerInfo: number;
  maxCodesPerDocument: number;
  /** Whether `cod/public/codes` requires a token (unconfirmed in the field; default true). */
  publicCodesNeedAuth: boolean;
  /** `KZ` (default): errors as `{globalErrors:[{error, errorCode}]}`; `UZ`: `{code, context}`. */
  country: 'KZ' | 'UZ';
  /**
   * [S] UZ answers `[]` for a code sent with its crypto tail; KZ is unconfirmed (reference §7 q.3).
   * `false` (default): only the KI finds a code; `true`: a full code is reduced to its KI.
   */
  acceptFullCodes: boolean;
  /** `docs/search` page size when `limit` is absent, and its maximum. */
  searchDefaultLimit: number;
  searchMaxLimit: number;
}

/** Sorted keys at every level (arrays kept as they are), as the description requires of `documentBody`. */
function keysSorted(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(keysSorted);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
    return keys.every((k) => keysSorted((v as Record<string, unknown>)[k]));
  }
  return true;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerXtrace(app: FastifyInstance, state: EmulatorState, o: XtraceRouteOptions): void {
  /** A refusal in the country's error envelope. `errorCode` 201 = "No permission for operation" (KZ field note). */
  const refuse = (reply: FastifyReply, status: number, code: string, error: string, errorCode?: number) => {
    const body = o.country === 'UZ' ? { code, context: { _cause: error } } : { globalErrors: [{ error: `${code}: ${error}`, ...(errorCode !== undefined ? { errorCode } : {}) }] };
    return reply.code(status).send(body);
  };

  const auth = (req: FastifyRequest, reply: FastifyReply): { permissions: string[] } | null => {
    const h = req.headers.authorization ?? '';
    const token = h.startsWith('Bearer ') ? h.slice(7).trim() : '';
    if (token && state.opts.apiKeys.includes(token)) return { permissions: [] }; // UZ static API key
    const r = state.checkToken(token, 'xtrace');
    if (r.ok) return { permissions: r.rec.permissions };
    state.stats.unauthorized++;
    if (r.why === 'expired') void reply.code(401).send({ code: 'inactive-token', context: { _cause: 'inactive-token' } });
    else void reply.code(401).send([{ code: 'access-denied' }]);
    return null;
  };

  /** `{accessToken, accessTokenType: "BEARER", accessTokenExpiresIn: "1800000", refreshToken}`. */
  const tokenPair = (login: string, permissions: string[]) => {
    const a = state.issueToken('xtrace', 'access', { login, permissions });
    const r = state.issueToken('xtrace', 'refresh', { login, permissions });
    return { accessToken: a.value, accessTokenType: 'BEARER', accessTokenExpiresIn: String(a.ttlMs), refreshToken: r.value };
  };

  app.post('/api/users/authenticate', async (req, reply) => {
    const b = (req.body ?? {}) as { login?: unknown; password?: unknown };
    const user = state.opts.users.find((u) => u.login === b.login && u.password === b.password);
    if (!user) return reply.code(400).send([{ code: 'user-incorrect-login-or-password' }]);
    state.stats.logins++;
    return tokenPair(user.login, user.permissions ?? []);
  });

  app.post('/api/users/tokens/refresh', async (req, reply) => {
    const b = (req.body ?? {}) as { refreshToken?: unknown };
    const rt = typeof b.refreshToken === 'string' ? b.refreshToken : undefined;
    const r = state.checkToken(rt, 'xtrace', 'refresh');
    if (!r.ok) return reply.code(401).send([{ code: 'invalid-refresh-token' }]);
    state.tokens.delete(rt!);
    state.stats.refreshes++;
    return tokenPair(r.rec.login, r.rec.permissions);
  });

  const codesOf = (body: unknown): string[] | null => {
    const list = Array.isArray(body) ? body : (body as { codes?: unknown } | null)?.codes;
    if (!Array.isArray(list) || !list.every((c) => typeof c === 'string' && c.length > 0 && c.length < 512)) return null;
    return list as string[];
  };
  const find = (c: string): CodeRecord | undefined => (o.acceptFullCodes ? state.lookup(c) : state.lookupExact(c));

  // A code the system does not know is omitted (UZ: `[]` for one unknown code, or one sent with its crypto tail).
  app.post('/public/api/cod/public/codes', async (req, reply) => {
    if (o.publicCodesNeedAuth && !auth(req, reply)) return reply;
    const codes = codesOf(req.body);
    if (!codes) return refuse(reply, 400, 'invalid-input-parameter', 'codes must be a list of strings');
    if (codes.length > o.maxCodesPerInfo) return refuse(reply, 400, 'invalid-input-parameter', `at most ${o.maxCodesPerInfo} codes per request`);
    return codes.flatMap((c) => {
      const rec = find(c);
      return rec ? [publicView(rec)] : [];
    });
  });

  app.post('/public/api/cod/private/codes', async (req, reply) => {
    const who = auth(req, reply);
    if (!who) return reply;
    if (!who.permissions.includes('MARKING-CODE.READ')) {
      return reply.code(307).header('Location', '/public/api/cod/public/codes').send();
    }
    const codes = codesOf(req.body);
    if (!codes) return refuse(reply, 400, 'invalid-input-parameter', 'codes must be a list of strings');
    if (codes.length > o.maxCodesPerInfo) return refuse(reply, 400, 'invalid-input-parameter', `at most ${o.maxCodesPerInfo} codes per request`);
    return {
      results: codes.flatMap((c) => {
        const rec = find(c);
        return rec ? [privateView(rec, c)] : [];
      }),
    };
  });

  /** `{documentBody: base64(JSON, keys sorted A–Z), signature?}`; `signature` is reserved and not checked. */
  const receive = (kind: 'sale' | 'return') => async (req: FastifyRequest, reply: FastifyReply) => {
    if (!auth(req, reply)) return reply;
    const b = (req.body ?? {}) as { documentBody?: unknown };
    if (typeof b.documentBody !== 'string' || b.documentBody === '') return refuse(reply, 400, 'invalid-input-parameter', 'documentBody is required');
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(Buffer.from(b.documentBody, 'base64').toString('utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return refuse(reply, 400, 'invalid-document-body', 'documentBody is not base64 of a JSON object');
    }
    if (!keysSorted(body)) return refuse(reply, 400, 'document-keys-not-sorted', 'document JSON keys must be sorted A-Z');
    const codes = Array.isArray(body.codes) ? body.codes : null;
    if (!codes || codes.length === 0) return refuse(reply, 400, 'invalid-input-parameter', 'codes are required');
    if (codes.length > o.maxCodesPerDocument) return refuse(reply, 400, 'invalid-input-parameter', `at most ${o.maxCodesPerDocument} codes per document`);
    // [C] codes are objects `{code, partialQuantity?}`; plain strings are still taken (the adapter's
    // withdrawal body is reworked with the non-sale withdrawal path).
    const kis = codes.map((c) => kiOf(typeof c === 'string' ? c : String((c as { code?: unknown })?.code ?? '')));
    const primary = (body.primaryDocument ?? {}) as { number?: unknown };
    const doc = state.addDocument({
      family: 'xtrace',
      type: kind === 'sale' ? 'WITHDRAWAL' : 'RETURN', // WRITE_OFF is a withdrawalType of a WITHDRAWAL document
      kind,
      reference: typeof primary.number === 'string' ? primary.number : null,
      sellerTin: typeof body.sellerTin === 'string' ? body.sellerTin : null,
      codes: kis,
      body,
    });
    return { documentId: doc.documentId };
  };
  app.post('/public/api/v1/doc/withdrawal', receive('sale'));
  /** [I] Not in the description (there is no return document); kept until the adapter's return path goes. */
  app.post('/public/api/v1/doc/return', receive('return'));

  /**
   * `GET docs/search?documentId&productGroups&status&types&dateFrom&dateTo&limit&cursor` →
   * `{documentInfos:[{documentId, type, status, createDate}]}`, oldest first; `cursor` = the
   * documentId of the last document of the previous page.
   */
  app.get('/public/api/v1/doc/storage/docs/search', async (req, reply) => {
    if (!auth(req, reply)) return reply;
    const q = req.query as Record<string, string | string[] | undefined>;
    const list = (v: string | string[] | undefined): string[] | null =>
      v === undefined ? null : (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
    const from = one(q.dateFrom) ? Date.parse(one(q.dateFrom)!) : -Infinity;
    const to = one(q.dateTo) ? Date.parse(one(q.dateTo)!) : Infinity;
    if (Number.isNaN(from) || Number.isNaN(to)) return refuse(reply, 400, 'invalid-input-parameter', 'dateFrom/dateTo must be date-times');
    const types = list(q.types);
    const statuses = list(q.status);
    const limitRaw = one(q.limit);
    const limit = limitRaw === undefined ? o.searchDefaultLimit : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > o.searchMaxLimit) return refuse(reply, 400, 'invalid-input-parameter', `limit must be 1..${o.searchMaxLimit}`);
    const cursor = one(q.cursor);
    if (cursor !== undefined && !UUID.test(cursor)) return refuse(reply, 400, 'invalid-input-parameter', 'cursor must be a documentId (uuid)');
    const documentId = one(q.documentId);
    const all = state.documents.filter(
      (d) =>
        d.family === 'xtrace' &&
        d.receivedAt >= from &&
        d.receivedAt <= to &&
        (!types || types.includes(d.type)) &&
        (!statuses || statuses.includes(d.status)) &&
        (!documentId || d.documentId === documentId),
    );
    let start = 0;
    if (cursor) {
      const at = all.findIndex((d) => d.documentId === cursor);
      start = at >= 0 ? at + 1 : all.length;
    }
    return { documentInfos: all.slice(start, start + limit).map(searchView) };
  });

  const byId = (req: FastifyRequest, reply: FastifyReply): EmDocument | null => {
    const d = state.findDocument((req.params as { id: string }).id, 'xtrace');
    if (!d) void refuse(reply, 404, 'document-not-found', 'no document with this id');
    return d ?? null;
  };
  app.get('/public/api/v1/doc/storage/docs/:id', async (req, reply) => {
    if (!auth(req, reply)) return reply;
    const d = byId(req, reply);
    return d ? storedView(d) : reply;
  });
  /** `errors/:id?propertyName&lastIndex&limit` → `{documentErrors:[{propertyName, index, errorCode, errorTags}]}`. */
  app.get('/public/api/v1/doc/storage/errors/:id', async (req, reply) => {
    if (!auth(req, reply)) return reply;
    const d = byId(req, reply);
    if (!d) return reply;
    const q = req.query as { propertyName?: string; lastIndex?: string; limit?: string };
    const lastIndex = q.lastIndex !== undefined ? Number(q.lastIndex) : null;
    const limit = q.limit !== undefined ? Math.max(1, Number(q.limit) || 1) : Infinity;
    const errs = d.errors
      .filter((e) => (!q.propertyName || q.propertyName === 'codes') && (lastIndex === null || e.index > lastIndex))
      .slice(0, limit);
    return { documentErrors: errs.map((e) => ({ propertyName: 'codes', index: e.index, errorCode: e.errorCode, errorTags: {} })) };
  });
  app.get('/public/api/v1/doc/storage/json/:id', async (req, reply) => {
    if (!auth(req, reply)) return reply;
    const d = byId(req, reply);
    return d ? d.body : reply;
  });
}

function searchView(d: EmDocument) {
  return { documentId: d.documentId, type: d.type, status: d.status, createDate: new Date(d.receivedAt).toISOString() };
}

/** `docs/:id`: the search fields (originalDocId, documentNumber and productGroup are optional and not kept here). */
function storedView(d: EmDocument) {
  return searchView(d);
}

const ISSUER_NAME = { kz: 'Эмулятор', ru: 'Эмулятор', en: 'Emulator' };

/** A `public/codes` item: only the documented fields (no owner, block flag or prices). */
function publicView(r: CodeRecord) {
  return {
    code: r.ki,
    isHadExtendedCode: r.km !== null,
    packageType: 'UNIT',
    status: r.status,
    ...(r.extendedStatus ? { extendedStatus: r.extendedStatus } : {}),
    ...(r.issuerTin ? { issuerShortInfo: { issuerTin: r.issuerTin, issuerName: ISSUER_NAME } } : {}),
    ...(r.productGroupId !== null ? { productGroupId: r.productGroupId } : {}),
    emissionDate: r.emittedAt,
    issueDate: r.emittedAt,
    ...(r.expiresAt ? { expirationDate: r.expiresAt } : {}),
    ...(r.gtin ? { gtin: r.gtin } : {}),
  };
}

/** A `private/codes` result: codeData, packageData, markingData, turnoverData, productData. */
function privateView(r: CodeRecord, asked: string) {
  return {
    codeData: { code: asked, status: r.status, ...(r.extendedStatus ? { extendedStatus: r.extendedStatus } : {}) },
    packageData: { packageType: 'UNIT', children: [], actuallyPacked: 0 },
    markingData: {
      emissionDate: r.emittedAt,
      issueDate: r.emittedAt,
      ...(r.issuerTin ? { issuerInfo: { issuerTin: r.issuerTin, issuerName: ISSUER_NAME } } : {}),
      ...(r.receiptDate ? { receiptDate: r.receiptDate } : {}),
    },
    turnoverData: {
      originalReleaseMethod: 'PRODUCTION',
      ...(r.ownerTin ? { ownerInfo: { ownerTin: r.ownerTin, ownerName: ISSUER_NAME } } : {}),
      ...(r.withdrawalDate ? { withdrawalDate: r.withdrawalDate } : {}),
      ...(r.withdrawalReason ? { withdrawalReason: r.withdrawalReason } : {}),
      ...(r.returnDate ? { returnDate: r.returnDate } : {}),
    },
    productData: {
      ...(r.gtin ? { gtin: r.gtin } : {}),
      ...(r.productGroupId !== null ? { productGroupId: r.productGroupId } : {}),
      ...(r.expiresAt ? { expirationDate: r.expiresAt } : {}),
    },
    // codeHistory is left out: its event-type dictionary is not in the description.
  };
}

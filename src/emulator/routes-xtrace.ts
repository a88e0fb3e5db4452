/** xTrace-family routes (KZ markirovka.kz / UZ Asl Belgisi) as the adapter uses them. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson } from '../tracking/canonical-json.js';
import { deriveKi } from '../tracking/ki.js';
import { verifyTestSignature } from '../tracking/signer.js';
import type { CodeRecord, EmDocument, EmulatorState } from './state.js';

export interface XtraceRouteOptions {
  maxCodesPerInfo: number;
  maxCodesPerDocument: number;
  signerSecret: string;
  /** Whether `cod/public/codes` requires a token (unconfirmed in the field; default true). */
  publicCodesNeedAuth: boolean;
}

export function registerXtrace(app: FastifyInstance, state: EmulatorState, o: XtraceRouteOptions): void {
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

  const tokenPair = (login: string, permissions: string[]) => {
    const a = state.issueToken('xtrace', 'access', { login, permissions });
    const r = state.issueToken('xtrace', 'refresh', { login, permissions });
    return { accessToken: a.value, refreshToken: r.value, expiresIn: String(a.ttlMs), refreshExpiresIn: String(r.ttlMs), tokenType: 'Bearer' };
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

  app.post('/public/api/cod/public/codes', async (req, reply) => {
    if (o.publicCodesNeedAuth && !auth(req, reply)) return reply;
    const codes = codesOf(req.body);
    if (!codes) return reply.code(400).send({ code: 'bad-request', message: 'codes must be a list of strings' });
    if (codes.length > o.maxCodesPerInfo) return reply.code(400).send({ code: 'too-many-codes', message: `at most ${o.maxCodesPerInfo} codes per request` });
    return codes.map((c) => {
      const rec = state.lookup(c);
      return rec ? publicView(rec) : { code: c, status: null, errorCode: 'code-not-found' };
    });
  });

  app.post('/public/api/cod/private/codes', async (req, reply) => {
    const who = auth(req, reply);
    if (!who) return reply;
    if (!who.permissions.includes('MARKING-CODE.READ')) {
      return reply.code(307).header('Location', '/public/api/cod/public/codes').send();
    }
    const codes = codesOf(req.body);
    if (!codes) return reply.code(400).send({ code: 'bad-request', message: 'codes must be a list of strings' });
    if (codes.length > o.maxCodesPerInfo) return reply.code(400).send({ code: 'too-many-codes', message: `at most ${o.maxCodesPerInfo} codes per request` });
    return { results: codes.flatMap((c) => {
      const rec = state.lookup(c);
      return rec ? [privateView(rec)] : [];
    }) };
  });

  const receive = (kind: 'sale' | 'return') => async (req: FastifyRequest, reply: FastifyReply) => {
    if (!auth(req, reply)) return reply;
    const b = (req.body ?? {}) as { documentBody?: unknown; signature?: unknown };
    if (typeof b.documentBody !== 'string' || typeof b.signature !== 'string') {
      return reply.code(400).send({ code: 'bad-request', message: 'documentBody and signature are required' });
    }
    const text = Buffer.from(b.documentBody, 'base64').toString('utf8');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return reply.code(400).send({ code: 'invalid-document-body', message: 'documentBody is not base64 JSON' });
    }
    if (canonicalJson(body) !== text) return reply.code(400).send({ code: 'document-keys-not-sorted', message: 'document JSON keys must be sorted' });
    const v = verifyTestSignature(b.signature, text, o.signerSecret);
    if (!v.ok) return reply.code(400).send({ code: 'invalid-signature', message: v.reason });
    const codes = Array.isArray(body.codes) ? body.codes : null;
    if (!codes || codes.length === 0) return reply.code(400).send({ code: 'bad-request', message: 'codes are required' });
    if (codes.length > o.maxCodesPerDocument) return reply.code(400).send({ code: 'too-many-codes', message: `at most ${o.maxCodesPerDocument} codes per document` });
    const kis = codes.map((c) => deriveKi(typeof c === 'string' ? c : String((c as { code?: unknown })?.code ?? '')));
    const primary = (body.primaryDocument ?? {}) as { number?: unknown };
    const doc = state.addDocument({
      family: 'xtrace',
      type: kind === 'sale' ? String(body.withdrawalType ?? 'WITHDRAWAL') : 'RETURN',
      kind,
      reference: typeof primary.number === 'string' ? primary.number : null,
      sellerTin: typeof body.sellerTin === 'string' ? body.sellerTin : null,
      codes: kis,
      body,
    });
    return { documentId: doc.documentId, status: doc.status };
  };
  app.post('/public/api/v1/doc/withdrawal', receive('sale'));
  app.post('/public/api/v1/doc/return', receive('return'));

  app.get('/public/api/v1/doc/storage/docs/search', async (req, reply) => {
    if (!auth(req, reply)) return reply;
    const q = req.query as Record<string, string | undefined>;
    const from = q.dateFrom ? Date.parse(q.dateFrom) : -Infinity;
    const to = q.dateTo ? Date.parse(q.dateTo) : Infinity;
    const types = q.types ? q.types.split(',') : null;
    const limit = Math.min(1000, Math.max(1, Number(q.limit ?? 100) || 100));
    const start = Math.max(0, Number(q.cursor ?? 0) || 0);
    const all = state.documents.filter(
      (d) => d.family === 'xtrace' && d.receivedAt >= from && d.receivedAt <= to && (!types || types.includes(d.type)) && (!q.status || d.status === q.status),
    );
    const page = all.slice(start, start + limit);
    return { items: page.map(storedView), nextCursor: start + limit < all.length ? String(start + limit) : null };
  });

  const byId = (req: FastifyRequest, reply: FastifyReply): EmDocument | null => {
    const d = state.findDocument((req.params as { id: string }).id, 'xtrace');
    if (!d) void reply.code(404).send({ code: 'document-not-found' });
    return d ?? null;
  };
  app.get('/public/api/v1/doc/storage/docs/:id', async (req, reply) => {
    if (!auth(req, reply)) return reply;
    const d = byId(req, reply);
    return d ? storedView(d) : reply;
  });
  app.get('/public/api/v1/doc/storage/errors/:id', async (req, reply) => {
    if (!auth(req, reply)) return reply;
    const d = byId(req, reply);
    return d ? d.errors.map((e) => ({ propertyName: 'codes', index: e.index, errorCode: e.errorCode, message: e.message })) : reply;
  });
  app.get('/public/api/v1/doc/storage/json/:id', async (req, reply) => {
    if (!auth(req, reply)) return reply;
    const d = byId(req, reply);
    return d ? d.body : reply;
  });
}

function storedView(d: EmDocument) {
  return { documentId: d.documentId, type: d.type, status: d.status, createdAt: new Date(d.receivedAt).toISOString(), codesCount: d.codes.length };
}

function publicView(r: CodeRecord) {
  return {
    code: r.ki,
    gtin: r.gtin,
    status: r.status,
    extendedStatus: r.blocked ? 'BLOCKED' : null,
    isBlocked: r.blocked,
    packageType: 'UNIT',
    productId: null,
    emissionDate: r.emittedAt,
    productionDate: null,
    expirationDate: r.expiresAt,
    productSeries: null,
    productGroup: r.productGroup,
    mrp: r.mrp,
    minPrice: r.minPrice,
    isHadExtendedCode: r.km !== null,
    issuerShortInfo: r.ownerTin ? { issuerTin: r.ownerTin, issuerName: { ru: 'Эмулятор' } } : null,
  };
}

function privateView(r: CodeRecord) {
  return {
    codeData: { code: r.ki, status: r.status, isBlocked: r.blocked },
    packageData: { packageType: 'UNIT', parentCode: null, children: [], actuallyPacked: null },
    markingData: { issuerInfo: { issuerTin: r.ownerTin, issuerName: 'Эмулятор' }, emissionDate: r.emittedAt, utilisationDate: null },
    turnoverData: { ownerInfo: { ownerTin: r.ownerTin, ownerName: null }, originalReleaseMethod: 'PRODUCTION' },
    productData: { gtin: r.gtin, productionDate: null, expirationDate: r.expiresAt, manufacturerCountry: null, mrp: r.mrp, productGroup: r.productGroup },
  };
}

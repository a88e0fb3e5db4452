/** True API-family routes (RU Честный ЗНАК / legacy KZ ISMET) as the adapter uses them. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkTestSignature } from './test-signature.js';
import { kiOf, SOLD, type CodeRecord, type EmDocument, type EmulatorState } from './state.js';

export interface TrueApiRouteOptions {
  maxCodesPerInfo: number;
  maxCodesPerDocument: number;
  maxCodesPerCodesCheck: number;
  signerSecret: string;
  /** Hosts announced by cdn/info (default: the emulator itself). */
  cdnHosts: () => string[];
}

const V3 = '/api/v3/true-api';
const V4 = '/api/v4/true-api';

export function registerTrueApi(app: FastifyInstance, state: EmulatorState, o: TrueApiRouteOptions): void {
  const bearer = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const h = req.headers.authorization ?? '';
    const r = state.checkToken(h.startsWith('Bearer ') ? h.slice(7).trim() : undefined, 'true-api');
    if (r.ok) return true;
    state.stats.unauthorized++;
    void reply.code(401).send({ error_message: r.why === 'expired' ? 'Срок действия токена истёк (token expired)' : 'Токен недействителен (invalid token)' });
    return false;
  };
  const apiKey = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const k = req.headers['x-api-key'];
    if (typeof k === 'string' && state.opts.apiKeys.includes(k)) return true;
    state.stats.unauthorized++;
    void reply.code(401).send({ code: 401, description: 'invalid X-API-KEY' });
    return false;
  };

  for (const root of [V3, V4]) {
    app.get(`${root}/auth/key`, async () => {
      const uuid = randomUUID();
      const data = randomBytes(24).toString('base64url');
      state.challenges.set(uuid, { data, expiresAt: state.now() + 5 * 60_000 });
      return { uuid, data };
    });
    app.post(`${root}/auth/simpleSignIn`, async (req, reply) => {
      const b = (req.body ?? {}) as { uuid?: unknown; data?: unknown };
      if (typeof b.uuid !== 'string' || typeof b.data !== 'string') return reply.code(400).send({ error_message: 'uuid and data are required' });
      const ch = state.challenges.get(b.uuid);
      state.challenges.delete(b.uuid);
      if (!ch || ch.expiresAt < state.now()) return reply.code(400).send({ error_message: 'unknown or expired uuid' });
      const v = checkTestSignature(b.data, ch.data, o.signerSecret);
      if (!v.ok) return reply.code(403).send({ error_message: `bad signature: ${v.reason}` });
      state.stats.signIns++;
      return { token: state.issueToken('true-api', 'access', { login: v.subject, permissions: [] }).value };
    });
  }

  app.get(`${V4}/cdn/info`, async (req, reply) => {
    if (!apiKey(req, reply)) return reply;
    return { code: 0, description: 'ok', hosts: o.cdnHosts().map((host) => ({ host })) };
  });
  app.get(`${V4}/cdn/health/check`, async (req, reply) => {
    if (!apiKey(req, reply)) return reply;
    return { code: 0, description: 'ok', avgTimeMs: 5 + (state.faults.latencyMs ?? 0) };
  });

  app.post(`${V4}/codes/check`, async (req, reply) => {
    if (!apiKey(req, reply)) return reply;
    const codes = (req.body as { codes?: unknown } | null)?.codes;
    if (!Array.isArray(codes) || codes.length === 0 || !codes.every((c) => typeof c === 'string')) {
      return reply.code(400).send({ code: 400, description: 'codes must be a non-empty list of strings' });
    }
    if (codes.length > o.maxCodesPerCodesCheck) return reply.code(400).send({ code: 400, description: `at most ${o.maxCodesPerCodesCheck} codes per request` });
    return {
      code: 0,
      description: 'ok',
      codes: (codes as string[]).map((c) => checkView(c, state.lookup(c))),
      reqId: randomUUID(),
      reqTimestamp: state.now(),
    };
  });

  app.post(`${V3}/cises/info`, async (req, reply) => {
    if (!bearer(req, reply)) return reply;
    const list = req.body;
    if (!Array.isArray(list) || !list.every((c) => typeof c === 'string')) return reply.code(400).send({ error_message: 'body must be a list of codes' });
    if (list.length > o.maxCodesPerInfo) return reply.code(400).send({ error_message: `at most ${o.maxCodesPerInfo} codes per request` });
    return (list as string[]).map((c) => {
      const rec = state.lookup(c);
      if (!rec) return { cisInfo: { requestedCis: c }, errorCode: '404', errorMessage: 'КИ не найден (code not found)' };
      return {
        cisInfo: {
          requestedCis: c,
          cis: rec.ki,
          gtin: rec.gtin,
          productGroup: rec.productGroup,
          status: rec.status,
          ownerInn: rec.ownerTin,
          maxRetailPrice: rec.mrp,
          expirationDate: rec.expiresAt,
          emissionDate: rec.emittedAt,
          packageType: 'UNIT',
        },
      };
    });
  });

  app.post(`${V3}/lk/documents/create`, async (req, reply) => {
    if (!bearer(req, reply)) return reply;
    const b = (req.body ?? {}) as { document_format?: unknown; product_document?: unknown; type?: unknown; signature?: unknown };
    if (typeof b.product_document !== 'string' || typeof b.signature !== 'string' || typeof b.type !== 'string') {
      return reply.code(400).send({ error_message: 'product_document, type and signature are required' });
    }
    if (b.type !== 'LK_RECEIPT' && b.type !== 'LP_RETURN') return reply.code(400).send({ error_message: `unsupported document type ${b.type}` });
    const text = Buffer.from(b.product_document, 'base64').toString('utf8');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return reply.code(400).send({ error_message: 'product_document is not base64 JSON' });
    }
    const v = checkTestSignature(b.signature, text, o.signerSecret);
    if (!v.ok) return reply.code(400).send({ error_message: `invalid signature: ${v.reason}` });
    const items = b.type === 'LK_RECEIPT' ? body.products : body.products_list;
    if (!Array.isArray(items) || items.length === 0) return reply.code(400).send({ error_message: 'the document has no products' });
    if (items.length > o.maxCodesPerDocument) return reply.code(400).send({ error_message: `at most ${o.maxCodesPerDocument} codes per document` });
    const kis = items.map((p) => kiOf(String((p as { cis?: unknown; ki?: unknown })?.cis ?? (p as { ki?: unknown })?.ki ?? '')));
    const sale = b.type === 'LK_RECEIPT';
    const ref = sale ? body.document_number : body.primary_document_number;
    const seller = sale ? body.inn : body.trade_participant_inn;
    const doc = state.addDocument({
      family: 'true-api',
      type: b.type,
      kind: sale ? 'sale' : 'return',
      reference: typeof ref === 'string' ? ref : null,
      sellerTin: typeof seller === 'string' ? seller : null,
      codes: kis,
      body,
    });
    return reply.type('text/plain; charset=utf-8').send(doc.documentId);
  });

  app.get(`${V4}/doc/:id/info`, async (req, reply) => {
    if (!bearer(req, reply)) return reply;
    const d = state.findDocument((req.params as { id: string }).id, 'true-api');
    if (!d) return reply.code(404).send({ error_message: 'document not found' });
    const withBody = String((req.query as { body?: string }).body) === 'true';
    return [docView(d, withBody)];
  });

  app.get(`${V4}/doc/list`, async (req, reply) => {
    if (!bearer(req, reply)) return reply;
    const q = req.query as Record<string, string | undefined>;
    const from = q.dateFrom ? Date.parse(q.dateFrom) : -Infinity;
    const to = q.dateTo ? Date.parse(q.dateTo) : Infinity;
    const limit = Math.min(1000, Math.max(1, Number(q.limit ?? 100) || 100));
    let all = state.documents.filter((d) => d.family === 'true-api' && d.receivedAt >= from && d.receivedAt <= to && (!q.documentType || d.type === q.documentType));
    if (q.did) {
      const i = all.findIndex((d) => d.documentId === q.did);
      all = i >= 0 ? all.slice(i + 1) : all;
    }
    const page = all.slice(0, limit);
    return { results: page.map((d) => docView(d, false)), nextPage: all.length > limit };
  });
}

function docView(d: EmDocument, withBody: boolean) {
  return {
    number: d.documentId,
    docDate: new Date(d.receivedAt).toISOString(),
    receivedAt: new Date(d.receivedAt).toISOString(),
    type: d.type,
    status: d.status,
    senderInn: d.sellerTin,
    errors: d.errors.map((e) => ({ cis: e.ki, errorCode: e.errorCode, errorMessage: e.message })),
    ...(withBody ? { body: d.body } : {}),
  };
}

function checkView(asked: string, rec: CodeRecord | undefined) {
  if (!rec) return { cis: asked, valid: true, found: false, errorCode: 1, message: 'code not found' };
  const sold = SOLD.has(rec.status);
  return {
    cis: asked,
    printView: rec.ki,
    gtin: rec.gtin,
    groupIds: [],
    packageType: 'UNIT',
    valid: true,
    found: true,
    verified: true,
    utilised: rec.status !== 'EMITTED',
    realizable: rec.status === 'INTRODUCED',
    sold,
    isBlocked: rec.blocked,
    ogvs: rec.blocked ? ['FNS'] : [],
    isOwner: true,
    expireDate: rec.expiresAt,
    mrp: rec.mrp,
    smp: rec.minPrice,
  };
}

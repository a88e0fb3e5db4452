/** Answers that do not fit the documented shapes: validated at the edge, never crash, never guessed. */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrackingError, type TrackingError } from '../../src/tracking/errors.js';
import { TrueApiAdapter } from '../../src/tracking/true-api/adapter.js';
import { XtraceAdapter } from '../../src/tracking/xtrace/adapter.js';
import { ki, saleDoc } from './helpers.js';

/** A server that answers every call with what `next` says. */
let answer: { status: number; body: string; type?: string } = { status: 200, body: '{}' };
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/api/users/authenticate')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accessToken: 'a', refreshToken: 'r', expiresIn: '1800000' }));
        return;
      }
      res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function failure(p: Promise<unknown>): Promise<TrackingError> {
  const e = await p.then(() => null, (err: unknown) => err);
  if (!isTrackingError(e)) throw new Error(`expected a TrackingError, got ${String(e)}`);
  return e;
}

describe('malformed answers', () => {
  it('HTML instead of JSON on a read → permanent bad-answer', async () => {
    answer = { status: 200, body: '<html>maintenance</html>', type: 'text/html' };
    const xt = new XtraceAdapter({ family: 'xtrace', baseUrl: url, login: 'l', password: 'p' });
    expect(await failure(xt.checkCodes([ki(1)]))).toMatchObject({ kind: 'permanent', code: 'bad-answer' });
    await xt.close();
  });

  it('a document POST answered without an id → unknown-result (it may exist)', async () => {
    answer = { status: 200, body: '{"status":"CREATED"}' };
    const xt = new XtraceAdapter({ family: 'xtrace', baseUrl: url, login: 'l', password: 'p' });
    expect(await failure(xt.submitSale(saleDoc('r', [1])))).toMatchObject({ kind: 'unknown-result', code: 'bad-answer' });
    await xt.close();
  });

  it('answers missing facts leave them null (never guessed)', async () => {
    answer = { status: 200, body: JSON.stringify([{ code: ki(1), status: 'INTRODUCED' }]) };
    const xt = new XtraceAdapter({ family: 'xtrace', baseUrl: url, login: 'l', password: 'p' });
    const [r] = await xt.checkCodes([ki(1)]);
    expect(r).toMatchObject({ found: true, status: 'INTRODUCED', sold: false, blocked: null, ownerTin: null, mrp: null, expiresAt: null });
    await xt.close();
  });

  it('the bare-array and {codes} answer shapes both work', async () => {
    answer = { status: 200, body: JSON.stringify({ codes: [{ code: ki(1), status: 'withdrawn' }] }) };
    const xt = new XtraceAdapter({ family: 'xtrace', baseUrl: url, login: 'l', password: 'p', codesRequestShape: 'array' });
    expect((await xt.checkCodes([ki(1)]))[0]).toMatchObject({ status: 'WITHDRAWN', sold: true });
    await xt.close();
  });

  it('codes/check with code ≠ 0 → permanent with the description', async () => {
    answer = { status: 200, body: JSON.stringify({ code: 5, description: 'fiscal drive unknown' }) };
    const ta = new TrueApiAdapter({ family: 'true-api', baseUrl: url, apiKey: 'k', cdnInfoUrl: null });
    const e = await failure(ta.checkCodes([ki(1)]));
    expect(e).toMatchObject({ kind: 'permanent', code: 'check-5' });
    expect(e.message).toContain('fiscal drive unknown');
    await ta.close();
  });

  it('a 406 with an empty body is permanent not-acceptable', async () => {
    answer = { status: 406, body: '' };
    const xt = new XtraceAdapter({ family: 'xtrace', baseUrl: url, login: 'l', password: 'p' });
    expect(await failure(xt.checkCodes([ki(1)]))).toMatchObject({ kind: 'permanent', code: 'not-acceptable', details: { status: 406 } });
    await xt.close();
  });
});

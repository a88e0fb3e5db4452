import { describe, expect, it } from 'vitest';
import { parseCode, type ParseResult } from '../../src/marking/index.js';

const GS = '\x1d';
const BLOCK = `010460043993125621JgXJ5.T${GS}8005112000${GS}930927`;

function ok(r: ParseResult) {
  expect(r.error).toBeNull();
  expect(r.ok).toBe(true);
  return r;
}
function refused(r: ParseResult, code: string) {
  expect(r.ok).toBe(false);
  expect(r.error?.code).toBe(code);
  expect(r.error?.message.length).toBeGreaterThan(10);
  expect(r.ki).toBeNull();
  expect(r.km).toBeNull();
  return r;
}

describe('parseCode: the reference examples', () => {
  it('tobacco block: GTIN, serial, MRP in minor units, KI cut at the first GS', () => {
    expect(ok(parseCode(BLOCK))).toEqual({
      ok: true, kind: 'marking', gtin: '04600439931256', serial: 'JgXJ5.T', ki: '010460043993125621JgXJ5.T', km: BLOCK,
      productGroup: 'tobacco', mrp: 112000, expiry: null, repairs: [], error: null,
    });
  });

  it('RU tobacco pack: 29 chars, base-80 MRP (worked example ACW. = 14630)', () => {
    const pack = '04600439931256' + 'AbC-12.' + 'ACW.' + 'x9Z!';
    const r = ok(parseCode(pack, { country: 'RU' }));
    expect(r).toMatchObject({ kind: 'marking', gtin: '04600439931256', serial: 'AbC-12.', ki: pack.slice(0, 21), km: pack, productGroup: 'tobacco', mrp: 14630 });
  });

  it('UZ tobacco pack: 14 + 7 + 8 verification, no MRP', () => {
    const r = ok(parseCode('04780101164394TF&csaNNW1kK0tL', { country: 'UZ' }));
    expect(r).toMatchObject({ gtin: '04780101164394', serial: 'TF&csaN', ki: '04780101164394TF&csaN', mrp: null, productGroup: 'tobacco' });
  });

  it('shoes with an 88-char tail, serial with + < _', () => {
    const tail = 'A'.repeat(40) + '&(*;<>/' + 'b'.repeat(41);
    const km = `0104690257528523` + `21G+mgsHw<DiLN_${GS}91EE05${GS}92${tail}`;
    const r = ok(parseCode(km));
    expect(r).toMatchObject({ gtin: '04690257528523', serial: 'G+mgsHw<DiLN_', productGroup: 'shoes', ki: '010469025752852321G+mgsHw<DiLN_', km });
  });

  it('light industry (44-char tail), UZ appliances (20-char serial), water, dairy, beer', () => {
    const tail44 = 'QUJD'.repeat(11);
    expect(ok(parseCode(`010469025752852321ABCDEFGHIJKLM${GS}91EE05${GS}92${tail44}`)).productGroup).toBe('light_industry');
    expect(ok(parseCode(`010478010116439421ABCDEFGHIJKLMNOPQRST${GS}91EE05${GS}92${tail44}`)).productGroup).toBe('appliances');
    expect(ok(parseCode(`0104607063428121215kMZbUeDGG<e+${GS}93dGVz`)).productGroup).toBe('water');
    expect(ok(parseCode(`0112345678901231215w9EJp${GS}93abc1`))).toMatchObject({ productGroup: 'dairy', serial: '5w9EJp' });
    expect(ok(parseCode(`010487021676000721qKkdi+S${GS}93U3g5`))).toMatchObject({ productGroup: 'beer', serial: 'qKkdi+S', gtin: '04870216760007' });
  });

  it('pharma: expiry (day 00 = last day of month), batch, 91/92', () => {
    const tail44 = 'QUJD'.repeat(11);
    const r = ok(parseCode(`01046002002001161727020010AB12${GS}21ABCDEFGHIJKLM${GS}91EE05${GS}92${tail44}`));
    expect(r).toMatchObject({ productGroup: 'pharma', expiry: '2027-02-28', serial: 'ABCDEFGHIJKLM' });
  });

  it('weighted dairy: 3103 after the crypto tail, expiry from 7003', () => {
    const r = ok(parseCode(`0104600200200116215w9EJp${GS}93abc1${GS}70032612312359${GS}3103001234`));
    expect(r).toMatchObject({ productGroup: 'dairy', expiry: '2026-12-31' });
  });

  it('EAN-13, EAN-8, UPC-A, GTIN-14 are plain product barcodes padded to 14', () => {
    expect(ok(parseCode('4600439931256'))).toMatchObject({ kind: 'gtin', gtin: '04600439931256', ki: null, km: null });
    expect(ok(parseCode('46009333'))).toMatchObject({ kind: 'gtin', gtin: '00000046009333' });
    expect(ok(parseCode('036000291452'))).toMatchObject({ kind: 'gtin', gtin: '00036000291452' });
    expect(ok(parseCode('04600439931256'))).toMatchObject({ kind: 'gtin', gtin: '04600439931256' });
    expect(ok(parseCode('0104600439931256'))).toMatchObject({ kind: 'gtin', gtin: '04600439931256', km: '0104600439931256' });
  });

  it('SSCC (00) is a transport package', () => {
    expect(ok(parseCode('00048700000000000012'))).toMatchObject({ kind: 'sscc', km: '00048700000000000012', gtin: null });
  });

  it('a bare KI (01 + 21, national serial length) is accepted without a group', () => {
    expect(ok(parseCode('0104607063428121215kMZbUeDGG<e+'))).toMatchObject({ kind: 'marking', productGroup: null, ki: '0104607063428121215kMZbUeDGG<e+' });
  });
});

describe('parseCode: refusals with stable codes', () => {
  it.each([
    ['', 'empty'],
    ['04603721009458', 'bad-check-digit'],
    ['4600439931257', 'bad-check-digit'],
    [`010460043993125721JgXJ5.T${GS}8005112000${GS}930927`, 'bad-check-digit'],
    [`010460043993125621JgXJ5 T${GS}8005112000${GS}930927`, 'bad-charset'],
    [`010460043993125621JgXJ5.TАбв${GS}93abcd`, 'bad-charset'],
    [`0104600439931256210123456789012345678901234567${GS}93abcd`, 'bad-length'],
    [`010460043993125621ABCDEFG${GS}93`, 'bad-length'],
    [`0104600439931256${GS}930927`, 'missing-serial'],
    ['0104600439931256239999', 'unknown-ai'],
    ['hello world', 'not-a-marking-code'],
    ['привет', 'not-a-marking-code'],
    ['   ', 'empty'],
    ['0104600439931256239999', 'unknown-ai'],
    ['01046004399312560104870216760007', 'bad-format'],
    ['0000000000000000000000000000000000000000', 'bad-format'],
    [`21ABCDEFG${GS}930927`, 'not-a-marking-code'],
    [`010460043993125621ABCDEFGHIJ${GS}930927`, 'bad-format'],
    ['01046004399312561713023', 'bad-length'],
    ['0104600439931256171302301', 'bad-date'],
    ['0104600439931256171313011', 'bad-date'],
    ['https://example.com/no/key/here', 'not-a-marking-code'],
  ])('%j → %s', (input, code) => {
    refused(parseCode(input), code);
  });

  it('refuses input that is not text or bytes, and absurdly long input, without throwing', () => {
    refused(parseCode(42 as unknown as string), 'bad-input');
    refused(parseCode(null as unknown as string), 'bad-input');
    refused(parseCode('0'.repeat(5000)), 'bad-length');
    refused(parseCode(new Uint8Array(5000)), 'bad-length');
  });

  it('reports the position of the offending character', () => {
    const r = parseCode(`010460043993125621JgXJ5 T${GS}8005112000${GS}930927`);
    expect(r.error?.position).toBe(24);
  });

  it('refuses a lost GS that can be restored in more than one way, with a distinct code', () => {
    // After 21: a tobacco block (serial 7, 8005 119300, 93 of 8) or water + 17 (serial 13, 93 of 4, expiry).
    const x = 'ABCDEFG' + '8005' + '119300' + '93' + '17261231';
    refused(parseCode(`010460043993125621${x}`), 'gs-missing-ambiguous');
    // The same text with its GS in place is one tobacco block.
    expect(ok(parseCode(`010460043993125621ABCDEFG${GS}8005119300${GS}9317261231`)).productGroup).toBe('tobacco');
  });
});

describe('parseCode: edges found in review', () => {
  it('a 29-char text that reads as GS1 (01 + GTIN + expiry + batch) is not taken for a tobacco pack', () => {
    expect(ok(parseCode('01046004399312561725123110ABC'))).toMatchObject({ kind: 'gtin', gtin: '04600439931256', expiry: '2025-12-31' });
    // A real pack whose GTIN starts with 01 still reads as a pack.
    const pack = '01234567890128' + 'AbC-12.' + 'ACW.' + 'x9Z!';
    expect(ok(parseCode(pack, { country: 'RU' }))).toMatchObject({ kind: 'marking', productGroup: 'tobacco', mrp: 14630, ki: pack.slice(0, 21) });
  });

  it('è or U+FFFD where a separator belongs is read as GS', () => {
    expect(ok(parseCode(`è010460043993125621JgXJ5.Tè8005112000è930927`))).toMatchObject({ km: BLOCK, mrp: 112000 });
    expect(ok(parseCode(`010487021676000721qKkdi+S�93U3g5`))).toMatchObject({ productGroup: 'beer', repairs: ['gs-substitute'] });
  });

  it('a refusal lists no repairs', () => {
    const r = parseCode(`]d2010460372100945821qKkdi+S${GS}93U3g5
`);
    expect(r).toMatchObject({ ok: false, repairs: [], error: { code: 'bad-check-digit' } });
  });

  it('Digital Link with a GTIN-13 in the path', () => {
    expect(ok(parseCode('https://id.gs1.org/01/4870216760007/21/qKkdi%2BS?93=U3g5'))).toMatchObject({ gtin: '04870216760007', productGroup: 'beer' });
  });

  it('UPC-E reported with ]E0 is expanded, EAN-8 stays EAN-8', () => {
    expect(ok(parseCode(']E001234565'))).toMatchObject({ kind: 'gtin', gtin: '00012345000065' });
    expect(ok(parseCode(']E446009333'))).toMatchObject({ kind: 'gtin', gtin: '00000046009333' });
  });
  it('HRI whose serial holds an (AI)-shaped run is re-split by the product-group lengths', () => {
    const tail = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCdEf';
    expect(ok(parseCode(`(01)04690257528523(21)ab(10)cdefghi(91)EE05(92)${tail}`))).toMatchObject({ serial: 'ab(10)cdefghi', productGroup: 'light_industry', repairs: ['hri'] });
    expect(ok(parseCode('(01)04600439931256(21)(11)ab(93)abc1'))).toMatchObject({ serial: '(11)ab', productGroup: 'dairy' });
    // A bracket-heavy text stays bounded and is refused cleanly.
    expect(parseCode('(01)04600439931256(21)' + '(10)'.repeat(300)).ok).toBe(false);
  });
});


import { describe, expect, it } from 'vitest';
import { applyLayout, parseCode, undoLayout } from '../../src/marking/index.js';

const GS = '\x1d';
const BLOCK = `010460043993125621JgXJ5.T${GS}8005112000${GS}930927`;
const KI = '010460043993125621JgXJ5.T';
const latin1 = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));

describe('repairs are applied and recorded', () => {
  it.each([
    [`]d2${BLOCK}`, ['aim-prefix']],
    [`]d8${BLOCK}`, ['aim-prefix']],
    [`]Q3${BLOCK}`, ['aim-prefix']],
    [`${GS}${BLOCK}`, ['fnc1-stripped']],
    [`è${BLOCK}`, ['fnc1-stripped']],
    [`\ufffd${BLOCK}`, ['fnc1-stripped']],
    [`${BLOCK}\r\n`, ['crlf-stripped']],
    [`${BLOCK}\r`, ['crlf-stripped']],
    [`]d2${GS}${BLOCK}\n`, ['crlf-stripped', 'aim-prefix', 'fnc1-stripped']],
    [BLOCK.replaceAll(GS, '~'), ['gs-substitute']],
    [BLOCK.replaceAll(GS, '|'), ['gs-substitute']],
    [BLOCK.replaceAll(GS, '<GS>'), ['gs-substitute']],
    [BLOCK.replaceAll(GS, '{GS}'), ['gs-substitute']],
    [BLOCK.replaceAll(GS, '\\x1d'), ['gs-substitute']],
    [BLOCK.replaceAll(GS, '\\u001d'), ['gs-substitute']],
    [BLOCK.replaceAll(GS, '\u241d'), ['gs-substitute']],
    [`~${BLOCK.replaceAll(GS, '~')}`, ['gs-substitute', 'fnc1-stripped']],
    ['(01)04600439931256(21)JgXJ5.T(8005)112000(93)0927', ['hri']],
    ['(01) 04600439931256 (21) JgXJ5.T (8005) 112000 (93) 0927', ['hri']],
    ['https://id.gs1.org/01/04600439931256/21/JgXJ5.T?8005=112000&93=0927', ['digital-link']],
    ['HTTPS://example.com/shop/01/04600439931256/21/JgXJ5%2ET?93=0927&8005=112000&utm=x', ['digital-link']],
    [BLOCK.replaceAll(GS, ''), ['gs-restored']],
    [`  ${BLOCK}  `, ['whitespace-trimmed']],
  ])('%j → %j', (input, repairs) => {
    const r = parseCode(input);
    expect(r.error).toBeNull();
    expect(r.ki).toBe(KI);
    expect(r.repairs).toEqual(repairs);
    if (!repairs.includes('digital-link') || input.includes('8005=112000&93')) expect(r.km).toBe(BLOCK);
  });

  it('Digital Link keeps query order as given (still a valid block)', () => {
    const r = parseCode('HTTPS://example.com/shop/01/04600439931256/21/JgXJ5%2ET?93=0927&8005=112000');
    expect(r).toMatchObject({ ok: true, ki: KI, mrp: 112000, productGroup: 'tobacco' });
  });

  it('HRI honours \\( as a literal bracket and keeps a bracket that starts no known AI', () => {
    const r = parseCode('(01)04690257528523(21)G+mgs\\(w<DiLN_(93)abcd');
    expect(r).toMatchObject({ ok: true, serial: 'G+mgs(w<DiLN_', productGroup: 'water', repairs: ['hri'] });
    const r2 = parseCode('(01)04690257528523(21)G+mgs(w<DiLN_(93)abcd');
    expect(r2).toMatchObject({ ok: true, serial: 'G+mgs(w<DiLN_' });
  });

  it('configured substitutes come on top of the defaults', () => {
    expect(parseCode(BLOCK.replaceAll(GS, '^')).ok).toBe(false);
    const r = parseCode(BLOCK.replaceAll(GS, '^'), { gsSubstitutes: ['^'] });
    expect(r).toMatchObject({ ok: true, km: BLOCK, repairs: ['gs-substitute'] });
    expect(parseCode(BLOCK.replaceAll(GS, 'F8'), { gsSubstitutes: ['F8'] }).km).toBe(BLOCK);
  });

  it('bytes: latin1 keeps GS and 0xE8; UTF-8 Cyrillic from a wedge is decoded as text', () => {
    expect(parseCode(latin1(`è${BLOCK}\r\n`))).toMatchObject({ ok: true, km: BLOCK, repairs: ['crlf-stripped', 'fnc1-stripped'] });
    const typedRu = applyLayout(BLOCK, 'ru');
    expect(parseCode(new TextEncoder().encode(typedRu))).toMatchObject({ ok: true, km: BLOCK, repairs: ['layout-ru'] });
    // è sent as UTF-8 and read as latin1 arrives as "Ã¨"
    expect(parseCode(`Ã¨${BLOCK}`)).toMatchObject({ ok: true, km: BLOCK });
  });

  it('Russian layout: letters and shifted symbols map back key by key', () => {
    const typed = applyLayout(BLOCK, 'ru');
    expect(typed.slice(18, 25)).toBe('ОпЧО5юЕ');
    expect(typed).toMatch(/[А-я]/);
    expect(undoLayout(typed, 'ru')).toBe(BLOCK);
    expect(parseCode(typed)).toMatchObject({ ok: true, km: BLOCK, repairs: ['layout-ru'] });
    // "." on the RU layout is the US "/" key: ЙЦУКЕН "ю" is the US "."
    expect(undoLayout('ю.', 'ru')).toBe('./');
  });

  it('Kazakh layout: the digit row comes back (reference example GTIN 04870000000012)', () => {
    expect(undoLayout('қңү.ққққққққ"ә', 'kz')).toBe('04870000000012');
    expect(parseCode('қңү.ққққққққ"ә')).toMatchObject({ ok: true, kind: 'gtin', gtin: '04870000000012', repairs: ['layout-kz'] });
    const typed = applyLayout(`]d2${BLOCK}\r\n`, 'kz');
    expect(parseCode(typed)).toMatchObject({ ok: true, km: BLOCK, repairs: ['layout-kz', 'crlf-stripped', 'aim-prefix'] });
  });

  it('a lost GS plus a layout plus an AIM prefix', () => {
    const typed = applyLayout(`]d2${BLOCK.replaceAll(GS, '')}`, 'ru');
    expect(parseCode(typed)).toMatchObject({ ok: true, km: BLOCK, repairs: ['layout-ru', 'aim-prefix', 'gs-restored'] });
  });

  it('a repair that does not end in a valid code is not a repair: the original error is reported', () => {
    const badCheck = BLOCK.replace('04600439931256', '04600439931257');
    const r = parseCode(applyLayout(badCheck, 'ru'));
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('bad-check-digit'); // found in the text as it arrived
    expect(r.repairs).not.toContain('layout-ru');
    const r2 = parseCode(badCheck.replaceAll(GS, '~'));
    expect(r2.ok).toBe(false);
    expect(r2.repairs).not.toContain('gs-substitute');
    expect(r2.km).toBeNull();
  });
});

describe('tolerated separators', () => {
  it('a redundant GS after a predefined-length AI and a trailing GS are dropped from km and recorded', () => {
    const r = parseCode(`0104600439931256${GS}21JgXJ5.T${GS}8005112000${GS}930927${GS}`);
    expect(r).toMatchObject({ ok: true, km: BLOCK, repairs: ['gs-redundant'] });
  });
});

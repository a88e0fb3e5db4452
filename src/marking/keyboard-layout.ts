/**
 * Undoing a keyboard layout: text that a keyboard-wedge scanner typed while the OS layout was Russian
 * (ЙЦУКЕН) or Kazakh (RST 903-90 / Windows Kazakh) is mapped back key by key to what the US layout
 * gives. Position-based, so the repair is exact once the layout is known: Kazakh-specific letters
 * mean Kazakh, other Cyrillic means Russian.
 */

// Letter keys, shared by both layouts: Cyrillic → US (lower case; upper case maps to upper case).
const LETTERS: Record<string, string> = {
  й: 'q', ц: 'w', у: 'e', к: 'r', е: 't', н: 'y', г: 'u', ш: 'i', щ: 'o', з: 'p', х: '[', ъ: ']',
  ф: 'a', ы: 's', в: 'd', а: 'f', п: 'g', р: 'h', о: 'j', л: 'k', д: 'l', ж: ';', э: "'",
  я: 'z', ч: 'x', с: 'c', м: 'v', и: 'b', т: 'n', ь: 'm', б: ',', ю: '.', ё: '`',
};
const SHIFTED_LETTERS: Record<string, string> = { Х: '{', Ъ: '}', Ж: ':', Э: '"', Б: '<', Ю: '>', Ё: '~' };

/** Russian layout: symbols that differ from US on the digit row and the slash keys. */
const RU_SYMBOLS: Record<string, string> = { '"': '@', '№': '#', ';': '$', ':': '^', '?': '&', '.': '/', ',': '?', '/': '|' };

/** Kazakh layout: the digit row carries letters and punctuation (X11 `kz` basic). */
const KZ_SYMBOLS: Record<string, string> = {
  '(': '`', ')': '~', '"': '1', ә: '2', Ә: '@', і: '3', І: '#', ң: '4', Ң: '$', ғ: '5', Ғ: '%',
  ',': '6', ';': '^', '.': '7', ':': '&', ү: '8', Ү: '*', ұ: '9', Ұ: '(', қ: '0', Қ: ')',
  ө: '-', Ө: '_', һ: '=', Һ: '+', '№': '/', '/': '|',
};

function buildMap(symbols: Record<string, string>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [cy, us] of Object.entries(LETTERS)) {
    m.set(cy, us);
    const upper = cy.toUpperCase();
    if (!(upper in SHIFTED_LETTERS)) m.set(upper, us.toUpperCase());
  }
  for (const [cy, us] of Object.entries(SHIFTED_LETTERS)) m.set(cy, us);
  for (const [k, us] of Object.entries(symbols)) m.set(k, us);
  return m;
}

const RU_MAP = buildMap(RU_SYMBOLS);
const KZ_MAP = buildMap(KZ_SYMBOLS);
// On the Kazakh layout the backtick key types ( and ), so ё/Ё have no key there.
KZ_MAP.delete('ё');
KZ_MAP.delete('Ё');
/** Per char code in the Cyrillic block: 1 = Cyrillic, 2 = a Kazakh-specific letter. */
const CYRILLIC = new Uint8Array(0x500);
CYRILLIC.fill(1, 0x400, 0x500);
for (const ch of 'әіңғүұқөһӘІҢҒҮҰҚӨҺ') CYRILLIC[ch.charCodeAt(0)] = 2;

export type Layout = 'ru' | 'kz';

/** Which layout the text was typed under, or null when it holds no Cyrillic at all. */
export function detectLayout(s: string): Layout | null {
  let cyrillic = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x400) continue;
    const kind = c < 0x500 ? CYRILLIC[c] : c === 0x2116 ? 1 : 0;
    if (kind === 2) return 'kz';
    if (kind === 1) cyrillic = true;
  }
  return cyrillic ? 'ru' : null;
}

/** Char-code tables of the maps (every key and value is a single UTF-16 unit): 0 = unchanged. */
function toTable(map: Map<string, string>): Uint16Array {
  const table = new Uint16Array(0x2200);
  for (const [k, v] of map) table[k.charCodeAt(0)] = v.charCodeAt(0);
  return table;
}
const RU_TABLE = toTable(RU_MAP);
const KZ_TABLE = toTable(KZ_MAP);

/** Maps text typed under `layout` back to what the same keys give under the US layout. */
export function undoLayout(s: string, layout: Layout): string {
  const table = layout === 'kz' ? KZ_TABLE : RU_TABLE;
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const m = c < 0x2200 ? table[c] : 0;
    if (m !== 0) {
      out += s.slice(from, i) + String.fromCharCode(m);
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

/** The other direction, for tests and demos: what US-layout keystrokes produce under `layout`. */
export function applyLayout(s: string, layout: Layout): string {
  const map = layout === 'kz' ? KZ_MAP : RU_MAP;
  const inverse = new Map<string, string>();
  for (const [k, v] of map) if (!inverse.has(v)) inverse.set(v, k);
  let out = '';
  for (const ch of s) out += inverse.get(ch) ?? ch;
  return out;
}

/** Public result types of the marking engine (see DESIGN.md, "Parse result"). */

export type Country = 'KZ' | 'RU' | 'UZ';

export type CodeKind = 'marking' | 'gtin' | 'sscc' | 'unknown';

export interface ParseError {
  /** Stable machine code, e.g. `bad-check-digit`. */
  code: ParseErrorCode;
  /** Human-readable sentence (English). */
  message: string;
  /** 1-based position of the offending character in the text that was parsed, when known. */
  position?: number;
}

export type ParseErrorCode =
  | 'empty'
  | 'bad-input'
  | 'bad-charset'
  | 'bad-check-digit'
  | 'unknown-ai'
  | 'bad-length'
  | 'bad-date'
  | 'bad-ai-data'
  | 'missing-serial'
  | 'missing-gtin'
  | 'gs-missing-ambiguous'
  | 'bad-format'
  | 'not-a-marking-code';

export interface ParseOptions {
  /** Country profile: decides tobacco-pack layout (RU/KZ: MRP in base 80; UZ: 8-char verification). Default 'KZ'. */
  country?: Country;
  /** Extra strings that a scanner sends instead of GS (0x1D). Defaults cover `<GS>`, `{GS}`, `\x1d`, `\u001d`, `~`, `|`. */
  gsSubstitutes?: string[];
  /** Resolves two-digit years with the GS1 window (49 back, 50 ahead). Default: 20YY. The engine never reads the clock. */
  referenceYear?: number;
}

export interface ParseResult {
  ok: boolean;
  kind: CodeKind;
  /** Always 14 digits when present (EAN-13/8, UPC-A are zero-padded). */
  gtin: string | null;
  serial: string | null;
  /** Identification code: "01"+gtin+"21"+serial; tobacco pack: its first 21 chars. */
  ki: string | null;
  /** Full canonical code: GS separators, no AIM prefix, no leading FNC1, no CR/LF. */
  km: string | null;
  productGroup: string | null;
  /** Maximum retail price in minor units when the code carries it. */
  mrp: number | null;
  /** ISO date (YYYY-MM-DD) when the code carries one. */
  expiry: string | null;
  /** What was fixed on the way, e.g. "aim-prefix", "gs-restored", "layout-ru". */
  repairs: string[];
  error: ParseError | null;
}

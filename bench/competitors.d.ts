/** Minimal typings for the parsers the marking benchmark compares against (they ship none). */
declare module '@point-of-sale/barcode-parser' {
  export const GS1: { parse(input: { value: string; symbology: string; fnc1?: number }): { gtin?: string; elements?: { ai: string; value: string }[] } };
  export const Detector: { detect(value: string): { symbology: string; guess: boolean } | undefined };
}
declare module 'bark-js' {
  export default function bark(input: string, options?: { assumeGtin?: boolean; fnc?: string }): { elements: { ai: string; value: string }[] };
}

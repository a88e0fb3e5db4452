/** A reproducible set of 1280×720 camera-like frames (clean, noisy, low-contrast, blurred, small, uneven light, empty). */
import { xorshift32 as rng } from '../../support/codes.js';
import { renderFrame, symbolOf, type FrameSpec, type GrayFrame, type Symbol2D } from './synth.js';

export const SET_KM_BRACKETED =
  '[01]04601234567893[21]5Xb7kPq[91]EE06[92]dGVzdGRhdGFzaWduYXR1cmVkR1ZzZEdSaGRHRnphV2R1WVhSMWNtVT0=';
export const SET_KM =
  '0104601234567893215Xb7kPq\x1d91EE06\x1d92dGVzdGRhdGFzaWduYXR1cmVkR1ZzZEdSaGRHRnphV2R1WVhSMWNtVT0=';

export interface LabelledFrame {
  kind: 'clean' | 'hard' | 'empty';
  name: string;
  frame: GrayFrame;
}


export async function frameSet(opts: { clean?: number; hard?: number; empty?: number; seed?: number; width?: number; height?: number } = {}): Promise<LabelledFrame[]> {
  const sym: Symbol2D = await symbolOf(SET_KM_BRACKETED);
  const r = rng(opts.seed ?? 7);
  const size = { width: opts.width ?? 1280, height: opts.height ?? 720 };
  const out: LabelledFrame[] = [];
  const pos = (): Partial<FrameSpec> => ({ cx: 0.3 + 0.4 * r(), cy: 0.3 + 0.4 * r(), angle: -45 + 90 * r() });
  for (let i = 0; i < (opts.clean ?? 10); i++) {
    out.push({ kind: 'clean', name: `clean${i}`, frame: renderFrame(sym, { ...size, ...pos(), scale: 3 + 4 * r(), noise: 6 * r(), seed: i + 1 }) });
  }
  const hard: ((i: number) => [string, FrameSpec])[] = [
    (i) => [`noise`, { noise: 60 + 25 * r(), scale: 4 + 2 * r(), seed: 100 + i }],
    (i) => [`lowcontrast`, { dark: 118 + 6 * r(), light: 140, noise: 5 + 3 * r(), scale: 4 + 2 * r(), seed: 200 + i }],
    (i) => [`saltpepper`, { saltPepper: 0.08 + 0.1 * r(), scale: 4 + 2 * r(), seed: 300 + i }],
    (i) => [`blur`, { blur: 2 + Math.round(r()), noise: 8, scale: 4 + r(), seed: 400 + i }],
    (i) => [`small`, { scale: 1.5 + 0.4 * r(), noise: 6 + 4 * r(), seed: 500 + i }],
    (i) => [`unevenlight`, { gradient: 160 + 60 * r(), dark: 50 + 20 * r(), light: 110 + 20 * r(), noise: 10, scale: 4 + r(), seed: 600 + i }],
  ];
  for (let i = 0; i < (opts.hard ?? 18); i++) {
    const [name, spec] = hard[i % hard.length](i);
    out.push({ kind: 'hard', name: `${name}${i}`, frame: renderFrame(sym, { ...size, ...pos(), ...spec }) });
  }
  for (let i = 0; i < (opts.empty ?? 2); i++) out.push({ kind: 'empty', name: `empty${i}`, frame: renderFrame(null, { ...size, noise: 12, seed: 900 + i }) });
  return out;
}

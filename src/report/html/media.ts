// Pictures and sound for the HTML reports: log-mel spectrograms (the project's own mel, src/audio/mel.ts)
// as PNG data URIs (encoded by fast-png, coloured by d3-scale-chromatic's maps), and audio as 16-bit WAV
// data URIs. A budget keeps a report with many cases under a size a browser opens quickly: media beyond
// it are left out and the page says so. Pure.
import { interpolateMagma, interpolateRdBu } from 'd3-scale-chromatic';
import { encode } from 'fast-png';
import { logMel, type MelConfig } from '../../audio/mel.ts';
import { encodeWav } from '../../audio/wav.ts';

/** One piece of audio a report can play. */
export interface Clip {
  label: string;
  samples: Float32Array;
  sampleRate: number;
}

/** A [n_mels, frames] log-mel (row-major, low bands first), as src/audio/mel.ts makes it. */
export interface MelImage {
  mels: number;
  frames: number;
  data: Float32Array;
}

function lut(interpolate: (t: number) => string): Uint8Array {
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = interpolate(i / 255);
    // d3's maps give "#rrggbb" or "rgb(r, g, b)"
    const m = c.startsWith('#') ? [c.slice(1, 3), c.slice(3, 5), c.slice(5, 7)].map((h) => parseInt(h, 16)) : (c.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    out.set(m, i * 3);
  }
  return out;
}
let magma: Uint8Array | undefined;
let rdbu: Uint8Array | undefined;

/** The log-mel of a clip (frames every hop), [n_mels, frames]. */
export function melOf(samples: Float32Array, cfg: MelConfig): MelImage {
  const t = logMel(samples, cfg);
  return { mels: t.shape[0]!, frames: t.shape[1]!, data: t.data as Float32Array };
}

/**
 * A spectrogram as a PNG data URI: one pixel per frame and band, low bands at the bottom. `range` fixes
 * the colour scale (so reference and engine images share one); the difference image uses a diverging map
 * centred on 0 (`diverging: x` maps ±x to the ends).
 */
export function melPng(m: MelImage, opts: { range?: [number, number]; diverging?: number } = {}): string {
  const map = opts.diverging !== undefined ? (rdbu ??= lut((t) => interpolateRdBu(1 - t))) : (magma ??= lut(interpolateMagma));
  let [lo, hi] = opts.range ?? rangeOf(m.data);
  if (opts.diverging !== undefined) [lo, hi] = [-opts.diverging, opts.diverging];
  const span = hi - lo || 1;
  const rgb = new Uint8Array(m.mels * m.frames * 3);
  for (let b = 0; b < m.mels; b++) {
    const row = (m.mels - 1 - b) * m.frames;
    for (let t = 0; t < m.frames; t++) {
      const v = m.data[b * m.frames + t]!;
      const k = Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255))) * 3;
      const o = (row + t) * 3;
      rgb[o] = map[k]!;
      rgb[o + 1] = map[k + 1]!;
      rgb[o + 2] = map[k + 2]!;
    }
  }
  const png = encode({ width: m.frames, height: m.mels, data: rgb, channels: 3, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

function rangeOf(x: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

/** b − a over the frames both have. */
export function melDifference(a: MelImage, b: MelImage): MelImage & { maxAbs: number } {
  const frames = Math.min(a.frames, b.frames);
  const mels = Math.min(a.mels, b.mels);
  const data = new Float32Array(mels * frames);
  let maxAbs = 0;
  for (let m = 0; m < mels; m++) {
    for (let t = 0; t < frames; t++) {
      const d = b.data[m * b.frames + t]! - a.data[m * a.frames + t]!;
      data[m * frames + t] = d;
      if (Math.abs(d) > maxAbs) maxAbs = Math.abs(d);
    }
  }
  return { mels, frames, data, maxAbs };
}

/** Reference, engine and difference spectrograms on one shared scale. */
export function spectrogramTriple(reference: MelImage, engine: MelImage): { reference: string; engine: string; difference: string; maxAbsDiff: number } {
  const [rlo, rhi] = rangeOf(reference.data);
  // the floor of a log-mel (log clamp_min) is silence: keep the scale from the reference's own range
  const range: [number, number] = [rlo, rhi];
  const diff = melDifference(reference, engine);
  return {
    reference: melPng(reference, { range }),
    engine: melPng(engine, { range }),
    difference: melPng(diff, { diverging: Math.max(diff.maxAbs, 1e-6) }),
    maxAbsDiff: diff.maxAbs,
  };
}

/** Audio as a 16-bit PCM WAV data URI (what an <audio> element plays without a server). */
export function wavDataUri(c: Pick<Clip, 'samples' | 'sampleRate'>): string {
  return `data:audio/wav;base64,${Buffer.from(encodeWav(c.samples, c.sampleRate)).toString('base64')}`;
}

/** Bytes a clip adds to a page (base64 of a 16-bit WAV). */
export function clipBytes(c: Pick<Clip, 'samples'>): number {
  return Math.ceil(((44 + c.samples.length * 2) * 4) / 3);
}

/** How many bytes of media a page may still take; what does not fit is left out and counted. */
export class MediaBudget {
  used = 0;
  left_out = 0;
  private ids = 0;
  constructor(readonly limit: number) {}
  /** A page-unique id for a piece of deferred media. */
  nextId(): string {
    return `media-${++this.ids}`;
  }
  /** Take `bytes` if they fit. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) {
      this.left_out++;
      return false;
    }
    this.used += bytes;
    return true;
  }
}

/** 16 MB of media by default: a page with a hundred cases stays under 20 MB. */
export const DEFAULT_MEDIA_BYTES = 16 * 1024 * 1024;

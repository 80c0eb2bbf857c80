// Benchmark (not a test): the host `gaussian` step (EmotiVoice's Gaussian upsampling) at EmotiVoice's
// width (H = 384) for sentences of T phonemes, against the full O(F·T·H) softmax it stands for.
// Half of the "host or in-engine upsampling" measurement; the other half is
// reference/emovoice_ref/emotivoice/bench_upsampling.py (the decoder with upsampling inside, on ORT).
//   npx tsx bench/gaussian.ts [--json] [--repeats 20]
import { gaussianUpsample, guardSilent } from '../src/pipeline/steps/gaussian.ts';

const args = process.argv.slice(2);
const repeats = Number(args[args.indexOf('--repeats') + 1] ?? 20) || 20;
const H = 384;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** The textbook form: every frame against every phoneme (what the step's window must equal). */
function full(hidden: Float32Array, T: number, d: Int32Array, delta: number): Float32Array {
  let F = 0;
  const c = new Float64Array(T);
  for (let j = 0; j < T; j++) (F += d[j]!), (c[j] = F - d[j]! / 2);
  const out = new Float32Array(F * H);
  const w = new Float64Array(T);
  for (let f = 0; f < F; f++) {
    let m = -Infinity;
    for (let j = 0; j < T; j++) m = Math.max(m, -delta * (f - c[j]!) ** 2);
    let s = 0;
    for (let j = 0; j < T; j++) s += w[j] = Math.exp(-delta * (f - c[j]!) ** 2 - m);
    for (let j = 0; j < T; j++) for (let k = 0; k < H; k++) out[f * H + k]! += (w[j]! / s) * hidden[j * H + k]!;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const rows = [];
for (const T of [24, 100, 188, 256]) {
  const rnd = lcg(T);
  const hidden = new Float32Array(T * H).map(() => rnd() * 2 - 1);
  // EmotiVoice-like durations: 0-9 frames, about 5 on average
  const d = guardSilent(new Int32Array(T).map(() => Math.floor(rnd() * 10)));
  const frames = d.reduce((a, b) => a + b, 0);
  const time = (f: () => unknown, n: number) => {
    f();
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      f();
      ms.push(performance.now() - t0);
    }
    return median(ms);
  };
  const windowed = time(() => gaussianUpsample(hidden, T, H, d, 0.1), repeats);
  const whole = time(() => full(hidden, T, d, 0.1), Math.max(3, repeats / 5));
  const a = gaussianUpsample(hidden, T, H, d, 0.1);
  const b = full(hidden, T, d, 0.1);
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i]! - b[i]!));
  rows.push({ phonemes: T, frames, hidden: H, windowed_ms: windowed, full_ms: whole, max_abs_diff: maxAbs });
}
if (args.includes('--json')) console.log(JSON.stringify({ node: process.version, rows }));
else {
  console.log('phonemes  frames  windowed ms  full ms  max |diff|');
  for (const r of rows) console.log(`${String(r.phonemes).padStart(8)} ${String(r.frames).padStart(7)} ${r.windowed_ms.toFixed(2).padStart(12)} ${r.full_ms.toFixed(1).padStart(8)} ${r.max_abs_diff.toExponential(1).padStart(11)}`);
}

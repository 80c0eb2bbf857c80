// The generic host steps any manifest may use (docs/model-manifest.md, "Host steps"): log-mel,
// length regulation by repetition, seeded noise, a choice among optional inputs, a table lookup.
// Family-only steps live in src/families/<family>/. Pure computations; `lookup` reads its table once
// when the model is opened.
import { logMel, melConfigFromManifest, transposeMel } from '../../audio/mel.ts';
import { UserError } from '../../core/errors.ts';
import { readNpy } from '../../tensor/io.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { HostStepDef, Value } from '../types.ts';
import { durationsFromLog, regulateLength, ROUNDINGS, type DurationRule } from './length.ts';
import { gaussianStep } from './gaussian.ts';
import { Params } from './params.ts';
import { resolve } from 'node:path';

function tensorOf(v: Value | undefined, step: string, port: string): Tensor {
  if (v === undefined || typeof v === 'string') throw new Error(`${step}: input ${port} must be a tensor`);
  return v;
}

const logMelStep: HostStepDef = {
  name: 'log_mel',
  description: "audio [1, samples] → log-mel as the manifest's audio.mel defines it",
  inputs: [{ name: 'audio', dtype: 'float32' }],
  outputs: [{ name: 'mel', dtype: 'float32' }],
  create(params, ctx) {
    const p = new Params(params, ctx, 'log_mel');
    const layout = p.oneOf('layout', ['frames_first', 'mels_first'] as const, 'mels_first');
    p.done();
    if (!ctx.audio.mel) throw new UserError('log_mel needs audio.mel in the manifest', { place: { file: ctx.manifestPath, path: 'audio.mel' }, hint: 'give n_fft, hop, win_length, n_mels, fmin, fmax, log_base, clamp_min' });
    const cfg = melConfigFromManifest(ctx.audio, ctx.manifestPath);
    return {
      run(inputs) {
        const audio = tensorOf(inputs.audio, 'log_mel', 'audio');
        const m = logMel(audio.data as Float32Array, cfg); // [n_mels, frames]
        const t = layout === 'frames_first' ? transposeMel(m) : m;
        return { mel: { dtype: 'float32', shape: [1, ...t.shape], data: t.data } };
      },
    };
  },
};

function durationRule(p: Params): DurationRule {
  const d = p.object('durations');
  const rule: DurationRule = {
    scale: d.number('scale', 1, (v) => v > 0, 'a positive number'),
    offset: d.number('offset', 1),
    rounding: d.oneOf('rounding', ROUNDINGS, 'round_half_even'),
    min: d.number('min', 1, (v) => Number.isInteger(v) && v >= 0, 'a whole number ≥ 0'),
    max: d.number('max', 50, (v) => Number.isInteger(v) && v >= 1, 'a whole number ≥ 1'),
  };
  d.done();
  return rule;
}

const repeatStep: HostStepDef = {
  name: 'repeat',
  description: 'length regulation: durations = clamp(rounding(exp(x)·scale − offset), min, max); each step of hidden repeated that often',
  inputs: [
    { name: 'log_durations', dtype: 'float32' },
    { name: 'hidden', dtype: 'float32' },
    { name: 'hidden2', dtype: 'float32', optional: true },
  ],
  outputs: [
    { name: 'hidden', dtype: 'float32' },
    { name: 'hidden2', dtype: 'float32', optional: true },
    { name: 'durations', dtype: 'int32' },
  ],
  create(params, ctx) {
    const p = new Params(params, ctx, 'repeat');
    const rule = durationRule(p);
    const framesFirst = p.oneOf('layout', ['frames_first', 'channels_first'] as const, 'frames_first') === 'frames_first';
    p.done();
    return {
      run(inputs) {
        const logD = tensorOf(inputs.log_durations, 'repeat', 'log_durations');
        const durations = durationsFromLog(logD.data as Float32Array, rule);
        const out: Record<string, Tensor> = {
          hidden: regulateLength(tensorOf(inputs.hidden, 'repeat', 'hidden'), durations, framesFirst),
          durations: { dtype: 'int32', shape: [1, durations.length], data: durations },
        };
        if (inputs.hidden2 !== undefined) out.hidden2 = regulateLength(tensorOf(inputs.hidden2, 'repeat', 'hidden2'), durations, framesFirst);
        return out;
      },
    };
  },
};

/** A seeded standard normal (mulberry32 + Box–Muller): the same seed gives the same noise everywhere. */
export function seededNormal(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(uniform(), 1e-12);
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

const noiseStep: HostStepDef = {
  name: 'noise',
  description: 'seeded standard normal noise × scale, shaped like its input (noise drawn on the host, not in an engine)',
  inputs: [{ name: 'like', dtype: 'any' }],
  outputs: [{ name: 'noise', dtype: 'float32' }],
  create(params, ctx) {
    const p = new Params(params, ctx, 'noise');
    const scale = p.number('scale', 1, (v) => v >= 0, 'a number ≥ 0');
    const seed = p.number('seed', 0, (v) => Number.isInteger(v) && v >= 0, 'a whole number ≥ 0');
    p.done();
    return {
      run(inputs) {
        const like = tensorOf(inputs.like, 'noise', 'like');
        const n = like.shape.reduce((x, y) => x * y, 1);
        const z = seededNormal(n, seed);
        if (scale !== 1) for (let i = 0; i < n; i++) z[i]! *= scale;
        return { noise: { dtype: 'float32', shape: [...like.shape], data: z } };
      },
    };
  },
};

const firstOfStep: HostStepDef = {
  name: 'first_of',
  description: 'the first of its inputs that the request has (optional conditioning with a fallback)',
  inputs: [{ name: '*', dtype: 'any', optional: true }],
  outputs: [{ name: 'value', dtype: 'same' }],
  variadic: true,
  trivial: true,
  create(params, ctx) {
    new Params(params, ctx, 'first_of').done();
    return {
      run(inputs) {
        for (const k of Object.keys(inputs).sort((a, b) => Number(a) - Number(b))) {
          if (inputs[k] !== undefined) return { value: inputs[k]! };
        }
        throw new Error('first_of: no input present');
      },
    };
  },
};

const lookupStep: HostStepDef = {
  name: 'lookup',
  description: 'id [1] → one row of a table (.npy [n, dim]) as [1, dim]',
  inputs: [{ name: 'id', dtype: 'any' }],
  outputs: [{ name: 'row', dtype: 'float32' }],
  trivial: true,
  async create(params, ctx) {
    const p = new Params(params, ctx, 'lookup');
    const file = resolve(ctx.dir, p.string('table'));
    p.done();
    const table = await readNpy(file);
    if (table.dtype !== 'float32' || table.shape.length !== 2) {
      throw new UserError(`lookup table must be float32 [n, dim], got ${table.dtype} [${table.shape.join(', ')}]`, { place: { file }, hint: 'save it with numpy as float32 [rows, dim]' });
    }
    const [rows, dim] = table.shape as [number, number];
    return {
      run(inputs) {
        const id = tensorOf(inputs.id, 'lookup', 'id');
        const i = Number(id.data[0]);
        if (!(i >= 0 && i < rows)) throw new UserError(`id ${i} is outside the table (0–${rows - 1})`, { place: { file }, hint: `use an id from 0 to ${rows - 1}` });
        return { row: { dtype: 'float32', shape: [1, dim], data: (table.data as Float32Array).slice(i * dim, (i + 1) * dim) } };
      },
    };
  },
};

export const GENERIC_STEPS: HostStepDef[] = [logMelStep, repeatStep, noiseStep, firstOfStep, lookupStep, gaussianStep];

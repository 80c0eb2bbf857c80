// Adapter: the model manifest + emotions.npz → the plain SynthModel the pipeline needs, and runners
// for each module on the chosen backend (ort: ONNX files; trt: engines, with ort as the fallback).
// `fallback: 'always'` wraps the ort backend too (bench measures the fallback path on any machine);
// `failModules` replaces those modules' primaries with one that fails at load (bench --fail-engine).
import { join } from 'node:path';
import { melConfigFromManifest } from '../audio/mel.ts';
import { UserError } from '../core/errors.ts';
import { servedTextLen, type ModelManifest } from '../model/manifest.ts';
import { FallbackRunner, UnavailableRunner, type FallbackEvent } from '../runtime/fallback.ts';
import { OrtThreadRunner } from '../runtime/ort-thread.ts';
import type { IoInfo, Runner } from '../runtime/runner.ts';
import { TrtexecRunner } from '../runtime/trt.ts';
import { readNpz } from '../tensor/io.ts';
import { MODULES, type ModuleName, type SynthModel } from './pipeline.ts';

/** `serving`: the profile's serving section (its max_text_len limits the phonemes per sentence). */
export async function synthModel(m: ModelManifest, serving?: { max_text_len?: number }): Promise<SynthModel> {
  const emotions: Record<string, Float32Array> = {};
  if (m.emotions?.file) {
    const npz = await readNpz(m.emotions.file);
    for (const label of m.emotions.labels) {
      const t = npz[label];
      if (!t) {
        throw new UserError(`emotion "${label}" has no vector in ${m.emotions.file}`, {
          place: { file: m.path, path: 'emotions.labels' },
          hint: 're-export the model or remove the label',
        });
      }
      emotions[label] = t.data as Float32Array;
    }
  }
  return {
    sampleRate: m.audio.sample_rate,
    mel: melConfigFromManifest(m.audio, m.path),
    refSeconds: m.audio.ref_seconds ?? { min: 3, max: 10 },
    lengthRegulator: m.lengthRegulator,
    emotions,
    maxTextLen: servedTextLen(serving, m),
    maxMelLen: m.limits.mel_len ?? 4096,
  };
}

function io(spec: Record<string, { dtype: string; dims: (number | string)[] }>): IoInfo[] {
  return Object.entries(spec).map(([name, s]) => ({ name, dtype: s.dtype, dims: s.dims }));
}

export function makeRunners(
  m: ModelManifest,
  backend: 'ort' | 'trt',
  opts: {
    engineDir?: string;
    trtexec?: string | null;
    timeoutMs?: number;
    /** trt backend: allowance per call for the trtexec process, on top of timeoutMs (TrtexecRunner's default if absent). */
    trtexecOverheadMs?: number;
    onFallback?: (e: FallbackEvent) => void;
    /** 'trt' (default): only trt engines get an ort CPU fallback; 'always': ort runners get one too. */
    fallback?: 'trt' | 'always';
    /** Modules whose primary fails at load (their fallback serves every call, loaded up front). */
    failModules?: readonly string[];
  } = {},
): Record<ModuleName, Runner> {
  const out = {} as Record<ModuleName, Runner>;
  for (const name of MODULES) {
    const mod = m.modules[name];
    if (!mod) {
      throw new UserError(`the model manifest has no module "${name}"`, {
        place: { file: m.path, path: `modules.${name}` },
        hint: `a model needs: ${MODULES.join(', ')}`,
      });
    }
    // Sessions in worker threads: onnxruntime-node blocks the thread it runs on, and a serving path
    // needs its timeouts to fire and its streams to overlap.
    const ort = new OrtThreadRunner(mod.file);
    if (backend === 'ort' && opts.fallback !== 'always') {
      out[name] = ort;
      continue;
    }
    let primary: Runner =
      backend === 'ort'
        ? new OrtThreadRunner(mod.file)
        : new TrtexecRunner({
            exe: opts.trtexec ?? null,
            engine: join(opts.engineDir ?? '.', `${name}.engine`),
            inputs: io(mod.inputs),
            outputs: io(mod.outputs),
            timeoutMs: opts.timeoutMs,
            callOverheadMs: opts.trtexecOverheadMs,
          });
    if (opts.failModules?.includes(name)) primary = new UnavailableRunner(primary.name, `${name} disabled by --fail-engine`);
    // A module taken out is served by its fallback from the first call: load that one up front.
    const eager = !!opts.failModules?.includes(name);
    out[name] = new FallbackRunner(primary, ort, { timeoutMs: opts.timeoutMs, onFallback: opts.onFallback, eager });
  }
  return out;
}

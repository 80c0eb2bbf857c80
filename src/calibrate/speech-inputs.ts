// Real module inputs for measuring activation ranges (FP16/BF16 islands, the CPU's converted models): the
// one place that turns the speech manifest's calibration recordings into any module's inputs, for
// `convert`, `build` and the CPU backend (synth, verify, bench) alike. Adapter: reads files, and opens the
// model's FP32 pipeline only when a module fed through the graph is asked for.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { melConfigFromManifest } from '../audio/mel.ts';
import { UserError } from '../core/errors.ts';
import { sha256Text } from '../core/files.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { TensorMap } from '../tensor/tensor.ts';
import { calibrationInputs, dataMode, fp32Pipeline } from './run.ts';

/** The speech manifest set-up installs (calibration/speech.yaml of the package). */
export const DEFAULT_SPEECH_MANIFEST = resolve(dirname(fileURLToPath(import.meta.url)), '../../calibration/speech.yaml');

export interface SpeechModuleInputs {
  inputs: (module: string) => AsyncIterable<TensorMap>;
  /** Identifies the input set (speech manifest content, split, count) for the conversion cache. */
  key: string;
  close(): Promise<void>;
}

/**
 * Real module inputs from the calibration split of the speech manifest, as calibrate makes them for any
 * family: the log-mel of each recording for modules whose inputs are log-mels, otherwise the model's
 * own FP32 graph run on each recording's transcript (the recording as the reference voice).
 */
export async function speechModuleInputs(manifest: ModelManifest, opts: { samples: number; data?: string }): Promise<SpeechModuleInputs> {
  const source = resolve(opts.data ?? DEFAULT_SPEECH_MANIFEST);
  if (!existsSync(source)) {
    throw new UserError('no real speech to measure activation ranges on', { place: { file: source }, hint: 'run `bash calibration/fetch-speech.sh`, or pass --data with a speech manifest or a folder of WAVs' });
  }
  const mel = manifest.audio.mel ? melConfigFromManifest(manifest.audio, manifest.path) : undefined;
  const key = sha256Text(JSON.stringify({ speech: sha256Text(await readFile(source).catch(() => source)), split: 'calibration', samples: opts.samples }));
  let pipeline: Awaited<ReturnType<typeof fp32Pipeline>> | undefined;
  return {
    key,
    inputs: async function* (module: string) {
      if (dataMode(manifest, module) === 'pipeline') pipeline ??= await fp32Pipeline(manifest);
      for await (const { feeds } of calibrationInputs({ manifest, module, source, split: 'calibration', mel, maxInputs: opts.samples, pipeline })) yield feeds;
    },
    async close() {
      await pipeline?.close();
    },
  };
}

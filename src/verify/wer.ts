// The glue between the intelligibility check (src/asr/check.ts) and the model's graph: a pipeline as a
// path that speaks text (frontend included, as `synth` speaks it), the request the check speaks with, and
// the check as one JUnit case. verify and calibrate both use it.
import type { WerCheck, SpeakingPath } from '../asr/check.ts';
import type { CompareResult, Tolerances } from '../compare/compare.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { RequestConditioning } from '../pipeline/conditioning.ts';
import type { Pipeline } from '../pipeline/executor.ts';
import { synthesizeText } from '../synth/speak.ts';
import { e2eCases } from './e2e.ts';

export function speakingPath(label: string, pipeline: Pipeline, conditioning: RequestConditioning): SpeakingPath {
  return {
    label,
    synthesize: async (text) => {
      const r = await synthesizeText(pipeline, { text, conditioning });
      return { samples: r.waveform, sampleRate: r.sampleRate };
    },
  };
}

/** The request the sentences are spoken with: the first end-to-end reference case's conditioning (a voice, an emotion), else none. */
export async function werConditioning(m: ModelManifest): Promise<RequestConditioning> {
  return (await e2eCases(m))[0]?.conditioning ?? {};
}

/** The check as one JUnit case (`intelligibility/wer`), or null when it did not run. */
export function werJUnitCase(c: WerCheck): CompareResult | null {
  if (c.status === 'skipped' || c.status === 'measured') return null;
  const detail = `WER ${c.fp32.label} ${c.fp32.wer.toFixed(3)}, ${c.candidate.label} ${c.candidate.wer.toFixed(3)}: increase ${c.increase.toFixed(3)} on ${c.sentences} sentences`;
  // the gate is not a tensor tolerance; its key reads as one in the failure message ("wer_increase (limit 0.05)")
  const tolerances = { wer_increase: c.maxIncrease } as Tolerances;
  return {
    name: 'intelligibility/wer',
    kind: 'generic',
    pass: c.status === 'pass',
    failed: c.status === 'pass' ? [] : (['wer_increase'] as unknown as CompareResult['failed']),
    detail,
    reference: { dtype: 'float32', shape: [] },
    tolerances,
  };
}

// Text in, audio out as it is made: `emovoice synth --stream`, `bench --stream` and the orchestrator's
// bundled process serve streaming requests through this, as speak.ts serves whole ones. The family's
// frontend first (its time counts toward the first audio), then src/pipeline/stream.ts part by part.
import { resolveConditioning } from '../pipeline/conditioning.ts';
import type { Pipeline, StageTiming } from '../pipeline/executor.ts';
import { chunkPolicy, streamSentences, type AudioChunk, type ChunkPolicy, type StreamSummary } from '../pipeline/stream.ts';
import type { FrontendResult } from '../pipeline/types.ts';
import { mergeStages, type TextRequest } from './speak.ts';

export type { AudioChunk, ChunkPolicy } from '../pipeline/stream.ts';

export interface TextStreamResult extends Omit<StreamSummary, 'stages'> {
  /** Stages summed by name over parts and chunks ("frontend" first). */
  stages: StageTiming[];
  rtf: number;
  frontend: FrontendResult;
  split: FrontendResult['split'];
}

export async function streamText(
  pipeline: Pipeline,
  req: TextRequest & { chunks?: ChunkPolicy },
  onChunk: (c: AudioChunk) => void | Promise<void>,
): Promise<TextStreamResult> {
  const startedAt = performance.now();
  const conditioning = resolveConditioning(pipeline.model, req.conditioning);
  const fe = await pipeline.model.frontend.toIds(req.text, { limit: pipeline.model.maxTextLen, language: req.language });
  const frontendMs = performance.now() - startedAt;
  const s = await streamSentences(
    pipeline,
    { sentences: fe.sentences, conditioning, chunks: req.chunks ?? chunkPolicy(), startedAt, before: [{ stage: 'frontend', ms: frontendMs }] },
    onChunk,
  );
  return {
    ...s,
    stages: mergeStages(s.stages),
    rtf: s.totalMs / 1000 / Math.max(s.audioSeconds, 1e-9),
    warnings: [...new Set([...fe.warnings, ...s.warnings])],
    frontend: fe,
    split: fe.split,
  };
}

// The streaming orchestrator for Triton: `emovoice_stream`, the same model.py and pipeline.json as the
// `emovoice` orchestrator (its version folder links to emovoice's), configured as a decoupled model
// (model_transaction_policy { decoupled: true }), so one request gets one response per audio chunk, in
// order, and a final empty response flagged COMPLETE_FINAL. What it chunks and with how much context
// travels in pipeline.json's `streaming` section, computed here from the model's ONNX graphs
// (src/pipeline/stream.ts), since the orchestrator reads no ONNX. Pure: config text and data out.
import type { ModelManifest } from '../model/manifest.ts';
import type { ChunkPolicy, StreamPlan } from '../pipeline/stream.ts';
import type { RequestContract } from './contract.ts';
import { ORCHESTRATOR_MODEL, orchestratorConfig, type ServingPlan } from './triton.ts';

export const STREAM_ORCHESTRATOR_MODEL = 'emovoice_stream';

/** pipeline.json's `streaming`: the chunked stages with their ports' time axes and context, and the chunk sizes. */
export interface PipelineStreaming {
  dim: string;
  first_chunk_frames: number;
  chunk_frames: number;
  stages: { id: string; left: number; right: number; time_inputs: Record<string, number>; time_outputs: Record<string, { axis: number; scale: number }> }[];
}

export function pipelineStreaming(plan: StreamPlan, chunks: ChunkPolicy): PipelineStreaming {
  return {
    dim: plan.dim,
    first_chunk_frames: chunks.firstFrames,
    chunk_frames: chunks.frames,
    stages: plan.stages.map((s) => ({ id: s.stage.id, left: s.left, right: s.right, time_inputs: s.timeInputs, time_outputs: s.timeOutputs })),
  };
}

/** The decoupled twin of the orchestrator's config: same inputs and outputs, one response per chunk. */
export function streamOrchestratorConfig(manifest: Pick<ModelManifest, 'name' | 'family'>, plan: ServingPlan, contract: RequestContract): string {
  const base = orchestratorConfig(manifest, plan, contract);
  return [
    `# ${STREAM_ORCHESTRATOR_MODEL}: streaming requests for ${manifest.name}: one WAVEFORM response per audio chunk, in order, then an`,
    `# empty final response (a decoupled model: clients use gRPC streaming). Its version folder links to ${ORCHESTRATOR_MODEL}'s.`,
    base
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n')
      .replace(`name: "${ORCHESTRATOR_MODEL}"`, `name: "${STREAM_ORCHESTRATOR_MODEL}"`)
      .trimEnd(),
    'model_transaction_policy {\n  decoupled: true\n}',
  ].join('\n') + '\n';
}

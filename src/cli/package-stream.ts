// `emovoice package … --stream`: the `emovoice_stream` model beside the orchestrator — its decoupled
// config, its version folder a link to the orchestrator's (one model.py, one pipeline.json), and the
// pipeline's `streaming` section (chunked stages and their context from the ONNX graphs).
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelManifest } from '../model/manifest.ts';
import { chunkPolicy, streamPlan } from '../pipeline/stream.ts';
import type { Profile } from '../profile/load.ts';
import type { RequestContract } from '../serving/contract.ts';
import { pipelineStreaming, STREAM_ORCHESTRATOR_MODEL, streamOrchestratorConfig, type PipelineStreaming } from '../serving/stream.ts';
import { ORCHESTRATOR_MODEL, type ServingPlan } from '../serving/triton.ts';

export async function streamingSection(manifest: ModelManifest, serving: Profile['serving']): Promise<PipelineStreaming> {
  return pipelineStreaming(await streamPlan({ manifest }), chunkPolicy(serving));
}

export async function writeStreamModel(stage: string, manifest: ModelManifest, plan: ServingPlan, contract: RequestContract): Promise<void> {
  const dir = join(stage, STREAM_ORCHESTRATOR_MODEL);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.pbtxt'), streamOrchestratorConfig(manifest, plan, contract));
  await symlink(join('..', ORCHESTRATOR_MODEL, '1'), join(dir, '1'));
}

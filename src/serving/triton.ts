// Triton Inference Server model repository for built engines (pure: text out, no I/O).
// One `tensorrt_plan` model per engine (dims from the model manifest, batch as Triton's implicit
// first dim, dynamic batching with the profile's queue delay, a GPU instance group), plus an
// `emovoice` Python-backend model that orchestrates them (style-embedding cache, host length
// regulation) so one request — phoneme ids + reference log-mel — gives audio out. The text frontend
// stays with the client (emovoice's TypeScript frontend), which sends phoneme ids.
import type { ModelManifest, TensorSpec } from '../model/manifest.ts';

const TRITON_TYPES: Record<string, string> = {
  float32: 'TYPE_FP32', float16: 'TYPE_FP16', int32: 'TYPE_INT32', int64: 'TYPE_INT64', bool: 'TYPE_BOOL', int8: 'TYPE_INT8', uint8: 'TYPE_UINT8',
};

export interface TritonOptions {
  maxBatch: number;
  queueDelayMs: number;
  instances: number;
}

function tensorBlock(name: string, spec: TensorSpec, batched: boolean): string {
  const dims = (batched ? spec.dims.slice(1) : spec.dims).map((d) => (typeof d === 'number' ? d : -1));
  const type = TRITON_TYPES[spec.dtype];
  if (!type) throw new Error(`no Triton type for ${spec.dtype}`);
  return `  {\n    name: "${name}"\n    data_type: ${type}\n    dims: [ ${dims.join(', ')} ]\n  }`;
}

export function engineConfig(module: string, spec: ModelManifest['modules'][string], o: TritonOptions): string {
  const batched = o.maxBatch > 0;
  const lines = [
    `# ${module}: TensorRT engine built by emovoice (model.plan)`,
    `name: "${module}"`,
    `platform: "tensorrt_plan"`,
    `max_batch_size: ${o.maxBatch}`,
    `input [\n${Object.entries(spec.inputs).map(([n, s]) => tensorBlock(n, s, batched)).join(',\n')}\n]`,
    `output [\n${Object.entries(spec.outputs).map(([n, s]) => tensorBlock(n, s, batched)).join(',\n')}\n]`,
    `instance_group [\n  {\n    count: ${o.instances}\n    kind: KIND_GPU\n  }\n]`,
  ];
  if (batched) {
    lines.push(`dynamic_batching {\n  max_queue_delay_microseconds: ${Math.round(o.queueDelayMs * 1000)}\n}`);
  }
  return lines.join('\n') + '\n';
}

export function orchestratorConfig(manifest: ModelManifest): string {
  const nMels = (manifest.audio.mel as { n_mels: number }).n_mels;
  return [
    '# emovoice: one request in, audio out. Python backend; calls the engine models through BLS.',
    'name: "emovoice"',
    'backend: "python"',
    'max_batch_size: 0',
    `input [\n  {\n    name: "PHONEME_IDS"\n    data_type: TYPE_INT32\n    dims: [ -1 ]\n  },\n  {\n    name: "REF_MEL"\n    data_type: TYPE_FP32\n    dims: [ -1, ${nMels} ]\n  },\n  {\n    name: "EMOTION"\n    data_type: TYPE_STRING\n    dims: [ 1 ]\n    optional: true\n  }\n]`,
    `output [\n  {\n    name: "WAVEFORM"\n    data_type: TYPE_FP32\n    dims: [ -1 ]\n  }\n]`,
    'instance_group [\n  {\n    count: 1\n    kind: KIND_CPU\n  }\n]',
    `parameters {\n  key: "max_frames_per_phoneme"\n  value: { string_value: "${manifest.lengthRegulator.maxFramesPerPhoneme}" }\n}`,
  ].join('\n') + '\n';
}

/** model.py for the orchestrator (Python backend). Kept small: the contract is docs/model-manifest.md. */
export const ORCHESTRATOR_PY = `"""emovoice orchestrator for Triton's Python backend: style encoder (cached by reference content),
text encoder, acoustic encoder, host length regulation, acoustic decoder, vocoder — via BLS calls to
the engine models in this repository. Written by \`emovoice package\`."""
import hashlib
import json

import numpy as np
import triton_python_backend_utils as pb_utils


def _call(model, inputs, outputs):
    req = pb_utils.InferenceRequest(model_name=model, inputs=[pb_utils.Tensor(k, v) for k, v in inputs.items()],
                                    requested_output_names=outputs)
    res = req.exec()
    if res.has_error():
        raise pb_utils.TritonModelException(res.error().message())
    return [pb_utils.get_output_tensor_by_name(res, o).as_numpy() for o in outputs]


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        self.max_frames = int(cfg["parameters"]["max_frames_per_phoneme"]["string_value"])
        self.cache = {}
        self.emotions = {}
        try:
            data = np.load(args["model_repository"] + "/" + args["model_version"] + "/emotions.npz")
            self.emotions = {k: data[k] for k in data.files}
        except OSError:
            pass

    def execute(self, requests):
        responses = []
        for request in requests:
            try:
                ids = pb_utils.get_input_tensor_by_name(request, "PHONEME_IDS").as_numpy().astype(np.int32)[None]
                ref = pb_utils.get_input_tensor_by_name(request, "REF_MEL").as_numpy().astype(np.float32)[None]
                emo_in = pb_utils.get_input_tensor_by_name(request, "EMOTION")
                key = hashlib.sha256(ref.tobytes()).hexdigest()
                if key not in self.cache:
                    self.cache[key] = _call("style_encoder", {"ref_mel": ref}, ["speaker_embedding", "emotion_embedding"])
                spk, emo = self.cache[key]
                if emo_in is not None:
                    label = emo_in.as_numpy().reshape(-1)[0].decode()
                    if label in self.emotions:
                        emo = self.emotions[label][None].astype(np.float32)
                (th,) = _call("text_encoder", {"phoneme_ids": ids}, ["text_hidden"])
                log_d, adapted = _call("acoustic_encoder", {"text_hidden": th, "speaker_embedding": spk, "emotion_embedding": emo},
                                       ["log_durations", "adapted_hidden"])
                d = np.clip(np.round(np.exp(log_d[0]) - 1), 1, self.max_frames).astype(np.int64)
                frames = np.repeat(adapted[0], d, axis=0)[None]
                (mel,) = _call("acoustic_decoder", {"frame_hidden": frames, "speaker_embedding": spk, "emotion_embedding": emo}, ["mel"])
                (wav,) = _call("vocoder", {"mel": mel}, ["waveform"])
                responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("WAVEFORM", wav.reshape(-1))]))
            except Exception as e:  # one bad request must not take the model down
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(str(e))))
        return responses
`;

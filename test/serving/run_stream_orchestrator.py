"""Runs a generated repository's `emovoice_stream` model (the orchestrator's model.py as a decoupled model,
`emovoice package --stream`) the way Triton's Python backend would — initialize() with its config as JSON,
execute() with requests whose response senders collect what it sends — and, for comparison, the same
request through the non-streaming `emovoice` model. BLS calls are answered by the pb_utils STAND-IN in
triton_stub/ (ONNX Runtime on the CPU; see that file). For tests.

Usage: python3 run_stream_orchestrator.py <repo> <text>
Prints one JSON object: {"chunks": [samples per streamed response, in the order sent], "final": whether the
last send carried COMPLETE_FINAL and no data, "errors": [...], "streamed": total samples, "whole": samples
of the emovoice model's answer, "max_abs_diff": between the joined chunks and the whole answer}.
"""
import asyncio
import importlib.util
import inspect
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "triton_stub"))
import triton_python_backend_utils as pb_utils  # noqa: E402  (the stand-in)
from google.protobuf import json_format  # noqa: E402

# the decoupled-model part of the documented API the stand-in does not carry
if not hasattr(pb_utils, "TRITONSERVER_RESPONSE_COMPLETE_FINAL"):
    pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL = 1


class Sender:
    def __init__(self):
        self.sent = []  # (response or None, flags)

    def send(self, response=None, flags=0):
        if self.sent and self.sent[-1][1] & pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL:
            raise RuntimeError("send after COMPLETE_FINAL")
        self.sent.append((response, flags))


class StreamRequest(pb_utils.StubRequest):
    def __init__(self, tensors):
        super().__init__(tensors)
        self.sender = Sender()

    def get_response_sender(self):
        return self.sender


def load(repo, name):
    cfg = json_format.MessageToDict(pb_utils._config(name), preserving_proto_field_name=True)
    spec = importlib.util.spec_from_file_location(f"{name}_model", os.path.join(repo, name, "1", "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.TritonPythonModel()
    model.initialize({"model_config": json.dumps(cfg), "model_instance_kind": "CPU", "model_instance_device_id": "0",
                      "model_repository": os.path.join(repo, name), "model_version": "1", "model_name": name})
    return model


def run(model, requests):
    r = model.execute(requests)
    return asyncio.run(r) if inspect.iscoroutine(r) else r


def main():
    repo, text = sys.argv[1], sys.argv[2]
    pb_utils.REPO = repo
    pb_utils.load_repository()
    tensors = lambda: [pb_utils.Tensor("TEXT", np.array([text.encode()], dtype=np.object_))]
    stream = load(repo, "emovoice_stream")
    req = StreamRequest(tensors())
    assert run(stream, [req]) is None, "a decoupled model's execute returns None"
    stream.finalize()
    chunks, errors = [], []
    for resp, _flags in req.sender.sent:
        if resp is None:
            continue
        if resp.has_error():
            errors.append(resp.error().message())
            continue
        chunks.append(pb_utils.get_output_tensor_by_name(resp, "WAVEFORM").as_numpy())
    last = req.sender.sent[-1] if req.sender.sent else (None, 0)
    whole_model = load(repo, "emovoice")
    [resp] = run(whole_model, [pb_utils.StubRequest(tensors())])
    whole_model.finalize()
    whole = pb_utils.get_output_tensor_by_name(resp, "WAVEFORM").as_numpy()
    joined = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    print(json.dumps({
        "chunks": [int(c.size) for c in chunks],
        "final": bool(last[1] & pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL) and last[0] is None,
        "errors": errors,
        "streamed": int(joined.size),
        "whole": int(whole.size),
        "max_abs_diff": float(np.abs(joined - whole).max()) if joined.size == whole.size and joined.size else None,
        "whole_peak": float(np.abs(whole).max()) if whole.size else 0.0,
    }))


if __name__ == "__main__":
    main()

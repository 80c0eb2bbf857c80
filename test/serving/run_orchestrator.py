"""Runs a generated Triton repository's `emovoice` orchestrator (model.py) the way Triton's Python backend
would — initialize() with the config as JSON, execute() with a list of requests, finalize() — with the
pb_utils STAND-IN in triton_stub/ answering BLS calls on ONNX Runtime (see that file). For tests.

Usage: python3 run_orchestrator.py <repo> <requests.json> <out-dir> [--param key=value ...]
requests.json: [{"name": "...", "inputs": {"TEXT": "...", "REF_WAV": "file.wav", "REF_SAMPLE_RATE": 48000,
                 "REF_KEY": "...", "EMOTION": "...", "PHONEME_IDS": [..], "LANGUAGE": "en"}}, ...]
                 (<NAME>_WAV: a 16-bit PCM WAV file sent as <NAME>_AUDIO and <NAME>_SAMPLE_RATE; <NAME>_SECONDS
                 cuts it; every other input is sent with the data type the orchestrator's config.pbtxt declares,
                 and an input it does not declare is refused, as Triton refuses it)
All requests go to one execute() call, as a batch from Triton's scheduler would. Writes <out>/<name>.npy
(WAVEFORM) and prints one JSON object: {"results": [{name, error | samples, sample_rate, warnings}],
"calls": {model: n}, "log": [...]}.

Or: python3 run_orchestrator.py --batches <batches.json> <out-dir>, batches.json: {"<id>": {"repo": ...,
"requests": [...], "env": {"STUB_FAIL": ...}, "params": ["key=value", ...]}, ...}: each batch as one run
above (a fresh orchestrator, initialize() → execute() → finalize(), its own fault injection, parameters,
call counts and log, <out>/<id>/<name>.npy), one after another in this one process, so that the tests pay
for Python, numpy and ONNX Runtime once (the stand-in's ONNX Runtime sessions of a repository are made
once and kept, as Triton keeps its loaded models). Prints {"<id>": {results, calls, log}, ...}.
"""
import asyncio
import importlib.util
import inspect
import json
import os
import sys
import wave

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "triton_stub"))
import triton_python_backend_utils as pb_utils  # noqa: E402  (the stand-in)
from google.protobuf import json_format  # noqa: E402
from tritonclient.utils import triton_to_np_dtype  # noqa: E402


def read_wav(path, seconds=None):
    with wave.open(path, "rb") as w:
        sr, ch, sw, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(n)
    assert sw == 2, f"{path}: 16-bit PCM expected"
    x = np.frombuffer(raw, dtype="<i2").astype(np.float32).reshape(-1, ch).mean(axis=1) / 32768.0
    if seconds is not None:
        x = x[: int(seconds * sr)]
    return x, sr


STUB_ENV = ("STUB_FAIL", "STUB_TIMEOUT", "STUB_SLOW")


def main():
    if sys.argv[1] == "--batches":
        with open(sys.argv[2], encoding="utf-8") as f:
            batches = json.load(f)
        out = {}
        for bid, b in batches.items():
            for k in STUB_ENV:
                os.environ[k] = b.get("env", {}).get(k, "")
            params = dict(p.split("=", 1) for p in b.get("params", []))
            out[bid] = run(b["repo"], b["requests"], os.path.join(sys.argv[3], bid), params)
        print(json.dumps(out))
        return
    repo, reqs_file, out = sys.argv[1], sys.argv[2], sys.argv[3]
    overrides = dict(a.split("=", 1) for a in sys.argv[5::2]) if "--param" in sys.argv else {}
    with open(reqs_file, encoding="utf-8") as f:
        specs = json.load(f)
    print(json.dumps(run(repo, specs, out, overrides)))


def run(repo, specs, out, overrides):
    """One run: a fresh orchestrator of `repo` with these parameters, every request in one execute()."""
    pb_utils.CALLS.clear()
    del pb_utils.LOG[:]
    if pb_utils.REPO != repo:  # the stand-in's configurations are by model name: another repository's are others
        pb_utils._CONFIGS.clear()
    pb_utils.REPO = repo
    pb_utils.load_repository()
    os.makedirs(out, exist_ok=True)
    cfg = pb_utils._config("emovoice")
    cfg_json = json_format.MessageToDict(cfg, preserving_proto_field_name=True)
    for k, v in overrides.items():
        cfg_json["parameters"][k] = {"string_value": v}
    spec = importlib.util.spec_from_file_location("emovoice_model", os.path.join(repo, "emovoice", "1", "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.TritonPythonModel()
    model.initialize({"model_config": json.dumps(cfg_json), "model_instance_kind": "CPU", "model_instance_device_id": "0",
                      "model_repository": os.path.join(repo, "emovoice"), "model_version": "1", "model_name": "emovoice"})
    inputs_cfg = {i.name: i for i in cfg.input}
    requests, refused = [], {}
    for s in specs:
        tensors, bad = [], None
        for k, v in s["inputs"].items():
            if k.endswith("_WAV"):  # a WAV file sent as <NAME>_AUDIO (and <NAME>_SAMPLE_RATE, unless given)
                base = k[: -len("_WAV")]
                if f"{base}_AUDIO" not in inputs_cfg:
                    bad = f"unexpected inference input '{base}_AUDIO' for model 'emovoice'"
                    break
                x, sr = read_wav(v, s["inputs"].get(f"{base}_SECONDS"))
                tensors.append(pb_utils.Tensor(f"{base}_AUDIO", x))
                if f"{base}_SAMPLE_RATE" not in s["inputs"]:
                    tensors.append(pb_utils.Tensor(f"{base}_SAMPLE_RATE", np.array([sr], dtype=np.int32)))
                continue
            if k.endswith("_SECONDS"):
                continue
            if k not in inputs_cfg:  # Triton refuses a request with an input the model does not declare
                bad = f"unexpected inference input '{k}' for model 'emovoice'"
                break
            dtype = pb_utils._DT_NAMES[inputs_cfg[k].data_type]
            if dtype == "STRING":
                tensors.append(pb_utils.Tensor(k, np.array([v.encode("utf-8")], dtype=np.object_)))
            else:
                tensors.append(pb_utils.Tensor(k, np.array(v if isinstance(v, list) else [v], dtype=triton_to_np_dtype(dtype))))
        if bad:
            refused[s["name"]] = bad
        else:
            requests.append(pb_utils.StubRequest(tensors))
    responses = model.execute(requests)
    if inspect.iscoroutine(responses):  # `async def execute`: Triton's Python backend runs it on an event loop
        responses = asyncio.run(responses)
    model.finalize()
    assert len(responses) == len(requests), "one response per request"
    results = []
    answered = iter(responses)
    for s in specs:
        if s["name"] in refused:
            results.append({"name": s["name"], "error": refused[s["name"]], "code": pb_utils.TritonError.INVALID_ARG})
            continue
        r = next(answered)
        if r.has_error():
            results.append({"name": s["name"], "error": r.error().message(), "code": r.error().code()})
            continue
        wav = pb_utils.get_output_tensor_by_name(r, "WAVEFORM").as_numpy()
        np.save(os.path.join(out, s["name"] + ".npy"), wav)
        results.append({"name": s["name"], "samples": int(wav.size), "dtype": str(wav.dtype),
                        "sample_rate": int(pb_utils.get_output_tensor_by_name(r, "SAMPLE_RATE").as_numpy()[0]),
                        "warnings": [w.decode() for w in pb_utils.get_output_tensor_by_name(r, "WARNINGS").as_numpy()]})
    return {"results": results, "calls": dict(pb_utils.CALLS), "log": [m for _, m in pb_utils.LOG]}


if __name__ == "__main__":
    main()

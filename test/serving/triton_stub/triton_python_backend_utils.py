"""STAND-IN for Triton's `triton_python_backend_utils` (pb_utils), for testing the generated
orchestrator (model.py) without a Triton server. It implements the part of the documented Python-backend
API that model.py uses (python_backend README: Tensor, InferenceRequest/exec/async_exec with timeout,
InferenceResponse, TritonError codes, Logger, get_input/output_tensor_by_name) and answers BLS calls by
running ONNX Runtime on the CPU:
  - `<module>_cpu` models run their own model.onnx from the repository;
  - an engine model (model.plan, which needs TensorRT) is answered by its `<module>_cpu` ONNX file in its
    place. Nothing here is a TensorRT engine; it checks the orchestrator's logic, shapes and contracts.
Each BLS call is checked against the called model's config.pbtxt as Triton would: input names, ranks,
fixed dims, dtypes, and the batch size against max_batch_size.
Fault injection (environment): STUB_FAIL=<model,...> makes those models answer with an error;
STUB_TIMEOUT=<model,...> makes them answer with Triton's queue-timeout error when the call set a timeout;
STUB_SLOW=<model>:<ms>,... makes them really take that long (async_exec runs calls on a thread, so the
caller's deadline can pass while the engine is still running, as on a real server).
CALLS counts BLS calls per model; LOG keeps what model.py logged.
"""
import asyncio
import collections
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from tritonclient.utils import triton_to_np_dtype

REPO = None  # set by the driver: the model repository's root
CALLS = collections.Counter()
LOG = []
_SESSIONS = {}
_CONFIGS = {}



class TritonError:
    UNKNOWN, INTERNAL, NOT_FOUND, INVALID_ARG, UNAVAILABLE, UNSUPPORTED, ALREADY_EXISTS, CANCELLED = range(8)

    def __init__(self, message, code=1):
        self._message, self._code = message, code

    def message(self):
        return self._message

    def code(self):
        return self._code


class TritonModelException(Exception):
    pass


class Tensor:
    def __init__(self, name, array):
        if not isinstance(name, str):
            raise TypeError("Tensor name must be a string")
        self._name, self._array = name, np.asarray(array)

    def name(self):
        return self._name

    def as_numpy(self):
        return self._array


class InferenceResponse:
    def __init__(self, output_tensors=None, error=None):
        self._outputs, self._error = list(output_tensors or []), error

    def has_error(self):
        return self._error is not None

    def error(self):
        return self._error

    def output_tensors(self):
        return self._outputs


class StubRequest:
    """What Triton hands to execute(): named input tensors."""

    def __init__(self, tensors, timeout_us=0):
        self._tensors = {t.name(): t for t in tensors}
        self._timeout_us = timeout_us

    def timeout(self):  # the client's timeout in microseconds, 0 for none (as the real InferenceRequest.timeout())
        return self._timeout_us

    def is_cancelled(self):
        return False


def get_input_tensor_by_name(request, name):
    return request._tensors.get(name)


def get_output_tensor_by_name(response, name):
    for t in response.output_tensors():
        if t.name() == name:
            return t
    return None


def _config(model):
    if model not in _CONFIGS:
        from google.protobuf import text_format
        import tritonclient
        import importlib.util
        path = os.path.join(os.path.dirname(tritonclient.__file__), "grpc", "model_config_pb2.py")
        spec = importlib.util.spec_from_file_location("model_config_pb2", path)
        mc = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mc)
        cfg_file = os.path.join(REPO, model, "config.pbtxt")
        if not os.path.exists(cfg_file):
            return None
        with open(cfg_file, encoding="utf-8") as f:
            _CONFIGS[model] = text_format.Parse(f.read(), mc.ModelConfig())
    return _CONFIGS[model]


def _check(model, inputs):
    """Triton's request checks against the called model's configuration; an error string or None."""
    cfg = _config(model)
    if cfg is None:
        return f"Request for unknown model: '{model}' is not found"
    for spec in cfg.input:
        if spec.name not in inputs and not spec.optional:
            return f"[request id: <id_unknown>] expected {len(cfg.input)} inputs but got {len(inputs)} inputs for model '{model}'; missing '{spec.name}'"
    specs = {s.name: s for s in cfg.input}
    for name, arr in inputs.items():
        if name not in specs:
            return f"unexpected inference input '{name}' for model '{model}'"
        s = specs[name]
        shape = list(arr.shape)
        if cfg.max_batch_size > 0:
            if not shape or shape[0] > cfg.max_batch_size:
                return f"inference request batch-size must be <= {cfg.max_batch_size} for '{model}'"
            shape = shape[1:]
        dims = list(s.dims)
        if len(shape) != len(dims) or any(d != -1 and d != x for d, x in zip(dims, shape)):
            return f"unexpected shape for input '{name}' for model '{model}'. Expected {dims}, got {shape}"
        want = triton_to_np_dtype(_DT_NAMES[s.data_type])
        if arr.dtype != want:
            return f"unexpected datatype {arr.dtype} for inference input '{name}', expecting {np.dtype(want)}"
    return None


_DT_NAMES = {1: "BOOL", 2: "UINT8", 6: "INT8", 8: "INT32", 9: "INT64", 10: "FP16", 11: "FP32", 12: "FP64", 13: "STRING"}


def _session(model):
    onnx = os.path.join(REPO, model, "1", "model.onnx")
    if not os.path.exists(onnx):  # an engine model: its CPU twin's ONNX stands in for the plan
        onnx = os.path.join(REPO, f"{model}_cpu", "1", "model.onnx")
    if onnx not in _SESSIONS:
        _SESSIONS[onnx] = ort.InferenceSession(onnx, providers=["CPUExecutionProvider"])
    return _SESSIONS[onnx]


def load_repository():
    """Loads every ONNX model of the repository up front, as Triton loads its models before serving: a
    session made inside the first call would count its load time against that call's deadline."""
    for name in sorted(os.listdir(REPO)):
        if os.path.exists(os.path.join(REPO, name, "1", "model.onnx")):
            _session(name)


def _listed(var, model):
    return model in [m for m in os.environ.get(var, "").split(",") if m]


class InferenceRequest:
    def __init__(self, model_name, requested_output_names, inputs, request_id="", correlation_id=0, model_version=-1,
                 flags=0, timeout=0, preferred_memory=None, parameters=None):
        self.model_name, self.outputs, self.timeout = model_name, list(requested_output_names), int(timeout)
        self.inputs = {t.name(): t.as_numpy() for t in inputs}

    async def async_exec(self, decoupled=False):
        return await asyncio.to_thread(self.exec, decoupled)

    def exec(self, decoupled=False):
        CALLS[self.model_name] += 1
        slow = dict(s.split(":", 1) for s in os.environ.get("STUB_SLOW", "").split(",") if ":" in s)
        if self.model_name in slow:
            time.sleep(float(slow[self.model_name]) / 1000)
        if _listed("STUB_FAIL", self.model_name):
            return InferenceResponse(error=TritonError("stub: injected failure (CUDA error: an illegal memory access was encountered)"))
        if _listed("STUB_TIMEOUT", self.model_name) and self.timeout > 0:
            return InferenceResponse(error=TritonError("Request timeout expired", TritonError.UNAVAILABLE))
        err = _check(self.model_name, self.inputs)
        if err:
            return InferenceResponse(error=TritonError(err, TritonError.INVALID_ARG))
        sess = _session(self.model_name)
        outs = sess.run(self.outputs, self.inputs)
        return InferenceResponse(output_tensors=[Tensor(n, v) for n, v in zip(self.outputs, outs)])


class Logger:
    INFO, WARNING, ERROR, VERBOSE = range(4)

    @staticmethod
    def log(msg, level=0):
        LOG.append((level, msg))
        print(f"[stub log {level}] {msg}", file=sys.stderr)


for _name, _level in (("log_info", Logger.INFO), ("log_warn", Logger.WARNING), ("log_error", Logger.ERROR), ("log_verbose", Logger.VERBOSE)):
    setattr(Logger, _name, staticmethod(lambda msg, _level=_level: Logger.log(msg, _level)))

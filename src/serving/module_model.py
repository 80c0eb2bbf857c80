"""One module of an emovoice model on ONNX Runtime (CPU), as a Triton Python-backend model.

Written by `emovoice package --triton DIR --module-backend python` as <model>/1/model.py beside the
module's 1/model.onnx, for a Triton that has the Python backend but no onnxruntime or TensorRT backend
(the PyPI `nvidia-pytriton` bundle). It plays the part the `tensorrt_plan` or `onnxruntime_onnx` model
plays in the default repository: the orchestrator calls it through BLS by the same name with the same
tensors, under the same deadlines and queue policy, and falls back to `<module>_cpu` the same way.

Per request: the inputs the config declares, fed to the session as they come (the batch axis, when the
config has one, is the ONNX's first axis, as for an engine); the outputs the caller asked for (all of the
config's when it asked for none). A request that fails gets its own error; the others of the batch are
served. Knows no family: names come from config.pbtxt. Needs numpy and onnxruntime where the stub runs.

Parameters (config.pbtxt): onnx (the file, default model.onnx), intra_op_threads (0: ONNX Runtime's
default, the machine's cores).
"""
import json
import os

import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        p = {k: v["string_value"] for k, v in cfg.get("parameters", {}).items()}
        here = os.path.join(args["model_repository"], args["model_version"])
        self.name = cfg["name"]
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(p.get("intra_op_threads", "0"))
        opts.inter_op_num_threads = 1
        # Several models share the CPU with the server: threads that spin between calls would take it from them.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(os.path.join(here, p.get("onnx", "model.onnx")), opts, providers=["CPUExecutionProvider"])
        self.inputs = [i["name"] for i in cfg["input"]]
        self.outputs = [o["name"] for o in cfg["output"]]
        known = {i.name for i in self.session.get_inputs()}
        missing = [n for n in self.inputs if n not in known]
        if missing:
            raise pb_utils.TritonModelException(f"{self.name}: model.onnx has no input(s) {missing}; package the model again")

    def execute(self, requests):
        responses = []
        for request in requests:
            try:
                feeds = {}
                for n in self.inputs:
                    t = pb_utils.get_input_tensor_by_name(request, n)
                    if t is not None:
                        feeds[n] = t.as_numpy()
                wanted = [o for o in request.requested_output_names() if o in self.outputs] or self.outputs
                outs = self.session.run(wanted, feeds)
                responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor(n, np.ascontiguousarray(o)) for n, o in zip(wanted, outs)]))
            except Exception as e:  # a bad call fails alone; the model stays up
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(f"{self.name}: {e}")))
        return responses

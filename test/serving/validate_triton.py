"""Validates Triton config.pbtxt files against Triton's own model-configuration schema: the
ModelConfig message compiled from Triton's model_config.proto, as shipped in the tritonclient wheel.
Usage: python3 validate_triton.py <repo-dir>   (prints one line per model; exit 1 on any error)"""
import importlib.util
import os
import sys

import tritonclient
from google.protobuf import text_format

path = os.path.join(os.path.dirname(tritonclient.__file__), "grpc", "model_config_pb2.py")
spec = importlib.util.spec_from_file_location("model_config_pb2", path)
mc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mc)

ok = True
repo = sys.argv[1]
for name in sorted(os.listdir(repo)):
    cfg = os.path.join(repo, name, "config.pbtxt")
    if not os.path.exists(cfg):
        continue
    try:
        m = text_format.Parse(open(cfg, encoding="utf-8").read(), mc.ModelConfig())
        assert m.name == name, f"name {m.name!r} != folder {name!r}"
        print(f"ok {name} {m.platform or m.backend} max_batch_size={m.max_batch_size} inputs={len(m.input)} outputs={len(m.output)}")
    except Exception as e:  # report every file
        ok = False
        print(f"error {name}: {e}")
sys.exit(0 if ok else 1)

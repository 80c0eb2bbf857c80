"""GPU second opinion on FP16/BF16 for the reference model's modules: PyTorch FP32 (TF32 off) against
PyTorch autocast FP16 and BF16, and against a plain `.half()` copy (every layer in FP16, no FP32 islands:
what a naive FP16 conversion does), on the same inputs. Needs torch with CUDA; no Node, no ONNX.

    cd reference && ALSA_SOUNDS=/usr/share/sounds/alsa python ../bench/precision_gpu.py --json > out.json

Inputs: for `tiny`, the bundled PyTorch reference cases (models/tiny/refs/<module>/*.npz: real speech
for the audio-side inputs, text-side inputs from the upstream modules); for `base`, the exporter's own
cases (emovoice_ref.export.make_cases), made on the CPU from the real alsa-utils recordings.
Per module and case: rel-L2 and max |diff| of each output against the FP32 GPU run, non-finite counts,
and the FP32 GPU run against the CPU reference (how far the GPU itself is). Latency: median of --repeats
timed calls on the `typical` case after 3 warm-ups, CUDA-synchronised.
"""
import argparse
import glob
import json
import os
import sys
import time

import numpy as np
import torch


def repo_root():
    """The checkout this script sits in (also when a copy of it runs from a sub-folder)."""
    d = os.path.dirname(os.path.abspath(__file__))
    while not os.path.isdir(os.path.join(d, "reference", "emovoice_ref")) and d != os.path.dirname(d):
        d = os.path.dirname(d)
    return d


ROOT = repo_root()
sys.path.insert(0, os.path.join(ROOT, "reference"))
from emovoice_ref.config import CONFIGS  # noqa: E402
from emovoice_ref.export import io_spec, make_cases  # noqa: E402
from emovoice_ref.model import build_modules  # noqa: E402


def rel_l2(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def tiny_cases(root):
    cases = {}
    for path in sorted(glob.glob(os.path.join(root, "models", "tiny", "refs", "*", "*.npz"))):
        module, label = path.split(os.sep)[-2], os.path.basename(path)[:-4]
        if module == "e2e":
            continue
        cases.setdefault(module, {})[label] = dict(np.load(path))
    return cases


def run(mod, name, c, feeds, dev, mode):
    ins = [torch.from_numpy(np.ascontiguousarray(feeds[t[0]])).to(dev) for t in io_spec(c)[name][0]]
    if mode == "half":
        ins = [x.half() if x.is_floating_point() else x for x in ins]
    with torch.no_grad():
        if mode in ("fp16", "bf16"):
            with torch.autocast(dev.type, dtype=torch.float16 if mode == "fp16" else torch.bfloat16):
                out = mod(*ins)
        else:
            out = mod(*ins)
    if not isinstance(out, tuple):
        out = (out,)
    return {t[0]: o.float().cpu().numpy() for t, o in zip(io_spec(c)[name][1], out)}


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def timed(mod, name, c, feeds, dev, mode, repeats):
    for _ in range(3):
        run(mod, name, c, feeds, dev, mode)
    ts = []
    for _ in range(repeats):
        sync(dev)
        t0 = time.perf_counter()
        run(mod, name, c, feeds, dev, mode)
        sync(dev)
        ts.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(ts))


def measure(config, root, repeats, dev, seed=1234):
    c = CONFIGS[config]
    mods = build_modules(c, seed)  # stays on the CPU: the FP32 reference for `base`
    cases = tiny_cases(root) if config == "tiny" else make_cases(c, mods, seed)[0]
    gpu = {k: m.to(dev) for k, m in build_modules(c, seed).items()}
    halves = {k: build_modules(c, seed)[k].to(dev).half() for k in mods}
    rows = []
    for name, by_case in cases.items():
        for label, feeds in by_case.items():
            # the CPU FP32 reference: the npz's outputs for tiny, a CPU run for base
            ref = {t[0]: feeds[t[0]] for t in io_spec(c)[name][1] if t[0] in feeds}
            if not ref:
                ref = run(mods[name], name, c, feeds, torch.device("cpu"), "fp32")
            fp32 = run(gpu[name], name, c, feeds, dev, "fp32")
            row = {"module": name, "case": label, "outputs": {}}
            for mode in ("fp16", "bf16", "half"):
                out = run(halves[name] if mode == "half" else gpu[name], name, c, feeds, dev, mode)
                row["outputs"][mode] = {
                    k: {"rel_l2": rel_l2(out[k], fp32[k]), "max_abs": float(np.nanmax(np.abs(out[k] - fp32[k]))),
                        "non_finite": int((~np.isfinite(out[k])).sum())}
                    for k in fp32
                }
            row["outputs"]["fp32_gpu_vs_cpu_reference"] = {k: {"rel_l2": rel_l2(fp32[k], ref[k])} for k in ref}
            if label == "typical":
                row["latency_ms"] = {m: timed(halves[name] if m == "half" else gpu[name], name, c, feeds, dev, m, repeats)
                                     for m in ("fp32", "fp16", "bf16", "half")}
            rows.append(row)
    return {"config": config, "rows": rows}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="tiny,base")
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--device", default="cuda", help="cuda (the measurement); cpu only to try the script")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    torch.backends.cuda.matmul.allow_tf32 = False  # FP32 means FP32: the baseline the others are judged by
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device(a.device)
    out = {"torch": torch.__version__, "device": str(dev), "gpu": torch.cuda.get_device_name(0) if dev.type == "cuda" else None, "tf32": False, "repeats": a.repeats,
           "warmups": 3, "results": [measure(cfg, ROOT, a.repeats, dev) for cfg in a.configs.split(",")]}
    if a.json:
        print(json.dumps(out, indent=1))
        return
    for r in out["results"]:
        for row in r["rows"]:
            worst = {m: max(v["rel_l2"] for v in row["outputs"][m].values()) for m in ("fp16", "bf16", "half")}
            print(f"{r['config']:5} {row['module']:17} {row['case']:8} " + " ".join(f"{m} {v:.2e}" for m, v in worst.items()))


if __name__ == "__main__":
    main()

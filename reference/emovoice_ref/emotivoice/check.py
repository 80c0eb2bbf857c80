"""Re-run an emotivoice export's reference cases on ONNX Runtime and compare with the saved PyTorch
outputs (exit 1 above the tolerance). Module cases feed each module its stored inputs; an e2e case runs
the whole chain from the stored ids and conditioning, each module fed the stored PyTorch intermediates,
and the host steps (speaker row, durations and frame times) recomputed here must match exactly.

    python -m emovoice_ref.emotivoice.check --model ../models/emotivoice-tiny [--tol 1e-4]
"""
import glob
import os

import numpy as np
import onnxruntime as ort
import yaml

from .gaussian import durations, guard, weights
from ..check import main as check_main


def rel(g, e):
    e = np.asarray(e, np.float64)
    return float(np.linalg.norm(np.asarray(g, np.float64) - e) / max(np.linalg.norm(e), 1e-30))


def _gaussian_params(man):
    step = next(s for s in man["graph"] if s.get("step") == "gaussian")
    return step["params"].get("delta", 0.1), step["params"].get("durations", {}).get("offset", 1.0), "hidden" in step.get("in", {})


def check(model_dir: str, tol: float = 1e-4):
    with open(os.path.join(model_dir, "manifest.yaml"), encoding="utf-8") as f:
        man = yaml.safe_load(f)
    refs = os.path.join(model_dir, man["references"]["dir"])
    sess = {m: ort.InferenceSession(os.path.join(model_dir, spec["file"]), providers=["CPUExecutionProvider"])
            for m, spec in man["modules"].items()}
    rows = []
    for name, spec in man["modules"].items():
        for case in sorted(glob.glob(os.path.join(refs, name, "*.npz"))):
            d = np.load(case)
            got = sess[name].run(list(spec["outputs"]), {k: d[k] for k in spec["inputs"]})
            for o, g in zip(spec["outputs"], got):
                r = rel(g, d[o])
                rows.append((name, os.path.basename(case)[:-4], o, float(np.abs(g - d[o]).max()), r, r <= tol))
    delta, offset, host = _gaussian_params(man)
    table = np.load(os.path.join(model_dir, "speaker_table.npy"))
    for case in sorted(glob.glob(os.path.join(refs, "e2e", "*.npz"))):
        d, label = dict(np.load(case)), "e2e:" + os.path.basename(case)[:-4]
        exact = lambda what, ok, diff: rows.append(("host", label, what, float(diff), 0.0 if ok else 1.0, bool(ok)))
        row = table[d["speaker_id"]]
        exact("speaker_embedding", np.array_equal(row, d["speaker_embedding"]), np.abs(row - d["speaker_embedding"]).max())
        for stage, side, out in (("prompt_encoder", "prompt", "style_embedding"), ("content_encoder", "content", "content_embedding")):
            g = sess["style_encoder"].run(None, {k: d[f"{side}_{k}"] for k in ("input_ids", "token_type_ids", "attention_mask")})[0]
            rows.append((stage, label, out, float(np.abs(g - d[out]).max()), rel(g, d[out]), rel(g, d[out]) <= tol))
        for name in ("text_encoder", "acoustic_encoder", "acoustic_decoder", "vocoder"):
            spec = man["modules"][name]
            got = sess[name].run(list(spec["outputs"]), {k: d[k] for k in spec["inputs"]})
            for o, g in zip(spec["outputs"], got):
                r = rel(g, d[o])
                rows.append((name, label, o, float(np.abs(g - d[o]).max()), r, r <= tol))
                if o == "log_durations":
                    dur = guard(durations(g[0], offset))
                    exact("durations", np.array_equal(dur, d["durations"][0]), np.abs(dur - d["durations"][0]).max())
        if host:
            fh = (weights(d["durations"][0], delta) @ d["adapted_hidden"][0])[None]
            r = rel(fh, d["frame_hidden"])
            rows.append(("host", label, "frame_hidden", float(np.abs(fh - d["frame_hidden"]).max()), r, r <= tol))
        else:
            ft = np.arange(int(d["durations"].sum()), dtype=np.float32)[None]
            exact("frame_times", np.array_equal(ft, d["frame_times"]), 0 if ft.shape == d["frame_times"].shape else 1)
    return rows, max((r[4] for r in rows), default=0.0)


def main(argv=None):
    check_main(argv, check, __doc__)


if __name__ == "__main__":
    main()

"""Re-run every reference case of an export on ONNX Runtime and compare with the saved PyTorch
outputs. Exit 1 if any output's relative L2 exceeds the tolerance.

    python -m emovoice_ref.check --model ../models/tiny [--tol 1e-4]
"""
import argparse
import glob
import os
import sys

import numpy as np
import onnxruntime as ort
import yaml


def check(model_dir: str, tol: float = 1e-4):
    with open(os.path.join(model_dir, "manifest.yaml"), encoding="utf-8") as f:
        man = yaml.safe_load(f)
    rows, worst = [], 0.0
    for name, mod in man["modules"].items():
        sess = ort.InferenceSession(os.path.join(model_dir, mod["file"]), providers=["CPUExecutionProvider"])
        for case in sorted(glob.glob(os.path.join(model_dir, man["references"]["dir"], name, "*.npz"))):
            d = np.load(case)
            got = sess.run(list(mod["outputs"]), {k: d[k] for k in mod["inputs"]})
            for oname, g in zip(mod["outputs"], got):
                e = d[oname].astype(np.float64)
                r = float(np.linalg.norm(g - e) / max(np.linalg.norm(e), 1e-30))
                worst = max(worst, r)
                rows.append((name, os.path.basename(case)[:-4], oname, float(np.abs(g - e).max()), r, r <= tol))
    for case in sorted(glob.glob(os.path.join(model_dir, man["references"]["dir"], "e2e", "*.npz"))):
        for row in check_e2e(model_dir, man, case, tol):
            worst = max(worst, row[4])
            rows.append(row)
    return rows, worst


def check_e2e(model_dir, man, case, tol):
    """A whole run on ORT from the case's phoneme_ids and ref_mel. Each module is fed the stored PyTorch
    intermediates (so one stage's tiny error does not flip a downstream duration), and the durations the
    ORT acoustic encoder implies must equal the stored ones exactly."""
    d = dict(np.load(case))
    label = "e2e:" + os.path.basename(case)[:-4]
    # the repeat step's duration rule (format 2: the graph's length-regulation stage)
    step = next(g for g in man["graph"] if g.get("step") == "repeat")
    rule = step["params"]["durations"]
    rows = []
    for name, mod in man["modules"].items():
        sess = ort.InferenceSession(os.path.join(model_dir, mod["file"]), providers=["CPUExecutionProvider"])
        got = sess.run(list(mod["outputs"]), {k: d[k] for k in mod["inputs"]})
        for oname, g in zip(mod["outputs"], got):
            if name == "style_encoder" and oname == "emotion_embedding":
                continue  # the e2e run uses the emotion label's vector (emotions.npz), not the reference's
            e = d[oname].astype(np.float64)
            r = float(np.linalg.norm(g - e) / max(np.linalg.norm(e), 1e-30))
            rows.append((name, label, oname, float(np.abs(g - e).max()), r, r <= tol))
            if oname == "log_durations":
                dur = np.clip(np.round(np.exp(g[0]) * rule.get("scale", 1) - rule.get("offset", 1)), rule["min"], rule["max"]).astype(np.int32)
                same = bool(np.array_equal(dur, d["durations"]))
                rows.append(("length_regulator", label, "durations", float(np.abs(dur - d["durations"]).max()), 0.0 if same else 1.0, same))
                fh = np.repeat(d["adapted_hidden"][0], d["durations"], axis=0)[None]
                r = float(np.abs(fh - d["frame_hidden"]).max())
                rows.append(("length_regulator", label, "frame_hidden", r, 0.0 if r == 0 else 1.0, r == 0))
    return rows


def main(argv=None, check_model=None, description=__doc__):
    """The check's command line; a family's own check (emotivoice/check.py) passes its check function."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args(argv)
    rows, worst = (check_model or check)(a.model, a.tol)
    print(f"{'module':18} {'case':10} {'output':18} {'max abs':>10} {'rel L2':>10}")
    for m, c, o, mx, r, ok in rows:
        print(f"{m:18} {c:10} {o:18} {mx:10.2e} {r:10.2e} {'ok' if ok else 'FAIL'}")
    print(f"{sum(r[5] for r in rows)} passed, {sum(not r[5] for r in rows)} failed (worst rel L2 {worst:.2e}, tolerance {a.tol})")
    sys.exit(0 if all(r[5] for r in rows) else 1)


if __name__ == "__main__":
    main()

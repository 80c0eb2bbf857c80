"""Where Gaussian upsampling should run: measured, not guessed. At EmotiVoice's sizes (random weights),
on ONNX Runtime (CPU here; --provider CUDAExecutionProvider on a GPU), for sentences of T phonemes:

  host    acoustic_decoder(frame_hidden) after the host step (bench/gaussian.ts times the TS step;
          the numpy twin is timed here too)
  engine  acoustic_decoder(adapted_hidden, durations, frame_times) with the softmax-matmul inside

    python -m emovoice_ref.emotivoice.bench_upsampling [--phonemes 24,100,188] [--repeats 10] [--json]
"""
import argparse
import json
import os
import tempfile
import time

import numpy as np
import onnxruntime as ort
import torch

from .checkout import init_random
from .config import BASE
from .export import export_onnx, io_spec
from .gaussian import guard, upsample, weights
from .model import AcousticDecoder, JETSGenerator, UpsamplingDecoder


def median_ms(f, n):
    f()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        ts.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(ts))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phonemes", default="24,100,188")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--provider", default="CPUExecutionProvider")
    ap.add_argument("--threads", type=int, default=0, help="ONNX Runtime intra-op threads (0: its default)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    c = BASE
    g = JETSGenerator(c, 502, 2014)
    init_random(g, None, 1)
    g.eval()
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sess = {}
        for variant, mod in (("host", AcousticDecoder(g)), ("engine", UpsamplingDecoder(g, c.gaussian_delta))):
            spec = io_spec(c, variant)["acoustic_decoder"]
            T, d = 24, guard(rng.integers(0, 10, 24).astype(np.int32))
            adapted = rng.standard_normal((1, T, c.hidden)).astype(np.float32)
            feeds = {"frame_hidden": upsample(adapted, np.log1p(d.astype(np.float32))[None])[0], "adapted_hidden": adapted,
                     "durations": d[None], "frame_times": np.arange(d.sum(), dtype=np.float32)[None]}
            path = os.path.join(tmp, f"{variant}.onnx")
            export_onnx("acoustic_decoder", mod.eval(), spec, feeds, path, {})
            so = ort.SessionOptions()
            so.intra_op_num_threads = a.threads
            sess[variant] = (ort.InferenceSession(path, so, providers=[a.provider]), [t[0] for t in spec[0]])
        for T in map(int, a.phonemes.split(",")):
            d = guard(rng.integers(0, 10, T).astype(np.int32))
            adapted = rng.standard_normal((1, T, c.hidden)).astype(np.float32)
            frames = (weights(d) @ adapted[0])[None].astype(np.float32)
            feeds = {"frame_hidden": frames, "adapted_hidden": adapted, "durations": d[None],
                     "frame_times": np.arange(d.sum(), dtype=np.float32)[None]}
            run = lambda v: sess[v][0].run(None, {k: feeds[k] for k in sess[v][1]})
            host_mel, engine_mel = run("host")[0], run("engine")[0]
            rows.append({"phonemes": T, "frames": int(d.sum()),
                         "decoder_ms": median_ms(lambda: run("host"), a.repeats),
                         "decoder_with_upsampling_ms": median_ms(lambda: run("engine"), a.repeats),
                         "numpy_upsampling_ms": median_ms(lambda: weights(d) @ adapted[0], a.repeats),
                         "rel_l2_engine_vs_host": float(np.linalg.norm(engine_mel - host_mel) / np.linalg.norm(host_mel))})
    out = {"provider": a.provider, "onnxruntime": ort.__version__, "threads": a.threads, "cpus": os.cpu_count(), "rows": rows}
    if a.json:
        print(json.dumps(out))
    else:
        print(f"{'phonemes':>8} {'frames':>7} {'decoder ms':>11} {'+upsampling ms':>15} {'numpy ms':>9} {'rel L2':>8}")
        for r in rows:
            print(f"{r['phonemes']:8} {r['frames']:7} {r['decoder_ms']:11.2f} {r['decoder_with_upsampling_ms']:15.2f} "
                  f"{r['numpy_upsampling_ms']:9.2f} {r['rel_l2_engine_vs_host']:8.1e}")


if __name__ == "__main__":
    main()

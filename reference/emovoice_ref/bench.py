"""PyTorch eager baseline: per-module and end-to-end latency of the reference pipeline on the same
inputs as emovoice's benchmarks (the export's refs/e2e/hello.npz), on CPU or CUDA. Needs no Node.

    python -m emovoice_ref.bench --model ../models/tiny --device cpu --repeats 5 --json
    python -m emovoice_ref.bench --config base --device cuda --text-len 200 --ref-seconds 6 --json
    python -m emovoice_ref.bench --config base --device cuda --text-len 188 --streams 1,2,4,8 --slo-p99-ms 130

--streams runs that many concurrent request loops (threads sharing the model, as a plain PyTorch server
would) and reports per-level latency, P99 and throughput, and the most streams within --slo-p99-ms.

    python -m emovoice_ref.bench --request request.json

is what `emovoice bench` runs (docs/bench-baseline.md): exactly its request — the same token ids in
the same sentence parts, the same reference audio and emotion — answered with raw per-request
latencies, so both sides are summarised by the same code.
"""
import argparse
import json
import os
import resource
import threading
import time

import numpy as np
import torch
import yaml

from .audio import log_mel, real_voice
from .config import CONFIGS
from .model import build_modules, emotion_table
from .pipeline import durations_from_log, regulate_length
from .symbols import SYMBOLS


def peak_rss_mib():
    """This process's peak resident memory (Linux reports ru_maxrss in KiB): the CPU baseline's memory."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


@torch.no_grad()
def run_once(mods, ids, ref_mel, emo, dev):
    t = {}
    def timed(name, f):
        sync(dev); t0 = time.perf_counter(); r = f(); sync(dev); t[name] = (time.perf_counter() - t0) * 1e3; return r
    spk, e = timed("style_encoder", lambda: mods["style_encoder"](ref_mel))
    if emo is not None:
        e = emo
    th = timed("text_encoder", lambda: mods["text_encoder"](ids))
    log_d, _, _, adapted = timed("acoustic_encoder", lambda: mods["acoustic_encoder"](th, spk, e))
    fh = timed("length regulation", lambda: regulate_length(adapted, durations_from_log(log_d[0])))
    mel = timed("acoustic_decoder", lambda: mods["acoustic_decoder"](fh, spk, e))
    wav = timed("vocoder", lambda: mods["vocoder"](mel))
    return t, wav.shape[-1]


def sweep(mods, ids, ref_mel, emo, dev, streams, repeats):
    """`streams` threads, each running `repeats` requests back to back; per-request wall latency."""
    lat, lock = [], threading.Lock()

    def loop():
        for _ in range(repeats):
            t0 = time.perf_counter()
            run_once(mods, ids, ref_mel, emo, dev)
            with lock:
                lat.append((time.perf_counter() - t0) * 1e3)

    threads = [threading.Thread(target=loop) for _ in range(streams)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"streams": streams, "requests": len(lat), "mean_ms": float(np.mean(lat)),
            "p99_ms": float(np.percentile(lat, 99)), "rps": len(lat) / wall}


def run_request(mods, parts, ref_audio, emo_label, emo_ref_audio, c, dev):
    """One request as emovoice serves it, every stage on every call (no cache): per-stage ms, samples."""
    t, samples = {}, 0

    def timed(name, f):
        sync(dev); t0 = time.perf_counter(); r = f(); sync(dev)
        t[name] = t.get(name, 0.0) + (time.perf_counter() - t0) * 1e3
        return r

    with torch.no_grad():
        mel = timed("reference log-mel", lambda: torch.from_numpy(log_mel(ref_audio, c).T[None].copy()).to(dev))
        spk, e = timed("style_encoder", lambda: mods["style_encoder"](mel))
        if emo_label is not None:
            e = emo_label
        elif emo_ref_audio is not None:
            mel2 = timed("emotion reference log-mel", lambda: torch.from_numpy(log_mel(emo_ref_audio, c).T[None].copy()).to(dev))
            _, e = timed("style_encoder (emotion reference)", lambda: mods["style_encoder"](mel2))
        for ids in parts:
            th = timed("text_encoder", lambda: mods["text_encoder"](ids))
            log_d, _, _, adapted = timed("acoustic_encoder", lambda: mods["acoustic_encoder"](th, spk, e))
            fh = timed("length regulation", lambda: regulate_length(adapted, durations_from_log(log_d[0])))
            mel_out = timed("acoustic_decoder", lambda: mods["acoustic_decoder"](fh, spk, e))
            wav = timed("vocoder", lambda: mods["vocoder"](mel_out))
            samples += wav.shape[-1]
    return t, samples


def serve_request_file(path):
    """`emovoice bench`'s request (docs/bench-baseline.md) → raw latencies as JSON on stdout."""
    with open(path, encoding="utf-8") as f:
        req = json.load(f)
    with open(os.path.join(req["model"], "manifest.yaml"), encoding="utf-8") as f:
        man = yaml.safe_load(f)
    c = CONFIGS[man["config"]]
    dev = torch.device(req.get("device", "cpu"))
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("error: CUDA requested but torch.cuda.is_available() is False")
    mods = {k: m.to(dev).eval() for k, m in build_modules(c, man["seed"]).items()}
    cond = req.get("conditioning", {})

    def audio(flag):
        a = cond.get(flag)
        if a is None:
            return None
        if int(a["sample_rate"]) != c.sample_rate:
            raise SystemExit(f"error: --{flag} audio is at {a['sample_rate']} Hz, the model runs at {c.sample_rate} Hz")
        return np.load(a["npy"]).astype(np.float32)

    ref, emo_ref = audio("ref"), audio("emotion-ref")
    if ref is None:
        raise SystemExit("error: the request has no reference audio (ref)")
    emo = None
    if cond.get("emotion"):
        emo = torch.from_numpy(emotion_table(c, man["seed"], [cond["emotion"]])[cond["emotion"]])[None].to(dev)
    parts = [torch.from_numpy(np.asarray([p], dtype=np.int32)).to(dev) for p in req["parts"]]
    args = (mods, parts, ref, emo, emo_ref, c, dev)
    for _ in range(int(req.get("warmup", 1))):
        run_request(*args)
    lat, stages, samples = [], {}, 0
    for _ in range(int(req.get("requests", 10))):
        t0 = time.perf_counter()
        st, samples = run_request(*args)
        lat.append((time.perf_counter() - t0) * 1e3)
        for k, v in st.items():
            stages.setdefault(k, []).append(v)
    sweep = []
    for n in req.get("streams", []):
        if int(n) == 1:
            sweep.append({"streams": 1, "latencies_ms": lat, "wall_s": sum(lat) / 1e3})
            continue
        per, out, lock = max(1, -(-int(req.get("requests", 10)) // int(n))), [], threading.Lock()

        def loop():
            for _ in range(per):
                t1 = time.perf_counter()
                run_request(*args)
                with lock:
                    out.append((time.perf_counter() - t1) * 1e3)

        threads = [threading.Thread(target=loop) for _ in range(int(n))]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        sweep.append({"streams": int(n), "latencies_ms": out, "wall_s": time.perf_counter() - t0})
    print(json.dumps({
        "name": "PyTorch eager", "runtime": f"PyTorch {torch.__version__} eager, the reference model",
        "device": str(dev) if dev.type == "cpu" else torch.cuda.get_device_name(0), "torch": torch.__version__,
        "latencies_ms": lat, "stages_ms": stages, "sweep": sweep,
        "peak_rss_mib": peak_rss_mib(),
        "peak_gpu_mib": torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None,
        "audio_seconds": samples / c.sample_rate, "phonemes": sum(len(p) for p in req["parts"]),
    }))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="an export folder (uses its config, seed and refs/e2e/hello.npz)")
    ap.add_argument("--config", choices=sorted(CONFIGS), default="tiny")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--text-len", type=int, default=0, help="random phonemes instead of hello.npz")
    ap.add_argument("--ref-seconds", type=float, default=6.0)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--streams", default="", help="comma list of concurrent streams to sweep, e.g. 1,2,4,8")
    ap.add_argument("--slo-p99-ms", type=float, default=130.0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--request", help="emovoice bench's request file (docs/bench-baseline.md): answer it and exit")
    a = ap.parse_args(argv)
    if a.request:
        serve_request_file(a.request)
        return
    if a.threads:
        torch.set_num_threads(a.threads)
    config, seed, ids, ref_mel = a.config, a.seed, None, None
    if a.model:
        with open(os.path.join(a.model, "manifest.yaml"), encoding="utf-8") as f:
            man = yaml.safe_load(f)
        config, seed = man["config"], man["seed"]
        hello = np.load(os.path.join(a.model, "refs", "e2e", "hello.npz"))
        ids, ref_mel = hello["phoneme_ids"], hello["ref_mel"]
    c = CONFIGS[config]
    dev = torch.device(a.device)
    mods = {k: m.to(dev) for k, m in build_modules(c, seed).items()}
    rng = np.random.default_rng(0)
    if a.text_len or ids is None:
        ids = rng.integers(4, len(SYMBOLS), size=(1, a.text_len or 40)).astype(np.int32)
    if ref_mel is None:  # real speech (alsa recordings), looped/cut to --ref-seconds
        voice, _ = real_voice(c)
        n = int(a.ref_seconds * c.sample_rate)
        x = np.tile(voice, int(np.ceil(n / len(voice))))[:n]
        ref_mel = log_mel(x, c).T[None].copy()
    emo = torch.from_numpy(emotion_table(c, seed, ["neutral"])["neutral"])[None].to(dev)
    ids_t, ref_t = torch.from_numpy(ids).to(dev), torch.from_numpy(ref_mel).to(dev)
    run_once(mods, ids_t, ref_t, emo, dev)  # warm-up
    runs, samples = [], 0
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        st, samples = run_once(mods, ids_t, ref_t, emo, dev)
        st["total"] = (time.perf_counter() - t0) * 1e3
        runs.append(st)
    med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    p99 = float(np.percentile([r["total"] for r in runs], 99))
    total = med.pop("total")
    out = {"config": config, "device": str(dev), "gpu": torch.cuda.get_device_name(0) if dev.type == "cuda" else None,
           "torch": torch.__version__, "stages": med, "total_ms": total, "p99_ms": p99, "audio_seconds": samples / c.sample_rate,
           "peak_gpu_mib": torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None,
           "peak_rss_mib": peak_rss_mib(), "phonemes": int(ids.shape[1]), "repeats": a.repeats}
    if a.streams:
        out["sweep"] = [sweep(mods, ids_t, ref_t, emo, dev, int(n), a.repeats) for n in a.streams.split(",")]
        within = [r["streams"] for r in out["sweep"] if r["p99_ms"] <= a.slo_p99_ms]
        out["slo_p99_ms"] = a.slo_p99_ms
        out["max_streams_within_slo"] = max(within, default=0)
        out["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None
        out["peak_rss_mib"] = peak_rss_mib()
    if a.json:
        print(json.dumps(out))
    else:
        for k, v in med.items():
            print(f"{k:20} {v:9.2f} ms")
        print(f"{'total':20} {total:9.2f} ms  (audio {out['audio_seconds']:.2f} s, RTF {total / 1e3 / out['audio_seconds']:.3f})")
        for r in out.get("sweep", []):
            print(f"streams {r['streams']:3}: mean {r['mean_ms']:8.1f} ms  p99 {r['p99_ms']:8.1f} ms  {r['rps']:7.1f} req/s")
        if "sweep" in out:
            print(f"streams within P99 {a.slo_p99_ms:g} ms: {out['max_streams_within_slo']}")


if __name__ == "__main__":
    main()

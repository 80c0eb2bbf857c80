"""PyTorch eager baseline for the emotivoice family: EmotiVoice's inference as its own code runs it
(inference_am_vocoder_joint.py: per sentence, the prompt and the sentence text through BERT, then the
joint acoustic model with Gaussian upsampling and HiFi-GAN, weight norm in place), timed per stage,
on exactly the token ids and sentence parts emovoice's frontend produced, so both sides speak the same
audio length. Needs no Node.

    python -m emovoice_ref.emotivoice.bench --model ../models/emotivoice-tiny --inputs parts.json --json
    python -m emovoice_ref.emotivoice.bench --from-checkpoint ~/EmotiVoice --inputs parts.json --device cuda

The weights: an export of a random model (its manifest has `seed` and config tiny/base) is rebuilt from
that seed and checked against the export's speaker table; a real checkpoint is named with
--from-checkpoint. The inputs (what `emovoice bench` writes for the request it times):

    {"speaker": 0, "prompt": "开心",
     "parts": [{"text": "sentence text", "phoneme_ids": [1, 87, ...],
                "prompt_input_ids": [...], "content_input_ids": [...]}]}     # BERT ids optional

Missing BERT ids are made with the model's vocab.txt (the Python WordPiece of tokenize.py).
Without --inputs, the export's refs/e2e cases are the parts. --streams runs concurrent request loops
(threads sharing the model, as a plain PyTorch server would) for the P99-within-objective sweep.

    python -m emovoice_ref.emotivoice.bench --request request.json

is what `emovoice bench` runs (the manifest's `baseline: {python: emovoice_ref.emotivoice.bench}`): its
request file ({model, device, parts: [[ids]], texts, conditioning: {speaker, emotion | prompt}, warmup,
requests, streams}) answered with raw per-request latencies and per-stage times as JSON, the same
contract as emovoice_ref.bench. The speaker is resolved as emovoice does (digits: an id; else a name
from speakers.txt); an emotion label becomes the model's prompt word (the manifest's values).
"""
import argparse
import glob
import json
import os
import resource
import tempfile
import threading
import time

import numpy as np
import torch
import yaml

from .checkout import find, load
from .export import random_checkout
from .gaussian import upsample_torch
from .tokenize import WordPiece


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def load_model(model_dir, checkpoint, trust=False):
    """(Loaded, manifest or None): weights from a checkpoint, or rebuilt from a random export's seed."""
    man = None
    if model_dir:
        with open(os.path.join(model_dir, "manifest.yaml"), encoding="utf-8") as f:
            man = yaml.safe_load(f)
        if man.get("family") != "emotivoice":
            raise SystemExit(f"error: {model_dir}/manifest.yaml: family {man.get('family')!r}, not emotivoice "
                             "(fix: python -m emovoice_ref.bench for the ref-audio family)")
    src = os.path.join(model_dir, "source.json") if model_dir else ""
    if not checkpoint and src and os.path.exists(src):   # a checkpoint export says where its checkpoint is
        with open(src, encoding="utf-8") as f:
            s = json.load(f)
        return load(find(s["checkout"], generator=s["generator"], style_encoder=s["style_encoder"], bert_dir=s["bert"],
                         tokenlist=s["tokenlist"], speakers=s["speakers"]), trust), man
    if checkpoint:
        return load(find(checkpoint), trust), man
    if man is None or "seed" not in man or man.get("config") not in ("tiny", "base"):
        raise SystemExit(f"error: {model_dir}/manifest.yaml: not a random export (no seed / config tiny|base) "
                         "(fix: pass the checkpoint it came from with --from-checkpoint)")
    with tempfile.TemporaryDirectory() as tmp:
        ld = load(random_checkout(man["config"], tmp, man["seed"]))
    table = np.load(os.path.join(model_dir, "speaker_table.npy"))
    if not np.array_equal(table, ld.generator.am.spk_tokenizer.weight.detach().numpy()):
        raise SystemExit(f"error: {model_dir}: rebuilding seed {man['seed']} does not give this export's weights "
                         "(fix: re-export it, or pass its checkpoint with --from-checkpoint)")
    return ld, man


MODES = ("eager-fp32", "eager-fp16", "compile-fp16")


class Eager:
    """The models on a device, and one request run stage by stage. mode: eager-fp32 (as EmotiVoice runs),
    eager-fp16 (the same under torch.autocast float16, FP32 weights) or compile-fp16 (each module's
    forward through torch.compile, under autocast float16; the warm-up requests pay the compilation)."""

    def __init__(self, ld, dev, mode="eager-fp32"):
        if mode not in MODES:
            raise SystemExit(f"error: baseline mode {mode!r} (fix: one of {', '.join(MODES)})")
        if mode != "eager-fp32" and dev.type != "cuda":
            raise SystemExit(f"error: baseline mode {mode} needs a CUDA device (fix: --baseline-mode eager-fp32)")
        self.dev, self.c, self.mode = dev, ld.config, mode
        self.bert = ld.style.bert.to(dev).eval()
        self.am = ld.generator.am.to(dev).eval()
        self.voc = ld.generator.generator.to(dev).eval()
        ident = lambda f: f
        wrap = torch.compile if mode == "compile-fp16" else ident
        self.f_bert, self.f_encode, self.f_adapt = wrap(self.bert), wrap(self.am.encode), wrap(self.am.adapt)
        self.f_decode, self.f_voc = wrap(self.am.decode), wrap(self.voc)

    def request(self, parts, speaker):
        if self.mode == "eager-fp32":
            return self._request(parts, speaker)
        with torch.autocast("cuda", dtype=torch.float16):
            return self._request(parts, speaker)

    @torch.no_grad()
    def _request(self, parts, speaker):
        t, samples = {}, 0

        def timed(name, f):
            sync(self.dev)
            t0 = time.perf_counter()
            r = f()
            sync(self.dev)
            t[name] = t.get(name, 0.0) + (time.perf_counter() - t0) * 1e3
            return r

        spk = torch.tensor([speaker], device=self.dev)
        frames = []
        for p in parts:
            bert = lambda ids: self.f_bert(ids, torch.zeros_like(ids), torch.ones_like(ids))
            style = timed("prompt_encoder", lambda: bert(p["prompt_ids"]))
            content = timed("content_encoder", lambda: bert(p["content_ids"]))
            row = timed("speaker_row", lambda: self.am.spk_tokenizer(spk))
            h = timed("text_encoder", lambda: self.f_encode(p["ids"]))
            log_d, _, _, x = timed("acoustic_encoder", lambda: self.f_adapt(h, row, style, content))

            def durations():   # EmotiVoice: clamp(round(exp − 1), 0), all-zero guard
                d = torch.clamp(torch.round(torch.exp(log_d) - self.c.duration_offset), min=0)
                return torch.ones_like(d) if d.sum() == 0 else d
            # stages split as emovoice's graph splits them: durations on the host (`length_regulator`),
            # Gaussian upsampling with the decoder (its engine does both)
            d = timed("length_regulator", durations)
            n = int(d.sum().item())
            frames.append(n)
            mel = timed("acoustic_decoder", lambda: self.f_decode(upsample_torch(x, d, n, self.c.gaussian_delta)).transpose(1, 2))
            wav = timed("vocoder", lambda: self.f_voc(mel))
            samples += wav.shape[-1]
        return t, samples, frames


def read_inputs(path, model_dir, vocab):
    """The request: speaker, prompt and per-part ids (BERT ids made from the text where missing)."""
    wp = WordPiece(vocab)
    if path:
        with open(path, encoding="utf-8") as f:
            req = json.load(f)
        speaker, prompt, parts = int(req.get("speaker", 0)), req["prompt"], req["parts"]
    else:   # the export's e2e cases, as one request of several parts
        infos = [json.load(open(p, encoding="utf-8")) for p in sorted(glob.glob(os.path.join(model_dir, "refs", "e2e", "*.json")))]
        if not infos:
            raise SystemExit(f"error: {model_dir}/refs/e2e: no cases (fix: pass --inputs parts.json)")
        speaker, prompt = 0, infos[0]["style_prompt"]
        parts = [{"text": i["text"], "phoneme_ids": i["phoneme_ids"]} for i in infos]
    out = []
    for p in parts:
        out.append({"text": p.get("text", ""), "ids": np.asarray([p["phoneme_ids"]], np.int64),
                    "prompt_ids": np.asarray([p.get("prompt_input_ids") or wp(prompt)["input_ids"][0]], np.int64),
                    "content_ids": np.asarray([p.get("content_input_ids") or wp(p.get("text", ""))["input_ids"][0]], np.int64)})
    return speaker, prompt, out


def sweep(eager, parts, speaker, streams, repeats):
    lat, lock = [], threading.Lock()

    def loop():
        for _ in range(repeats):
            t0 = time.perf_counter()
            eager.request(parts, speaker)
            with lock:
                lat.append((time.perf_counter() - t0) * 1e3)

    threads = [threading.Thread(target=loop) for _ in range(streams)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    return {"streams": streams, "requests": len(lat), "mean_ms": float(np.mean(lat)),
            "p99_ms": float(np.percentile(lat, 99)), "rps": len(lat) / wall}


def request_parts(req, man, model_dir):
    """emovoice bench's request → (speaker id, prompt text, parts with ids as the eager run takes them)."""
    cond = req.get("conditioning", {})
    spec = man["conditioning"]
    names = open(os.path.join(model_dir, spec["speaker"]["names"]), encoding="utf-8").read().splitlines()
    s = str(cond.get("speaker", spec["speaker"].get("default", 0)))
    speaker = int(s) if s.isdigit() else (names.index(s) if s in names else -1)
    if not 0 <= speaker < len(names):
        raise SystemExit(f"error: speaker {s!r} is neither an id below {len(names)} nor a name in speakers.txt")
    emo = spec["emotion"]
    prompt = cond.get("prompt") or emo["values"][cond.get("emotion") or emo.get("default", emo["labels"][0])]
    texts = req.get("texts") or [""] * len(req["parts"])
    parts = [{"text": t, "phoneme_ids": ids} for t, ids in zip(texts, req["parts"])]
    return speaker, prompt, parts


def serve_request_file(path):
    """`emovoice bench`'s request → raw latencies as JSON on stdout (the contract of emovoice_ref.bench)."""
    with open(path, encoding="utf-8") as f:
        req = json.load(f)
    model_dir = req["model"]
    ld, man = load_model(model_dir, req.get("checkpoint"))
    dev = torch.device(req.get("device", "cpu"))
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("error: CUDA requested but torch.cuda.is_available() is False")
    speaker, prompt, raw = request_parts(req, man, model_dir)
    wp = WordPiece(os.path.join(model_dir, "vocab.txt"))
    parts = [{"ids": torch.from_numpy(np.asarray([p["phoneme_ids"]], np.int64)).to(dev),
              "prompt_ids": torch.from_numpy(wp(prompt)["input_ids"].astype(np.int64)).to(dev),
              "content_ids": torch.from_numpy(wp(p["text"])["input_ids"].astype(np.int64)).to(dev)} for p in raw]
    mode = req.get("mode", "eager-fp32")
    eager = Eager(ld, dev, mode)
    for _ in range(int(req.get("warmup", 1))):
        eager.request(parts, speaker)
    lat, stages, samples = [], {}, 0
    for _ in range(int(req.get("requests", 10))):
        t0 = time.perf_counter()
        st, samples, _ = eager.request(parts, speaker)
        lat.append((time.perf_counter() - t0) * 1e3)
        for k, v in st.items():
            stages.setdefault(k, []).append(v)
    sweep = []
    for n in map(int, req.get("streams", [])):
        if n == 1:
            sweep.append({"streams": 1, "latencies_ms": lat, "wall_s": sum(lat) / 1e3})
            continue
        per, out, lock = max(1, -(-int(req.get("requests", 10)) // n)), [], threading.Lock()

        def loop():
            for _ in range(per):
                t1 = time.perf_counter()
                eager.request(parts, speaker)
                with lock:
                    out.append((time.perf_counter() - t1) * 1e3)

        threads = [threading.Thread(target=loop) for _ in range(n)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        sweep.append({"streams": n, "latencies_ms": out, "wall_s": time.perf_counter() - t0})
    print(json.dumps({
        "name": {"eager-fp32": "PyTorch eager", "eager-fp16": "PyTorch eager FP16", "compile-fp16": "torch.compile FP16"}[mode],
        "mode": mode, "runtime": f"PyTorch {torch.__version__} {mode} (autocast float16 where fp16), the EmotiVoice reference",
        "device": str(dev) if dev.type == "cpu" else torch.cuda.get_device_name(0), "torch": torch.__version__,
        "latencies_ms": lat, "stages_ms": stages, "sweep": sweep, "peak_rss_mib": peak_rss_mib(),
        "peak_gpu_mib": torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None,
        "audio_seconds": samples / ld.config.sample_rate, "phonemes": sum(len(p) for p in req["parts"]),
    }))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="an emotivoice export folder (manifest.yaml, vocab.txt, refs/)")
    ap.add_argument("--from-checkpoint", help="the EmotiVoice checkout the export came from (a real model's weights)")
    ap.add_argument("--trust-checkpoint", action="store_true")
    ap.add_argument("--inputs", help="the request's parts as JSON (see above); default: the export's refs/e2e cases")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--streams", default="")
    ap.add_argument("--slo-p99-ms", type=float, default=130.0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--request", help="emovoice bench's request file: answer it and exit")
    a = ap.parse_args(argv)
    if a.request:
        return serve_request_file(a.request)
    if not a.model and not a.from_checkpoint:
        ap.error("give --model (an export) or --from-checkpoint")
    if a.threads:
        torch.set_num_threads(a.threads)
    ld, man = load_model(a.model, a.from_checkpoint, a.trust_checkpoint)
    vocab = os.path.join(a.model, "vocab.txt") if a.model else find(a.from_checkpoint).vocab
    speaker, prompt, parts = read_inputs(a.inputs, a.model, vocab)
    if not 0 <= speaker < ld.generator.am.spk_tokenizer.num_embeddings:
        raise SystemExit(f"error: speaker {speaker} is outside the table (0..{ld.generator.am.spk_tokenizer.num_embeddings - 1})")
    dev = torch.device(a.device)
    eager = Eager(ld, dev)
    for p in parts:
        for k in ("ids", "prompt_ids", "content_ids"):
            p[k] = torch.from_numpy(p[k]).to(dev)
    eager.request(parts, speaker)   # warm-up
    runs, samples, frames = [], 0, []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        st, samples, frames = eager.request(parts, speaker)
        st["total"] = (time.perf_counter() - t0) * 1e3
        runs.append(st)
    med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    total = med.pop("total")
    c = ld.config
    out = {"family": "emotivoice", "config": (man or {}).get("config", c.name), "device": str(dev),
           "gpu": torch.cuda.get_device_name(0) if dev.type == "cuda" else None, "torch": torch.__version__,
           "stages": med, "total_ms": total, "p99_ms": float(np.percentile([r["total"] for r in runs], 99)),
           "audio_seconds": samples / c.sample_rate, "frames": frames, "parts": len(parts),
           "phonemes": int(sum(p["ids"].shape[1] for p in parts)), "prompt": prompt, "speaker": speaker,
           "peak_gpu_mib": torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None,
           "peak_rss_mib": peak_rss_mib(), "repeats": a.repeats}
    if a.streams:
        out["sweep"] = [sweep(eager, parts, speaker, int(n), a.repeats) for n in a.streams.split(",")]
        out["slo_p99_ms"] = a.slo_p99_ms
        out["max_streams_within_slo"] = max([r["streams"] for r in out["sweep"] if r["p99_ms"] <= a.slo_p99_ms], default=0)
        out["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None
        out["peak_rss_mib"] = peak_rss_mib()
    if a.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for k, v in med.items():
            print(f"{k:20} {v:9.2f} ms")
        print(f"{'total':20} {total:9.2f} ms  ({len(parts)} parts, {out['phonemes']} phonemes, frames {frames}, "
              f"audio {out['audio_seconds']:.2f} s, RTF {total / 1e3 / out['audio_seconds']:.3f})")
        for r in out.get("sweep", []):
            print(f"streams {r['streams']:3}: mean {r['mean_ms']:8.1f} ms  p99 {r['p99_ms']:8.1f} ms  {r['rps']:7.1f} req/s")


if __name__ == "__main__":
    main()

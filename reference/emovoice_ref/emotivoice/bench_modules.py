"""Per-module latency of an emotivoice export: PyTorch eager (the modules as EmotiVoice runs them, weight
norm in place) against ONNX Runtime on the same inputs (the export's refs/<module>/{short,typical,max}),
and the BERT encoder's latency by length (a prompt, a sentence, 128 and 512 word pieces).

    python -m emovoice_ref.emotivoice.bench_modules --model /tmp/ev-base [--device cuda]
        [--provider CUDAExecutionProvider] [--threads 0] [--repeats 10] [--json]

The model's weights are rebuilt from the export's seed (bench.load_model), or taken from
--from-checkpoint. A module's ORT outputs are checked against PyTorch's as they are timed (rel L2).
"""
import argparse
import glob
import json
import os
import time

import numpy as np
import onnxruntime as ort
import torch
import yaml

from .bench import load_model, sync
from .export import build_modules, io_spec


def median_ms(f, repeats, dev):
    f()
    ts = []
    for _ in range(repeats):
        sync(dev)
        t0 = time.perf_counter()
        f()
        sync(dev)
        ts.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(ts)), float(np.percentile(ts, 99))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--from-checkpoint")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--provider", default="CPUExecutionProvider")
    ap.add_argument("--threads", type=int, default=0, help="torch and ORT intra-op threads (0: their defaults)")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--cases", default="short,typical,max")
    ap.add_argument("--bert-lengths", default="4,32,128,512")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    with open(os.path.join(a.model, "manifest.yaml"), encoding="utf-8") as f:
        man = yaml.safe_load(f)
    upsampling = "host" if "frame_hidden" in man["modules"]["acoustic_decoder"]["inputs"] else "engine"
    ld, _ = load_model(a.model, a.from_checkpoint)
    dev = torch.device(a.device)
    mods, _ = build_modules(ld, upsampling)
    mods = {k: m.to(dev) for k, m in mods.items()}
    spec = io_spec(ld.config, upsampling)
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    providers = [a.provider] + (["CPUExecutionProvider"] if a.provider != "CPUExecutionProvider" else [])
    rows = []
    sessions = {}
    for name in man["modules"]:
        sessions[name] = sess = ort.InferenceSession(os.path.join(a.model, man["modules"][name]["file"]), so, providers=providers)
        ins, outs = spec[name]
        for case in a.cases.split(","):
            path = os.path.join(a.model, "refs", name, f"{case}.npz")
            if not os.path.exists(path):
                continue
            d = np.load(path)
            feeds = {t[0]: d[t[0]] for t in ins}
            tin = [torch.from_numpy(feeds[t[0]]).to(dev) for t in ins]
            with torch.no_grad():
                pt_ms, pt_p99 = median_ms(lambda: mods[name](*tin), a.repeats, dev)
                want = mods[name](*tin)
            want = want[0] if isinstance(want, tuple) else want
            ort_ms, ort_p99 = median_ms(lambda: sess.run(None, feeds), a.repeats, dev)
            got = sess.run(None, feeds)[0]
            w = want.float().cpu().numpy()
            rows.append({"module": name, "case": case, "shapes": {k: list(v.shape) for k, v in feeds.items()},
                         "pytorch_ms": pt_ms, "pytorch_p99_ms": pt_p99, "ort_ms": ort_ms, "ort_p99_ms": ort_p99,
                         "speedup": pt_ms / ort_ms if ort_ms else None,
                         "rel_l2": float(np.linalg.norm(got - w) / max(np.linalg.norm(w), 1e-30))})
    bert = []
    for n in map(int, a.bert_lengths.split(",")):
        n = min(n, ld.config.bert.max_position_embeddings)
        ids = np.random.default_rng(n).integers(1000 if ld.config.bert.vocab_size > 2000 else 10, ld.config.bert.vocab_size, (1, n)).astype(np.int32)
        ids[0, 0], ids[0, -1] = 2, 3
        feeds = {"input_ids": ids, "token_type_ids": np.zeros_like(ids), "attention_mask": np.ones_like(ids)}
        tin = [torch.from_numpy(feeds[k]).to(dev) for k in ("input_ids", "token_type_ids", "attention_mask")]
        with torch.no_grad():
            pt_ms, _ = median_ms(lambda: mods["style_encoder"](*tin), a.repeats, dev)
        ort_ms, _ = median_ms(lambda: sessions["style_encoder"].run(None, feeds), a.repeats, dev)
        bert.append({"tokens": n, "pytorch_ms": pt_ms, "ort_ms": ort_ms})
    out = {"model": os.path.abspath(a.model), "config": man.get("config"), "device": str(dev), "provider": sessions["vocoder"].get_providers()[0],
           "gpu": torch.cuda.get_device_name(0) if dev.type == "cuda" else None, "cpus": os.cpu_count(),
           "threads": a.threads or torch.get_num_threads(), "torch": torch.__version__, "onnxruntime": ort.__version__,
           "upsampling": upsampling, "modules": rows, "bert": bert}
    if a.json:
        print(json.dumps(out))
    else:
        print(f"{out['config']} on {out['device']} / {out['provider']} ({out['threads']} threads)")
        print(f"{'module':18} {'case':8} {'PyTorch ms':>11} {'ORT ms':>9} {'speed-up':>9} {'rel L2':>9}")
        for r in rows:
            print(f"{r['module']:18} {r['case']:8} {r['pytorch_ms']:11.2f} {r['ort_ms']:9.2f} {r['speedup']:8.2f}x {r['rel_l2']:9.1e}")
        print("BERT (style/content encoder) by length:")
        for b in bert:
            print(f"  {b['tokens']:4} word pieces: PyTorch {b['pytorch_ms']:8.2f} ms   ORT {b['ort_ms']:8.2f} ms")


if __name__ == "__main__":
    main()

"""The measured table of issue 18 from bench/gpu/device.sh's results (res/*.json, `emovoice bench --json`
and `emovoice verify --json` reports), as Markdown: per side and streams level P50/P99 end to end,
throughput, peak GPU memory, the host steps' share; and per verify run the worst rel-L2 of each module.

    python3 bench/gpu/summarize.py RES_DIR "NVIDIA H100 80GB HBM3" > table.md
"""
import glob
import json
import os
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return json.loads(text[text.index("{"):]) if "{" in text else None
    except (OSError, ValueError):
        return None


def host_share(stages, modules):
    on_gpu = sum(s["meanMs"] or 0 for s in stages if any(s["stage"].startswith(m) for m in modules))
    total = sum(s["meanMs"] or 0 for s in stages)
    return (total - on_gpu) / total if total else None


def rows_of(label, rep, modules, ours=True):
    out = []
    side = rep if ours else rep.get("baseline")
    if not side:
        return out
    sweep = side["sweep"]
    gpu = rep.get("peakGpuMiB") if ours else side.get("peakGpuMiB")
    share = host_share(rep["stages"], modules) if ours else None
    for s in sweep:
        lat = s["latency"]
        out.append(f"| {label} | {s['streams']} | {lat['p50']:.1f} | {lat['p99']:.1f} ({'max of ' + str(lat['n']) if lat['n'] < 100 else 'P99'}) "
                   f"| {s['throughputRps']:.1f} | {'-' if gpu is None else f'{gpu:.0f}'} | {'-' if share is None else f'{100 * share:.1f} %'} |")
    return out


def main():
    res, card = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "?"
    print(f"Measured on: {card}\n")
    for fam, modules, files in (
        ("EmotiVoice base (random weights)", ["style_encoder", "content_encoder", "prompt_encoder", "text_encoder", "acoustic_encoder", "acoustic_decoder", "vocoder"],
         [("ours CUDA FP32 (TF32)", "ev-bench-fp32", True), ("ours CUDA FP16", "ev-bench-fp16", True),
          ("ours CUDA FP16, encoders' convolutions on cuDNN (a run before 53604d8)", "ev-bench-fp16-before", True),
          ("ours CUDA FP16, parts overlapped", "ev-bench-fp16-overlap", True), ("ours CUDA FP16, Gather form", "ev-bench-fp16-gather", True),
          ("ours CUDA FP16, Gather form, parts overlapped", "ev-bench-fp16-gather-overlap", True),
          ("ours CUDA FP32, parts overlapped", "ev-bench-fp32-overlap", True), ("ours CUDA FP32, Gather form, parts overlapped", "ev-bench-fp32-gather-overlap", True),
          ("ours CUDA FP16 (beside torch.compile)", "ev-bench-fp16-compile", True),
          ("PyTorch eager FP32", "ev-bench-fp32", False), ("PyTorch eager FP16 (autocast)", "ev-bench-fp16", False),
          ("torch.compile FP16", "ev-bench-fp16-compile", False)]),
        ("Piper en_US-joe-medium", ["text_encoder", "flow", "vocoder"],
         [("ours CUDA FP32 (TF32)", "piper-bench-cuda-fp32", True), ("ours CUDA FP16", "piper-bench-cuda-fp16", True)]),
    ):
        reps = {f: load(os.path.join(res, f + ".json")) for _, f, _ in files}
        if not any(reps.values()):
            continue
        first = next(r for r in reps.values() if r)
        print(f"### {fam}: {first['phonemes']} phonemes in {first['parts']} part(s), {first['audioSeconds']:.2f} s of audio per request\n")
        print("| side | streams | P50 ms | P99 ms | req/s | peak GPU MiB | host steps |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, f, ours in files:
            if reps[f]:
                for line in rows_of(label, reps[f], modules, ours):
                    print(line)
        for label, f, ours in files:
            r = reps[f]
            if r and ours:
                print(f"\n{label}, per stage (mean ms, 1 stream; baseline's where it has the stage): " +
                      ", ".join(f"{s['stage']} {s['meanMs']:.2f}" + (f" / {s['baselineMs']:.2f}" if s.get("baselineMs") is not None else "") for s in r["stages"] if s["meanMs"] is not None))
        print()
    print("### verify --backend cuda: worst rel-L2 per module (pass/fail)\n")
    for path in sorted(glob.glob(os.path.join(res, "*verify*.json"))):
        r = load(path)
        if not r:
            print(f"- {os.path.basename(path)}: no report")
            continue
        worst = {}
        for c in r["cases"]:
            for o in c.get("outputs", []):
                v = (o.get("metrics") or {}).get("rel_l2")
                if v is not None:
                    worst[c["module"]] = max(worst.get(c["module"], 0), v)
        passed = sum(1 for c in r["cases"] if c["pass"])
        print(f"- {os.path.basename(path)[:-5]}: {passed}/{len(r['cases'])} cases pass; " + ", ".join(f"{m} {v:.2e}" for m, v in worst.items()))


if __name__ == "__main__":
    main()

"""Export the reference model: one ONNX file per module (opset 17, dynamic lengths), the model
manifest, emotions.npz and PyTorch fp32 reference outputs (refs/). Each export is checked with
onnx.checker and against PyTorch under ONNX Runtime (fails above 1e-4 relative L2).

    cd reference && python -m emovoice_ref.export --config tiny --out ../models/tiny [--seed 1234] [--no-refs]
    PYTHONPATH=reference python -m emovoice_ref.export --config tiny --out models/tiny     # from the repo root
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import yaml

from .audio import ALSA_VOICE_ALL, log_mel, real_voice
from .config import CONFIGS, ModelConfig
from .model import build_modules, emotion_table
from .pipeline import durations_from_log, run_pipeline
from .symbols import SYMBOLS, SYMBOL_TO_ID

EMOTIONS = ["neutral", "happy", "sad", "angry", "surprise"]
HELLO_TEXT = "Hello world, 你好世界"
HELLO_PHONEMES = ["<sil>", "HH", "AH0", "L", "OW1", "<sp>", "W", "ER1", "L", "D", "<sil>",
                  "n", "i2", "h", "ao3", "<sp>", "sh", "iii4", "j", "ie4", "<sil>"]


def io_spec(c: ModelConfig):
    """name → (inputs, outputs); each tensor: name, dtype, dims, meaning."""
    H, S, E, M = c.hidden, c.spk_dim, c.emo_dim, c.n_mels
    spk = ("speaker_embedding", "float32", ["batch", S], "speaker embedding from the style encoder")
    emo = ("emotion_embedding", "float32", ["batch", E], "emotion/style embedding (style encoder or emotions.npz)")
    return {
        "text_encoder": ([("phoneme_ids", "int32", ["batch", "text_len"], "phoneme symbol ids, 0 = pad")],
                         [("text_hidden", "float32", ["batch", "text_len", H], "encoder hidden states")]),
        "style_encoder": ([("ref_mel", "float32", ["batch", "ref_frames", M], "log-mel of 3-10 s reference audio")],
                          [spk, emo]),
        "acoustic_encoder": ([("text_hidden", "float32", ["batch", "text_len", H], "text encoder output"), spk, emo],
                             [("log_durations", "float32", ["batch", "text_len"], "log(1 + frames) per phoneme"),
                              ("pitch", "float32", ["batch", "text_len"], "normalised pitch per phoneme"),
                              ("energy", "float32", ["batch", "text_len"], "normalised energy per phoneme"),
                              ("adapted_hidden", "float32", ["batch", "text_len", H], "hidden + pitch/energy embeddings")]),
        "acoustic_decoder": ([("frame_hidden", "float32", ["batch", "mel_len", H], "adapted_hidden repeated by duration (host)"), spk, emo],
                             [("mel", "float32", ["batch", M, "mel_len"], "log-mel spectrogram")]),
        "vocoder": ([("mel", "float32", ["batch", M, "mel_len"], "log-mel spectrogram")],
                    [("waveform", "float32", ["batch", 1, "samples"], f"audio at {c.sample_rate} Hz, samples = mel_len x {c.hop}")]),
    }


def export_module(name, mod, c, out_dir, sample_inputs):
    inputs, outputs = io_spec(c)[name]
    axes = {}
    for t in inputs + outputs:
        axes[t[0]] = {i: d for i, d in enumerate(t[2]) if isinstance(d, str)}
    path = os.path.join(out_dir, f"{name}.onnx")
    torch.onnx.export(mod, tuple(torch.from_numpy(sample_inputs[t[0]]) for t in inputs), path,
                      input_names=[t[0] for t in inputs], output_names=[t[0] for t in outputs],
                      dynamic_axes=axes, opset_version=17, dynamo=False, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    return path


def rel_l2(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


@torch.no_grad()
def torch_outputs(mod, name, c, feeds):
    inputs, outputs = io_spec(c)[name]
    res = mod(*[torch.from_numpy(feeds[t[0]]) for t in inputs])
    if not isinstance(res, tuple):
        res = (res,)
    return {t[0]: np.ascontiguousarray(r.numpy()) for t, r in zip(outputs, res)}


def stretch_durations(d: np.ndarray, total: int, max_frames: int = 50) -> np.ndarray:
    """Scale durations to sum exactly to `total` frames (largest remainder), keeping each in [1, max_frames]."""
    x = d.astype(np.float64) * total / d.sum()
    out = np.clip(np.floor(x), 1, max_frames).astype(np.int64)
    for i in np.argsort(-(x - np.floor(x)), kind="stable"):
        if out.sum() >= total:
            break
        if out[i] < max_frames:
            out[i] += 1
    if out.sum() != total:
        raise ValueError(f"cannot spread {total} frames over {len(d)} phonemes at most {max_frames} each")
    return out.astype(np.int32)


def regulate(adapted: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Host length regulation (numpy twin of pipeline.regulate_length): [1, T, H] x [T] -> [1, sum(d), H]."""
    return np.ascontiguousarray(np.repeat(adapted[0], d, axis=0)[None], dtype=np.float32)


def make_cases(c: ModelConfig, mods, seed: int):
    """Reference inputs per module: short, typical, max (at the manifest limits). Audio inputs are the
    log-mel of real speech cut to the case's length; text-side inputs flow from the upstream modules."""
    rng = np.random.default_rng(seed)
    lim = c.limits
    voice, sources = real_voice(c)                    # 4 recordings, 6.8 s: typical + e2e reference
    voice_all, _ = real_voice(c, ALSA_VOICE_ALL)      # 8 recordings, 13.4 s: cut to the ref_frames limit
    ids = lambda n: rng.integers(4, len(SYMBOLS), size=(1, n)).astype(np.int32)
    mel_of = lambda x: np.ascontiguousarray(log_mel(x, c).T[None], dtype=np.float32)  # [1, frames, n_mels]
    lr = {"max_frames": 50, "min_frames": 1}
    plan = [("short", 4, mel_of(voice[: 188 * c.hop]), None),          # 3 s reference, 4 phonemes
            ("typical", 40, mel_of(voice), None),                       # 6.8 s reference, 40 phonemes
            ("max", lim["text_len"], mel_of(voice_all[: lim["ref_frames"] * c.hop]), lim["mel_len"])]
    cases = {m: {} for m in io_spec(c)}
    for label, n_text, ref_mel, n_mel in plan:
        assert label != "max" or ref_mel.shape[1] == lim["ref_frames"], ref_mel.shape
        f = {"phoneme_ids": ids(n_text), "ref_mel": ref_mel}
        cases["text_encoder"][label] = {"phoneme_ids": f["phoneme_ids"]}
        cases["style_encoder"][label] = {"ref_mel": f["ref_mel"]}
        th = torch_outputs(mods["text_encoder"], "text_encoder", c, f)["text_hidden"]
        se = torch_outputs(mods["style_encoder"], "style_encoder", c, f)
        cases["acoustic_encoder"][label] = {"text_hidden": th, **se}
        ae = torch_outputs(mods["acoustic_encoder"], "acoustic_encoder", c, cases["acoustic_encoder"][label])
        d = durations_from_log(torch.from_numpy(ae["log_durations"][0]), lr["max_frames"], lr["min_frames"]).numpy()
        if n_mel is not None:  # max: the predicted durations stretched to exactly the mel_len limit
            d = stretch_durations(d, n_mel, lr["max_frames"])
        cases["acoustic_decoder"][label] = {"frame_hidden": regulate(ae["adapted_hidden"], d), **se}
        if label == "typical":  # the vocoder's typical case is the log-mel of real speech
            mel = np.ascontiguousarray(log_mel(voice, c)[None], dtype=np.float32)
        else:
            mel = torch_outputs(mods["acoustic_decoder"], "acoustic_decoder", c, cases["acoustic_decoder"][label])["mel"]
        cases["vocoder"][label] = {"mel": mel}
    return cases, voice, sources


def sanity(name: str, label: str, outputs: dict, lr_max: int = 50):
    """Random weights, sane numbers: finite everywhere, durations 1-20 frames, waveform inside [-1, 1]."""
    for k, v in outputs.items():
        if not np.isfinite(v).all():
            raise SystemExit(f"error: {name}/{label}: {k} has NaN or inf")
    if "log_durations" in outputs:
        d = durations_from_log(torch.from_numpy(outputs["log_durations"]), lr_max).numpy()
        if d.min() < 1 or d.max() > 20:
            raise SystemExit(f"error: {name}/{label}: durations {d.min()}..{d.max()} frames, outside 1..20")
    if "waveform" in outputs and np.abs(outputs["waveform"]).max() > 1:
        raise SystemExit(f"error: {name}/{label}: waveform outside [-1, 1]")


def rounding_margin(log_d: np.ndarray) -> float:
    """Distance of exp(log_d) - 1 from the nearest .5: the e2e durations must not sit on a rounding edge,
    or a 1e-6 difference on another runtime would change the frame count."""
    x = np.exp(log_d.astype(np.float64)) - 1
    return float(np.abs(x - np.floor(x) - 0.5).min())


def check_ort(path, name, c, feeds, expected, tol=1e-4):
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = sess.run(None, {k: feeds[k] for k in [t[0] for t in io_spec(c)[name][0]]})
    rows = []
    for (oname, *_), g in zip(io_spec(c)[name][1], got):
        e = expected[oname]
        r = rel_l2(g, e)
        rows.append((oname, float(np.abs(g - e).max()), r))
        if not r <= tol:
            raise SystemExit(f"error: {path}: ONNX Runtime differs from PyTorch on {oname}: rel L2 {r:.3g} > {tol}")
    return rows


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no &anchors/*aliases (shared dims lists would otherwise become aliases)."""

    def ignore_aliases(self, data):
        return True


# ONNX ops TensorRT's parser handles that this model may use; anything else fails the export.
TRT_OPS = {
    "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Log", "Erf", "Tanh", "Sin", "Cos", "Relu", "LeakyRelu",
    "MatMul", "Gemm", "Conv", "ConvTranspose", "Softmax", "LayerNormalization", "ReduceMean", "ReduceSum",
    "Reshape", "Transpose", "Unsqueeze", "Squeeze", "Concat", "Expand", "Gather", "Slice", "Shape", "Cast",
    "Range", "Constant", "ConstantOfShape", "Identity", "Split", "Where", "Equal", "Reciprocal", "Neg", "Abs",
    "Max", "Min", "Clip", "Sigmoid",
}


def check_graph(path: str):
    """onnx.checker (full), opset 17 exactly, and only ops from TRT_OPS (no Loop/If/STFT/NonZero)."""
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    opset = {o.domain or "ai.onnx": o.version for o in m.opset_import}
    if opset.get("ai.onnx") != 17:
        raise SystemExit(f"error: {path}: opset {opset}, expected ai.onnx 17")
    ops = sorted({n.op_type for n in m.graph.node})
    bad = [o for o in ops if o not in TRT_OPS]
    if bad:
        raise SystemExit(f"error: {path}: ops outside the TensorRT-safe set: {bad}")
    return ops


# Tensors whose kind decides metrics and calibration data (docs/model-manifest.md).
KINDS = {("style_encoder", "ref_mel"): "mel", ("acoustic_decoder", "mel"): "mel", ("vocoder", "mel"): "mel",
         ("vocoder", "waveform"): "waveform"}


def write_manifest(c, seed, out_dir, ref_cases):
    """Format 2: modules, frontend, conditioning, host steps and the graph (docs/model-manifest.md)."""
    spec = io_spec(c)
    modules = {}
    for name, (ins, outs) in spec.items():
        def side(ts):
            return {t[0]: {"dtype": t[1], "dims": t[2], **({"kind": KINDS[(name, t[0])]} if (name, t[0]) in KINDS else {}),
                           "meaning": t[3]} for t in ts}
        modules[name] = {"file": f"{name}.onnx", "inputs": side(ins), "outputs": side(outs)}
    with open(os.path.join(out_dir, "symbols.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(SYMBOLS) + "\n")
    seconds = {"min": 3, "max": 10}
    graph = [
        {"id": "reference_mel", "label": "reference log-mel", "step": "log_mel", "in": {"audio": "ref_audio"},
         "out": {"mel": "ref_mel"}, "params": {"layout": "frames_first"}},
        {"id": "style_encoder", "out": {"speaker_embedding": "speaker_embedding", "emotion_embedding": "reference_emotion"}},
        {"id": "emotion_reference_mel", "label": "emotion reference log-mel", "step": "log_mel",
         "in": {"audio": "emotion_ref_audio"}, "out": {"mel": "emotion_ref_mel"}, "params": {"layout": "frames_first"}},
        {"id": "emotion_style_encoder", "label": "style_encoder (emotion reference)", "module": "style_encoder",
         "in": {"ref_mel": "emotion_ref_mel"}, "out": {"emotion_embedding": "emotion_ref_embedding"}},
        {"id": "emotion", "step": "first_of", "in": ["emotion_label_embedding", "emotion_ref_embedding", "reference_emotion"],
         "out": {"value": "emotion_embedding"}},
        {"id": "text_encoder"},
        {"id": "acoustic_encoder"},
        {"id": "length_regulation", "label": "length regulation", "step": "repeat",
         "in": {"log_durations": "log_durations", "hidden": "adapted_hidden"},
         "out": {"hidden": "frame_hidden", "durations": "durations"},
         "params": {"durations": {"scale": 1, "offset": 1, "rounding": "round_half_even", "min": 1, "max": 50},
                    "layout": "frames_first"}},
        {"id": "acoustic_decoder"},
        {"id": "vocoder"},
    ]
    m = {
        "format": "emovoice-model-manifest/2",
        "name": f"emovoice-ref-{c.name}",
        "family": "ref-audio",
        "config": c.name,
        "seed": seed,
        "audio": {
            "sample_rate": c.sample_rate,
            "hop": c.hop,
            "mel": {"n_fft": c.n_fft, "hop": c.hop, "win_length": c.win_length, "n_mels": c.n_mels, "fmin": c.fmin,
                    "fmax": c.fmax, "log_base": "e", "clamp_min": c.clamp_min, "pad": "reflect", "center": False,
                    "window": "hann", "mel_scale": "slaney", "norm": "slaney"},
        },
        "frontend": {"name": "emovoice-mixed", "symbols": "symbols.txt", "output": "phoneme_ids", "dtype": "int32",
                     "sample_text": "The weather is lovely today, 我们去公园散步吧。"},
        "conditioning": {
            "reference": {"kind": "audio", "flag": "ref", "required": True, "seconds": seconds, "output": "ref_audio",
                          "description": "the target voice: 3-10 s of speech"},
            "emotion": {"kind": "label", "flag": "emotion", "labels": EMOTIONS, "table": "emotions.npz",
                        "output": "emotion_label_embedding", "description": "a fixed emotion vector",
                        "excludes": ["emotion_reference"]},
            "emotion_reference": {"kind": "audio", "flag": "emotion-ref", "seconds": seconds, "output": "emotion_ref_audio",
                                  "description": "take the emotion from another recording"},
        },
        "modules": modules,
        "graph": graph,
        "output": "waveform",
        "references": {"dir": "refs", "cases": ref_cases},
        # the vocoder is convolutions over mel frames: `synth --stream` runs it on chunks (docs/model-manifest.md)
        "streaming": {"dim": "mel_len", "stages": ["vocoder"]},
        "limits": dict(c.limits),
        "baseline": {"python": "emovoice_ref.bench"},
    }
    with open(os.path.join(out_dir, "manifest.yaml"), "w", encoding="utf-8") as f:
        f.write("# Written by emovoice_ref.export; see docs/model-manifest.md\n")
        yaml.dump(m, f, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=None, width=120)


def export(config: str, out_dir: str, seed: int = 1234, refs: bool = True, quiet: bool = False):
    c = CONFIGS[config]
    os.makedirs(out_dir, exist_ok=True)
    mods = build_modules(c, seed)
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))
    cases, voice, sources = make_cases(c, mods, seed)
    table, ref_cases, sizes = [], [], {}
    for name, mod in mods.items():
        path = export_module(name, mod, c, out_dir, cases[name]["typical"])
        ops = check_graph(path)
        for label, feeds in cases[name].items():
            expected = torch_outputs(mod, name, c, feeds)
            sanity(name, label, expected)
            for oname, mx, r in check_ort(path, name, c, feeds, expected):
                table.append((name, label, oname, mx, r))
            if refs:
                os.makedirs(os.path.join(out_dir, "refs", name), exist_ok=True)
                np.savez_compressed(os.path.join(out_dir, "refs", name, f"{label}.npz"), **feeds, **expected)
                ref_cases.append(f"{name}/{label}")
        params = sum(p.numel() for p in mod.parameters())
        sizes[name] = {"mb": round(os.path.getsize(path) / 1e6, 3), "params": params, "ops": ops}
        log(f"exported {path} ({sizes[name]['mb']:.2f} MB, {params:,} params)")
    emotions = emotion_table(c, seed, EMOTIONS)
    np.savez(os.path.join(out_dir, "emotions.npz"), **emotions)
    if refs:
        ids = np.array([[SYMBOL_TO_ID[s] for s in HELLO_PHONEMES]], dtype=np.int32)
        ref_mel = np.ascontiguousarray(log_mel(voice, c).T[None], dtype=np.float32)
        e2e = run_pipeline(mods, ids, ref_mel, emotion=emotions["neutral"])
        e2e["wav_ref"] = voice
        e2e = {k: np.ascontiguousarray(v) for k, v in e2e.items()}
        sanity("e2e", "hello", {k: v for k, v in e2e.items() if v.dtype == np.float32})
        margin = rounding_margin(e2e["log_durations"])
        if margin < 1e-3:
            raise SystemExit(f"error: e2e/hello: a duration sits {margin:.1e} from a rounding edge; pick another seed")
        os.makedirs(os.path.join(out_dir, "refs", "e2e"), exist_ok=True)
        np.savez_compressed(os.path.join(out_dir, "refs", "e2e", "hello.npz"), **e2e)
        with open(os.path.join(out_dir, "refs", "e2e", "hello.json"), "w", encoding="utf-8") as f:
            json.dump({"text": HELLO_TEXT, "phonemes": HELLO_PHONEMES, "phoneme_ids": ids[0].tolist(),
                       "reference_wavs": sources, "reference_gap_seconds": 0.25, "emotion": "neutral",
                       "reference_seconds": round(len(voice) / c.sample_rate, 3),
                       "request": {"ref": {"npz": "wav_ref"}, "emotion": "neutral"}}, f, ensure_ascii=False, indent=2)
            f.write("\n")
        ref_cases.append("e2e/hello")
    write_manifest(c, seed, out_dir, ref_cases)
    log(f"{'module':18} {'case':8} {'output':18} {'max abs':>10} {'rel L2':>10}")
    for name, label, oname, mx, r in table:
        log(f"{name:18} {label:8} {oname:18} {mx:10.2e} {r:10.2e}")
    report = {"config": c.name, "seed": seed, "onnxruntime": ort.__version__, "torch": torch.__version__,
              "modules": sizes, "total_mb": round(sum(v["mb"] for v in sizes.values()), 3),
              "ort_vs_torch": [{"module": n, "case": l, "output": o, "max_abs": mx, "rel_l2": r} for n, l, o, mx, r in table]}
    with open(os.path.join(out_dir, "export_check.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    log(f"total {report['total_mb']:.2f} MB of ONNX; worst rel L2 {max(r for *_, r in table):.2e} (limit 1e-4)")
    return table


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=sorted(CONFIGS), default="tiny")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--no-refs", action="store_true", help="skip writing reference outputs (the ORT check still runs)")
    a = ap.parse_args(argv)
    export(a.config, a.out, a.seed, refs=not a.no_refs)


if __name__ == "__main__":
    main()

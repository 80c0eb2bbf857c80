"""Export a real EmotiVoice checkpoint (the released layout, see checkout.py) to per-module ONNX, a
format-2 model manifest (family `emotivoice`) and PyTorch reference outputs.

    python -m emovoice_ref.emotivoice.export --from-checkpoint ~/EmotiVoice --out models/emotivoice
    python -m emovoice_ref.emotivoice.export --random tiny --out models/emotivoice-tiny   # the committed tiny
    python -m emovoice_ref.emotivoice.export --random base --out /tmp/ev-base              # EmotiVoice's sizes, random

Writes: style_encoder.onnx (BERT → pooled, used twice: prompt and sentence), text_encoder.onnx,
acoustic_encoder.onnx, acoustic_decoder.onnx, vocoder.onnx (weight norm folded); manifest.yaml;
tokenlist, speakers.txt, vocab.txt (copied from the checkout) and speaker_table.npy (the acoustic
model's speaker embeddings, for the host `lookup` step); refs/<module>/{short,typical,max}.npz and
refs/e2e/<case>.{npz,json}; export_check.json (sizes, parameters, ops, ORT vs PyTorch per output).

The PyTorch outputs come from the model as loaded (weight norm active, as EmotiVoice runs it); the
ONNX files from the folded copy; every output must agree within 1e-4 relative L2 under ONNX Runtime.

Length regulation is EmotiVoice's Gaussian upsampling. By default (`--upsampling engine`) it runs in
acoustic_decoder: the host `gaussian` step only turns log durations into frames (int32) and a
frame_times [1, F] tensor that carries the frame count in its shape, and the engine does the softmax
over phoneme centres and the matmul. `--upsampling host` does it all in the host step and the decoder
takes frame_hidden. bench_upsampling.py and bench/gaussian.ts measured the choice: inside the engine
it costs next to nothing beside the decoder, on the host (TypeScript) about 20 ms a 15-second sentence.
No module has a data-dependent output shape either way.
"""
import argparse
import copy
import json
import os
import shutil
import sys
import tempfile
from dataclasses import replace

import numpy as np
import onnx
import onnxruntime as ort
import torch
import yaml

from ..audio import log_mel, real_voice
from ..export import TRT_OPS, _Dumper, rel_l2
from . import assets
from .checkout import CheckoutError, Loaded, find, load, write_checkout
from .config import CONFIGS
from .gaussian import durations as durations_of, guard, upsample
from .model import AcousticDecoder, AcousticEncoder, BertPooled, TextEncoder, UpsamplingDecoder, Vocoder, speaker_table
from .tokenize import WordPiece

FAMILY = "emotivoice"
OPSET = 17
# Sentences for the reference cases: EmotiVoice's own inference examples (data/inference/text), with
# the phonemes its frontend wrote for them there; the speaker is id 0, the style an emotion or a prompt.
E2E_CASES = {
    "zh": {"text": "我来到北京，清华大学", "emotion": "happy",
           "tokens": "<sos/eos> uo3 sp1 l ai2 sp0 d ao4 sp1 b ei3 sp0 j ing1 sp3 q ing1 sp0 h ua2 sp0 d a4 sp0 x ve2 <sos/eos>"},
    "en": {"text": "Emoti-Voice - a Multi-Voice and Prompt-Controlled T-T-S Engine", "prompt": "非常生气",
           "tokens": "<sos/eos> [IH0] [M] [AA1] [T] engsp4 [V] [OY1] [S] engsp4 [AH0] engsp1 [M] [AH1] [L] [T] [IY0] engsp4 "
                     "[V] [OY1] [S] engsp1 [AE1] [N] [D] engsp1 [P] [R] [AA1] [M] [P] [T] engsp4 [K] [AH0] [N] [T] [R] "
                     "[OW1] [L] [D] engsp1 [T] [IY1] engsp4 [T] [IY1] engsp4 [EH1] [S] engsp1 [EH1] [N] [JH] [AH0] [N] . <sos/eos>"},
}
SAMPLE_TEXT = "The weather is lovely today, 我们去公园散步吧。"
TYPICAL_SENTENCE = "今天天气晴朗，我们去公园散步吧。The weather is good today."


def io_spec(c, upsampling: str):
    """module → (inputs, outputs); each tensor: (name, dtype, dims, meaning)."""
    H, B, M = c.hidden, c.bert_embedding, c.n_mels
    ids = lambda n, what: (n, "int32", ["batch", "bert_len"], what)
    hidden = ("adapted_hidden", "float32", ["batch", "text_len", H], "projected hidden + pitch/energy embeddings")
    decoder = {
        "host": ([("frame_hidden", "float32", ["batch", "mel_len", H], "adapted_hidden after Gaussian upsampling (host)")],
                 [("mel", "float32", ["batch", M, "mel_len"], "log-mel spectrogram (the vocoder's input)")]),
        "engine": ([hidden, ("durations", "int32", ["batch", "text_len"], "frames per phoneme (host: clamp(round(exp(x) - 1), 0))"),
                    ("frame_times", "float32", ["batch", "mel_len"], "0 ... mel_len-1: the frame count travels in this shape")],
                   [("mel", "float32", ["batch", M, "mel_len"], "log-mel spectrogram (the vocoder's input)")]),
    }[upsampling]
    return {
        "style_encoder": ([ids("input_ids", "BERT word-piece ids, [CLS] ... [SEP]"), ids("token_type_ids", "segment ids (0)"),
                           ids("attention_mask", "1 = token, 0 = padding")],
                          [("pooled_output", "float32", ["batch", B], "BERT pooled output: the style or content embedding")]),
        "text_encoder": ([("phoneme_ids", "int32", ["batch", "text_len"], "tokenlist ids (line index)")],
                         [("text_hidden", "float32", ["batch", "text_len", H], "encoder output")]),
        "acoustic_encoder": ([("text_hidden", "float32", ["batch", "text_len", H], "text encoder output"),
                              ("speaker_embedding", "float32", ["batch", H], "the speaker's row of the acoustic model's table"),
                              ("style_embedding", "float32", ["batch", B], "the prompt's pooled BERT output"),
                              ("content_embedding", "float32", ["batch", B], "the sentence text's pooled BERT output")],
                             [("log_durations", "float32", ["batch", "text_len"], "log(1 + frames) per phoneme"),
                              ("pitch", "float32", ["batch", "text_len"], "normalised pitch per phoneme"),
                              ("energy", "float32", ["batch", "text_len"], "normalised energy per phoneme"), hidden]),
        "acoustic_decoder": decoder,
        "vocoder": ([("mel", "float32", ["batch", M, "mel_len"], "log-mel spectrogram")],
                    [("waveform", "float32", ["batch", 1, "samples"], f"audio at {c.sample_rate} Hz, samples = mel_len x {c.hop}")]),
    }


def build_modules(ld: Loaded, upsampling: str):
    """(PyTorch modules as EmotiVoice runs them, the same with weight norm folded for export)."""
    folded = copy.deepcopy(ld.generator)
    folded.generator.fold_weight_norm()
    make = lambda g: {
        "style_encoder": BertPooled(ld.style), "text_encoder": TextEncoder(g), "acoustic_encoder": AcousticEncoder(g),
        "acoustic_decoder": AcousticDecoder(g) if upsampling == "host" else UpsamplingDecoder(g, ld.config.gaussian_delta),
        "vocoder": Vocoder(g)}
    return {k: m.eval() for k, m in make(ld.generator).items()}, {k: m.eval() for k, m in make(folded).items()}


@torch.no_grad()
def run(mod, spec, feeds):
    ins, outs = spec
    res = mod(*[torch.from_numpy(np.ascontiguousarray(feeds[t[0]])) for t in ins])
    res = res if isinstance(res, tuple) else (res,)
    return {t[0]: np.ascontiguousarray(r.numpy()) for t, r in zip(outs, res)}


def export_onnx(name, mod, spec, feeds, path, meta):
    ins, outs = spec
    axes = {t[0]: {i: d for i, d in enumerate(t[2]) if isinstance(d, str)} for t in ins + outs}
    torch.onnx.export(mod, tuple(torch.from_numpy(np.ascontiguousarray(feeds[t[0]])) for t in ins), path,
                      input_names=[t[0] for t in ins], output_names=[t[0] for t in outs], dynamic_axes=axes,
                      opset_version=OPSET, dynamo=False, do_constant_folding=True)
    m = onnx.load(path)
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=str(v))
    onnx.save(m, path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    ops = sorted({n.op_type for n in m.graph.node})
    bad = [o for o in ops if o not in TRT_OPS | {"CumSum"}]
    if bad:
        raise SystemExit(f"error: {path}: ops outside the TensorRT-safe set: {bad}")
    return ops


def ort_outputs(sess, spec, feeds):
    got = sess.run([t[0] for t in spec[1]], {t[0]: feeds[t[0]] for t in spec[0]})
    return dict(zip([t[0] for t in spec[1]], got))


def stretch(d: np.ndarray, total: int) -> np.ndarray:
    """Durations scaled to sum exactly to `total` (largest remainder), zeros allowed as EmotiVoice's are."""
    d = guard(d.astype(np.int64))
    x = d.astype(np.float64) * total / d.sum()
    out = np.floor(x).astype(np.int64)
    for i in np.argsort(-(x - out), kind="stable")[: total - int(out.sum())]:
        out[i] += 1
    assert out.sum() == total
    return out.astype(np.int32)


def frames_for(adapted: np.ndarray, d: np.ndarray, delta: float) -> np.ndarray:
    """Gaussian upsampling with given integer durations (numpy twin of the host step)."""
    from .gaussian import weights
    return (weights(guard(d), delta) @ adapted[0])[None].astype(np.float32)


def rounding_margin(log_d: np.ndarray, offset: float = 1.0) -> float:
    """Distance of exp(log_d) − 1 from the nearest .5 where it matters (values above −0.5: below that
    every rounding gives 0 after the clamp): a duration on a rounding edge could flip on another runtime."""
    x = np.exp(log_d.astype(np.float64)).ravel() - offset
    x = x[x > -0.5]
    return float(np.abs(x - np.floor(x) - 0.5).min()) if x.size else 1.0


class Cases:
    """Reference inputs per module (short, typical, max), each flowing from the upstream modules."""

    def __init__(self, ld: Loaded, torch_mods, spec, wp: WordPiece, upsampling: str, seed: int):
        self.ld, self.m, self.spec, self.wp, self.up = ld, torch_mods, spec, wp, upsampling
        self.c = ld.config
        self.table = speaker_table(ld.generator)
        self.rng = np.random.default_rng(seed)
        self.cases = {k: {} for k in spec}

    def bert(self, label, text, max_len=None):
        f = self.wp(text)
        if max_len:   # the max case: the text repeated up to exactly max_len pieces, [SEP] last
            body = f["input_ids"][0, 1:-1]
            reps = int(np.ceil((max_len - 2) / len(body)))
            ids = np.concatenate([f["input_ids"][0, :1], np.tile(body, reps)[: max_len - 2], f["input_ids"][0, -1:]])
            f = {"input_ids": ids[None].astype(np.int32), "token_type_ids": np.zeros((1, max_len), np.int32),
                 "attention_mask": np.ones((1, max_len), np.int32)}
        self.cases["style_encoder"][label] = f
        return run(self.m["style_encoder"], self.spec["style_encoder"], f)["pooled_output"]

    def ids(self, n):
        return self.rng.integers(2, len(self.ld.tokens), size=(1, n)).astype(np.int32)

    def acoustic(self, label, ids, speaker, style, content, mel_len=None, real_mel=None):
        th = run(self.m["text_encoder"], self.spec["text_encoder"], {"phoneme_ids": ids})["text_hidden"]
        self.cases["text_encoder"][label] = {"phoneme_ids": ids}
        f = {"text_hidden": th, "speaker_embedding": self.table[[speaker]], "style_embedding": style, "content_embedding": content}
        self.cases["acoustic_encoder"][label] = f
        ae = run(self.m["acoustic_encoder"], self.spec["acoustic_encoder"], f)
        d = guard(durations_of(ae["log_durations"][0], self.c.duration_offset))
        if mel_len:
            d = stretch(d, mel_len)
        if self.up == "host":
            dec = {"frame_hidden": frames_for(ae["adapted_hidden"], d, self.c.gaussian_delta)}
        else:
            dec = {"adapted_hidden": ae["adapted_hidden"], "durations": d[None].astype(np.int32),
                   "frame_times": np.arange(int(d.sum()), dtype=np.float32)[None]}
        self.cases["acoustic_decoder"][label] = dec
        mel = run(self.m["acoustic_decoder"], self.spec["acoustic_decoder"], dec)["mel"]
        self.cases["vocoder"][label] = {"mel": real_mel if real_mel is not None else mel}
        return ae, d

    def build(self):
        lim = self.c.limits
        style = self.bert("short", "开心")
        content = self.bert("typical", TYPICAL_SENTENCE)
        self.bert("max", TYPICAL_SENTENCE, max_len=lim["bert_len"])
        voice, sources = real_voice(self.c)
        real = np.ascontiguousarray(log_mel(voice, self.c)[None], dtype=np.float32)
        self.acoustic("short", self.ids(4), 0, style, content)
        zh = [self.ld.tokens.index(t) for t in E2E_CASES["zh"]["tokens"].split()] \
            if all(t in self.ld.tokens for t in E2E_CASES["zh"]["tokens"].split()) else None
        typical = np.asarray([zh], np.int32) if zh else self.ids(24)
        self.acoustic("typical", typical, len(self.ld.speakers) - 1, style, content, real_mel=real)
        self.acoustic("max", self.ids(lim["text_len"]), len(self.ld.speakers) // 2, style, content, mel_len=lim["mel_len"])
        return self.cases, voice, sources


def e2e(ld: Loaded, mods, spec, wp: WordPiece, case: dict, emotion_words: dict, upsampling: str):
    """One whole request as the board holds it: conditioning, ids, every intermediate, the waveform."""
    c = ld.config
    prompt = case.get("prompt") or emotion_words[case["emotion"]]
    tokens = case["tokens"].split()
    missing = [t for t in tokens if t not in ld.tokens]
    if missing:
        return None, f"tokens not in this model's tokenlist: {missing[:5]}"
    out = {"phoneme_ids": np.asarray([[ld.tokens.index(t) for t in tokens]], np.int32), "speaker_id": np.asarray([0], np.int32)}
    for side, text in (("prompt", prompt), ("content", case["text"])):
        f = wp(text)
        out.update({f"{side}_{k}": v for k, v in f.items()})
        out[f"{'style' if side == 'prompt' else 'content'}_embedding"] = run(mods["style_encoder"], spec["style_encoder"], f)["pooled_output"]
    out["speaker_embedding"] = speaker_table(ld.generator)[out["speaker_id"]]
    out.update(run(mods["text_encoder"], spec["text_encoder"], out))
    out.update(run(mods["acoustic_encoder"], spec["acoustic_encoder"], out))
    frame_hidden, d = upsample(out["adapted_hidden"], out["log_durations"], c.gaussian_delta, c.duration_offset)
    out["durations"] = d[None].astype(np.int32)
    if upsampling == "host":
        out["frame_hidden"] = frame_hidden
    else:
        out["frame_times"] = np.arange(int(d.sum()), dtype=np.float32)[None]
    out.update(run(mods["acoustic_decoder"], spec["acoustic_decoder"], out))
    out.update(run(mods["vocoder"], spec["vocoder"], out))
    info = {"text": case["text"], "tokens": tokens, "phoneme_ids": out["phoneme_ids"][0].tolist(),
            "tokens_from": "EmotiVoice data/inference/text (its frontend's output for this sentence)",
            # the request by CLI flag, as `verify` replays it through the graph
            "request": {"speaker": 0, **({"prompt": case["prompt"]} if "prompt" in case else {"emotion": case["emotion"]})},
            "style_prompt": prompt,
            "prompt_input_ids": out["prompt_input_ids"][0].tolist(), "content_input_ids": out["content_input_ids"][0].tolist(),
            "frames": int(d.sum()), "seconds": round(int(d.sum()) * c.hop / c.sample_rate, 3)}
    return {k: np.ascontiguousarray(v) for k, v in out.items()}, info


def manifest(ld: Loaded, spec, upsampling: str, name: str, label: str, ref_cases, emotion_words, has_lexicon: bool, seed):
    c = ld.config
    modules = {m: {"file": f"{m}.onnx",
                   "inputs": {t[0]: {"dtype": t[1], "dims": t[2], "meaning": t[3]} for t in ins},
                   "outputs": {t[0]: {"dtype": t[1], "dims": t[2], "meaning": t[3]} for t in outs}}
               for m, (ins, outs) in spec.items()}
    modules["acoustic_decoder"]["outputs"]["mel"]["kind"] = "mel"
    modules["vocoder"]["inputs"]["mel"]["kind"] = "mel"
    modules["vocoder"]["outputs"]["waveform"]["kind"] = "waveform"
    tok = lambda side, text: {"id": f"{side}_tokens", "label": f"{side} word pieces", "step": "wordpiece", "in": {"text": text},
                              "out": {k: f"{side}_{k}" for k in ("input_ids", "token_type_ids", "attention_mask")},
                              "params": {"vocab": "vocab.txt", "lowercase": True, "max_len": c.limits["bert_len"]}}
    enc = lambda stage, side, out: {"id": stage, "module": "style_encoder",
                                    "in": {k: f"{side}_{k}" for k in ("input_ids", "token_type_ids", "attention_mask")},
                                    "out": {"pooled_output": out}}
    durations = {"scale": 1, "offset": c.duration_offset, "rounding": "round_half_even", "min": 0}
    if upsampling == "host":
        regulate = [{"id": "length_regulator", "label": "Gaussian upsampling", "step": "gaussian",
                     "in": {"log_durations": "log_durations", "hidden": "adapted_hidden"},
                     "out": {"hidden": "frame_hidden", "durations": "durations"},
                     "params": {"delta": c.gaussian_delta, "durations": durations}},
                    {"id": "acoustic_decoder"}]
    else:
        regulate = [{"id": "length_regulator", "step": "gaussian", "in": {"log_durations": "log_durations"},
                     "out": {"durations": "durations", "frame_times": "frame_times"},
                     "params": {"delta": c.gaussian_delta, "durations": durations}},
                    {"id": "acoustic_decoder"}]
    labels = list(emotion_words)
    m = {
        "format": "emovoice-model-manifest/2",
        "name": name,
        "family": FAMILY,
        "config": label,
        **({"seed": seed} if seed is not None else {}),
        "audio": {
            "sample_rate": c.sample_rate, "hop": c.hop,
            "mel": {"n_fft": c.n_fft, "hop": c.hop, "win_length": c.win_length, "n_mels": c.n_mels, "fmin": c.fmin,
                    "fmax": c.fmax, "log_base": "e", "clamp_min": c.clamp_min, "pad": "reflect", "center": False,
                    "window": "hann", "mel_scale": "slaney", "norm": "slaney"},
        },
        "frontend": {"name": "emotivoice", "symbols": "tokenlist", "output": "phoneme_ids", "dtype": "int32",
                     "sample_text": SAMPLE_TEXT, **({"lexicon": "librispeech-lexicon.txt"} if has_lexicon else {})},
        "conditioning": {
            "speaker": {"kind": "id", "flag": "speaker", "names": "speakers.txt", "dtype": "int32", "default": 0,
                        "output": "speaker_id"},
            "prompt": {"kind": "text", "flag": "prompt", "output": "prompt"},
            "emotion": {"kind": "label", "flag": "emotion", "labels": labels, "values": emotion_words,
                        "default": labels[0], "output": "emotion_prompt"},
        },
        "modules": modules,
        "graph": [
            {"id": "style_prompt", "step": "first_of", "in": ["prompt", "emotion_prompt"], "out": {"value": "style_prompt"}},
            tok("prompt", "style_prompt"),
            enc("prompt_encoder", "prompt", "style_embedding"),
            tok("content", "text"),
            enc("content_encoder", "content", "content_embedding"),
            {"id": "speaker_row", "label": "speaker embedding", "step": "lookup", "in": {"id": "speaker_id"},
             "out": {"row": "speaker_embedding"}, "params": {"table": "speaker_table.npy"}},
            {"id": "text_encoder"},
            {"id": "acoustic_encoder"},
            *regulate,
            {"id": "vocoder"},
        ],
        "output": "waveform",
        "references": {"dir": "refs", "cases": ref_cases},
        # the PyTorch eager baseline `emovoice bench` runs (a random export is rebuilt from its seed)
        # the vocoder is convolutions over mel frames: `synth --stream` runs it on chunks (docs/model-manifest.md)
        "streaming": {"dim": "mel_len", "stages": ["vocoder"]},
        "baseline": {"python": "emovoice_ref.emotivoice.bench"},
        "limits": dict(c.limits),
    }
    return m


def write_yaml(path, data, header):
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        yaml.dump(data, f, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=None, width=120)


def emotion_words(ld: Loaded) -> dict:
    """English label → the model's own emotion prompt word (its emotion list); unknown words keep themselves."""
    return {assets.EMOTION_LABELS.get(w, w): w for w in ld.labels["emotion"] if w}


def export(checkout_dir: str, out_dir: str, upsampling: str = "engine", refs: bool = True, name: str | None = None,
           label: str | None = None, trust: bool = False, seed: int | None = None, quiet: bool = False, paths: dict | None = None,
           limits: dict | None = None):
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))
    co = find(checkout_dir, **(paths or {}))
    ld = load(co, trust)
    if limits:
        ld.config = replace(ld.config, limits={**ld.config.limits, **limits})
    for n in ld.notes:
        log(f"note: {n}")
    c = ld.config
    os.makedirs(out_dir, exist_ok=True)
    spec = io_spec(c, upsampling)
    torch_mods, folded = build_modules(ld, upsampling)
    wp = WordPiece(co.vocab)
    words = emotion_words(ld)
    cases, voice, sources = Cases(ld, torch_mods, spec, wp, upsampling, seed or 0).build()
    table, ref_cases, sizes = [], [], {}
    params = {"style_encoder": ld.style.bert, "text_encoder": torch.nn.ModuleList([ld.generator.am.src_word_emb, ld.generator.am.encoder]),
              "acoustic_encoder": None, "acoustic_decoder": torch.nn.ModuleList([ld.generator.am.decoder, ld.generator.am.to_mel]),
              "vocoder": ld.generator.generator}
    for mod_name, mod in folded.items():
        path = os.path.join(out_dir, f"{mod_name}.onnx")
        ops = export_onnx(mod_name, mod, spec[mod_name], cases[mod_name]["typical"], path,
                          {"emovoice.family": FAMILY, "emovoice.module": mod_name, "emovoice.config": label or c.name})
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        for case, feeds in cases[mod_name].items():
            want = run(torch_mods[mod_name], spec[mod_name], feeds)
            for k, v in want.items():
                if not np.isfinite(v).all():
                    raise SystemExit(f"error: {mod_name}/{case}: {k} has NaN or inf")
            got = ort_outputs(sess, spec[mod_name], feeds)
            for oname, g in got.items():
                r = rel_l2(g, want[oname])
                table.append((mod_name, case, oname, float(np.abs(g - want[oname]).max()), r))
                if not r <= 1e-4:
                    raise SystemExit(f"error: {path}: ONNX Runtime differs from PyTorch on {oname} ({case}): rel L2 {r:.3g} > 1e-4")
            if refs:
                os.makedirs(os.path.join(out_dir, "refs", mod_name), exist_ok=True)
                np.savez_compressed(os.path.join(out_dir, "refs", mod_name, f"{case}.npz"), **feeds, **want)
                ref_cases.append(f"{mod_name}/{case}")
        p = params[mod_name]
        n = sum(x.numel() for x in p.parameters()) if p is not None else \
            sum(x.numel() for k, x in ld.generator.am.named_parameters()
                if k.split(".")[0] in ("embed_projection1", "duration_predictor", "pitch_predictor", "energy_predictor", "pitch_embed", "energy_embed"))
        sizes[mod_name] = {"mb": round(os.path.getsize(path) / 1e6, 3), "params": n, "ops": ops}
        log(f"exported {path} ({sizes[mod_name]['mb']:.2f} MB, {n:,} params)")
    np.save(os.path.join(out_dir, "speaker_table.npy"), speaker_table(ld.generator))
    shutil.copyfile(co.tokenlist, os.path.join(out_dir, "tokenlist"))
    shutil.copyfile(co.speakers, os.path.join(out_dir, "speakers.txt"))
    shutil.copyfile(co.vocab, os.path.join(out_dir, "vocab.txt"))
    lexicon = os.path.join(co.root, "lexicon", "librispeech-lexicon.txt")
    has_lexicon = os.path.isfile(lexicon)
    if has_lexicon:
        shutil.copyfile(lexicon, os.path.join(out_dir, "librispeech-lexicon.txt"))
    e2e_info = {}
    if refs:
        os.makedirs(os.path.join(out_dir, "refs", "e2e"), exist_ok=True)
        for case_name, case in E2E_CASES.items():
            data, info = e2e(ld, torch_mods, spec, wp, case, words, upsampling)
            if data is None:
                log(f"note: e2e/{case_name} skipped: {info}")
                continue
            margin = rounding_margin(data["log_durations"], c.duration_offset)
            if margin < 1e-3:
                raise SystemExit(f"error: e2e/{case_name}: a duration sits {margin:.1e} from a rounding edge; "
                                 "references would not reproduce on another runtime (a random model: pick another --seed)")
            info["rounding_margin"] = round(margin, 4)
            np.savez_compressed(os.path.join(out_dir, "refs", "e2e", f"{case_name}.npz"), **data)
            with open(os.path.join(out_dir, "refs", "e2e", f"{case_name}.json"), "w", encoding="utf-8") as f:
                json.dump(info, f, ensure_ascii=False, indent=1)
                f.write("\n")
            ref_cases.append(f"e2e/{case_name}")
            e2e_info[case_name] = info
    if seed is None:   # a user's checkpoint: where it came from, for the PyTorch baseline (bench.py)
        with open(os.path.join(out_dir, "source.json"), "w", encoding="utf-8") as f:
            json.dump({"checkout": co.root, "generator": co.generator, "style_encoder": co.style_encoder, "bert": co.bert_dir,
                       "tokenlist": co.tokenlist, "speakers": co.speakers}, f, indent=1, ensure_ascii=False)
            f.write("\n")
    man = manifest(ld, spec, upsampling, name or f"emotivoice-{label or c.name}", label or c.name, ref_cases, words, has_lexicon, seed)
    write_yaml(os.path.join(out_dir, "manifest.yaml"), man,
               "# Written by emovoice_ref.emotivoice.export from an EmotiVoice checkpoint; see docs/model-manifest.md\n")
    report = {"family": FAMILY, "config": label or c.name, "upsampling": upsampling, "onnxruntime": ort.__version__,
              "torch": torch.__version__, "checkout": {"generator": os.path.relpath(co.generator, co.root),
                                                       "style_encoder": os.path.relpath(co.style_encoder, co.root)},
              "params": {"generator": sum(p.numel() for p in ld.generator.parameters()),
                         "style_encoder": sum(p.numel() for p in ld.style.parameters())},
              "modules": sizes, "total_mb": round(sum(v["mb"] for v in sizes.values()), 3), "notes": ld.notes,
              "ort_vs_torch": [{"module": n, "case": l, "output": o, "max_abs": mx, "rel_l2": r} for n, l, o, mx, r in table]}
    with open(os.path.join(out_dir, "export_check.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1, ensure_ascii=False)
        f.write("\n")
    log(f"{'module':18} {'case':8} {'output':18} {'max abs':>10} {'rel L2':>10}")
    for n, l, o, mx, r in table:
        log(f"{n:18} {l:8} {o:18} {mx:10.2e} {r:10.2e}")
    log(f"total {report['total_mb']:.2f} MB of ONNX; worst rel L2 {max(r for *_, r in table):.2e} (limit 1e-4)")
    return table, report


def random_checkout(config: str, root: str, seed: int, **kw):
    """A randomly initialised EmotiVoice at `config` sizes in the released layout (generated label files)."""
    c = CONFIGS[config]
    if config == "base":
        vocab, speakers = assets.bert_vocab(c.bert.vocab_size), assets.speakers(2014)
    else:
        vocab, speakers = assets.bert_vocab(extra_text=TYPICAL_SENTENCE + "".join(x["text"] for x in E2E_CASES.values())), assets.speakers(12)
    return write_checkout(root, c, vocab, assets.tokenlist(), speakers, assets.labels(), seed, **kw)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--from-checkpoint", metavar="DIR", help="an EmotiVoice checkout (or a folder in its layout)")
    src.add_argument("--random", choices=sorted(CONFIGS), help="export a randomly initialised model at these sizes")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1234, help="--random: the weights' seed")
    ap.add_argument("--upsampling", choices=["engine", "host"], default="engine",
                    help="where Gaussian upsampling runs: in acoustic_decoder (default) or in the host step")
    ap.add_argument("--name", help="the manifest's name (default emotivoice-<config>)")
    ap.add_argument("--config-label", help="the manifest's config label (default: tiny/base, or 'base' for a checkout)")
    ap.add_argument("--generator", help="the joint g_* checkpoint (default: the newest in outputs/prompt_tts_open_source_joint/ckpt)")
    ap.add_argument("--style-encoder", help="the style encoder checkpoint (default: the newest in outputs/style_encoder/ckpt)")
    ap.add_argument("--bert", help="simbert's folder (config.json, vocab.txt)")
    ap.add_argument("--tokenlist", help="the tokenlist (default data/youdao/text/tokenlist)")
    ap.add_argument("--speakers", help="the speaker list (default data/youdao/text/speaker2)")
    ap.add_argument("--trust-checkpoint", action="store_true", help="allow checkpoints holding Python objects (torch.load weights_only=False)")
    ap.add_argument("--no-refs", action="store_true", help="skip writing reference outputs (the ORT check still runs)")
    ap.add_argument("--text-len", type=int, help="the most phonemes a sentence may have (limits.text_len; base 256)")
    ap.add_argument("--mel-len", type=int, help="the most frames a sentence may have (limits.mel_len; base 2048 = 32.8 s)")
    ap.add_argument("--error-json", action="store_true", help="report a user error as one JSON line on stderr (for the emovoice CLI)")
    a = ap.parse_args(argv)
    limits = {k: v for k, v in (("text_len", a.text_len), ("mel_len", a.mel_len)) if v}
    try:
        paths = {k: getattr(a, k) for k in ("generator", "style_encoder", "tokenlist", "speakers")}
        paths["bert_dir"] = a.bert
        if a.random:
            with tempfile.TemporaryDirectory() as tmp:
                random_checkout(a.random, tmp, a.seed)
                export(tmp, a.out, a.upsampling, not a.no_refs, a.name, a.config_label or a.random, seed=a.seed,
                       limits={**CONFIGS[a.random].limits, **limits})
        else:
            export(a.from_checkpoint, a.out, a.upsampling, not a.no_refs, a.name, a.config_label, a.trust_checkpoint,
                   paths={k: v for k, v in paths.items() if v}, limits=limits)
    except CheckoutError as e:
        if a.error_json:
            print("emovoice-error: " + json.dumps({"message": str(e), "file": e.file, "hint": e.hint}, ensure_ascii=False), file=sys.stderr)
        else:
            print(f"error: {e.line()}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

"""The reference model, its log-mel and the export. The export test regenerates the tiny model in a
temp dir and checks ONNX Runtime against PyTorch (the CI check the issue asks for), then checks that
the committed models/tiny is the same export."""
import hashlib
import os

import numpy as np
import onnx
import pytest
import torch
import yaml

from conftest import MODELS
from emovoice_ref.audio import log_mel, mel_filterbank
from emovoice_ref.check import check
from emovoice_ref.config import TINY
from emovoice_ref.export import export, io_spec
from emovoice_ref.model import build_modules
from emovoice_ref.pipeline import durations_from_log, regulate_length
from emovoice_ref.symbols import SYMBOLS

TINY_DIR = os.path.join(MODELS, "tiny")


def test_modules_shapes_and_determinism():
    a, b = build_modules(TINY, 1234), build_modules(TINY, 1234)
    ids = torch.randint(4, len(SYMBOLS), (2, 17), dtype=torch.int32)
    with torch.no_grad():
        th = a["text_encoder"](ids)
        assert th.shape == (2, 17, TINY.hidden)
        assert torch.equal(th, b["text_encoder"](ids))
        spk, emo = a["style_encoder"](torch.randn(2, 200, TINY.n_mels))
        assert spk.shape == (2, TINY.spk_dim) and emo.shape == (2, TINY.emo_dim)
        log_d, pitch, energy, adapted = a["acoustic_encoder"](th, spk, emo)
        assert log_d.shape == pitch.shape == energy.shape == (2, 17) and adapted.shape == th.shape
        d = durations_from_log(log_d[0])
        assert 1 <= int(d.min()) and int(d.max()) <= 20  # plausible frames per phoneme
        mel = a["acoustic_decoder"](regulate_length(adapted[:1], d), spk[:1], emo[:1])
        assert mel.shape == (1, TINY.n_mels, int(d.sum()))
        wav = a["vocoder"](mel)
        assert wav.shape == (1, 1, mel.shape[-1] * TINY.hop)
        assert torch.isfinite(wav).all() and wav.abs().max() <= 1
        assert wav.std() > 1e-3  # audible, not a near-silent untrained output


def test_length_regulator_rounds_half_to_even_and_repeats():
    d = durations_from_log(torch.log(torch.tensor([1 + 2.5, 1 + 3.5, 1 + 0.2, 1 + 500.0])))
    assert d.tolist() == [2, 4, 1, 50]
    h = torch.arange(6, dtype=torch.float32).reshape(1, 3, 2)
    out = regulate_length(h, torch.tensor([2, 0, 1], dtype=torch.int32))
    assert out.tolist() == [[[0, 1], [0, 1], [4, 5]]]


def test_log_mel_matches_a_direct_dft():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(4000) * 0.1).astype(np.float32)
    got = log_mel(x, TINY)
    pad = (TINY.n_fft - TINY.hop) // 2
    xp = np.pad(x.astype(np.float64), pad, mode="reflect")
    n = np.arange(TINY.n_fft)
    win = 0.5 - 0.5 * np.cos(2 * np.pi * n / TINY.n_fft)
    frames = (len(xp) - TINY.n_fft) // TINY.hop + 1
    k = np.arange(TINY.n_fft // 2 + 1)
    basis = np.exp(-2j * np.pi * np.outer(k, n) / TINY.n_fft)
    spec = np.stack([basis @ (xp[i * TINY.hop : i * TINY.hop + TINY.n_fft] * win) for i in range(frames)], axis=1)
    mag = np.sqrt(np.abs(spec) ** 2 + 1e-9)
    ref = np.log(np.maximum(mel_filterbank(16000, 1024, 80, 0, 8000).astype(np.float64) @ mag, 1e-5))
    assert got.shape == ref.shape == (80, frames)
    assert np.abs(got - ref).max() < 1e-4


def test_slaney_filterbank_area_normalised():
    fb = mel_filterbank(16000, 1024, 80, 0, 8000)
    assert fb.shape == (80, 513) and (fb >= 0).all()
    # every band is a triangle with non-zero support
    assert (fb.max(axis=1) > 0).all()


@pytest.fixture(scope="module")
def fresh_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    table = export("tiny", str(out), seed=1234, quiet=True)
    return out, table


def test_export_matches_pytorch_under_onnxruntime(fresh_export):
    out, table = fresh_export
    assert len(table) >= 15
    assert max(r for *_, r in table) <= 1e-4
    for name in io_spec(TINY):
        m = onnx.load(os.path.join(out, f"{name}.onnx"))
        onnx.checker.check_model(m)
        assert max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")) >= 17


def test_manifest_matches_the_onnx_graphs(fresh_export):
    out, _ = fresh_export
    with open(os.path.join(out, "manifest.yaml"), encoding="utf-8") as f:
        man = yaml.safe_load(f)
    assert man["format"] == "emovoice-model-manifest/1" and man["symbols"] == SYMBOLS
    for name, mod in man["modules"].items():
        g = onnx.load(os.path.join(out, mod["file"])).graph
        inits = {i.name for i in g.initializer}
        for side, vals in (("inputs", [i for i in g.input if i.name not in inits]), ("outputs", g.output)):
            assert list(mod[side]) == [v.name for v in vals]
            for v in vals:
                dims = [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
                assert dims == mod[side][v.name]["dims"], f"{name}.{v.name}"
                elem = {1: "float32", 6: "int32"}[v.type.tensor_type.elem_type]
                assert elem == mod[side][v.name]["dtype"], f"{name}.{v.name}"
    for case in man["references"]["cases"]:
        assert os.path.exists(os.path.join(out, "refs", case + ".npz")), case
    assert man["limits"] == {"text_len": 128, "ref_frames": 626, "mel_len": 1024}
    emo = np.load(os.path.join(out, "emotions.npz"))
    assert sorted(emo.files) == sorted(man["emotions"]["labels"])
    assert all(emo[k].dtype == np.float32 and emo[k].shape == (TINY.emo_dim,) for k in emo.files)


def test_committed_tiny_export_is_current(fresh_export):
    """models/tiny must be what the exporter produces today (ONNX bytes are deterministic)."""
    out, _ = fresh_export
    for name in io_spec(TINY):
        a = hashlib.sha256(open(os.path.join(out, f"{name}.onnx"), "rb").read()).hexdigest()
        b = hashlib.sha256(open(os.path.join(TINY_DIR, f"{name}.onnx"), "rb").read()).hexdigest()
        assert a == b, f"{name}.onnx differs from a fresh export: run python -m emovoice_ref.export --config tiny --out models/tiny"


def test_committed_references_reproduce_under_onnxruntime():
    rows, worst = check(TINY_DIR)
    assert len(rows) >= 27 + 10 and worst <= 1e-4 and all(r[5] for r in rows)
    assert any(r[1] == "e2e:hello" and r[2] == "durations" for r in rows)


def test_e2e_reference_is_consistent():
    d = np.load(os.path.join(TINY_DIR, "refs", "e2e", "hello.npz"))
    assert d["wav_ref"].dtype == np.float32 and d["wav_ref"].ndim == 1 and 3 <= len(d["wav_ref"]) / 16000 <= 10
    assert np.abs(log_mel(d["wav_ref"], TINY).T[None] - d["ref_mel"]).max() < 1e-5
    assert d["phoneme_ids"].dtype == np.int32 and d["durations"].dtype == np.int32
    assert d["durations"].shape == (d["phoneme_ids"].shape[1],) and 1 <= d["durations"].min() and d["durations"].max() <= 20
    assert d["frame_hidden"].shape[1] == d["mel"].shape[2] == int(d["durations"].sum())
    assert d["waveform"].shape == (1, 1, d["mel"].shape[2] * TINY.hop) and d["waveform"].std() > 1e-3

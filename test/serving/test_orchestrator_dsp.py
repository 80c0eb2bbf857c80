"""The orchestrator's numpy signal steps (src/serving/orchestrator.py, which runs inside Triton where there
is no torch or scipy) against the reference implementations, on real recordings (alsa-utils):
log-mel vs emovoice_ref.audio.log_mel (torch.stft), resampling vs scipy's resample_poly."""
import importlib.util
import os
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

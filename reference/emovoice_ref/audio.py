"""Log-mel exactly as docs/model-manifest.md defines it, plus loading and resampling the real reference
recordings (alsa-utils, 48 kHz -> 16 kHz).

EmotiVoice's numbers agree with the doc (16 kHz, n_fft/win 1024, hop 256, 80 Slaney mels 0-8000 Hz,
natural log of clamp(x, 1e-5)). Its procedure comes in two variants: mel_process.py (the joint
acoustic-model + HiFi-GAN training loss) reflect-pads (n_fft - hop) / 2 without centring, as the doc
does, but with sqrt(re^2 + im^2 + 1e-6); models/prompt_tts_modified/tacotron_stft.py (the acoustic
model's targets) reflect-pads n_fft / 2 (centred frames, one more frame) with no epsilon. The doc's
variant is the first one with HiFi-GAN's original 1e-9; the TypeScript side implements the doc, so
this follows the doc. Never change it here alone.
"""
import glob
import os
import wave

import numpy as np
import torch
from scipy.signal import resample_poly

from .config import ModelConfig

ALSA_DIR = os.environ.get("ALSA_SOUNDS", "/usr/share/sounds/alsa")
ALSA_VOICE = ["Front_Center.wav", "Front_Left.wav", "Front_Right.wav", "Rear_Center.wav"]  # 6.8 s with gaps
ALSA_VOICE_ALL = ALSA_VOICE + ["Rear_Left.wav", "Rear_Right.wav", "Side_Left.wav", "Side_Right.wav"]  # 13.4 s


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(sr, n_fft, n_mels, fmin, fmax) -> np.ndarray:
    """Slaney mel scale with Slaney area normalisation (librosa's defaults), [n_mels, n_fft//2+1]."""
    fftfreqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    w = np.maximum(0, np.minimum(lower, upper))
    w *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    return w.astype(np.float32)


def log_mel(samples: np.ndarray, c: ModelConfig) -> np.ndarray:
    """float32 mono audio at c.sample_rate → log-mel [n_mels, frames]."""
    x = torch.from_numpy(np.asarray(samples, dtype=np.float32))[None, None]
    pad = (c.n_fft - c.hop) // 2
    x = torch.nn.functional.pad(x, (pad, pad), mode="reflect")[0, 0]
    spec = torch.stft(x, c.n_fft, hop_length=c.hop, win_length=c.win_length,
                      window=torch.hann_window(c.win_length, periodic=True), center=False, return_complex=True)
    mag = torch.sqrt(spec.real**2 + spec.imag**2 + 1e-9)
    fb = torch.from_numpy(mel_filterbank(c.sample_rate, c.n_fft, c.n_mels, c.fmin, c.fmax))
    return torch.log(torch.clamp(fb @ mag, min=c.clamp_min)).numpy().astype(np.float32)


def read_wav(path: str):
    with wave.open(path, "rb") as w:
        n, ch, sw, sr = w.getnframes(), w.getnchannels(), w.getsampwidth(), w.getframerate()
        raw = w.readframes(n)
    if sw != 2:
        raise ValueError(f"{path}: expected 16-bit PCM")
    x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    return x.reshape(-1, ch).mean(axis=1), sr


def resample(x: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """Polyphase resampling (scipy's default Kaiser window), e.g. the 48 kHz recordings -> 16 kHz."""
    if sr_from == sr_to:
        return np.asarray(x, dtype=np.float32)
    g = np.gcd(sr_from, sr_to)
    return resample_poly(np.asarray(x, dtype=np.float64), sr_to // g, sr_from // g).astype(np.float32)


def real_voice(c: ModelConfig, names=ALSA_VOICE, gap_s=0.25):
    """Real human speech: alsa-utils recordings joined with short silent gaps, resampled to the model rate."""
    parts, used = [], []
    for name in names:
        p = os.path.join(ALSA_DIR, name)
        if not os.path.exists(p):
            continue
        x, sr = read_wav(p)
        parts += [resample(x, sr, c.sample_rate), np.zeros(int(gap_s * c.sample_rate), np.float32)]
        used.append(p)
    if len(used) < 3:
        raise SystemExit(f"error: {ALSA_DIR}: real speech recordings missing (fix: apt-get install alsa-utils)")
    return np.concatenate(parts), used


def all_alsa_speech():
    """Every alsa-utils recording of a voice (Noise.wav is not speech)."""
    return sorted(p for p in glob.glob(os.path.join(ALSA_DIR, "*.wav")) if not p.endswith("Noise.wav"))

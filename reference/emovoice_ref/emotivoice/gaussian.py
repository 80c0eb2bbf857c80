"""Durations and Gaussian upsampling (models/prompt_tts_modified/modules/alignment.py GaussianUpsampling,
variance.py DurationPredictor.inference), the Python twin of src/pipeline/steps/gaussian.ts.

  d = clamp(round(exp(log_d) − 1), min 0)           round half to even (torch.round); no 1-frame minimum
  if every d is 0: d = 1 everywhere                  (EmotiVoice's guard for a silent prediction)
  frames F = Σ d;  c_j = cumsum(d)_j − d_j / 2       phoneme centres
  w[f, j] = softmax_j(−delta · (f − c_j)²)            f = 0 … F−1
  out[f] = Σ_j w[f, j] · hidden[j]

`upsample_torch` is the same in the graph (the frame count comes from a tensor's shape), used by the
in-engine variant the exporter measures against the host step.
"""
import numpy as np
import torch


def durations(log_d: np.ndarray, offset: float = 1.0) -> np.ndarray:
    """log durations [T] (float32) → frames [T] int32, as DurationPredictor.inference computes them."""
    x = np.exp(np.asarray(log_d, dtype=np.float32)) - np.float32(offset)
    d = np.maximum(np.round(x), 0).astype(np.int32)   # np.round is half to even, like torch.round
    return d


def centres(d: np.ndarray) -> np.ndarray:
    """Phoneme centres in frames, float32 as torch computes them (ds is float after `ds * alpha`)."""
    d = d.astype(np.float32)
    return (np.cumsum(d, dtype=np.float32) - d / np.float32(2)).astype(np.float32)


def guard(d: np.ndarray) -> np.ndarray:
    return np.ones_like(d) if int(d.sum()) == 0 else d


def weights(d: np.ndarray, delta: float = 0.1) -> np.ndarray:
    """[F, T] softmax weights for durations d (after the all-zero guard)."""
    c = centres(d)
    t = np.arange(int(d.sum()), dtype=np.float32)
    e = np.float32(-delta) * (t[:, None] - c[None, :]) ** 2
    e = e - e.max(axis=1, keepdims=True)
    w = np.exp(e)
    return (w / w.sum(axis=1, keepdims=True)).astype(np.float32)


def upsample(hidden: np.ndarray, log_d: np.ndarray, delta: float = 0.1, offset: float = 1.0):
    """hidden [1, T, H], log_d [1, T] → (frame hidden [1, F, H] float32, durations [T] int32)."""
    d = guard(durations(log_d[0], offset))
    return (weights(d, delta) @ hidden[0].astype(np.float32))[None].astype(np.float32), d


def upsample_torch(hidden: torch.Tensor, d: torch.Tensor, frames: int, delta: float = 0.1) -> torch.Tensor:
    """hidden [B, T, H], durations [B, T] (float, guarded), frame count → [B, frames, H]."""
    c = torch.cumsum(d, dim=-1) - d / 2
    t = torch.arange(frames, dtype=hidden.dtype, device=hidden.device)
    e = -delta * (t[None, :, None] - c[:, None, :]) ** 2
    return torch.matmul(torch.softmax(e, dim=-1), hidden)

"""EmotiVoice's acoustic model (PromptTTS in models/prompt_tts_modified/model_open_source.py) with the
same module tree, so its state_dict keys and shapes are the released checkpoint's `am.*` keys.

Inference only, batch of equal lengths (no padding masks: at batch 1, as EmotiVoice runs it, every mask
is all-valid and changes nothing). The pieces the exporter needs are separate methods:
  encode(ids)                         src_word_emb + encoder                      (text_encoder)
  adapt(x, speaker, style, content)   embed_projection1, variance predictors,
                                      pitch/energy embeddings                     (acoustic_encoder)
  decode(frames)                      decoder + to_mel                            (acoustic_decoder)
Gaussian upsampling between adapt and decode is in gaussian.py (host or in-graph).
`alignment_module` is trained with the model and stored in the checkpoint; inference never runs it.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

from .config import EVConfig


class LayerNorm(nn.LayerNorm):
    """ESPnet's LayerNorm: eps 1e-12, optionally over dim 1 (channels-first, as the predictors use it)."""

    def __init__(self, n: int, dim: int = -1):
        super().__init__(n, eps=1e-12)
        self.dim = dim

    def forward(self, x):
        if self.dim == -1:
            return super().forward(x)
        return super().forward(x.transpose(self.dim, -1)).transpose(self.dim, -1)


def sinusoids(t: int, d: int, like: torch.Tensor) -> torch.Tensor:
    """ESPnet's positional table [1, t, d] (sin on even, cos on odd channels), built for the actual
    length so the ONNX graph holds no 5000-row constant; values equal its precomputed float32 table."""
    pos = torch.arange(t, dtype=torch.float32, device=like.device).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32, device=like.device) * -(math.log(10000.0) / d))
    return torch.stack([torch.sin(pos * div), torch.cos(pos * div)], dim=-1).reshape(1, t, d).to(like.dtype)


class ScaledPositionalEncoding(nn.Module):
    """x + alpha · pe (no √d scaling: the scaled variant replaces it by the learned alpha)."""

    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.tensor(1.0))

    def forward(self, x):
        return x + self.alpha * sinusoids(x.shape[1], x.shape[2], x)


class MultiHeadedAttention(nn.Module):
    def __init__(self, heads: int, d: int):
        super().__init__()
        self.h, self.d_k = heads, d // heads
        self.linear_q, self.linear_k, self.linear_v, self.linear_out = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x):
        b, t, d = x.shape
        split = lambda y: y.reshape(b, t, self.h, self.d_k).transpose(1, 2)
        q, k, v = split(self.linear_q(x)), split(self.linear_k(x)), split(self.linear_v(x))
        att = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d_k), dim=-1)
        return self.linear_out(torch.matmul(att, v).transpose(1, 2).reshape(b, t, d))


class MultiLayeredConv1d(nn.Module):
    """The feed-forward: conv(k) → exact GELU → conv(k), over time."""

    def __init__(self, d: int, units: int, k: int):
        super().__init__()
        self.w_1 = nn.Conv1d(d, units, k, padding=(k - 1) // 2)
        self.w_2 = nn.Conv1d(units, d, k, padding=(k - 1) // 2)

    def forward(self, x):
        return self.w_2(F.gelu(self.w_1(x.transpose(1, 2)))).transpose(1, 2)


class EncoderLayer(nn.Module):
    """Pre-norm block (normalize_before=True, concat_after=False)."""

    def __init__(self, d: int, heads: int, k: int, units: int):
        super().__init__()
        self.self_attn = MultiHeadedAttention(heads, d)
        self.feed_forward = MultiLayeredConv1d(d, units, k)
        self.norm1, self.norm2 = LayerNorm(d), LayerNorm(d)

    def forward(self, x):
        x = x + self.self_attn(self.norm1(x))
        return x + self.feed_forward(self.norm2(x))


class Encoder(nn.Module):
    """ESPnet Encoder as EmotiVoice builds it for both `encoder` and `decoder`."""

    def __init__(self, d: int, heads: int, layers: int, k: int, units: int):
        super().__init__()
        self.embed = nn.Sequential(ScaledPositionalEncoding())
        self.encoders = nn.Sequential(*(EncoderLayer(d, heads, k, units) for _ in range(layers)))
        self.after_norm = LayerNorm(d)

    def forward(self, x):
        return self.after_norm(self.encoders(self.embed(x)))


class ConvPredictor(nn.Module):
    """VariancePredictor / DurationPredictor: [conv → ReLU → LayerNorm(ch) → dropout] × n, then Linear(·, 1)."""

    def __init__(self, idim: int, layers: int, ch: int, k: int):
        super().__init__()
        self.conv = nn.ModuleList(
            nn.Sequential(nn.Conv1d(idim if i == 0 else ch, ch, k, padding=(k - 1) // 2), nn.ReLU(), LayerNorm(ch, dim=1), nn.Dropout(0.0))
            for i in range(layers))
        self.linear = nn.Linear(ch, 1)

    def forward(self, x):                 # [B, T, idim] → [B, T]
        x = x.transpose(1, 2)
        for f in self.conv:
            x = f(x)
        return self.linear(x.transpose(1, 2)).squeeze(-1)


class AlignmentModule(nn.Module):
    """Training-only aligner (text/feature convs); here for the checkpoint's keys, never run."""

    def __init__(self, adim: int, odim: int):
        super().__init__()
        self.t_conv1 = nn.Conv1d(adim, adim, 3, padding=1)
        self.t_conv2 = nn.Conv1d(adim, adim, 1)
        self.f_conv1 = nn.Conv1d(odim, adim, 3, padding=1)
        self.f_conv2 = nn.Conv1d(adim, adim, 3, padding=1)
        self.f_conv3 = nn.Conv1d(adim, adim, 1)


class PromptTTS(nn.Module):
    def __init__(self, c: EVConfig, n_vocab: int, n_speaker: int):
        super().__init__()
        h, units = c.hidden, c.hidden * 4    # linear_units = 4 × hidden, fixed in model_open_source.py
        self.encoder = Encoder(h, c.heads, c.encoder_layers, c.ffn_kernel, units)
        self.decoder = Encoder(h, c.heads, c.decoder_layers, c.ffn_kernel, units)
        self.duration_predictor = ConvPredictor(h, c.duration_layers, c.variance_hidden, c.duration_kernel)
        self.pitch_predictor = ConvPredictor(h, c.pitch_layers, c.variance_hidden, c.variance_kernel)
        k = c.variance_embed_kernel
        self.pitch_embed = nn.Sequential(nn.Conv1d(1, h, k, padding=(k - 1) // 2), nn.Dropout(0.0))
        self.energy_predictor = ConvPredictor(h, c.energy_layers, c.variance_hidden, c.energy_kernel)
        self.energy_embed = nn.Sequential(nn.Conv1d(1, h, k, padding=(k - 1) // 2), nn.Dropout(0.0))
        self.alignment_module = AlignmentModule(h, c.n_mels)
        self.to_mel = nn.Linear(h, c.n_mels)
        self.spk_tokenizer = nn.Embedding(n_speaker, h)
        self.src_word_emb = nn.Embedding(n_vocab, h)
        self.embed_projection1 = nn.Linear(h * 2 + c.bert_embedding * 2, h)

    def encode(self, ids):
        """phoneme ids [B, T] → encoder output [B, T, H]."""
        return self.encoder(self.src_word_emb(ids.long()))

    def adapt(self, x, speaker_embedding, style_embedding, content_embedding):
        """Encoder output + conditioning → (log durations, pitch, energy, hidden + pitch/energy embeddings).
        `speaker_embedding` is the spk_tokenizer row of the speaker id ([B, H])."""
        b, t, _ = x.shape
        cond = torch.cat([speaker_embedding, style_embedding, content_embedding], dim=-1)
        x = self.embed_projection1(torch.cat([x, cond.unsqueeze(1).expand(b, t, cond.shape[-1])], dim=-1))
        pitch, energy = self.pitch_predictor(x), self.energy_predictor(x)
        log_d = self.duration_predictor(x)
        x = x + self.pitch_embed(pitch.unsqueeze(1)).transpose(1, 2) + self.energy_embed(energy.unsqueeze(1)).transpose(1, 2)
        return log_d, pitch, energy, x

    def decode(self, frames):
        """Upsampled hidden [B, F, H] → mel [B, F, n_mels] (EmotiVoice's dec_outputs, frames first)."""
        return self.to_mel(self.decoder(frames))

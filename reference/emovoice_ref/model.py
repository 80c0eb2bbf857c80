"""The five exported modules (docs/model-manifest.md): text encoder, style encoder, acoustic encoder
(variance adaptor), acoustic decoder and HiFi-GAN vocoder. Only ONNX ops TensorRT's parser supports;
no data-dependent shapes inside a module (length regulation is on the host, see pipeline.py)."""
import math

import torch
from torch import nn
from torch.nn import functional as F

from .config import ModelConfig
from .symbols import SYMBOLS


def sinusoid(x: torch.Tensor) -> torch.Tensor:
    """Sinusoidal positions for x [B, T, H], computed from T so the length stays dynamic."""
    h = x.shape[-1]
    pos = torch.arange(x.shape[1], device=x.device, dtype=x.dtype).unsqueeze(1)
    idx = torch.arange(0, h, 2, device=x.device, dtype=x.dtype)
    freq = torch.exp(idx * (-math.log(10000.0) / h))
    ang = pos * freq
    pe = torch.stack([torch.sin(ang), torch.cos(ang)], dim=-1).reshape(x.shape[1], h)
    return x + pe.unsqueeze(0)


class SelfAttention(nn.Module):
    def __init__(self, h: int, heads: int):
        super().__init__()
        self.heads, self.d = heads, h // heads
        self.qkv = nn.Linear(h, 3 * h)
        self.out = nn.Linear(h, h)

    def forward(self, x):
        b, t, h = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.reshape(b, t, self.heads, self.d).transpose(1, 2)
        k = k.reshape(b, t, self.heads, self.d).transpose(1, 2)
        v = v.reshape(b, t, self.heads, self.d).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.d), dim=-1)
        return self.out((att @ v).transpose(1, 2).reshape(b, t, h))


class FFTBlock(nn.Module):
    """FastSpeech feed-forward Transformer block: self-attention + conv FFN, post-norm."""

    def __init__(self, h: int, heads: int, kernel: int, mult: int):
        super().__init__()
        self.att = SelfAttention(h, heads)
        self.n1 = nn.LayerNorm(h)
        self.c1 = nn.Conv1d(h, h * mult, kernel, padding=kernel // 2)
        self.c2 = nn.Conv1d(h * mult, h, 1)
        self.n2 = nn.LayerNorm(h)

    def forward(self, x):
        x = self.n1(x + self.att(x))
        y = self.c2(F.relu(self.c1(x.transpose(1, 2)))).transpose(1, 2)
        return self.n2(x + y)


class TextEncoder(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.emb = nn.Embedding(len(SYMBOLS), c.hidden, padding_idx=0)
        self.blocks = nn.ModuleList(FFTBlock(c.hidden, c.heads, c.ffn_kernel, c.ffn_mult) for _ in range(c.text_layers))

    def forward(self, phoneme_ids):
        x = sinusoid(self.emb(phoneme_ids))
        for b in self.blocks:
            x = b(x)
        return x


class StyleEncoder(nn.Module):
    """Reference log-mel [B, T, n_mels] → speaker and emotion embeddings (conv stack + mean pooling)."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        ch = c.style_channels
        self.convs = nn.ModuleList([nn.Conv1d(c.n_mels, ch, 5, padding=2), nn.Conv1d(ch, ch, 5, padding=2), nn.Conv1d(ch, ch, 5, padding=2)])
        self.spk = nn.Linear(ch, c.spk_dim)
        self.emo = nn.Linear(ch, c.emo_dim)

    def forward(self, ref_mel):
        x = ref_mel.transpose(1, 2)
        for conv in self.convs:
            x = F.relu(conv(x))
        pooled = x.mean(dim=2)
        return torch.tanh(self.spk(pooled)), torch.tanh(self.emo(pooled))


class Conditioning(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.spk = nn.Linear(c.spk_dim, c.hidden)
        self.emo = nn.Linear(c.emo_dim, c.hidden)

    def forward(self, x, spk, emo):
        return x + (self.spk(spk) + self.emo(emo)).unsqueeze(1)


class VariancePredictor(nn.Module):
    def __init__(self, h: int, ch: int, bias: float = 0.0):
        super().__init__()
        self.c1 = nn.Conv1d(h, ch, 3, padding=1)
        self.n1 = nn.LayerNorm(ch)
        self.c2 = nn.Conv1d(ch, ch, 3, padding=1)
        self.n2 = nn.LayerNorm(ch)
        self.proj = nn.Linear(ch, 1)
        nn.init.normal_(self.proj.weight, std=0.02)
        nn.init.constant_(self.proj.bias, bias)

    def forward(self, x):
        y = self.n1(F.relu(self.c1(x.transpose(1, 2))).transpose(1, 2))
        y = self.n2(F.relu(self.c2(y.transpose(1, 2))).transpose(1, 2))
        return self.proj(y).squeeze(-1)


class AcousticEncoder(nn.Module):
    """FastSpeech2 variance adaptor up to the length regulator: durations, pitch, energy → adapted hidden."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        self.cond = Conditioning(c)
        self.duration = VariancePredictor(c.hidden, c.predictor_channels, bias=math.log(1 + 5.0))  # ~5 frames/phoneme
        self.pitch = VariancePredictor(c.hidden, c.predictor_channels)
        self.energy = VariancePredictor(c.hidden, c.predictor_channels)
        self.pitch_emb = nn.Conv1d(1, c.hidden, 3, padding=1)
        self.energy_emb = nn.Conv1d(1, c.hidden, 3, padding=1)

    def forward(self, text_hidden, speaker_embedding, emotion_embedding):
        h = self.cond(text_hidden, speaker_embedding, emotion_embedding)
        log_d = self.duration(h)
        pitch = self.pitch(h)
        energy = self.energy(h)
        adapted = h + self.pitch_emb(pitch.unsqueeze(1)).transpose(1, 2) + self.energy_emb(energy.unsqueeze(1)).transpose(1, 2)
        return log_d, pitch, energy, adapted


class AcousticDecoder(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.cond = Conditioning(c)
        self.blocks = nn.ModuleList(FFTBlock(c.hidden, c.heads, c.ffn_kernel, c.ffn_mult) for _ in range(c.decoder_layers))
        self.proj = nn.Linear(c.hidden, c.n_mels)
        nn.init.constant_(self.proj.bias, -5.0)  # log-mel of quiet speech, so the vocoder sees plausible input

    def forward(self, frame_hidden, speaker_embedding, emotion_embedding):
        x = sinusoid(self.cond(frame_hidden, speaker_embedding, emotion_embedding))
        for b in self.blocks:
            x = b(x)
        return self.proj(x).transpose(1, 2)


class ResBlock(nn.Module):
    def __init__(self, ch: int, kernel: int, dilations):
        super().__init__()
        self.c1 = nn.ModuleList(nn.Conv1d(ch, ch, kernel, dilation=d, padding=(kernel * d - d) // 2) for d in dilations)
        self.c2 = nn.ModuleList(nn.Conv1d(ch, ch, kernel, padding=kernel // 2) for _ in dilations)

    def forward(self, x):
        for a, b in zip(self.c1, self.c2):
            x = x + b(F.leaky_relu(a(F.leaky_relu(x, 0.1)), 0.1))
        return x


class Vocoder(nn.Module):
    """HiFi-GAN generator: mel [B, n_mels, T] → waveform [B, 1, T × hop]."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        ch = c.voc_initial
        self.pre = nn.Conv1d(c.n_mels, ch, 7, padding=3)
        self.ups = nn.ModuleList()
        self.mrf = nn.ModuleList()
        for i, (u, k) in enumerate(zip(c.upsample_rates, c.upsample_kernels)):
            cin, cout = ch // (2**i), ch // (2 ** (i + 1))
            self.ups.append(nn.ConvTranspose1d(cin, cout, k, u, padding=(k - u) // 2))
            self.mrf.append(nn.ModuleList(ResBlock(cout, rk, rd) for rk, rd in zip(c.resblock_kernels, c.resblock_dilations)))
        self.post = nn.Conv1d(ch // (2 ** len(c.upsample_rates)), 1, 7, padding=3)
        # PyTorch's default conv init, not HiFi-GAN's init_weights (normal, std 0.01): untrained, that one
        # gives a near-silent waveform (std ~1e-4), which makes waveform comparisons meaningless. With the
        # default init the output is audible noise (std ~0.03, peak ~0.2 on real-speech mels), tanh-bounded.

    def forward(self, mel):
        x = self.pre(mel)
        for up, blocks in zip(self.ups, self.mrf):
            x = up(F.leaky_relu(x, 0.1))
            x = sum(b(x) for b in blocks) / len(blocks)
        return torch.tanh(self.post(F.leaky_relu(x)))


def build_modules(c: ModelConfig, seed: int) -> dict:
    torch.manual_seed(seed)
    mods = {
        "text_encoder": TextEncoder(c),
        "style_encoder": StyleEncoder(c),
        "acoustic_encoder": AcousticEncoder(c),
        "acoustic_decoder": AcousticDecoder(c),
        "vocoder": Vocoder(c),
    }
    for m in mods.values():
        m.eval()
    return mods


def emotion_table(c: ModelConfig, seed: int, labels) -> dict:
    g = torch.Generator().manual_seed(seed + 7)
    return {l: torch.tanh(torch.randn(c.emo_dim, generator=g)).numpy().astype("float32") for l in labels}

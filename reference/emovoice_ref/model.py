"""The five exported modules of docs/model-manifest.md, following EmotiVoice's module boundaries
(models/prompt_tts_modified/model_open_source.py and models/hifigan/models.py):

- TextEncoder: symbol embedding + ESPnet Transformer encoder (scaled sinusoidal positions, pre-norm
  blocks with a conv feed-forward, after-norm).
- StyleEncoder: reference log-mel -> conv stack -> multi-head attention pooling -> speaker embedding,
  and style-token attention (GST) -> emotion embedding.
- AcousticEncoder: EmotiVoice's conditioning (concat speaker/style, project) and the FastSpeech2
  variance adaptor up to the length regulator (duration, pitch, energy predictors; pitch/energy
  embeddings added).
- AcousticDecoder: the same Transformer over regulated frames, conditioned again, -> mel.
- Vocoder: HiFi-GAN v1 generator (conv_pre, ConvTranspose1d upsampling with MRF resblocks, conv_post, tanh).

Must never: produce a data-dependent output shape (length regulation happens on the host, see
pipeline.py), use ops TensorRT's ONNX parser lacks (no Loop/If, no STFT, no GRU), or depend on
anything but the config and the seed. Weights are random; the initialisation keeps outputs in
plausible ranges (durations 1-20 frames, log-mel around speech levels, waveform inside [-1, 1]).
No padding masks: batch > 1 is padded by the caller, and batch 1 (the reference pipeline) needs none.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

from .config import ModelConfig
from .symbols import SYMBOLS

LN_EPS = 1e-5  # ESPnet uses 1e-12; 1e-5 stays representable when TensorRT runs a LayerNorm in fp16


def positions(t: int, h: int, like: torch.Tensor) -> torch.Tensor:
    """Sinusoidal positions [1, t, h] (sin on even, cos on odd channels), computed from the dynamic length."""
    pos = torch.arange(t, device=like.device, dtype=like.dtype).unsqueeze(1)
    freq = torch.exp(torch.arange(0, h, 2, device=like.device, dtype=like.dtype) * (-math.log(10000.0) / h))
    ang = pos * freq
    return torch.stack([torch.sin(ang), torch.cos(ang)], dim=-1).reshape(1, t, h)


class ScaledPositionalEncoding(nn.Module):
    """ESPnet's ScaledPositionalEncoding: x + alpha * pe (alpha learnable, 1 at init)."""

    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.tensor(1.0))

    def forward(self, x):
        return x + self.alpha * positions(x.shape[1], x.shape[2], x)


class MultiHeadedAttention(nn.Module):
    def __init__(self, h: int, heads: int):
        super().__init__()
        self.heads, self.d = heads, h // heads
        self.linear_q, self.linear_k, self.linear_v = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.linear_out = nn.Linear(h, h)

    def forward(self, x):
        b, t, h = x.shape
        split = lambda y: y.reshape(b, t, self.heads, self.d).transpose(1, 2)
        q, k, v = split(self.linear_q(x)), split(self.linear_k(x)), split(self.linear_v(x))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.d), dim=-1)
        return self.linear_out((att @ v).transpose(1, 2).reshape(b, t, h))


class ConvFeedForward(nn.Module):
    """ESPnet MultiLayeredConv1d: conv(k) -> GELU -> conv(k)."""

    def __init__(self, h: int, units: int, kernel: int):
        super().__init__()
        self.w_1 = nn.Conv1d(h, units, kernel, padding=(kernel - 1) // 2)
        self.w_2 = nn.Conv1d(units, h, kernel, padding=(kernel - 1) // 2)

    def forward(self, x):
        return self.w_2(F.gelu(self.w_1(x.transpose(1, 2)))).transpose(1, 2)


class EncoderLayer(nn.Module):
    """Pre-norm Transformer block (normalize_before=True, concat_after=False)."""

    def __init__(self, h: int, heads: int, kernel: int, mult: int):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(h, eps=LN_EPS), nn.LayerNorm(h, eps=LN_EPS)
        self.self_attn = MultiHeadedAttention(h, heads)
        self.feed_forward = ConvFeedForward(h, h * mult, kernel)

    def forward(self, x):
        x = x + self.self_attn(self.norm1(x))
        return x + self.feed_forward(self.norm2(x))


class Transformer(nn.Module):
    """ESPnet Encoder as EmotiVoice uses it for both its encoder and its decoder."""

    def __init__(self, c: ModelConfig, layers: int):
        super().__init__()
        self.embed = ScaledPositionalEncoding()
        self.encoders = nn.ModuleList(EncoderLayer(c.hidden, c.heads, c.ffn_kernel, c.ffn_mult) for _ in range(layers))
        self.after_norm = nn.LayerNorm(c.hidden, eps=LN_EPS)

    def forward(self, x):
        x = self.embed(x)
        for layer in self.encoders:
            x = layer(x)
        return self.after_norm(x)


def xavier_init(module: nn.Module):
    """EmotiVoice's initialize(model, "xavier_uniform"): xavier weights, zero biases (embeddings keep N(0, 1))."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class TextEncoder(nn.Module):
    """phoneme_ids [B, T] int32 -> text_hidden [B, T, hidden]."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        self.src_word_emb = nn.Embedding(len(SYMBOLS), c.hidden, padding_idx=0)
        self.encoder = Transformer(c, c.text_layers)
        xavier_init(self.encoder)

    def forward(self, phoneme_ids):
        return self.encoder(self.src_word_emb(phoneme_ids))


class AttentionPool(nn.Module):
    """Multi-head attention pooling over time with learned queries: [B, T, C] -> [B, D]. No recurrence,
    so any reference length works without a Loop."""

    def __init__(self, c_in: int, d: int, heads: int):
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.query = nn.Parameter(torch.randn(heads, self.dh) / math.sqrt(self.dh))
        self.key, self.value = nn.Linear(c_in, d), nn.Linear(c_in, d)

    def forward(self, x):
        b, t, _ = x.shape
        k = self.key(x).reshape(b, t, self.heads, self.dh)
        v = self.value(x).reshape(b, t, self.heads, self.dh)
        w = torch.softmax((k * self.query).sum(-1) / math.sqrt(self.dh), dim=1)  # [B, T, heads]
        return (w.unsqueeze(-1) * v).sum(1).reshape(b, self.heads * self.dh)


class StyleTokens(nn.Module):
    """GST: the pooled reference attends over learned style tokens (token_num, ref_n_heads)."""

    def __init__(self, d: int, tokens: int, heads: int):
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.embed = nn.Parameter(torch.randn(tokens, d) * 0.5)
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x):
        b = x.shape[0]
        tok = torch.tanh(self.embed)
        q = self.query(x).reshape(b, self.heads, 1, self.dh)
        k = self.key(tok).reshape(-1, self.heads, self.dh).transpose(0, 1)  # [heads, N, dh]
        v = self.value(tok).reshape(-1, self.heads, self.dh).transpose(0, 1)
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.dh), dim=-1)  # [B, heads, 1, N]
        return (w @ v).reshape(b, self.heads * self.dh)


class StyleEncoder(nn.Module):
    """ref_mel [B, T_ref, n_mels] -> speaker_embedding [B, spk_dim], emotion_embedding [B, emo_dim]."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        chans = (c.n_mels,) + tuple(c.style_filters)
        k = c.style_kernel
        self.convs = nn.ModuleList(nn.Conv1d(a, b, k, stride=s, padding=(k - 1) // 2)
                                   for a, b, s in zip(chans[:-1], chans[1:], c.style_strides))
        self.norms = nn.ModuleList(nn.LayerNorm(b, eps=LN_EPS) for b in chans[1:])
        self.pool = AttentionPool(chans[-1], c.style_dim, c.style_heads)
        self.tokens = StyleTokens(c.style_dim, c.style_tokens, c.style_heads)
        self.spk = nn.Linear(c.style_dim, c.spk_dim)
        self.emo = nn.Linear(c.style_dim, c.emo_dim)
        xavier_init(self)

    def forward(self, ref_mel):
        x = ref_mel.transpose(1, 2)
        for conv, norm in zip(self.convs, self.norms):
            x = norm(F.relu(conv(x)).transpose(1, 2)).transpose(1, 2)
        pooled = self.pool(x.transpose(1, 2))
        return self.spk(pooled), torch.tanh(self.emo(self.tokens(pooled)))


class Conditioning(nn.Module):
    """EmotiVoice's embed_projection1: concat(x, speaker, style) along channels, then a linear layer."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        self.proj = nn.Linear(c.hidden + c.spk_dim + c.emo_dim, c.hidden)

    def forward(self, x, spk, emo):
        b, t, _ = x.shape
        s = spk.unsqueeze(1).expand(b, t, spk.shape[-1])
        e = emo.unsqueeze(1).expand(b, t, emo.shape[-1])
        return self.proj(torch.cat([x, s, e], dim=-1))


class VariancePredictor(nn.Module):
    """ESPnet Duration/VariancePredictor: n x (conv -> ReLU -> LayerNorm over channels) -> linear."""

    def __init__(self, h: int, ch: int, layers: int, kernel: int, bias: float, spread: float):
        super().__init__()
        self.conv = nn.ModuleList(nn.Conv1d(h if i == 0 else ch, ch, kernel, padding=(kernel - 1) // 2) for i in range(layers))
        self.norm = nn.ModuleList(nn.LayerNorm(ch, eps=LN_EPS) for _ in range(layers))
        self.linear = nn.Linear(ch, 1)
        self.bias, self.spread = bias, spread

    def init_head(self):
        # LayerNorm'd features are ~N(0, 1) per channel: this puts the output at bias ± spread (1 sigma)
        nn.init.normal_(self.linear.weight, std=self.spread / math.sqrt(self.linear.in_features))
        nn.init.constant_(self.linear.bias, self.bias)

    def forward(self, x):
        x = x.transpose(1, 2)
        for conv, norm in zip(self.conv, self.norm):
            x = norm(F.relu(conv(x)).transpose(1, 2)).transpose(1, 2)
        return self.linear(x.transpose(1, 2)).squeeze(-1)


class AcousticEncoder(nn.Module):
    """(text_hidden, speaker, emotion) -> log_durations, pitch, energy [B, T]; adapted_hidden [B, T, hidden]."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        h, ch, k, ek = c.hidden, c.predictor_channels, c.predictor_kernel, c.variance_embed_kernel
        self.cond = Conditioning(c)
        # log(1 + d): centred on 5 frames per phoneme, ±35 % per sigma -> 1..20 frames in practice
        self.duration_predictor = VariancePredictor(h, ch, c.duration_layers, k, bias=math.log(1 + 5.0), spread=0.3)
        self.pitch_predictor = VariancePredictor(h, ch, c.pitch_layers, k, bias=0.0, spread=0.5)
        self.energy_predictor = VariancePredictor(h, ch, c.energy_layers, k, bias=0.0, spread=0.5)
        self.pitch_embed = nn.Conv1d(1, h, ek, padding=(ek - 1) // 2)
        self.energy_embed = nn.Conv1d(1, h, ek, padding=(ek - 1) // 2)
        xavier_init(self)
        for p in (self.duration_predictor, self.pitch_predictor, self.energy_predictor):
            p.init_head()

    def forward(self, text_hidden, speaker_embedding, emotion_embedding):
        x = self.cond(text_hidden, speaker_embedding, emotion_embedding)
        log_d = self.duration_predictor(x)
        pitch = self.pitch_predictor(x)
        energy = self.energy_predictor(x)
        p_emb = self.pitch_embed(pitch.unsqueeze(1)).transpose(1, 2)
        e_emb = self.energy_embed(energy.unsqueeze(1)).transpose(1, 2)
        return log_d, pitch, energy, x + p_emb + e_emb


class AcousticDecoder(nn.Module):
    """(frame_hidden [B, T_mel, hidden], speaker, emotion) -> mel [B, n_mels, T_mel]. EmotiVoice's decoder
    takes the regulated frames only; the contract also feeds the conditioning here, so it is added the
    same way as before the variance adaptor."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        self.cond = Conditioning(c)
        self.decoder = Transformer(c, c.decoder_layers)
        self.to_mel = nn.Linear(c.hidden, c.n_mels)
        xavier_init(self)
        # after_norm features are ~N(0, 1): log-mel around -5 ± 1.5, the range of real speech at 16 kHz
        nn.init.normal_(self.to_mel.weight, std=1.5 / math.sqrt(c.hidden))
        nn.init.constant_(self.to_mel.bias, -5.0)

    def forward(self, frame_hidden, speaker_embedding, emotion_embedding):
        x = self.decoder(self.cond(frame_hidden, speaker_embedding, emotion_embedding))
        return self.to_mel(x).transpose(1, 2)


LRELU_SLOPE = 0.1


class ResBlock1(nn.Module):
    def __init__(self, ch: int, kernel: int, dilations):
        super().__init__()
        self.convs1 = nn.ModuleList(nn.Conv1d(ch, ch, kernel, dilation=d, padding=(kernel * d - d) // 2) for d in dilations)
        self.convs2 = nn.ModuleList(nn.Conv1d(ch, ch, kernel, padding=(kernel - 1) // 2) for _ in dilations)

    def forward(self, x):
        for c1, c2 in zip(self.convs1, self.convs2):
            x = x + c2(F.leaky_relu(c1(F.leaky_relu(x, LRELU_SLOPE)), LRELU_SLOPE))
        return x


class Vocoder(nn.Module):
    """HiFi-GAN generator: mel [B, n_mels, T] -> waveform [B, 1, T x prod(upsample_rates)]."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        ch = c.voc_initial
        self.num_kernels = len(c.resblock_kernels)
        self.conv_pre = nn.Conv1d(c.n_mels, ch, 7, padding=3)
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        for i, (u, k) in enumerate(zip(c.upsample_rates, c.upsample_kernels)):
            cout = ch // (2 ** (i + 1))
            self.ups.append(nn.ConvTranspose1d(ch // (2**i), cout, k, u, padding=(k - u) // 2))
            self.resblocks.extend(ResBlock1(cout, rk, rd) for rk, rd in zip(c.resblock_kernels, c.resblock_dilations))
        self.conv_post = nn.Conv1d(ch // (2 ** len(c.upsample_rates)), 1, 7, padding=3)
        # PyTorch's default conv init, not HiFi-GAN's init_weights (normal, std 0.01): untrained, that one
        # gives a near-silent waveform (std ~1e-4), which makes waveform comparisons meaningless. With the
        # default init the output is audible noise, tanh-bounded. Each conv_post kernel row is made
        # zero-sum so the untrained output has no DC offset (leaky-ReLU features have positive means).
        with torch.no_grad():
            self.conv_post.weight -= self.conv_post.weight.mean(dim=2, keepdim=True)
            self.conv_post.bias.zero_()

    def forward(self, mel):
        x = self.conv_pre(mel)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, LRELU_SLOPE))
            blocks = self.resblocks[i * self.num_kernels : (i + 1) * self.num_kernels]
            x = sum(b(x) for b in blocks) / self.num_kernels
        return torch.tanh(self.conv_post(F.leaky_relu(x)))


MODULES = {
    "text_encoder": TextEncoder,
    "style_encoder": StyleEncoder,
    "acoustic_encoder": AcousticEncoder,
    "acoustic_decoder": AcousticDecoder,
    "vocoder": Vocoder,
}


def build_modules(c: ModelConfig, seed: int) -> dict:
    """Each module from its own seed (seed + 1000 * index), so changing one module leaves the others' weights alone."""
    mods = {}
    for i, (name, cls) in enumerate(MODULES.items()):
        torch.manual_seed(seed + 1000 * i)
        mods[name] = cls(c).eval()
    return mods


def emotion_table(c: ModelConfig, seed: int, labels) -> dict:
    """Fixed emotion vectors (emotions.npz), in the style encoder's tanh range."""
    g = torch.Generator().manual_seed(seed + 7)
    return {l: torch.tanh(torch.randn(c.emo_dim, generator=g)).numpy().astype("float32") for l in labels}

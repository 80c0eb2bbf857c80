"""Sizes of EmotiVoice's real inference graph, and the small `tiny` used in CI.

`base` is EmotiVoice's released model as read from github.com/netease-youdao/EmotiVoice (bc2de8c):
- config/joint/config.yaml (`model:`): encoder/decoder 4 layers, 8 heads, 384 wide, conv FFN kernel 3
  (linear_units = 4 × hidden in model_open_source.py); bert_embedding 768; speaker_embed_dim 384 is not
  read by the graph: the speaker table (spk_tokenizer) is encoder_n_hidden wide;
  variance_n_hidden 384, variance_n_layers 3 (pitch), variance_kernel_size 3, variance_embed_kernel_size 9;
  duration_n_layers 2, duration_kernel_size 3; the energy predictor is 2 layers, kernel 3 (hard-coded);
  HiFi-GAN resblock "1", initial_channel 80, upsample_initial_channel 512, upsample [8, 8, 2, 2] with
  kernels [16, 16, 4, 4], resblock kernels [3, 7, 11] × dilations [1, 3, 5]; top-level n_mels 80.
- config/joint/config.py: bert_hidden_size 768, style_dim 128, 16 kHz, hop 256; the label lists
  (tokenlist 502, speaker2 2014 names, emotion 7, pitch/energy/speed 3 each) are read at start-up, so the
  table sizes come from the user's files, not from here.
- simbert (WangZeJun/simbert-base-chinese, config.json): BERT-base, 12 layers, 12 heads, 768 wide,
  3072 intermediate, 512 positions, 2 token types, 13,685 word pieces, exact GELU, LayerNorm eps 1e-12.

A user's checkpoint brings its own config.json and config.yaml; `from_checkout()` reads them, so these
numbers are defaults and the `base` key/shape test, never a guess made at export time.
"""
import json
import os
from dataclasses import asdict, dataclass, field, replace

import yaml


@dataclass(frozen=True)
class BertConfig:
    """The subset of a Hugging Face BERT config.json that the style/content encoder needs."""
    vocab_size: int = 13685
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_act: str = "gelu"

    @staticmethod
    def from_json(path: str) -> "BertConfig":
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        known = {k: d[k] for k in BertConfig.__dataclass_fields__ if k in d}
        c = BertConfig(**known)
        if c.hidden_act != "gelu":
            raise ValueError(f"{path}: hidden_act {c.hidden_act!r}: only exact GELU ('gelu') is implemented")
        return c

    def to_json(self) -> dict:
        return {"architectures": ["BertModel"], "model_type": "bert", **asdict(self),
                "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
                "pad_token_id": 0}


@dataclass(frozen=True)
class EVConfig:
    """The joint acoustic model + HiFi-GAN generator (JETSGenerator) and the style encoder heads."""
    name: str
    # acoustic model (PromptTTS): ESPnet Transformer encoder/decoder
    hidden: int = 384
    heads: int = 8
    encoder_layers: int = 4
    decoder_layers: int = 4
    ffn_kernel: int = 3
    bert_embedding: int = 768       # the pooled width the projection expects (= BERT hidden size)
    # variance adaptor
    variance_hidden: int = 384
    pitch_layers: int = 3
    variance_kernel: int = 3
    variance_embed_kernel: int = 9
    duration_layers: int = 2
    duration_kernel: int = 3
    energy_layers: int = 2          # hard-coded in model_open_source.py
    energy_kernel: int = 3
    # HiFi-GAN generator
    upsample_rates: tuple = (8, 8, 2, 2)
    upsample_kernels: tuple = (16, 16, 4, 4)
    upsample_initial: int = 512
    resblock_kernels: tuple = (3, 7, 11)
    resblock_dilations: tuple = ((1, 3, 5), (1, 3, 5), (1, 3, 5))
    # style encoder heads (simbert.py StyleEncoder)
    style_dim: int = 128
    # audio (config/joint/config.py)
    n_mels: int = 80
    sample_rate: int = 16000
    n_fft: int = 1024
    hop: int = 256
    win_length: int = 1024
    fmin: int = 0
    fmax: int = 8000
    clamp_min: float = 1e-5
    # GaussianUpsampling(delta=0.1); DurationPredictor(offset=1.0)
    gaussian_delta: float = 0.1
    duration_offset: float = 1.0
    bert: BertConfig = field(default_factory=BertConfig)
    # largest shapes the profiles allow; the `max` reference cases sit here (bert_len: BERT's 512 positions)
    limits: dict = field(default_factory=lambda: {"text_len": 256, "mel_len": 2048, "bert_len": 512})

    def with_bert(self, b: BertConfig) -> "EVConfig":
        lim = dict(self.limits, bert_len=min(self.limits["bert_len"], b.max_position_embeddings))
        return replace(self, bert=b, bert_embedding=b.hidden_size, limits=lim)


BASE = EVConfig(name="base")

# Small enough that the export (5 ONNX files + references) stays a few MB; same structure, so every key
# pattern of the real checkpoints exists here too (including the 3-entry dilation lists of ResBlock1).
TINY = EVConfig(
    name="tiny", hidden=32, heads=2, encoder_layers=2, decoder_layers=2, bert_embedding=32, variance_hidden=32, pitch_layers=3,
    upsample_rates=(8, 8, 4), upsample_kernels=(16, 16, 8), upsample_initial=32,
    resblock_kernels=(3, 5), resblock_dilations=((1, 3, 5), (1, 3, 5)), style_dim=16,
    bert=BertConfig(vocab_size=0, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=64, max_position_embeddings=512),
    limits={"text_len": 128, "mel_len": 1024, "bert_len": 512},
)

CONFIGS = {"tiny": TINY, "base": BASE}


def from_joint_yaml(path: str, base: EVConfig = BASE) -> EVConfig:
    """Sizes from an EmotiVoice config/joint/config.yaml (the `model:` section and top-level n_mels)."""
    with open(path, encoding="utf-8") as f:
        d = yaml.safe_load(f) or {}
    m = d.get("model") or {}
    pick = lambda key, default: m.get(key, default)
    if pick("encoder_n_hidden", base.hidden) != pick("decoder_n_hidden", base.hidden):
        raise ValueError(f"{path}: encoder_n_hidden and decoder_n_hidden differ; the decoder reads the encoder's width")
    if str(pick("resblock", "1")) != "1":
        raise ValueError(f"{path}: resblock {pick('resblock', '1')!r}: only HiFi-GAN ResBlock1 (EmotiVoice's) is implemented")
    if pick("initial_channel", 80) != d.get("n_mels", base.n_mels):
        raise ValueError(f"{path}: HiFi-GAN initial_channel {pick('initial_channel', 80)} != n_mels {d.get('n_mels')}")
    if pick("postnet_layers", 0) != 0 or pick("lang_embed_dim", 0) != 0:
        raise ValueError(f"{path}: postnet_layers/lang_embed_dim are not 0; EmotiVoice's released graph has neither")
    return replace(
        base,
        hidden=pick("encoder_n_hidden", base.hidden), heads=pick("encoder_n_heads", base.heads),
        encoder_layers=pick("encoder_n_layers", base.encoder_layers), decoder_layers=pick("decoder_n_layers", base.decoder_layers),
        ffn_kernel=pick("encoder_kernel_size_conv_mod", base.ffn_kernel),
        bert_embedding=pick("bert_embedding", base.bert_embedding),
        variance_hidden=pick("variance_n_hidden", base.variance_hidden), pitch_layers=pick("variance_n_layers", base.pitch_layers),
        variance_kernel=pick("variance_kernel_size", base.variance_kernel),
        variance_embed_kernel=pick("variance_embed_kernel_size", base.variance_embed_kernel),
        duration_layers=pick("duration_n_layers", base.duration_layers), duration_kernel=pick("duration_kernel_size", base.duration_kernel),
        upsample_rates=tuple(pick("upsample_rates", base.upsample_rates)),
        upsample_kernels=tuple(pick("upsample_kernel_sizes", base.upsample_kernels)),
        upsample_initial=pick("upsample_initial_channel", base.upsample_initial),
        resblock_kernels=tuple(pick("resblock_kernel_sizes", base.resblock_kernels)),
        resblock_dilations=tuple(tuple(x) for x in pick("resblock_dilation_sizes", base.resblock_dilations)),
        n_mels=d.get("n_mels", base.n_mels),
    )


def joint_yaml(c: EVConfig) -> dict:
    """The `model:` section (and n_mels) of config/joint/config.yaml for config `c`: what a checkout holds."""
    return {
        "sr": c.sample_rate, "n_fft": c.n_fft, "hop_length": c.hop, "win_length": c.win_length, "window": "hann",
        "fmin": c.fmin, "fmax": None, "n_mels": c.n_mels, "segment_size": 32,
        "model": {
            "speaker_embed_dim": c.hidden, "bert_embedding": c.bert_embedding, "lang_embed_dim": 0,
            "encoder_n_layers": c.encoder_layers, "encoder_n_heads": c.heads, "encoder_n_hidden": c.hidden,
            "encoder_p_dropout": 0.2, "encoder_kernel_size_conv_mod": c.ffn_kernel,
            "decoder_n_layers": c.decoder_layers, "decoder_n_heads": c.heads, "decoder_n_hidden": c.hidden,
            "decoder_p_dropout": 0.2, "decoder_kernel_size_conv_mod": c.ffn_kernel,
            "variance_n_hidden": c.variance_hidden, "variance_n_layers": c.pitch_layers,
            "variance_kernel_size": c.variance_kernel, "variance_p_dropout": 0.1,
            "variance_embed_kernel_size": c.variance_embed_kernel, "variance_embde_p_dropout": 0.0,
            "duration_p_dropout": 0.5, "duration_n_layers": c.duration_layers, "duration_kernel_size": c.duration_kernel,
            "postnet_layers": 0, "resblock": "1", "upsample_rates": list(c.upsample_rates),
            "upsample_kernel_sizes": list(c.upsample_kernels), "initial_channel": c.n_mels,
            "upsample_initial_channel": c.upsample_initial, "resblock_kernel_sizes": list(c.resblock_kernels),
            "resblock_dilation_sizes": [list(x) for x in c.resblock_dilations], "r": 1,
        },
    }

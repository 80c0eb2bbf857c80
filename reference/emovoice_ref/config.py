"""Model sizes. `base` is EmotiVoice's published configuration; `tiny` keeps the same audio contract and
the same module structure with small layers, so tests and the out-of-the-box demo stay fast.

Where the `base` numbers come from (github.com/netease-youdao/EmotiVoice):
- config/joint/config.py: sampling_rate 16_000; filter_length 1024, hop_length 256, win_length 1024,
  window "hann"; n_mel_channels 80, mel_fmin 0, mel_fmax 8000; style_dim 128; bert_hidden_size 768.
- config/joint/config.yaml (`model:`): encoder/decoder 4 layers, 8 heads, 384 hidden,
  kernel_size_conv_mod 3; speaker_embed_dim 384; bert_embedding 768; variance_n_hidden 384,
  variance_n_layers 3, variance_kernel_size 3, variance_embed_kernel_size 9, duration_n_layers 2,
  duration_kernel_size 3; ref_enc_filters [32, 32, 64, 64, 128, 128], ref_enc_size 3,
  ref_enc_strides [1, 2, 1, 2, 1], token_num 32, ref_n_heads 4; HiFi-GAN generator resblock "1",
  upsample_rates [8, 8, 2, 2], upsample_kernel_sizes [16, 16, 4, 4], upsample_initial_channel 512,
  resblock_kernel_sizes [3, 7, 11], resblock_dilation_sizes [[1, 3, 5]] * 3.
- models/prompt_tts_modified/model_open_source.py: FFN linear_units = 4 × hidden; energy predictor
  2 layers (hard-coded); pre-norm ESPnet Transformer blocks; speaker table width = encoder hidden (384);
  the style (prompt) embedding is simbert's 768-dim pooled output -> emotion_embedding is 768 wide.
The style encoder here is a reference-audio encoder (EmotiVoice conditions on a text prompt instead);
its sizes reuse EmotiVoice's reference-encoder settings (ref_enc_*, token_num, ref_n_heads, style_dim).
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModelConfig:
    name: str
    # text encoder / acoustic decoder (ESPnet Transformer, pre-norm, conv FFN)
    hidden: int
    heads: int
    text_layers: int
    decoder_layers: int
    ffn_kernel: int
    ffn_mult: int
    # conditioning widths
    spk_dim: int
    emo_dim: int
    # style encoder: conv stack over the reference log-mel, attention pooling, style tokens
    style_filters: tuple
    style_strides: tuple
    style_kernel: int
    style_dim: int
    style_heads: int
    style_tokens: int
    # variance adaptor
    predictor_channels: int
    predictor_kernel: int
    duration_layers: int
    pitch_layers: int
    energy_layers: int
    variance_embed_kernel: int
    # HiFi-GAN generator
    voc_initial: int
    upsample_rates: tuple
    upsample_kernels: tuple
    resblock_kernels: tuple
    resblock_dilations: tuple
    # audio (EmotiVoice config/joint/config.py)
    sample_rate: int = 16000
    n_fft: int = 1024
    hop: int = 256
    win_length: int = 1024
    n_mels: int = 80
    fmin: int = 0
    fmax: int = 8000
    clamp_min: float = 1e-5
    # the largest shapes the bundled build profiles allow; the `max` reference cases sit exactly here
    limits: dict = field(default_factory=lambda: {"text_len": 128, "ref_frames": 626, "mel_len": 1024})


TINY = ModelConfig(
    name="tiny", hidden=64, heads=2, text_layers=2, decoder_layers=2, ffn_kernel=3, ffn_mult=2,
    spk_dim=64, emo_dim=32,
    style_filters=(32, 32, 64, 64), style_strides=(1, 2, 1, 2), style_kernel=3, style_dim=64, style_heads=2,
    style_tokens=8,
    predictor_channels=64, predictor_kernel=3, duration_layers=2, pitch_layers=2, energy_layers=2,
    variance_embed_kernel=9,
    voc_initial=64, upsample_rates=(8, 8, 4), upsample_kernels=(16, 16, 8), resblock_kernels=(3, 7),
    resblock_dilations=((1, 3), (1, 3)),
)

BASE = ModelConfig(
    name="base", hidden=384, heads=8, text_layers=4, decoder_layers=4, ffn_kernel=3, ffn_mult=4,
    spk_dim=384, emo_dim=768,
    style_filters=(32, 32, 64, 64, 128, 128), style_strides=(1, 2, 1, 2, 1, 1), style_kernel=3, style_dim=128,
    style_heads=4, style_tokens=32,
    predictor_channels=384, predictor_kernel=3, duration_layers=2, pitch_layers=3, energy_layers=2,
    variance_embed_kernel=9,
    voc_initial=512, upsample_rates=(8, 8, 2, 2), upsample_kernels=(16, 16, 4, 4), resblock_kernels=(3, 7, 11),
    resblock_dilations=((1, 3, 5), (1, 3, 5), (1, 3, 5)),
    limits={"text_len": 256, "ref_frames": 626, "mel_len": 2048},
)

CONFIGS = {"tiny": TINY, "base": BASE}

"""Model sizes. `base` follows EmotiVoice's published configuration (16 kHz audio, 80 mels, n_fft/win
1024, hop 256, fmax 8000; 384-dim FastSpeech2-style encoder/decoder; HiFi-GAN v1 vocoder:
upsample rates 8,8,2,2, kernels 16,16,4,4, 512 initial channels, resblock kernels 3,7,11 with
dilations 1,3,5) as recalled from its config files; `tiny` keeps the same audio contract with small
layers so tests and the out-of-the-box demo stay fast."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModelConfig:
    name: str
    hidden: int
    heads: int
    text_layers: int
    decoder_layers: int
    ffn_kernel: int
    ffn_mult: int
    spk_dim: int
    emo_dim: int
    style_channels: int
    predictor_channels: int
    voc_initial: int
    upsample_rates: tuple
    upsample_kernels: tuple
    resblock_kernels: tuple
    resblock_dilations: tuple
    sample_rate: int = 16000
    n_fft: int = 1024
    hop: int = 256
    win_length: int = 1024
    n_mels: int = 80
    fmin: float = 0.0
    fmax: float = 8000.0
    clamp_min: float = 1e-5
    limits: dict = field(default_factory=lambda: {"text_len": 128, "ref_frames": 626, "mel_len": 1024})


TINY = ModelConfig(
    name="tiny", hidden=64, heads=2, text_layers=2, decoder_layers=2, ffn_kernel=3, ffn_mult=2,
    spk_dim=64, emo_dim=32, style_channels=64, predictor_channels=64, voc_initial=64,
    upsample_rates=(8, 8, 4), upsample_kernels=(16, 16, 8), resblock_kernels=(3, 7), resblock_dilations=((1, 3), (1, 3)),
)

BASE = ModelConfig(
    name="base", hidden=384, heads=2, text_layers=4, decoder_layers=4, ffn_kernel=9, ffn_mult=4,
    spk_dim=384, emo_dim=384, style_channels=256, predictor_channels=256, voc_initial=512,
    upsample_rates=(8, 8, 2, 2), upsample_kernels=(16, 16, 4, 4), resblock_kernels=(3, 7, 11),
    resblock_dilations=((1, 3, 5), (1, 3, 5), (1, 3, 5)),
    limits={"text_len": 256, "ref_frames": 626, "mel_len": 2048},
)

CONFIGS = {"tiny": TINY, "base": BASE}

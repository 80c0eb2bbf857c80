"""EmotiVoice's two released models as PyTorch modules with the checkpoints' key names, and the five
exportable pieces of its inference graph (inference_am_vocoder_joint.py):

  style_encoder     BERT ids/types/mask → pooled 768        (run twice: the prompt, the sentence text)
  text_encoder      phoneme ids → encoder output
  acoustic_encoder  encoder output + speaker row + style + content → log durations, pitch, energy, hidden
  (gaussian)        durations and Gaussian upsampling       (host step, or in acoustic_decoder: see export)
  acoustic_decoder  frame hidden → mel                       (decoder + to_mel, mels first for the vocoder)
  vocoder           mel → waveform                           (HiFi-GAN, weight norm folded)

The speaker id → row lookup (`am.spk_tokenizer`) is the host's `lookup` step over speaker_table.npy.
"""
import torch
from torch import nn

from .acoustic import PromptTTS
from .bert import StyleEncoder
from .config import EVConfig
from .gaussian import upsample_torch
from .hifigan import Generator


class JETSGenerator(nn.Module):
    """models/prompt_tts_modified/jets.py: the joint acoustic model + vocoder, `g_*`['generator']."""

    def __init__(self, c: EVConfig, n_vocab: int, n_speaker: int):
        super().__init__()
        self.am = PromptTTS(c, n_vocab, n_speaker)
        self.generator = Generator(c)


class BertPooled(nn.Module):
    """input_ids, token_type_ids, attention_mask [B, L] int32 → pooled_output [B, hidden]."""

    def __init__(self, style: StyleEncoder):
        super().__init__()
        self.bert = style.bert

    def forward(self, input_ids, token_type_ids, attention_mask):
        return self.bert(input_ids, token_type_ids, attention_mask)


class TextEncoder(nn.Module):
    """phoneme_ids [B, T] int32 → text_hidden [B, T, H]."""

    def __init__(self, g: JETSGenerator):
        super().__init__()
        self.am = g.am

    def forward(self, phoneme_ids):
        return self.am.encode(phoneme_ids)


class AcousticEncoder(nn.Module):
    """text_hidden, speaker_embedding [B, H], style_embedding, content_embedding [B, 768]
    → log_durations, pitch, energy [B, T], adapted_hidden [B, T, H]."""

    def __init__(self, g: JETSGenerator):
        super().__init__()
        self.am = g.am

    def forward(self, text_hidden, speaker_embedding, style_embedding, content_embedding):
        return self.am.adapt(text_hidden, speaker_embedding, style_embedding, content_embedding)


class AcousticDecoder(nn.Module):
    """frame_hidden [B, F, H] → mel [B, n_mels, F]."""

    def __init__(self, g: JETSGenerator):
        super().__init__()
        self.am = g.am

    def forward(self, frame_hidden):
        return self.am.decode(frame_hidden).transpose(1, 2)


class UpsamplingDecoder(nn.Module):
    """Gaussian upsampling inside the engine, then the decoder: adapted_hidden [B, T, H], durations
    [B, T] int32 (the host's frames per phoneme, guarded) and frame_times [B, F] float32 (0 … F−1: the
    frame count travels in its shape, so the output shape is never data-dependent) → mel [B, n_mels, F]."""

    def __init__(self, g: JETSGenerator, delta: float):
        super().__init__()
        self.am, self.delta = g.am, delta

    def forward(self, adapted_hidden, durations, frame_times):
        d = durations.to(adapted_hidden.dtype)
        c = torch.cumsum(d, dim=-1) - d / 2
        e = -self.delta * (frame_times.unsqueeze(-1) - c.unsqueeze(1)) ** 2
        frames = torch.matmul(torch.softmax(e, dim=-1), adapted_hidden)
        return self.am.decode(frames).transpose(1, 2)


class Vocoder(nn.Module):
    """mel [B, n_mels, F] → waveform [B, 1, F · hop]; the generator must be folded first."""

    def __init__(self, g: JETSGenerator):
        super().__init__()
        self.generator = g.generator

    def forward(self, mel):
        return self.generator(mel)


def speaker_table(g: JETSGenerator):
    """The speaker embedding table [n_speaker, H] float32 (am.spk_tokenizer.weight)."""
    return g.am.spk_tokenizer.weight.detach().float().numpy().copy()


__all__ = ["JETSGenerator", "StyleEncoder", "BertPooled", "TextEncoder", "AcousticEncoder", "AcousticDecoder",
           "UpsamplingDecoder", "Vocoder", "speaker_table", "upsample_torch"]

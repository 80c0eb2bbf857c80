"""Host-side length regulation and the whole PyTorch pipeline (the contract the TypeScript synth follows)."""
import numpy as np
import torch


def durations_from_log(log_d: torch.Tensor, max_frames: int = 50, min_frames: int = 1) -> torch.Tensor:
    """clamp(round(exp(log_d) - 1), min, max) as int32 frame counts."""
    return round_durations(torch.exp(log_d) - 1, max_frames, min_frames)


def round_durations(d: torch.Tensor, max_frames: int = 50, min_frames: int = 1) -> torch.Tensor:
    """clamp(round(d), min, max); torch.round rounds half to even, as the TS side does."""
    return torch.clamp(torch.round(d), min_frames, max_frames).to(torch.int32)


def regulate_length(hidden: torch.Tensor, durations: torch.Tensor) -> torch.Tensor:
    """hidden [1, T, H], durations [T] → frame_hidden [1, sum(d), H] (repeat each phoneme's vector)."""
    return torch.repeat_interleave(hidden[0], durations.long(), dim=0).unsqueeze(0)


@torch.no_grad()
def run_pipeline(mods, phoneme_ids: np.ndarray, ref_mel: np.ndarray, emotion=None, lr=(50, 1)):
    """phoneme_ids [1, T] int32, ref_mel [1, frames, n_mels] → every intermediate as numpy."""
    out = {"phoneme_ids": phoneme_ids, "ref_mel": ref_mel}
    spk, emo = mods["style_encoder"](torch.from_numpy(ref_mel))
    if emotion is not None:
        emo = torch.from_numpy(emotion)[None]
    th = mods["text_encoder"](torch.from_numpy(phoneme_ids))
    log_d, pitch, energy, adapted = mods["acoustic_encoder"](th, spk, emo)
    d = durations_from_log(log_d[0], *lr)
    fh = regulate_length(adapted, d)
    mel = mods["acoustic_decoder"](fh, spk, emo)
    wav = mods["vocoder"](mel)
    out.update(text_hidden=th, speaker_embedding=spk, emotion_embedding=emo, log_durations=log_d, pitch=pitch,
               energy=energy, adapted_hidden=adapted, durations=d, frame_hidden=fh, mel=mel, waveform=wav)
    return {k: (v.numpy() if isinstance(v, torch.Tensor) else v) for k, v in out.items()}

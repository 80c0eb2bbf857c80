"""EmotiVoice's HiFi-GAN generator (models/hifigan/models.py, ResBlock1) with its checkpoint's keys.

Every conv is weight-normalised. The released g_* checkpoint predates torch's parametrizations, so
its keys are `<conv>.weight_g` / `<conv>.weight_v`; a fine-tune saved by current torch has
`<conv>.parametrizations.weight.original0` / `original1` (the same g and v). WNConv keeps the first
naming in its state_dict and accepts the second on load. `fold_weight_norm()` replaces each conv by a
plain one with w = g · v / ‖v‖ (norm over all dims but 0, as torch's weight_norm(dim=0) does) before export.
"""
import torch
from torch import nn
from torch.nn import functional as F

from .config import EVConfig

LRELU_SLOPE = 0.1
_PARAMETRIZED = {"parametrizations.weight.original0": "weight_g", "parametrizations.weight.original1": "weight_v"}


def padding(k: int, dilation: int = 1) -> int:
    return (k * dilation - dilation) // 2


class WNConv(nn.Module):
    """A weight-normalised Conv1d / ConvTranspose1d: parameters weight_g, weight_v, bias."""

    def __init__(self, conv: nn.Module):
        super().__init__()
        self.kind = type(conv)
        self.opts = {k: getattr(conv, k) for k in ("stride", "padding", "dilation", "groups")}
        if isinstance(conv, nn.ConvTranspose1d):
            self.opts["output_padding"] = conv.output_padding
        w = conv.weight.detach()
        # registration order = state_dict order: bias, weight_g, weight_v, as torch's weight_norm leaves it
        self.bias = nn.Parameter(conv.bias.detach().clone())
        self.weight_g = nn.Parameter(w.flatten(1).norm(dim=1).reshape(-1, *([1] * (w.dim() - 1))).clone())
        self.weight_v = nn.Parameter(w.clone())

    def weight(self) -> torch.Tensor:
        v = self.weight_v
        return self.weight_g * v / v.flatten(1).norm(dim=1).reshape(-1, *([1] * (v.dim() - 1)))

    def forward(self, x):
        f = F.conv_transpose1d if self.kind is nn.ConvTranspose1d else F.conv1d
        return f(x, self.weight(), self.bias, **self.opts)

    def folded(self) -> nn.Module:
        w = self.weight().detach()
        if self.kind is nn.ConvTranspose1d:
            conv = nn.ConvTranspose1d(w.shape[0], w.shape[1] * self.opts["groups"], w.shape[2], **self.opts)
        else:
            conv = nn.Conv1d(w.shape[1] * self.opts["groups"], w.shape[0], w.shape[2], **self.opts)
        with torch.no_grad():
            conv.weight.copy_(w)
            conv.bias.copy_(self.bias.detach())
        return conv

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for new, old in _PARAMETRIZED.items():   # current torch's naming → the released one
            if prefix + new in state_dict and prefix + old not in state_dict:
                state_dict[prefix + old] = state_dict.pop(prefix + new)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def conv1d(cin, cout, k, dilation=1, pad=None):
    return WNConv(nn.Conv1d(cin, cout, k, 1, padding=padding(k, dilation) if pad is None else pad, dilation=dilation))


class ResBlock1(nn.Module):
    def __init__(self, ch: int, k: int, dilations: tuple):
        super().__init__()
        self.convs1 = nn.ModuleList(conv1d(ch, ch, k, d) for d in dilations)
        self.convs2 = nn.ModuleList(conv1d(ch, ch, k, 1) for _ in dilations)

    def forward(self, x):
        for c1, c2 in zip(self.convs1, self.convs2):
            x = x + c2(F.leaky_relu(c1(F.leaky_relu(x, LRELU_SLOPE)), LRELU_SLOPE))
        return x


class Generator(nn.Module):
    """mel [B, n_mels, F] → waveform [B, 1, F · prod(upsample_rates)], in [-1, 1] (tanh)."""

    def __init__(self, c: EVConfig):
        super().__init__()
        self.num_kernels = len(c.resblock_kernels)
        self.conv_pre = conv1d(c.n_mels, c.upsample_initial, 7, pad=3)
        self.ups = nn.ModuleList(
            WNConv(nn.ConvTranspose1d(c.upsample_initial // 2 ** i, c.upsample_initial // 2 ** (i + 1), k, u, padding=(k - u) // 2))
            for i, (u, k) in enumerate(zip(c.upsample_rates, c.upsample_kernels)))
        self.resblocks = nn.ModuleList(
            ResBlock1(c.upsample_initial // 2 ** (i + 1), k, d)
            for i in range(len(c.upsample_rates)) for k, d in zip(c.resblock_kernels, c.resblock_dilations))
        self.conv_post = conv1d(c.upsample_initial // 2 ** len(c.upsample_rates), 1, 7, pad=3)

    def forward(self, x):
        x = self.conv_pre(x)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, LRELU_SLOPE))
            blocks = self.resblocks[i * self.num_kernels:(i + 1) * self.num_kernels]
            xs = blocks[0](x)
            for b in blocks[1:]:
                xs = xs + b(x)
            x = xs / self.num_kernels
        return torch.tanh(self.conv_post(F.leaky_relu(x)))   # default slope 0.01 here, as EmotiVoice has it

    def fold_weight_norm(self) -> "Generator":
        """Replace every WNConv by its plain conv (in place); the outputs stay the same."""
        for parent in list(self.modules()):
            for name, child in list(parent.named_children()):
                if isinstance(child, WNConv):
                    setattr(parent, name, child.folded())
        return self

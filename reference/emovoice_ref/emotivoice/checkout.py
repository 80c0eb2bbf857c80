"""EmotiVoice's released checkpoint layout: find the files in a checkout, load them into the models
without key surgery, and (for tests and the committed `tiny`) write a randomly initialised model in
exactly that layout.

The layout is the one EmotiVoice's inference code reads, relative to the checkout (config/joint/config.py
builds every path from the working directory):

  outputs/prompt_tts_open_source_joint/ckpt/g_*   torch.save({'generator': JETSGenerator.state_dict()})
  outputs/style_encoder/ckpt/checkpoint_*         torch.save({'model': DataParallel(StyleEncoder).state_dict(), …})
  WangZeJun/simbert-base-chinese/                 config.json, vocab.txt (pytorch_model.bin optional)
  data/youdao/text/tokenlist                      phoneme symbols, id = line index
  data/youdao/text/speaker2                       speaker names, id = line index
  data/youdao/text/{emotion,pitch,energy,speed}   the style heads' label lists
  config/joint/config.yaml                        model sizes (optional: EmotiVoice's own sizes otherwise)

Loading: the generator strictly, as EmotiVoice does. The style encoder's keys carry DataParallel's
`module.` prefix, which EmotiVoice strips (key[7:]) and so do we; then strictly too, except that
`bert.embeddings.position_ids` (a buffer newer transformers no longer saves) may be missing. EmotiVoice
loads this one with strict=False over a BERT already holding pytorch_model.bin, so a BERT weight the
checkpoint lacks would come from pytorch_model.bin: the same happens here, and it is reported.
"""
import glob
import json
import os
import re
from dataclasses import dataclass, field

import numpy as np
import torch

from .bert import StyleEncoder
from .config import BASE, BertConfig, EVConfig, from_joint_yaml, joint_yaml
from .hifigan import WNConv
from .model import JETSGenerator

GENERATOR_GLOB = "outputs/prompt_tts_open_source_joint/ckpt/g_*"
STYLE_GLOB = "outputs/style_encoder/ckpt/checkpoint_*"
BERT_DIR = "WangZeJun/simbert-base-chinese"
TEXT_DIR = "data/youdao/text"
CONFIG_YAML = "config/joint/config.yaml"
LABEL_LISTS = ("emotion", "pitch", "energy", "speed")
# The style encoder head for each label list (simbert.py StyleEncoder).
HEADS = {"emotion": "emotion_clf", "pitch": "pitch_clf", "energy": "energy_clf", "speed": "speed_clf"}


class CheckoutError(Exception):
    """A problem with the user's files: one line, naming the file and the fix."""

    def __init__(self, message: str, file: str = "", hint: str = ""):
        super().__init__(message)
        self.file, self.hint = file, hint

    def line(self) -> str:
        where = f"{self.file} " if self.file else ""
        fix = f" (fix: {self.hint})" if self.hint else ""
        return f"{where}{self}{fix}"


@dataclass
class Checkout:
    """Where each released file is (absolute paths)."""
    root: str
    generator: str
    style_encoder: str
    bert_dir: str
    tokenlist: str
    speakers: str
    labels: dict
    config_yaml: str | None

    @property
    def vocab(self) -> str:
        return os.path.join(self.bert_dir, "vocab.txt")


def read_list(path: str) -> list[str]:
    """A label list as EmotiVoice reads it: one entry a line, stripped (id = line index)."""
    with open(path, encoding="utf-8") as f:
        return [t.strip() for t in f.read().splitlines()]


def _latest(root: str, pattern: str, what: str) -> str:
    found = [p for p in glob.glob(os.path.join(root, pattern)) if os.path.isfile(p)]
    if not found:
        raise CheckoutError(f"no {what} checkpoint ({pattern})", os.path.join(root, os.path.dirname(pattern)),
                            f"put the released {what} checkpoint there, or pass its path explicitly")
    step = lambda p: int(m.group(1)) if (m := re.search(r"(\d+)$", os.path.basename(p))) else -1
    return max(found, key=lambda p: (step(p), p))   # the highest step, as EmotiVoice's scan_checkpoint picks


def find(root: str, generator: str | None = None, style_encoder: str | None = None, bert_dir: str | None = None,
         tokenlist: str | None = None, speakers: str | None = None) -> Checkout:
    """Locate every file of the layout under `root`; explicit paths override single files."""
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise CheckoutError("is not a folder", root, "give the EmotiVoice checkout (the folder holding outputs/, data/ and WangZeJun/)")
    text = os.path.join(root, TEXT_DIR)
    c = Checkout(
        root=root,
        generator=os.path.abspath(generator) if generator else _latest(root, GENERATOR_GLOB, "joint acoustic model + vocoder (g_*)"),
        style_encoder=os.path.abspath(style_encoder) if style_encoder else _latest(root, STYLE_GLOB, "style encoder (checkpoint_*)"),
        bert_dir=os.path.abspath(bert_dir) if bert_dir else os.path.join(root, BERT_DIR),
        tokenlist=os.path.abspath(tokenlist) if tokenlist else os.path.join(text, "tokenlist"),
        speakers=os.path.abspath(speakers) if speakers else os.path.join(text, "speaker2"),
        labels={k: os.path.join(text, k) for k in LABEL_LISTS},
        config_yaml=os.path.join(root, CONFIG_YAML) if os.path.isfile(os.path.join(root, CONFIG_YAML)) else None,
    )
    for what, path, hint in [("the joint generator checkpoint", c.generator, "check --generator"),
                             ("the style encoder checkpoint", c.style_encoder, "check --style-encoder"),
                             ("simbert's config.json", os.path.join(c.bert_dir, "config.json"), "copy WangZeJun/simbert-base-chinese into the checkout, or pass --bert DIR"),
                             ("simbert's vocab.txt", c.vocab, "copy WangZeJun/simbert-base-chinese into the checkout, or pass --bert DIR"),
                             ("the tokenlist", c.tokenlist, f"it is {TEXT_DIR}/tokenlist in an EmotiVoice checkout"),
                             ("the speaker list", c.speakers, f"it is {TEXT_DIR}/speaker2 (or a fine-tune's info/speaker: pass --speakers)")] + \
                            [(f"the {k} label list", p, f"it is {TEXT_DIR}/{k} in an EmotiVoice checkout") for k, p in c.labels.items()]:
        if not os.path.isfile(path):
            raise CheckoutError(f"{what} is missing", path, hint)
    return c


# What torch.load(weights_only=True) itself rebuilds: tensors, storages, containers. A pickle that names
# other globals really holds Python objects beyond tensors; only then is --trust-checkpoint the advice.
_TENSOR_GLOBALS = ("torch.", "collections.OrderedDict", "collections.Counter", "builtins.set", "builtins.frozenset", "_codecs.encode")


def _pickle_globals(data: bytes):
    """The module.name globals a pickle stream references; ValueError if it is not a whole pickle."""
    import pickletools
    names, strings = [], []
    for op, arg, _pos in pickletools.genops(data):  # raises on a malformed or truncated stream
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
            strings = (strings + [arg])[-2:]
        elif op.name == "GLOBAL":
            names.append(arg.replace(" ", "."))
        elif op.name == "STACK_GLOBAL" and len(strings) == 2:
            names.append(".".join(strings))
    return names


def _checkpoint_objects(path: str):
    """None for a file that is not a whole torch.save() checkpoint; else the globals beyond tensors it names."""
    import zipfile
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                pkl = [n for n in z.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
                if not pkl:
                    return None
                data = z.read(pkl[0])
        else:
            with open(path, "rb") as f:
                data = f.read()
            if not data.startswith(b"\x80"):  # a legacy torch.save() file starts with a pickle protocol byte
                return None
        names = _pickle_globals(data)
    except Exception:  # noqa: BLE001 - a file that cannot be walked is corrupt, whatever the reason
        return None
    return sorted({n for n in names if not n.startswith(_TENSOR_GLOBALS)})


def _torch_load(path: str, trust: bool):
    try:
        return torch.load(path, map_location="cpu", weights_only=not trust)
    except Exception as e:  # noqa: BLE001 - every unreadable file is the same user problem
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        objects = _checkpoint_objects(path)
        if objects is None:
            raise CheckoutError("is corrupt or not a checkpoint: not a whole torch.save() file (truncated, damaged, or another format)",
                                path, "copy the checkpoint again from its source; is it a torch.save() file?") from None
        if not trust and objects:
            raise CheckoutError(f"holds Python objects beyond tensors ({', '.join(objects[:3])}), which a weights-only load refuses",
                                path, "if you trust this file, re-run with --trust-checkpoint") from None
        raise CheckoutError(f"cannot read the checkpoint: {first[:200]}", path, "is it a torch.save() file?") from None


def _expect(sd: dict, key: str, path: str):
    if not isinstance(sd, dict) or key not in sd:
        keys = list(sd)[:5] if isinstance(sd, dict) else type(sd).__name__
        raise CheckoutError(f"holds no '{key}' entry (found {keys})", path,
                            f"EmotiVoice saves {{'{key}': state_dict}}; is this the right file?")
    return sd[key]


def _check_keys(missing, unexpected, path, allowed_missing=()):
    missing = [k for k in missing if k not in allowed_missing]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {', '.join(unexpected[:3])})")
        raise CheckoutError(f"keys do not match EmotiVoice's model: {'; '.join(parts)}", path,
                            "the sizes come from config/joint/config.yaml, simbert's config.json and the label lists: "
                            "use the files this checkpoint was trained with")


def _shape_errors(model: torch.nn.Module, sd: dict, path: str):
    own = model.state_dict()
    for k, v in sd.items():
        # a current-torch HiFi-GAN key is checked against the released name it loads into
        name = k.replace("parametrizations.weight.original0", "weight_g").replace("parametrizations.weight.original1", "weight_v")
        if name in own and tuple(own[name].shape) != tuple(v.shape):
            raise CheckoutError(f"{k} has shape {tuple(v.shape)}, the model expects {tuple(own[name].shape)}", path,
                                "the sizes come from config/joint/config.yaml, simbert's config.json and the label lists "
                                "(tokenlist, speaker list): use the files this checkpoint was trained with")


@dataclass
class Loaded:
    config: EVConfig
    generator: JETSGenerator
    style: StyleEncoder
    tokens: list
    speakers: list
    labels: dict
    notes: list = field(default_factory=list)


def load(c: Checkout, trust: bool = False) -> Loaded:
    """Both models from the checkout, in eval mode, weight norm still in place."""
    try:
        bert = BertConfig.from_json(os.path.join(c.bert_dir, "config.json"))
    except (ValueError, KeyError, json.JSONDecodeError) as e:
        raise CheckoutError(f"unreadable BERT config: {e}", os.path.join(c.bert_dir, "config.json"), "use simbert's config.json") from None
    try:
        cfg = from_joint_yaml(c.config_yaml) if c.config_yaml else BASE
    except ValueError as e:
        raise CheckoutError(str(e).split(": ", 1)[-1], c.config_yaml, "EmotiVoice's config/joint/config.yaml describes the released graph") from None
    cfg = cfg.with_bert(bert)
    tokens, speakers = read_list(c.tokenlist), read_list(c.speakers)
    labels = {k: read_list(p) for k, p in c.labels.items()}
    notes = []

    g = JETSGenerator(cfg, len(tokens), len(speakers))
    gsd = _expect(_torch_load(c.generator, trust), "generator", c.generator)
    _shape_errors(g, gsd, c.generator)
    r = g.load_state_dict(gsd, strict=False)
    _check_keys(r.missing_keys, r.unexpected_keys, c.generator)

    s = StyleEncoder(bert, len(labels["pitch"]), len(labels["speed"]), len(labels["energy"]), len(labels["emotion"]), cfg.style_dim)
    ssd = _expect(_torch_load(c.style_encoder, trust), "model", c.style_encoder)
    ssd = {(k[7:] if k.startswith("module.") else k): v for k, v in ssd.items()}
    if "style_embed_proj.weight" in ssd and ssd["style_embed_proj.weight"].shape[0] != cfg.style_dim:
        s.style_embed_proj = torch.nn.Linear(bert.hidden_size, ssd["style_embed_proj.weight"].shape[0])
    bert_missing = [k for k in s.state_dict() if k.startswith("bert.") and k not in ssd and k != "bert.embeddings.position_ids"]
    if bert_missing:
        bin_path = os.path.join(c.bert_dir, "pytorch_model.bin")
        if not os.path.isfile(bin_path):
            raise CheckoutError(f"the style encoder checkpoint lacks {len(bert_missing)} BERT weights (e.g. {bert_missing[0]}) "
                                "and simbert's pytorch_model.bin is not there to supply them", c.style_encoder,
                                f"copy pytorch_model.bin into {c.bert_dir}")
        base = _torch_load(bin_path, trust)
        base = {re.sub(r"^bert\.", "", k): v for k, v in base.items()}
        for k in bert_missing:
            if k[5:] not in base:
                raise CheckoutError(f"neither checkpoint has {k}", bin_path, "use simbert's own pytorch_model.bin")
            ssd[k] = base[k[5:]]
        notes.append(f"{len(bert_missing)} BERT weights came from {bin_path} (the style encoder checkpoint lacks them)")
    _shape_errors(s, ssd, c.style_encoder)
    r = s.load_state_dict(ssd, strict=False)
    _check_keys(r.missing_keys, r.unexpected_keys, c.style_encoder, allowed_missing=("bert.embeddings.position_ids",))
    for k, head in HEADS.items():
        n = getattr(s, head).classifier.out_features
        if n != len(labels[k]):
            raise CheckoutError(f"{len(labels[k])} labels but the checkpoint's {head} has {n} outputs", c.labels[k], "use the label list the style encoder was trained with")
    return Loaded(cfg, g.eval(), s.eval(), tokens, speakers, labels, notes)


# ---------------------------------------------------------------- a random model in the released layout

def init_random(g: JETSGenerator, s: StyleEncoder | None, seed: int):
    """Random weights the way each model initialises (EmotiVoice's xavier_uniform for the acoustic model,
    N(0, 0.01) HiFi-GAN convs, N(0, 0.02) BERT), plus one adjustment so that random speech is plausible:
    the duration predictor's output layer predicts about 2–8 frames a phoneme instead of 0 or 50."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in g.am.parameters():    # modules/initialize.py: xavier_uniform for dim > 1, zero biases
            if p.dim() > 1:
                torch.nn.init.xavier_uniform_(p, generator=gen)
            elif p.dim() == 1:
                p.zero_()
        for m in g.am.modules():
            if isinstance(m, torch.nn.Embedding):
                m.weight.normal_(0, 1, generator=gen)
            elif isinstance(m, torch.nn.LayerNorm):
                m.weight.fill_(1.0), m.bias.zero_()
        lin = g.am.duration_predictor.linear
        lin.weight.mul_(0.5)
        lin.bias.fill_(float(np.log(1 + 3.5)))
        for m in g.generator.modules():
            if isinstance(m, WNConv):
                m.weight_v.normal_(0, 0.01 if m is not g.generator.conv_pre else 0.05, generator=gen)
                m.weight_g.copy_(m.weight_v.flatten(1).norm(dim=1).reshape(m.weight_g.shape))
                m.bias.uniform_(-0.01, 0.01, generator=gen)
        # a quiet but audible random vocoder: HiFi-GAN at N(0, 0.01) gives ~1e-6; scale the output conv
        post = g.generator.conv_post
        post.weight_g.mul_(3000.0)
        if s is None:
            return
        for p in s.parameters():
            p.normal_(0, 0.02, generator=gen) if p.dim() > 1 else p.zero_()
        for m in s.modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.fill_(1.0), m.bias.zero_()
        s.bert.embeddings.word_embeddings.weight[0].zero_()   # padding_idx


def write_checkout(root: str, cfg: EVConfig, vocab: list, tokens: list, speakers: list, labels: dict, seed: int,
                   parametrized: bool = False, position_ids: bool = True) -> Checkout:
    """A randomly initialised EmotiVoice in the released layout under `root`: both checkpoints (the style
    encoder's with DataParallel's `module.` prefix), simbert's config.json and vocab.txt, the tokenlist,
    speaker list and label lists, and config/joint/config.yaml. `parametrized` writes the HiFi-GAN keys
    as current torch names them; `position_ids=False` leaves out the buffer newer transformers drop."""
    import yaml
    bert = BertConfig(**{**cfg.bert.__dict__, "vocab_size": len(vocab)})
    cfg = cfg.with_bert(bert)
    g = JETSGenerator(cfg, len(tokens), len(speakers))
    s = StyleEncoder(bert, len(labels["pitch"]), len(labels["speed"]), len(labels["energy"]), len(labels["emotion"]), cfg.style_dim)
    init_random(g, s, seed)
    gsd = g.state_dict()
    if parametrized:
        gsd = {k.replace(".weight_g", ".parametrizations.weight.original0").replace(".weight_v", ".parametrizations.weight.original1"): v
               for k, v in gsd.items()}
    ssd = {"module." + k: v for k, v in s.state_dict().items() if position_ids or k != "bert.embeddings.position_ids"}
    paths = {"generator": os.path.join(root, GENERATOR_GLOB.replace("*", "00000000")),
             "style": os.path.join(root, STYLE_GLOB.replace("*", "000000"))}
    for p in paths.values():
        os.makedirs(os.path.dirname(p), exist_ok=True)
    torch.save({"generator": gsd}, paths["generator"])
    torch.save({"model": ssd, "iteration": 0}, paths["style"])
    bdir = os.path.join(root, BERT_DIR)
    os.makedirs(bdir, exist_ok=True)
    with open(os.path.join(bdir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(bert.to_json(), f, indent=2)
    text = os.path.join(root, TEXT_DIR)
    os.makedirs(text, exist_ok=True)
    for path, items in [(os.path.join(bdir, "vocab.txt"), vocab), (os.path.join(text, "tokenlist"), tokens),
                        (os.path.join(text, "speaker2"), speakers)] + [(os.path.join(text, k), v) for k, v in labels.items()]:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(items) + "\n")
    os.makedirs(os.path.join(root, os.path.dirname(CONFIG_YAML)), exist_ok=True)
    with open(os.path.join(root, CONFIG_YAML), "w", encoding="utf-8") as f:
        yaml.safe_dump(joint_yaml(cfg), f, sort_keys=False, allow_unicode=True)
    return find(root)

"""Split a Piper (VITS) voice into emovoice modules: `text_encoder` (with the stochastic duration
predictor), host length regulation, `flow` (its noise drawn on the host) and `vocoder` (HiFi-GAN).

The cut tensors are found by the graph's structure, never by node names alone:
  - the ids, lengths and scales inputs by dtype and rank; each scale by the index its Gather takes
    (0 noise_scale, 1 length_scale, 2 noise_w: Piper's export convention);
  - the durations by the single Ceil: Ceil(Mul(Mul(Exp(logw), x_mask), length_scale));
  - the two RandomNormalLike draws by the scale that multiplies them (noise_w: the duration predictor's,
    noise_scale: the prior's z_p = m + noise * exp(logs) * noise_scale, which feeds the flow);
  - the phoneme-rate prior (m_p, logs_p) behind the length-regulation MatMuls;
  - the vocoder's input as the data input of the decoder's first Conv (the Conv before the first
    ConvTranspose), its output as the tensor under the graph output's trailing Unsqueeze.
A voice without that structure is refused with a message saying which part is missing.

Reference outputs come from the UNSPLIT original (every cut tensor added as an extra output) on fixed
inputs with noise_scale = noise_w = 0; the split modules, run with zero host noise and the host length
regulation, must reproduce it within 1e-5 relative L2 or nothing is written.

    python -m emovoice_ref.piper_import voice.onnx --out models/joe [--config voice.onnx.json] [--cases cases.json]
Exit 0 ok, 2 the voice is not a Piper VITS graph this importer understands (one `error:` line), 1 the
split did not reproduce the original.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime as ort
import yaml
from onnx import TensorProto, helper, numpy_helper

FAMILY = "piper-vits"
FRONTEND = "espeak-piper"
TOLERANCE = 1e-5
# Piper's id conventions (piper-phonemize): sentence start, end, and the pad put between phonemes.
BOS, EOS, PAD = "^", "$", "_"

# Data-dependent ops: an output shape that depends on the values (NonZero), or a random draw. A module that
# still holds any after the rewrite below is kept off the engine path (engine: false in the manifest).
DATA_DEPENDENT = ("NonZero", "RandomNormalLike", "RandomNormal", "RandomUniformLike", "RandomUniform", "Multinomial")
# Ops the brief watches besides: fine for an engine at static shapes (TensorRT's ONNX parser has
# ScatterND, GatherND and CumSum layers), reported so the manifest says what the module holds.
WATCHED = ("ScatterND", "GatherND", "CumSum")

# Fixed reference inputs: espeak-ng 1.51 (en-us) IPA of fixed sentences, mapped with Piper's conventions.
# `quick` is also the e2e case; the CLI replaces the e2e cases with its own frontend's ids (--cases).
FIXED_IPA = {
    "short": "hə lˈoʊ.",
    "typical": "ðə kwˈɪk bɹˈaʊn fˈɑːks dʒˈʌmps ˌoʊvɚ ðə lˈeɪzi dˈɑːɡ.",
    "long": ("ɪt wʌz ðə bˈɛst ʌv tˈaɪmz, ɪt wʌz ðə wˈɜːst ʌv tˈaɪmz, ɪt wʌz ðɪ ˈeɪdʒ ʌv wˈɪzdəm, "
             "ɪt wʌz ðɪ ˈeɪdʒ ʌv fˈuːlɪʃnəs, ɪt wʌz ðɪ ˈɛpɑːk ʌv bɪlˈiːf."),
}
E2E_TEXT = {"quick": ("The quick brown fox jumps over the lazy dog.", FIXED_IPA["typical"])}


class VoiceError(Exception):
    """The voice is not what the importer understands; the message says what is missing."""


@dataclass
class Cuts:
    ids: str
    lengths: str
    scales: str
    noise_scale: str      # the Gather outputs of scales[0], [1], [2]
    length_scale: str
    noise_w: str
    logw: str             # duration predictor output [b, 1, t]
    dp_noise: str         # RandomNormalLike * noise_w, the duration predictor's noise [b, 2, t]
    m_p: str              # prior mean / log-scale at phoneme rate [b, C, t]
    logs_p: str
    z_p: str              # flow input [b, C, frames]
    y_mask: str           # frame mask [b, 1, frames]
    latent: str           # vocoder input z * y_mask [b, C, frames]
    waveform: str         # decoder output [b, 1, samples]
    output: str           # the graph output
    channels: int
    hop: int


class Graph:
    """Index of a graph: producer and consumers of every tensor, constants by name."""

    def __init__(self, g: onnx.GraphProto):
        self.g = g
        self.producer = {o: n for n in g.node for o in n.output}
        self.consumers = {}
        for n in g.node:
            for i in n.input:
                self.consumers.setdefault(i, []).append(n)
        self.inits = {i.name: i for i in g.initializer}
        self.inputs = [i for i in g.input if i.name not in self.inits]

    def const(self, name):
        if name in self.inits:
            return numpy_helper.to_array(self.inits[name])
        n = self.producer.get(name)
        if n is not None and n.op_type == "Constant":
            return numpy_helper.to_array(n.attribute[0].t)
        return None

    def nodes(self, op):
        return [n for n in self.g.node if n.op_type == op]

    def users(self, name, op=None):
        return [n for n in self.consumers.get(name, []) if op is None or n.op_type == op]

    def made_by(self, name, op):
        n = self.producer.get(name)
        return n if n is not None and n.op_type == op else None

    def depends_on(self, name, target):
        """Whether tensor `name` is computed from tensor `target`."""
        seen, stack = set(), [name]
        while stack:
            t = stack.pop()
            if t == target:
                return True
            if t in seen:
                continue
            seen.add(t)
            n = self.producer.get(t)
            if n is not None:
                stack.extend(i for i in n.input if i)
        return False


def _dims(vi):
    return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]


def _other(node, name):
    rest = [i for i in node.input if i != name]
    return rest[0] if len(rest) == 1 else None


def find_cuts(model: onnx.ModelProto) -> Cuts:
    G = Graph(model.graph)
    ints = [i for i in G.inputs if i.type.tensor_type.elem_type == TensorProto.INT64]
    ids = [i.name for i in ints if len(_dims(i)) == 2]
    lengths = [i.name for i in ints if len(_dims(i)) == 1]
    scales = [i.name for i in G.inputs if i.type.tensor_type.elem_type == TensorProto.FLOAT and _dims(i) == [3]]
    if len(G.inputs) != 3 or not (ids and lengths and scales):
        # an empty or non-ONNX file parses as an empty model: say so, not "this graph has: " and nothing
        names = ", ".join(f"{i.name} {_dims(i)}" for i in G.inputs) or "no inputs (an empty or truncated file, or not an ONNX model?)"
        raise VoiceError(f"expected Piper's three inputs (int64 ids [batch, phonemes], int64 lengths [batch], float scales [3]); "
                         f"this graph has: {names}" + (" (multi-speaker voices, with a speaker-id input, are not supported yet)" if len(G.inputs) > 3 else ""))
    ids, lengths, scales = ids[0], lengths[0], scales[0]

    scale = {}
    for n in G.users(scales, "Gather"):
        k = G.const(n.input[1])
        if k is not None and k.size == 1:
            scale[int(k.reshape(-1)[0])] = n.output[0]
    if sorted(scale) != [0, 1, 2]:
        raise VoiceError(f"expected the scales input to be read as scales[0], [1], [2] (noise_scale, length_scale, noise_w); found indices {sorted(scale)}")
    noise_scale, length_scale, noise_w = scale[0], scale[1], scale[2]

    # Durations: Ceil(Mul(Mul(Exp(logw), x_mask), length_scale))
    ceils = G.nodes("Ceil")
    if len(ceils) != 1:
        raise VoiceError(f"expected one Ceil (the duration rounding ceil(exp(logw) * x_mask * length_scale)); found {len(ceils)}")
    outer = G.made_by(ceils[0].input[0], "Mul")
    inner = G.made_by(_other(outer, length_scale) or "", "Mul") if outer is not None and length_scale in outer.input else None
    exp = next((G.made_by(i, "Exp") for i in (inner.input if inner is not None else []) if G.made_by(i, "Exp")), None)
    if exp is None:
        raise VoiceError("the Ceil does not round exp(logw) * x_mask * length_scale: no duration predictor output found")
    logw = exp.input[0]

    # The two noise draws, told apart by the scale that multiplies them.
    dp_noise, z_p, m_frames, logs_frames = None, None, None, None
    for r in G.nodes("RandomNormalLike"):
        for mul in G.users(r.output[0], "Mul"):
            other = _other(mul, r.output[0])
            if other == noise_w:
                dp_noise = mul.output[0]
            else:
                e = G.made_by(other or "", "Exp")
                nxt = G.users(mul.output[0], "Mul")
                if e is not None and nxt and noise_scale in nxt[0].input:
                    add = G.users(nxt[0].output[0], "Add")
                    if add:
                        z_p, m_frames, logs_frames = add[0].output[0], _other(add[0], nxt[0].output[0]), e.input[0]
    if dp_noise is None:
        raise VoiceError("no RandomNormalLike * noise_w found: this voice has no stochastic duration predictor this importer knows")
    if z_p is None:
        raise VoiceError("no z_p = m + RandomNormalLike * exp(logs) * noise_scale found: the prior sample that feeds the flow is missing")

    def phoneme_rate(frames):
        """Transpose(MatMul(path, Transpose(x))) → x: undo the length regulation's MatMul."""
        t = G.made_by(frames, "Transpose")
        mm = G.made_by(t.input[0], "MatMul") if t is not None else None
        if mm is None:
            raise VoiceError(f"the length regulation before the flow is not the expected Transpose(MatMul(path, Transpose(x))) (at {frames})")
        side = [i for i in mm.input if not G.depends_on(i, ceils[0].output[0])]
        t2 = G.made_by(side[0], "Transpose") if len(side) == 1 else None
        if t2 is None:
            raise VoiceError("the length regulation's MatMul has no phoneme-rate operand independent of the durations")
        return t2.input[0]

    m_p, logs_p = phoneme_rate(m_frames), phoneme_rate(logs_frames)

    # The decoder: its first Conv is the Conv right before the first upsampling ConvTranspose.
    ups = G.nodes("ConvTranspose")
    if not ups:
        raise VoiceError("no ConvTranspose found: this voice has no HiFi-GAN decoder this importer knows")
    t, conv_pre = ups[0].input[0], None
    for _ in range(4):
        n = G.producer.get(t)
        if n is None:
            break
        if n.op_type == "Conv":
            conv_pre = n
            break
        t = n.input[0]
    if conv_pre is None:
        raise VoiceError("no Conv right before the decoder's first ConvTranspose (HiFi-GAN's conv_pre)")
    w = G.const(conv_pre.input[1])
    channels = int(w.shape[1]) if w is not None and w.ndim == 3 else -1
    latent = conv_pre.input[0]
    if not G.depends_on(latent, z_p):
        raise VoiceError("the decoder's first Conv does not read the flow's output")
    if w is None or channels != G_channels(G, m_p):
        raise VoiceError(f"the decoder's first Conv takes {channels} channels, the prior has {G_channels(G, m_p)}")
    mul = G.made_by(latent, "Mul")
    y_mask = next((i for i in (mul.input if mul is not None else []) if not G.depends_on(i, z_p)), None)
    if y_mask is None:
        raise VoiceError("the vocoder input is not the flow output times the frame mask (z * y_mask)")

    hop = 1
    for u in ups:
        s = next((a.ints for a in u.attribute if a.name == "strides"), [1])
        hop *= int(s[0])

    out = model.graph.output[0].name
    waveform = out
    while (n := G.producer.get(waveform)) is not None and n.op_type in ("Unsqueeze", "Reshape", "Squeeze"):
        waveform = n.input[0]
    return Cuts(ids, lengths, scales, noise_scale, length_scale, noise_w, logw, dp_noise, m_p, logs_p,
                z_p, y_mask, latent, waveform, out, channels, hop)


def G_channels(G: Graph, m_p: str) -> int:
    """Channels of the prior: the out-channels of the Conv (proj) that the mean/log-scale Split reads, halved."""
    split = G.made_by(m_p, "Split")
    if split is None:
        return -1
    t = split.input[0]
    for _ in range(3):
        n = G.producer.get(t)
        if n is None:
            return -1
        if n.op_type == "Conv":
            w = G.const(n.input[1])
            return int(w.shape[0]) // 2 if w is not None else -1
        t = n.input[0]
    return -1


def extract(model: onnx.ModelProto, inputs: dict, outputs: dict, prologue: list, name: str, epilogue=()) -> onnx.ModelProto:
    """The subgraph that computes `outputs` (new name → tensor) from `inputs` (new name → (dtype, dims)),
    where `prologue` nodes compute the original tensors the subgraph reads from the new inputs and
    `epilogue` nodes reshape what it computes. Fails if the subgraph would still read an original graph
    input (the cut is incomplete)."""
    G = Graph(model.graph)
    provided = {o for n in prologue for o in n.output} | set(inputs)
    late = {o for n in epilogue for o in n.output}
    wanted = [t for t in outputs.values() if t not in late] + [i for n in epilogue for i in n.input if i not in late]
    keep, seen, stack = set(), set(), wanted
    leaked = set()
    while stack:
        t = stack.pop()
        if t in seen or t in provided or t in G.inits or not t:
            continue
        seen.add(t)
        n = G.producer.get(t)
        if n is None:
            leaked.add(t)
            continue
        keep.add(id(n))
        stack.extend(n.input)
    if leaked:
        raise VoiceError(f"module {name} would still need {sorted(leaked)} beyond its cut; the graph is wired differently from a Piper VITS voice")
    body = [n for n in model.graph.node if id(n) in keep]
    used = {i for n in body + prologue + list(epilogue) for i in n.input}
    inits = [i for i in model.graph.initializer if i.name in used]
    tail = [helper.make_node("Identity", [src], [dst], name=f"emovoice/{dst}") for dst, src in outputs.items()]
    g = helper.make_graph(
        prologue + body + list(epilogue) + tail, name,
        [helper.make_tensor_value_info(k, dt, dims) for k, (dt, dims) in inputs.items()],
        [helper.make_tensor_value_info(k, dt, dims) for k, (dt, dims) in _outputs_spec(outputs, name).items()],
        inits)
    m = helper.make_model(g, opset_imports=list(model.opset_import), producer_name="emovoice piper import")
    m.ir_version = model.ir_version
    return m


_OUTPUT_SPECS = {}


def _outputs_spec(outputs, name):
    return {k: _OUTPUT_SPECS[name][k] for k in outputs}


def _c(name, values, dtype=np.int64):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.array(values, dtype=dtype), name))


def build_modules(model: onnx.ModelProto, c: Cuts) -> dict:
    F, C = TensorProto.FLOAT, c.channels
    p = "emovoice/"
    # text_encoder: int32 ids (TensorRT 8.6 takes no int64 inputs), lengths from the ids' shape (one
    # unpadded sentence per batch row), the duration predictor's noise from the host as two [b, t] draws.
    te_prologue = [
        helper.make_node("Cast", ["phoneme_ids"], [c.ids], to=TensorProto.INT64, name=p + "ids"),
        helper.make_node("Shape", ["phoneme_ids"], [p + "shape"], name=p + "shape"),
        _c(p + "0", [0]), _c(p + "1", [1]), _c(p + "2", [2]),
        helper.make_node("Slice", [p + "shape", p + "1", p + "2"], [p + "text_len"], name=p + "text_len"),
        helper.make_node("Slice", [p + "shape", p + "0", p + "1"], [p + "batch"], name=p + "batch"),
        helper.make_node("Expand", [p + "text_len", p + "batch"], [c.lengths], name=p + "lengths"),
        helper.make_node("Unsqueeze", ["duration_noise_0", p + "1"], [p + "n0"], name=p + "n0"),
        helper.make_node("Unsqueeze", ["duration_noise_1", p + "1"], [p + "n1"], name=p + "n1"),
        helper.make_node("Concat", [p + "n0", p + "n1"], [c.dp_noise], axis=1, name=p + "dp_noise"),
    ]
    _OUTPUT_SPECS["text_encoder"] = {
        "log_durations": (F, ["batch", "text_len"]),
        "prior_mean": (F, ["batch", C, "text_len"]),
        "prior_log_scale": (F, ["batch", C, "text_len"]),
    }
    te = extract(model, {"phoneme_ids": (TensorProto.INT32, ["batch", "text_len"]),
                         "duration_noise_0": (F, ["batch", "text_len"]),
                         "duration_noise_1": (F, ["batch", "text_len"])},
                 {"log_durations": p + "logw", "prior_mean": c.m_p, "prior_log_scale": c.logs_p},
                 te_prologue, "text_encoder",
                 epilogue=[helper.make_node("Squeeze", [c.logw, p + "1"], [p + "logw"], name=p + "logw")])

    # flow: z_p = m + noise * exp(logs) with the noise already scaled on the host; the frame mask is all
    # ones (one unpadded sentence per batch row), built from the frames' shape.
    fl_prologue = [
        helper.make_node("Exp", ["prior_log_scale_frames"], [p + "std"], name=p + "std"),
        helper.make_node("Mul", ["flow_noise", p + "std"], [p + "eps"], name=p + "eps"),
        helper.make_node("Add", ["prior_mean_frames", p + "eps"], [c.z_p], name=p + "z_p"),
        helper.make_node("Shape", ["prior_mean_frames"], [p + "shape"], name=p + "shape"),
        _c(p + "0", [0]), _c(p + "1", [1]), _c(p + "2", [2]), _c(p + "3", [3]),
        helper.make_node("Slice", [p + "shape", p + "0", p + "1"], [p + "batch"], name=p + "batch"),
        helper.make_node("Slice", [p + "shape", p + "2", p + "3"], [p + "frames"], name=p + "frames"),
        helper.make_node("Concat", [p + "batch", p + "1", p + "frames"], [p + "mask_shape"], axis=0, name=p + "mask_shape"),
        helper.make_node("ConstantOfShape", [p + "mask_shape"], [c.y_mask], name=p + "y_mask",
                         value=numpy_helper.from_array(np.array([1.0], dtype=np.float32))),
    ]
    frames = (F, ["batch", C, "frames"])
    _OUTPUT_SPECS["flow"] = {"latent": frames}
    fl = extract(model, {"prior_mean_frames": frames, "prior_log_scale_frames": frames, "flow_noise": frames},
                 {"latent": c.latent}, fl_prologue, "flow")

    _OUTPUT_SPECS["vocoder"] = {"waveform": (F, ["batch", 1, "samples"])}
    vo = extract(model, {"latent": frames}, {"waveform": c.waveform},
                 [helper.make_node("Identity", ["latent"], [c.latent], name=p + "latent")], "vocoder")
    mods = {"text_encoder": te, "flow": fl, "vocoder": vo}
    for name, m in mods.items():
        onnx.checker.check_model(m)
    return mods


def rewrite_text_encoder(mods: dict, id_cases: list, noise_w: float) -> dict:
    """The duration predictor's mask indexing made dense (densify_mask_indexing), kept only if it gives the
    same outputs as the extracted module; else the module stays as extracted (and off the engine path)."""
    te = mods["text_encoder"]
    if not held_ops(te):
        return {"rewritten": 0, "rel_l2": 0.0, "kept": True}
    dense = onnx.ModelProto()
    dense.CopyFrom(te)
    try:
        dense, count = densify_mask_indexing(dense)
    except VoiceError as e:
        return {"rewritten": 0, "error": str(e), "kept": False}
    worst = same_text_encoder(te, dense, id_cases, noise_w)
    ok = worst <= TOLERANCE and not held_ops(dense)
    if ok:
        mods["text_encoder"] = dense
    return {"rewritten": count, "rel_l2": worst, "kept": ok}


def held_ops(m: onnx.ModelProto) -> list:
    return sorted({n.op_type for n in m.graph.node if n.op_type in DATA_DEPENDENT})


def watched_ops(m: onnx.ModelProto) -> list:
    return sorted({n.op_type for n in m.graph.node if n.op_type in WATCHED})


def densify_mask_indexing(model: onnx.ModelProto) -> tuple:
    """PyTorch's boolean-mask indexing, exported as NonZero → GatherND / ScatterND (a shape that depends
    on the values), rewritten as the same computation over every element:
      GatherND(x, nz(mask)) → Reshape(Where(mask, x, 0), [-1, *trailing])   (x as wide as the mask: the
                              positions outside hold 0, a value the dense computation can take, e.g. a
                              spline's bin search; they are thrown away below)
      GatherND(x, nz(mask)) → Reshape(x, [-1, *trailing])                   (x wider than the mask)
      ScatterND(d, nz(mask), Slice(v, 0, count)) → Where(mask, Reshape(v, Shape(d)), d)
    Returns (model, number of rewritten nodes). Raises VoiceError on a pattern it does not know."""
    inferred = onnx.shape_inference.infer_shapes(model)
    rank = {vi.name: len(vi.type.tensor_type.shape.dim)
            for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output)
            if vi.type.tensor_type.HasField("shape")}
    g = model.graph
    G = Graph(g)
    mask_of = {}
    for n in G.nodes("NonZero"):
        for t in G.users(n.output[0], "Transpose"):
            if [a.ints for a in t.attribute if a.name == "perm"] == [[1, 0]]:
                mask_of[t.output[0]] = n.input[0]
    nodes, count, k = [], 0, 0

    def fresh(tag):
        nonlocal k
        k += 1
        return f"emovoice/dense/{tag}_{k}"

    zero = fresh("zero")
    nodes.append(helper.make_node("Constant", [], [zero], value=numpy_helper.from_array(np.array(0.0, np.float32), zero)))
    minus1 = fresh("minus1")
    nodes.append(_c(minus1, [-1]))
    for n in g.node:
        if n.op_type == "GatherND" and n.input[1] in mask_of:
            mask, data = mask_of[n.input[1]], n.input[0]
            rm, rd = rank.get(mask), rank.get(data)
            if rm is None or rd is None or rd < rm or any(a.name == "batch_dims" and a.i for a in n.attribute):
                raise VoiceError(f"cannot rewrite the mask-indexed gather {n.name}: unknown ranks")
            src = data
            if rd == rm:
                src = fresh("masked")
                nodes.append(helper.make_node("Where", [mask, data, zero], [src], name=src))
            full, start, end, tail, shape = fresh("full"), fresh("start"), fresh("end"), fresh("tail"), fresh("shape")
            nodes.append(helper.make_node("Shape", [data], [full], name=full))
            nodes += [_c(start, [rm]), _c(end, [np.iinfo(np.int64).max])]
            nodes.append(helper.make_node("Slice", [full, start, end], [tail], name=tail))
            nodes.append(helper.make_node("Concat", [minus1, tail], [shape], axis=0, name=shape))
            nodes.append(helper.make_node("Reshape", [src, shape], [n.output[0]], name=n.name + "/dense"))
            count += 1
        elif n.op_type == "ScatterND" and n.input[1] in mask_of:
            mask, data, upd = mask_of[n.input[1]], n.input[0], n.input[2]
            if rank.get(mask) is None or rank.get(mask) != rank.get(data):
                raise VoiceError(f"cannot rewrite the mask-indexed scatter {n.name}: its mask is not shaped like its data")
            cut = G.made_by(upd, "Slice")
            if cut is not None and len(cut.input) > 2 and G.depends_on(cut.input[2], n.input[1]):
                upd = cut.input[0]  # the values before they were cut to the mask's count
            shape, dense = fresh("shape"), fresh("dense")
            nodes.append(helper.make_node("Shape", [data], [shape], name=shape))
            nodes.append(helper.make_node("Reshape", [upd, shape], [dense], name=dense))
            nodes.append(helper.make_node("Where", [mask, dense, data], [n.output[0]], name=n.name + "/dense"))
            count += 1
        else:
            nodes.append(n)
    # drop what nothing reads any more (the NonZero chains and the count slices)
    live, stack = set(), [o.name for o in g.output]
    producer = {o: n for n in nodes for o in n.output}
    while stack:
        t = stack.pop()
        n = producer.get(t)
        if n is None or id(n) in live:
            continue
        live.add(id(n))
        stack.extend(i for i in n.input if i)
    del g.node[:]
    g.node.extend(n for n in nodes if id(n) in live)
    used = {i for n in g.node for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    onnx.checker.check_model(model)
    return model, count


def same_text_encoder(a: onnx.ModelProto, b: onnx.ModelProto, id_cases: list, noise_w: float) -> float:
    """Worst rel L2 between two text encoders on the cases, with host noise at the voice's noise_w and at
    four times it (so some of the spline's inputs fall outside its interval, where the rewrite matters)."""
    sa, sb = _session(a), _session(b)
    worst = 0.0
    for seed, ids in enumerate(id_cases):
        rng = np.random.default_rng(100 + seed)
        for scale in (0.0, noise_w, 4 * noise_w):
            feed = {"phoneme_ids": ids[None, :].astype(np.int32)}
            for ch in ("duration_noise_0", "duration_noise_1"):
                feed[ch] = (rng.standard_normal((1, ids.size)) * scale).astype(np.float32)
            for x, y in zip(sa.run(None, feed), sb.run(None, feed)):
                worst = max(worst, rel_l2(y, x))
    return worst


def ids_for(ipa: str, id_map: dict) -> np.ndarray:
    """Piper's convention: ^ _ p1 _ p2 … pn _ $ over the NFD code points."""
    import unicodedata
    out = [id_map[BOS][0], id_map[PAD][0]]
    for ch in unicodedata.normalize("NFD", ipa):
        if ch not in id_map:
            raise VoiceError(f"fixed reference phoneme {ch!r} is not in the voice's phoneme_id_map")
        out += [id_map[ch][0], id_map[PAD][0]]
    out.append(id_map[EOS][0])
    return np.array(out, dtype=np.int64)


def run_original(model: onnx.ModelProto, c: Cuts, ids: np.ndarray, length_scale: float) -> dict:
    """The unsplit voice with noise_scale = noise_w = 0, every cut tensor added as an output."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    names = {"log_durations_3d": c.logw, "prior_mean": c.m_p, "prior_log_scale": c.logs_p,
             "z_p": c.z_p, "latent": c.latent, "waveform": c.waveform}
    del m.graph.output[:]
    for t in list(dict.fromkeys(list(names.values()) + [c.output])):
        m.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    s = _session(m)
    out = s.run(None, {c.ids: ids[None, :], c.lengths: np.array([ids.size], np.int64),
                       c.scales: np.array([0.0, length_scale, 0.0], np.float32)})
    got = dict(zip([o.name for o in m.graph.output], out))
    res = {k: got[t] for k, t in names.items()}
    res["output"] = got[c.output]
    return res


def _session(m: onnx.ModelProto) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.log_severity_level = 3
    return ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])


def durations(log_durations: np.ndarray, length_scale: float) -> np.ndarray:
    """Host length regulation: ceil(exp(logw) * length_scale), as the `repeat` step does (rounding: ceil)."""
    return np.ceil(np.exp(log_durations) * np.float32(length_scale)).astype(np.int64)


def run_split(mods: dict, ids: np.ndarray, length_scale: float) -> dict:
    """The split pipeline with zero host noise (what the references are made with)."""
    s = {k: _session(m) for k, m in mods.items()}
    t = ids.size
    zeros = np.zeros((1, t), np.float32)
    ld, mp, lp = s["text_encoder"].run(None, {"phoneme_ids": ids[None, :].astype(np.int32),
                                              "duration_noise_0": zeros, "duration_noise_1": zeros})
    d = durations(ld, length_scale)[0]
    mpf, lpf = np.repeat(mp, d, axis=2), np.repeat(lp, d, axis=2)
    (lat,) = s["flow"].run(None, {"prior_mean_frames": mpf, "prior_log_scale_frames": lpf, "flow_noise": np.zeros_like(mpf)})
    (wav,) = s["vocoder"].run(None, {"latent": lat})
    return {"phoneme_ids": ids[None, :].astype(np.int32), "duration_noise_0": zeros, "duration_noise_1": zeros,
            "log_durations": ld, "prior_mean": mp, "prior_log_scale": lp, "durations": d[None, :].astype(np.int32),
            "prior_mean_frames": mpf, "prior_log_scale_frames": lpf, "flow_noise": np.zeros_like(mpf),
            "latent": lat, "waveform": wav}


def rel_l2(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-12))


def compare(orig: dict, split: dict) -> dict:
    """rel L2 of each split tensor against the original's (the waveform against the voice's own output)."""
    pairs = {
        "log_durations": (split["log_durations"], orig["log_durations_3d"][:, 0, :]),
        "prior_mean": (split["prior_mean"], orig["prior_mean"]),
        "prior_log_scale": (split["prior_log_scale"], orig["prior_log_scale"]),
        "latent": (split["latent"], orig["latent"]),
        "waveform": (split["waveform"].reshape(-1), orig["output"].reshape(-1)),
    }
    out = {}
    for k, (a, b) in pairs.items():
        if a.shape != b.shape:
            out[k] = {"rel_l2": float("inf"), "shape": [list(a.shape), list(b.shape)]}
        else:
            out[k] = {"rel_l2": rel_l2(a, b), "max_abs": float(np.max(np.abs(a.astype(np.float64) - b)))}
    return out


def reference_from_original(orig: dict, ids: np.ndarray, length_scale: float) -> dict:
    """Board tensors of one case, every value taken from the unsplit original (noise at zero)."""
    t = ids.size
    ld = orig["log_durations_3d"][:, 0, :]
    d = durations(ld, length_scale)[0]
    mpf, lpf = np.repeat(orig["prior_mean"], d, axis=2), np.repeat(orig["prior_log_scale"], d, axis=2)
    return {"phoneme_ids": ids[None, :].astype(np.int32),
            "duration_noise_0": np.zeros((1, t), np.float32), "duration_noise_1": np.zeros((1, t), np.float32),
            "log_durations": ld, "prior_mean": orig["prior_mean"], "prior_log_scale": orig["prior_log_scale"],
            "durations": d[None, :].astype(np.int32),
            "prior_mean_frames": mpf, "prior_log_scale_frames": lpf, "flow_noise": np.zeros_like(mpf),
            "latent": orig["latent"], "waveform": orig["output"].reshape(1, 1, -1)}


MODULE_IO = {
    "text_encoder": (["phoneme_ids", "duration_noise_0", "duration_noise_1"], ["log_durations", "prior_mean", "prior_log_scale"]),
    "flow": (["prior_mean_frames", "prior_log_scale_frames", "flow_noise"], ["latent"]),
    "vocoder": (["latent"], ["waveform"]),
}


def manifest(name: str, cfg: dict, c: Cuts, mods: dict, cases: list, e2e: list, source: dict, rewrite: dict, out_dir: str) -> dict:
    inf = cfg.get("inference", {})
    noise_scale, length_scale, noise_w = (float(inf.get(k, d)) for k, d in
                                          (("noise_scale", 0.667), ("length_scale", 1.0), ("noise_w", 0.8)))
    id_map = cfg["phoneme_id_map"]
    symbols = [""] * (max(v[0] for v in id_map.values()) + 1)
    for sym, v in id_map.items():
        symbols[v[0]] = sym
    C = c.channels
    f, t, fr = "float32", ["batch", "text_len"], ["batch", C, "frames"]
    held = {k: held_ops(m) for k, m in mods.items()}

    def module(k, desc, inputs, outputs):
        entry = {"file": f"{k}.onnx", "description": desc, "inputs": inputs, "outputs": outputs}
        if held[k]:
            entry["engine"] = False
            entry["notes"] = (f"kept off the engine path: holds data-dependent ops {', '.join(held[k])} "
                              "(the stochastic duration predictor's rational-quadratic spline flows index by masks); "
                              "runs on ONNX Runtime on every backend")
        elif k == "text_encoder" and rewrite.get("rewritten"):
            entry["notes"] = (f"rewritten for the engine path: the stochastic duration predictor's {rewrite['rewritten']} "
                              "mask-indexed gathers/scatters (NonZero → GatherND/ScatterND, value-dependent shapes) are dense "
                              "Where over every element (same outputs: rel L2 "
                              f"{rewrite['rel_l2']:.1e} with host noise); its random draw is the host's noise; what remains "
                              f"({', '.join(watched_ops(mods[k])) or 'none'}) has static shapes")
        return entry

    return {
        "format": "emovoice-model-manifest/2",
        "name": name,
        "family": FAMILY,
        "config": source["voice"],
        "description": f"Piper VITS voice {source['voice']}, split by emovoice import piper from {source['file']} (sha256 {source['sha256'][:16]}…)",
        "audio": {"sample_rate": int(cfg["audio"]["sample_rate"]), "hop": c.hop},
        "frontend": {
            "name": FRONTEND, "symbols": symbols, "output": "phoneme_ids", "dtype": "int32",
            "sample_text": "The quick brown fox jumps over the lazy dog.",
            "voice": cfg.get("espeak", {}).get("voice", "en-us"),
            # the language the voice speaks (BCP 47): verify and calibrate score English voices by WER
            "language": cfg.get("language", {}).get("code", cfg.get("espeak", {}).get("voice", "en-us")).replace("_", "-"),
            "bos": BOS, "eos": EOS, "pad": PAD,
        },
        "modules": {
            "text_encoder": module("text_encoder", "text encoder and stochastic duration predictor (noise from the host)",
                                   {"phoneme_ids": {"dtype": "int32", "dims": t, "meaning": "^ _ p1 _ … pn _ $ ids (phoneme_id_map)"},
                                    "duration_noise_0": {"dtype": f, "dims": t, "meaning": "standard normal × noise_w, channel 0"},
                                    "duration_noise_1": {"dtype": f, "dims": t, "meaning": "standard normal × noise_w, channel 1"}},
                                   {"log_durations": {"dtype": f, "dims": t, "meaning": "log frames per id (logw)"},
                                    "prior_mean": {"dtype": f, "dims": ["batch", C, "text_len"], "meaning": "prior mean m_p"},
                                    "prior_log_scale": {"dtype": f, "dims": ["batch", C, "text_len"], "meaning": "prior log-scale logs_p"}}),
            "flow": module("flow", "z_p = m + noise · exp(logs), then the reverse normalising flow",
                           {"prior_mean_frames": {"dtype": f, "dims": fr}, "prior_log_scale_frames": {"dtype": f, "dims": fr},
                            "flow_noise": {"dtype": f, "dims": fr, "meaning": "standard normal × noise_scale"}},
                           {"latent": {"dtype": f, "dims": fr, "meaning": "z · y_mask, the vocoder's input"}}),
            "vocoder": module("vocoder", f"HiFi-GAN generator, {c.hop} samples a frame",
                              {"latent": {"dtype": f, "dims": fr}},
                              {"waveform": {"dtype": f, "dims": ["batch", 1, "samples"], "kind": "waveform"}}),
        },
        "graph": [
            {"id": "duration_noise_0", "step": "noise", "in": {"like": "phoneme_ids"}, "out": {"noise": "duration_noise_0"},
             "params": {"scale": noise_w, "seed": 1}},
            {"id": "duration_noise_1", "step": "noise", "in": {"like": "phoneme_ids"}, "out": {"noise": "duration_noise_1"},
             "params": {"scale": noise_w, "seed": 2}},
            {"id": "text_encoder"},
            {"id": "length_regulator", "label": "length regulation", "step": "repeat",
             "in": {"log_durations": "log_durations", "hidden": "prior_mean", "hidden2": "prior_log_scale"},
             "out": {"hidden": "prior_mean_frames", "hidden2": "prior_log_scale_frames", "durations": "durations"},
             # Piper has no bound on a phoneme's frames; max only keeps a broken predictor from running away
             "params": {"durations": {"scale": length_scale, "offset": 0, "rounding": "ceil", "min": 0, "max": 1000},
                        "layout": "channels_first"}},
            {"id": "flow_noise", "step": "noise", "in": {"like": "prior_mean_frames"}, "out": {"noise": "flow_noise"},
             "params": {"scale": noise_scale, "seed": 3}},
            {"id": "flow"},
            {"id": "vocoder"},
        ],
        "output": "waveform",
        # the flow and the vocoder are convolutions over frames: `synth --stream` runs them on chunks, with
        # the context their ONNX graphs need (docs/model-manifest.md, Streaming)
        "streaming": {"dim": "frames", "stages": ["flow", "vocoder"]},
        # `emovoice bench` runs piper-tts on the unsplit voice beside us (emovoice_ref.piper_baseline)
        "baseline": {"python": "emovoice_ref.piper_baseline",
                     "cwd": os.path.relpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.path.abspath(out_dir))},
        "references": {"dir": "refs", "cases": [f"{m}/{k}" for m in MODULE_IO for k in cases] + [f"e2e/{k}" for k in e2e]},
        "limits": {"text_len": 400, "frames": 8192},
    }


def _load_cases(path, id_map):
    if not path:
        return {k: (text, ids_for(ipa, id_map)) for k, (text, ipa) in E2E_TEXT.items()}
    with open(path, encoding="utf-8") as fh:
        return {c["name"]: (c["text"], np.array(c["ids"], np.int64)) for c in json.load(fh)}


class _PlainDumper(yaml.SafeDumper):
    """No &anchors/*aliases: a reader of the manifest sees every tensor's dims where it is."""

    def ignore_aliases(self, data):
        return True


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def import_voice(onnx_path: str, out: str, config_path: str = None, cases_path: str = None, name: str = None) -> dict:
    config_path = config_path or onnx_path + ".json"
    if not os.path.isfile(config_path):
        raise VoiceError(f"no voice config at {config_path} (Piper keeps phoneme_id_map and the sample rate in <voice>.onnx.json)")
    with open(config_path, encoding="utf-8") as fh:
        cfg = json.load(fh)
    for k in ("phoneme_id_map", "audio"):
        if k not in cfg:
            raise VoiceError(f"{config_path} has no '{k}': not a Piper voice config")
    if cfg.get("phoneme_type", "espeak") != "espeak":
        raise VoiceError(f"{config_path}: phoneme_type {cfg.get('phoneme_type')!r}; only espeak voices are supported")
    if int(cfg.get("num_speakers", 1)) > 1:
        raise VoiceError(f"{config_path}: {cfg['num_speakers']} speakers; multi-speaker voices are not supported yet")
    id_map = cfg["phoneme_id_map"]
    for sym in (BOS, EOS, PAD):
        if sym not in id_map:
            raise VoiceError(f"{config_path}: phoneme_id_map has no {sym!r} (Piper's BOS/EOS/pad)")
    if any(len(v) != 1 for v in id_map.values()):
        raise VoiceError(f"{config_path}: a phoneme maps to several ids; only one id per phoneme is supported")
    try:
        model = onnx.load(onnx_path)
    except Exception as e:  # protobuf's own errors name no file
        raise VoiceError(f"cannot read {onnx_path} as ONNX: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    cuts = find_cuts(model)
    mods = build_modules(model, cuts)
    length_scale = float(cfg.get("inference", {}).get("length_scale", 1.0))

    module_cases = {k: ids_for(ipa, id_map) for k, ipa in FIXED_IPA.items()}
    e2e_cases = _load_cases(cases_path, id_map)
    noise_w = float(cfg.get("inference", {}).get("noise_w", 0.8))
    rewrite = rewrite_text_encoder(mods, list(module_cases.values()), noise_w)
    check, boards = {}, {}
    for k, ids in list(module_cases.items()) + [(f"e2e/{k}", v[1]) for k, v in e2e_cases.items()]:
        orig = run_original(model, cuts, ids, length_scale)
        split = run_split(mods, ids, length_scale)
        check[k] = compare(orig, split)
        boards[k] = reference_from_original(orig, ids, length_scale)
    worst = max(v["rel_l2"] for case in check.values() for v in case.values())

    voice = os.path.basename(onnx_path)[: -len(".onnx")] if onnx_path.endswith(".onnx") else os.path.basename(onnx_path)
    source = {"file": os.path.basename(onnx_path), "voice": voice, "sha256": sha256(onnx_path),
              "path": os.path.abspath(onnx_path)}  # for the piper-tts baseline; models/<name> is made on each machine
    report = {"source": source, "tolerance_rel_l2": TOLERANCE, "worst_rel_l2": worst, "cases": check, "text_encoder_rewrite": rewrite,
              "cuts": {k: v for k, v in cuts.__dict__.items()},
              "modules": {k: {"nodes": len(m.graph.node),
                              "parameters": int(sum(np.prod(i.dims) for i in m.graph.initializer)),
                              "data_dependent_ops": held_ops(m), "static_shape_ops": watched_ops(m)} for k, m in mods.items()}}
    if not worst <= TOLERANCE:
        return {"ok": False, "report": report}

    parent = os.path.dirname(os.path.abspath(out)) or "."
    os.makedirs(parent, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.", dir=parent)
    try:
        for k, m in mods.items():
            for key, value in (("emovoice.family", FAMILY), ("emovoice.module", k), ("emovoice.source_sha256", source["sha256"]),
                               ("emovoice.sample_rate", str(cfg["audio"]["sample_rate"]))):
                m.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
            onnx.save(m, os.path.join(stage, f"{k}.onnx"))
        for mod, (ins, outs) in MODULE_IO.items():
            os.makedirs(os.path.join(stage, "refs", mod))
            for k in module_cases:
                np.savez(os.path.join(stage, "refs", mod, f"{k}.npz"), **{t: boards[k][t] for t in ins + outs})
        os.makedirs(os.path.join(stage, "refs", "e2e"))
        for k, (text, _) in e2e_cases.items():
            np.savez(os.path.join(stage, "refs", "e2e", f"{k}.npz"), **boards[f"e2e/{k}"])
            with open(os.path.join(stage, "refs", "e2e", f"{k}.json"), "w", encoding="utf-8") as fh:
                json.dump({"text": text, "conditioning": {}, "noise": "zero: the noise stages' outputs are in the npz",
                           "length_scale": length_scale}, fh, ensure_ascii=False, indent=2)
        doc = manifest(name or f"piper-{voice}", cfg, cuts, mods, list(module_cases), list(e2e_cases), source, rewrite, out)
        with open(os.path.join(stage, "manifest.yaml"), "w", encoding="utf-8") as fh:
            fh.write(f"# Written by emovoice import piper (emovoice_ref.piper_import) from {source['file']}; see docs/model-manifest.md\n")
            yaml.dump(doc, fh, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
        with open(os.path.join(stage, "import_check.json"), "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)
        shutil.copyfile(config_path, os.path.join(stage, "voice.onnx.json"))
        if os.path.isdir(out):
            old = out.rstrip("/") + f".old-{os.getpid()}"
            os.rename(out, old)
            os.rename(stage, out)
            shutil.rmtree(old)
        else:
            os.rename(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return {"ok": True, "report": report}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="split a Piper VITS voice into emovoice modules")
    ap.add_argument("onnx")
    ap.add_argument("--out", required=True)
    ap.add_argument("--config", help="the voice's JSON config (default: <onnx>.json)")
    ap.add_argument("--cases", help="JSON [{name, text, ids}] for the e2e references (the CLI's frontend ids)")
    ap.add_argument("--name")
    a = ap.parse_args(argv)
    if not os.path.isfile(a.onnx):
        print(f"error: {a.onnx}: no such file (fix: give the voice's .onnx file)", file=sys.stderr)
        return 2
    try:
        res = import_voice(a.onnx, a.out, a.config, a.cases, a.name)
    except VoiceError as e:
        print(f"error: {a.onnx}: {e}", file=sys.stderr)
        return 2
    r = res["report"]
    for k, m in r["modules"].items():
        held = f"  data-dependent: {', '.join(m['data_dependent_ops'])} (engine: false)" if m["data_dependent_ops"] else ""
        print(f"{k:<13} {m['nodes']:>5} nodes {m['parameters'] / 1e6:6.2f} M parameters{held}")
    rw = r["text_encoder_rewrite"]
    if rw.get("kept") and rw.get("rewritten"):
        print(f"text_encoder: {rw['rewritten']} mask-indexed gathers/scatters made dense (rel L2 {rw['rel_l2']:.1e} against the extracted module, with host noise)")
    elif not rw.get("kept"):
        why = rw.get("error") or f"rel L2 {rw.get('rel_l2', float('nan')):.1e} against the extracted module"
        print(f"text_encoder: not rewritten ({why}); kept off the engine path")
    print(f"split vs original: worst rel L2 {r['worst_rel_l2']:.2e} (tolerance {TOLERANCE:g}) over {len(r['cases'])} cases")
    if not res["ok"]:
        print(f"error: {a.onnx}: the split does not reproduce the original (worst rel L2 {r['worst_rel_l2']:.2e} > {TOLERANCE:g}); nothing written", file=sys.stderr)
        return 1
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

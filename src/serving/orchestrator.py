"""emovoice orchestrator for Triton's Python backend: one request in, audio out, for any model family.

Written into a Triton model repository by `emovoice package --triton` as emovoice/1/model.py, next to
one TensorRT model per engine module (and, unless disabled, a `<module>_cpu` ONNX Runtime model per
engine; a module kept off the engine path has only its ONNX Runtime model). It knows no family: what
the model is comes from 1/pipeline.json, the model manifest normalised by `emovoice package`
(src/serving/pipeline-file.ts): the graph's stages in run order, each module's Triton models and input
limits, the conditioning sources and the request inputs that carry them, the frontend's output.

Per request: TEXT goes through the model's text frontend (frontend.mjs, emovoice's own, in a Node
process) into sentences of ids (or the ids come directly, e.g. PHONEME_IDS); each conditioning source
is read from its inputs (REF_AUDIO/REF_SAMPLE_RATE/REF_KEY for an audio source with flag `ref`, EMOTION
for a label, SPEAKER or SPEAKER_NAME for an id, …) and checked; then, per sentence, the graph is walked
as src/pipeline/executor.ts walks it: only the stages the output needs run; a module stage is a BLS call
to its Triton model; a host step runs as its numpy twin below (log_mel, repeat, noise, first_of, lookup:
exactly as src/pipeline/steps/ compute them) or, for a step with no twin (a family's own, such as a
tokenizer), in the Node process, which runs the registered TypeScript step itself. A stage whose inputs
come from conditioning alone (a voice's embeddings, a speaker's row, a prompt's style) is cached by the
conditioning's keys (an audio's content hash or its <NAME>_KEY, a label, an id, a text; LRU, cache_size
entries), so a voice costs one encoder call.

Serving behaviour (the deployment advice the toolchain follows): input limits (max_text_len ids per
sentence: longer text is split at sentence/clause boundaries and the split is reported; every module
input within the manifest's limits and the engine's profile), a deadline on every engine call, and a CPU
fallback: an engine call that fails or does not answer within `timeout_ms` is answered by the module's
`_cpu` model; a failure (not a timeout) also takes the engine out of use for `engine_retry_s` seconds.
Every fallback and split is logged and returned in WARNINGS. The deadline is kept here (async BLS under
asyncio.wait_for), because Triton's own request timeout covers only the time a request waits in a
model's queue, not its execution; the engine configs also carry that queue timeout
(default_queue_policy), which Triton answers with an error that falls back the same way. A late engine
answer is dropped: the call cannot be cancelled.

Parameters (config.pbtxt): pipeline (the file), timeout_ms, cpu_fallback, engine_retry_s, cache_size,
node (the Node.js binary), host_steps (`python`: numpy twins where there are some; `node`: every host
step through the TypeScript steps, e.g. to check the twins on a deployment).
Needs numpy only (as Triton's Python backend image has), and Node.js >= 20 for TEXT requests and for
host steps without a twin.
"""
import asyncio
import base64
import collections
import hashlib
import json
import os
import re
import select
import subprocess
import threading
import time

import numpy as np
import triton_python_backend_utils as pb_utils


class RequestError(Exception):
    """A problem with one request (bad input): answered as that request's error, the model stays up."""


# --- log-mel (docs/model-manifest.md) -------------------------------------------------------------

def _hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_hz / f_sp + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, f / f_sp)


def _mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(sr, n_fft, n_mels, fmin, fmax):
    """Slaney mel scale, Slaney area normalisation: [n_mels, n_fft // 2 + 1]."""
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - freqs[None, :]
    w = np.maximum(0, np.minimum(-ramps[:-2] / fdiff[:-1, None], ramps[2:] / fdiff[1:, None]))
    return w * (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]


class LogMel:
    def __init__(self, sr, n_fft, hop, win_length, n_mels, fmin, fmax, clamp_min, log_base):
        self.n_fft, self.hop, self.clamp_min = n_fft, hop, clamp_min
        self.log = np.log10 if str(log_base) == "10" else np.log
        win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win_length) / win_length)  # periodic Hann
        left = (n_fft - win_length) // 2
        self.window = np.zeros(n_fft)
        self.window[left:left + win_length] = win
        self.fb = mel_filterbank(sr, n_fft, n_mels, fmin, fmax)

    def __call__(self, x):
        """float mono samples at the model rate -> log-mel [frames, n_mels] (float32)."""
        pad = (self.n_fft - self.hop) // 2
        x = np.pad(np.asarray(x, dtype=np.float64), (pad, pad), mode="reflect")
        n = 1 + (len(x) - self.n_fft) // self.hop
        idx = np.arange(self.n_fft)[None, :] + self.hop * np.arange(n)[:, None]
        spec = np.fft.rfft(x[idx] * self.window[None, :], axis=1)
        mag = np.sqrt(spec.real ** 2 + spec.imag ** 2 + 1e-9)
        return self.log(np.maximum(mag @ self.fb.T, self.clamp_min)).astype(np.float32)


def resample(x, sr_from, sr_to, half_width=10, beta=5.0):
    """Polyphase resampling with a Kaiser-windowed sinc low-pass at the lower Nyquist: the filter of
    scipy.signal.resample_poly's defaults (half-length 10 zero crossings, Kaiser beta 5, unit DC gain),
    evaluated directly at each output time."""
    x = np.asarray(x, dtype=np.float64)
    if sr_from == sr_to:
        return x.astype(np.float32)
    g = np.gcd(int(sr_from), int(sr_to))
    up, down = sr_to // g, sr_from // g
    cutoff = up / max(up, down)  # relative to the input Nyquist
    width = half_width / cutoff  # half-length in input samples

    def taps(d):
        inside = np.abs(d) <= width
        win = np.i0(beta * np.sqrt(np.clip(1 - (d / width) ** 2, 0, None))) / np.i0(beta)
        return np.where(inside, cutoff * np.sinc(cutoff * d) * win, 0.0)

    grid = np.arange(-int(width * up), int(width * up) + 1) / up
    gain = taps(grid).sum() / up  # DC gain of the filter, as firwin normalises it
    n_out = (len(x) * up + down - 1) // down
    t = np.arange(n_out) * (down / up)  # output times in input samples
    k = np.arange(-int(np.ceil(width)), int(np.ceil(width)) + 1)
    pos = np.floor(t).astype(np.int64)[:, None] + k[None, :]
    h = taps(t[:, None] - pos) / gain
    valid = (pos >= 0) & (pos < len(x))
    return np.sum(np.where(valid, x[np.clip(pos, 0, len(x) - 1)], 0.0) * h, axis=1).astype(np.float32)


# --- host steps: numpy twins of src/pipeline/steps/index.ts ---------------------------------------
# Each factory takes the stage's params (defaults as the TypeScript step has them) and returns a function
# from the stage's inputs to its outputs (numpy arrays, or str for text). test_orchestrator_dsp.py checks
# every twin against the TypeScript step, called through the Node process.

def _mel_from_audio_section(audio):
    m = audio.get("mel") or {}
    sr = int(audio["sample_rate"])
    return LogMel(sr, int(m["n_fft"]), int(m["hop"]), int(m.get("win_length", m["n_fft"])), int(m["n_mels"]),
                  float(m.get("fmin", 0)), float(m.get("fmax", sr / 2)), float(m.get("clamp_min", 1e-5)), m.get("log_base", "e"))


def log_mel_step(params, audio, folder):
    layout = params.get("layout", "mels_first")
    mel = _mel_from_audio_section(audio)

    def run(inputs):
        m = mel(np.asarray(inputs["audio"], dtype=np.float32).reshape(-1))  # [frames, n_mels]
        return {"mel": (m if layout == "frames_first" else m.T.copy())[None]}
    return run


def _round_js(x):
    """JavaScript's Math.round: the nearest integer, halves toward +infinity."""
    r = np.floor(x)
    return r + (x - r >= 0.5)


ROUNDERS = {"round_half_even": np.rint, "round": _round_js, "ceil": np.ceil, "floor": np.floor}


def durations_from_log(log_durations, rule):
    """d = clamp(rounding(exp(x) * scale - offset), min, max), as src/pipeline/steps/length.ts (NaN -> 0)."""
    x = np.asarray(log_durations, dtype=np.float32).reshape(-1).astype(np.float64)
    d = ROUNDERS[rule.get("rounding", "round_half_even")](np.exp(x) * float(rule.get("scale", 1)) - float(rule.get("offset", 1)))
    d = np.minimum(float(rule.get("max", 50)), np.maximum(float(rule.get("min", 1)), d))
    return np.where(np.isnan(d), 0, d).astype(np.int32)


def regulate_length(hidden, durations, frames_first=True):
    """Each step of hidden [1, T, H] (frames first) or [1, H, T] (channels first) repeated durations[t] times."""
    h = np.asarray(hidden, dtype=np.float32)
    if h.ndim != 3 or h.shape[0] != 1:
        raise RuntimeError(f"length regulation expects a [1, ., .] tensor, got {list(h.shape)}")
    axis = 1 if frames_first else 2
    if h.shape[axis] != len(durations):
        raise RuntimeError(f"durations has {len(durations)} entries, hidden has {h.shape[axis]} steps")
    return np.repeat(h, durations, axis=axis)


def repeat_step(params, audio, folder):
    rule = params.get("durations", {})
    frames_first = params.get("layout", "frames_first") == "frames_first"

    def run(inputs):
        d = durations_from_log(inputs["log_durations"], rule)
        out = {"hidden": regulate_length(inputs["hidden"], d, frames_first), "durations": d[None]}
        if inputs.get("hidden2") is not None:
            out["hidden2"] = regulate_length(inputs["hidden2"], d, frames_first)
        return out
    return run


def seeded_normal(n, seed):
    """src/pipeline/steps/index.ts seededNormal, bit for bit: mulberry32 uniforms (whose state is seed + k *
    0x6d2b79f5, so they vectorise) through Box-Muller in float64, stored as float32."""
    m = (n + 1) // 2 * 2
    state = ((int(seed) & 0xFFFFFFFF) + np.arange(1, m + 1, dtype=np.uint64) * 0x6D2B79F5) & 0xFFFFFFFF
    t = state.astype(np.uint32)
    t = (t ^ (t >> np.uint32(15))) * (t | np.uint32(1))  # Math.imul: uint32 products wrap the same way
    t = t ^ (t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61)))
    u = (t ^ (t >> np.uint32(14))).astype(np.float64) / 4294967296.0
    u1, u2 = np.maximum(u[0::2], 1e-12), u[1::2]
    r, angle = np.sqrt(-2 * np.log(u1)), 2 * np.pi * u2
    z = np.empty(m, dtype=np.float64)
    z[0::2], z[1::2] = r * np.cos(angle), r * np.sin(angle)
    return z[:n].astype(np.float32)


def noise_step(params, audio, folder):
    scale, seed = float(params.get("scale", 1)), int(params.get("seed", 0))

    def run(inputs):
        shape = np.shape(inputs["like"])
        z = seeded_normal(int(np.prod(shape)), seed)
        if scale != 1:  # float32 * double, rounded to float32, as a Float32Array element update
            z = (z.astype(np.float64) * scale).astype(np.float32)
        return {"noise": z.reshape(shape)}
    return run


def first_of_step(params, audio, folder):
    def run(inputs):
        for k in sorted(inputs, key=int):
            if inputs[k] is not None:
                return {"value": inputs[k]}
        raise RuntimeError("first_of: no input present")
    return run


def lookup_step(params, audio, folder):
    table = np.load(os.path.join(folder, params["table"]))
    if table.dtype != np.float32 or table.ndim != 2:
        raise RuntimeError(f"lookup table must be float32 [n, dim], got {table.dtype} {list(table.shape)}")

    def run(inputs):
        i = int(np.asarray(inputs["id"]).reshape(-1)[0])
        if not 0 <= i < len(table):
            raise RequestError(f"id {i} is outside the table (0-{len(table) - 1}); use an id from 0 to {len(table) - 1}")
        return {"row": table[i][None].copy()}
    return run


TWINS = {"log_mel": log_mel_step, "repeat": repeat_step, "noise": noise_step, "first_of": first_of_step, "lookup": lookup_step}


# --- the Node process: the text frontend and the TypeScript host steps --------------------------------

_WIRE_DTYPES = {"float32": "<f4", "float16": "<u2", "float64": "<f8", "int8": "i1", "uint8": "u1", "int32": "<i4", "int64": "<i8", "bool": "u1"}
_NP_TO_WIRE = {"float32": "float32", "float16": "float16", "float64": "float64", "int8": "int8", "uint8": "uint8",
               "int32": "int32", "int64": "int64", "bool": "bool"}


def encode_value(v):
    """A board value as frontend-server.ts's WireValue: text, or dtype/shape/base64 little-endian data."""
    if isinstance(v, str):
        return {"text": v}
    a = np.asarray(v)
    dtype = _NP_TO_WIRE.get(a.dtype.name)
    if dtype is None:
        raise RuntimeError(f"no wire dtype for {a.dtype}")
    raw = a.view(np.uint16) if dtype == "float16" else a.astype(np.uint8) if dtype == "bool" else a
    return {"dtype": dtype, "shape": list(a.shape), "data": base64.b64encode(np.ascontiguousarray(raw).astype(_WIRE_DTYPES[dtype]).tobytes()).decode()}


def decode_value(w):
    if "text" in w:
        return w["text"]
    a = np.frombuffer(base64.b64decode(w["data"]), dtype=_WIRE_DTYPES[w["dtype"]]).reshape(w["shape"])
    if w["dtype"] == "float16":
        return a.view(np.float16)
    if w["dtype"] == "bool":
        return a.astype(np.bool_)
    return a.astype(a.dtype.newbyteorder("="))


class NodeProcess:
    """frontend.mjs (src/serving/frontend-server.ts) in a Node process, one JSON line per call: the text
    frontend, and the host steps that have no numpy twin."""

    def __init__(self, command, timeout_s=30.0):
        self.command, self.timeout_s = command, timeout_s
        self.proc = None
        self.lock = threading.Lock()

    def _start(self):
        self.proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, encoding="utf-8", bufsize=1)

    def ask(self, message, timeout_s=None):
        timeout_s = timeout_s or self.timeout_s
        with self.lock:
            for _ in (0, 1):  # a dead process is restarted once (every call is a pure function of its line)
                if self.proc is None or self.proc.poll() is not None:
                    self._start()
                try:
                    self.proc.stdin.write(json.dumps(message) + "\n")
                    self.proc.stdin.flush()
                    ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
                    if not ready:
                        self.close()
                        raise RequestError(f"the Node process (frontend.mjs) did not answer within {timeout_s:.0f} s")
                    line = self.proc.stdout.readline()
                    if line:
                        return json.loads(line)
                except (BrokenPipeError, OSError):
                    pass
                self.close()
            raise RequestError("the Node process exited; check that frontend.mjs runs: " + " ".join(self.command))

    def frontend(self, text, language, max_phonemes):
        return self.ask({"text": text, "language": language, "max_phonemes": max_phonemes})

    def step(self, stage_id, inputs):
        ans = self.ask({"step": stage_id, "inputs": {k: encode_value(v) for k, v in inputs.items()}})
        if "error" in ans:
            msg = ans["error"] + (f" (fix: {ans['fix']})" if ans.get("fix") else "")
            raise RequestError(msg) if ans.get("user") else RuntimeError(msg)
        return {k: decode_value(v) for k, v in ans["outputs"].items()}

    def close(self):
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(timeout=5)
            except Exception:
                pass
            self.proc = None


# --- conditioning: what a request brings, read from its inputs (pipeline.json's conditioning) ------------

class Given:
    """One source's value for one request: `key` for the stage cache, `value()` computed when a stage first needs
    it; `explicit` when the request brought it (not the manifest's default)."""

    def __init__(self, key, compute, explicit=True):
        self.key, self._compute, self._done, self.explicit = key, compute, None, explicit

    def value(self, warnings):
        if self._done is None:
            self._done = self._compute(warnings)
        return self._done


class Source:
    """One conditioning source of pipeline.json (kind audio | label | id | text) and its request inputs."""

    def __init__(self, spec, folder, sample_rate):
        self.spec, self.name, self.kind, self.output = spec, spec["name"], spec["kind"], spec["output"]
        self.inputs, self.sample_rate = spec["inputs"], sample_rate
        self.table = None
        if spec.get("table"):
            with np.load(os.path.join(folder, spec["table"])) as data:
                self.table = {label: data[label].astype(np.float32).reshape(1, -1) for label in spec["labels"]}

    def main_input(self):
        f = self.inputs
        return f.get("audio") or f.get("value") or f.get("id")

    def read(self, request):
        """This source's Given for the request, or None when it brings none (and the source is optional)."""
        s = self.spec
        if self.kind == "audio":
            return self._audio(request)
        if self.kind == "id":
            n = len(s["names"]) if s.get("names") else s["count"]
            ident = _int(request, self.inputs["id"])
            name = _text(request, self.inputs["name"]) if self.inputs.get("name") else None
            explicit = ident is not None or name is not None
            if not explicit and "default" in s:
                ident, name = (s["default"], None) if isinstance(s["default"], int) or str(s["default"]).isdigit() else (None, s["default"])
            if ident is None and name is None:
                return self._missing()
            if ident is None:
                if name not in (s.get("names") or []):
                    raise RequestError(f"{self.inputs.get('name') or self.main_input()} {name!r} is not a known name; "
                                       f"give an id from 0 to {n - 1} in {self.main_input()}, or a name such as {', '.join(s['names'][:3])}")
                ident = s["names"].index(name)
            ident = int(ident)
            if not 0 <= ident < n:
                raise RequestError(f"{self.main_input()} {ident} is outside the table (0-{n - 1}); use an id from 0 to {n - 1}")
            v = np.array([ident], dtype=np.int64 if s["dtype"] == "int64" else np.int32)
            return Given(str(ident), lambda w: v, explicit)
        field = self.inputs["value"]
        text = _text(request, field)
        explicit = text is not None
        if not explicit and "default" in s:
            text = str(s["default"])
        if text is None:
            return self._missing()
        if self.kind == "text":
            return Given(text, lambda w: text, explicit)
        if text not in s["labels"]:
            raise RequestError(f"unknown {field} {text!r}; use one of: {', '.join(sorted(s['labels']))}")
        v = self.table[text] if self.table is not None else s["values"][text]
        return Given(text, lambda w: v, explicit)

    def _missing(self):
        if not self.spec["required"]:
            return None
        about = f" ({self.spec['description']})" if self.spec.get("description") else ""
        if self.kind == "audio":
            raise RequestError(f"send {self.inputs['audio']}{about}, or {self.inputs['key']} of a recording sent before")
        raise RequestError(f"this model needs {self.main_input()}{about}")

    def _audio(self, request):
        f = self.inputs
        key = _text(request, f["key"])
        audio_t = pb_utils.get_input_tensor_by_name(request, f["audio"])
        if audio_t is None:
            if key is None:
                return self._missing()

            def evicted(warnings):
                raise RequestError(f"{f['key']} {key!r} is not cached (evicted or never sent); send {f['audio']} with it once")
            return Given(key, evicted)
        audio = audio_t.as_numpy().astype(np.float32).reshape(-1)
        sr = _int(request, f["sample_rate"]) or self.sample_rate
        if key is None:
            key = hashlib.sha256(audio.tobytes() + str(sr).encode()).hexdigest()

        def checked(warnings):
            seconds = len(audio) / sr
            lo, hi = self.spec["seconds"]["min"], self.spec["seconds"]["max"]
            if not lo <= seconds <= hi:
                raise RequestError(f"{f['audio']} is {seconds:.2f} s long; this model takes {lo:g}-{hi:g} s (trim or join recordings)")
            rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0
            if rms <= 1e-3:  # -60 dBFS
                raise RequestError(f"{f['audio']} is silent (RMS below -60 dBFS); send a recording of speech")
            if np.mean(np.abs(audio) >= 0.999) > 0.01:
                warnings.append(f"{f['audio']} clips (over 1% of samples at full scale); the result may sound off")
            return resample(audio, sr, self.sample_rate)[None]
        return Given(key, checked)


def _text(request, name):
    """A string input's value; absent or empty is None (an empty string is the same as leaving it out)."""
    t = pb_utils.get_input_tensor_by_name(request, name) if name else None
    if t is None:
        return None
    v = t.as_numpy().reshape(-1)
    if len(v) == 0:
        return None
    s = v[0].decode("utf-8") if isinstance(v[0], bytes) else str(v[0])
    return s or None


def _int(request, name):
    t = pb_utils.get_input_tensor_by_name(request, name) if name else None
    if t is None or t.as_numpy().size == 0:
        return None
    return int(t.as_numpy().reshape(-1)[0])


# --- the graph walker -------------------------------------------------------------------------------

class Stage:
    def __init__(self, spec):
        self.spec, self.id, self.module, self.step = spec, spec["id"], spec.get("module"), spec.get("step")
        self.ins = [tuple(p) for p in spec["in"]]
        self.outs = [tuple(p) for p in spec["out"]]
        self.deps = spec["depends_on"]
        self.variadic = bool(spec.get("variadic"))
        self.optional_in = set(spec.get("optional_inputs", []))
        self.optional_out = set(spec.get("optional_outputs", []))
        self.run = None  # host steps: inputs -> outputs (a numpy twin, or a call into the Node process)
        # cached when it depends on conditioning only (src/pipeline/executor.ts)
        self.cacheable = bool(self.deps) and all(d.startswith("conditioning:") for d in self.deps)

    def cache_key(self, keys):
        return self.id + "|" + "|".join(f"{d}={keys.get(d[len('conditioning:'):])}" for d in sorted(self.deps))


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        p = {k: v["string_value"] for k, v in cfg.get("parameters", {}).items()}
        here = os.path.join(args["model_repository"], args["model_version"])
        self.log = pb_utils.Logger
        with open(os.path.join(here, p.get("pipeline", "pipeline.json")), encoding="utf-8") as f:
            pipe = json.load(f)
        self.sample_rate = int(pipe["audio"]["sample_rate"])
        self.max_text_len = int(pipe["max_text_len"])
        self.modules = pipe["modules"]
        self.output = pipe["output"]
        self.fe = pipe["frontend"]
        self.ids_dtype = np.int64 if self.fe["dtype"] == "int64" else np.int32
        self.sources = [Source(c, here, self.sample_rate) for c in pipe["conditioning"]]
        self.timeout_us = int(float(p.get("timeout_ms", "0")) * 1000)
        self.cpu_fallback = p.get("cpu_fallback", "true") == "true"
        self.engine_retry_s = float(p.get("engine_retry_s", "30"))
        self.cache = collections.OrderedDict()
        self.cache_size = int(p.get("cache_size", "1024"))
        self.broken = {}  # engine model -> time until which calls go straight to the fallback
        node = p.get("node", "node")
        self.node = NodeProcess([node, os.path.join(here, "frontend.mjs"), "--frontend", os.path.join(here, self.fe["file"]),
                                 "--pipeline", os.path.join(here, p.get("pipeline", "pipeline.json"))])
        self.frontend_down = None  # why TEXT cannot be served, when it cannot
        try:  # start it now: a missing Node or frontend shows at load time, not at the first request
            pong = self.node.ask({"ping": True}, timeout_s=120)
            node_steps = set(pong.get("steps", []))
            if pong.get("frontend") != "ok":
                self.frontend_down = f"the text frontend cannot start: {pong.get('frontend')}"
                self.log.log_warn(f"emovoice: {self.frontend_down}; TEXT requests will fail, {self.fe['input']} requests work")
        except (OSError, RequestError) as e:
            self.log.log_warn(f"emovoice: text frontend not available ({e}); TEXT requests will fail, {self.fe['input']} work "
                              f"(fix: install Node.js >= 20 in the Triton image or set parameter node)")
            self.node.close()
            self.node, node_steps = None, set()
            self.frontend_down = (f"TEXT needs the text frontend, which needs Node.js >= 20 in the Triton image "
                                  f"(parameter node); send {self.fe['input']} instead")
        self.stages = [Stage(s) for s in pipe["graph"]]
        in_node = []
        for st in self.stages:
            if st.step is None:
                continue
            if p.get("host_steps", "python") == "python" and st.step in TWINS:
                st.run = TWINS[st.step](st.spec.get("params", {}), pipe["audio"], here)
            else:
                st.run = lambda inputs, _id=st.id: self._node_step(_id, inputs)
                in_node.append(f"{st.id} ({st.step})")
                if self.node is not None and st.step not in node_steps:
                    self.log.log_error(f"emovoice: step {st.step} of stage {st.id} is in neither model.py nor frontend.mjs; "
                                       "package the model again with the emovoice that made it")
        if in_node:
            self.log.log_info("emovoice: host steps in the Node process: " + ", ".join(in_node))
        # emovoice_stream (package --stream): the same model.py as a decoupled model, one response per chunk
        self.streaming = pipe.get("streaming")
        self.decoupled = bool(cfg.get("model_transaction_policy", {}).get("decoupled", False))

    def finalize(self):
        if self.node is not None:
            self.node.close()

    def _node_step(self, stage_id, inputs):
        if self.node is None:
            raise RequestError(f"stage {stage_id} runs a TypeScript host step in the Node process, which is not available "
                               "(fix: install Node.js >= 20 in the Triton image or set parameter node)")
        return self.node.step(stage_id, inputs)

    # BLS call with a deadline and CPU fallback.
    async def _call(self, module, inputs, outputs, warnings):
        m = self.modules[module]
        model, fallback = m["model"], m["fallback"] if self.cpu_fallback else None
        if not m["engine"]:  # ONNX Runtime already: no engine to fall back from
            res, err, _ = await self._exec(model, inputs, outputs, 0)
            if err is not None:
                raise RuntimeError(f"{model}: {err}")
            return res
        now = time.monotonic()
        if self.broken.get(model, 0) <= now:
            res, err, timed_out = await self._exec(model, inputs, outputs, self.timeout_us)
            if err is None:
                return res
            # Triton's queue timeout (default_queue_policy) answers "Request timeout expired".
            timed_out = timed_out or bool(re.search(r"time(d)?[ -]?out|deadline", err, re.I))
            if fallback is None:
                raise RuntimeError(f"{model}: {err}")
            if not timed_out:
                self.broken[model] = now + self.engine_retry_s
            msg = (f"{model} {'timed out' if timed_out else 'failed'} ({err.splitlines()[0]}); "
                   f"answered by {fallback}" + ("" if timed_out else f"; engine bypassed for {self.engine_retry_s:.0f} s"))
            self.log.log_warn("emovoice: " + msg)
            warnings.append(msg)
        elif f"{model} bypassed" not in " ".join(warnings):
            warnings.append(f"{model} bypassed after an earlier failure; answered by {fallback}")
        res, err, _ = await self._exec(fallback, inputs, outputs, 0)
        if err is not None:
            raise RuntimeError(f"{fallback}: {err}")
        return res

    @staticmethod
    async def _exec(model, inputs, outputs, timeout_us):
        """One BLS call: (outputs, None, False), or (None, error message, whether the deadline passed)."""
        req = pb_utils.InferenceRequest(model_name=model, requested_output_names=outputs,
                                        inputs=[pb_utils.Tensor(k, v) for k, v in inputs.items()], timeout=timeout_us)
        try:
            res = await (asyncio.wait_for(req.async_exec(), timeout_us / 1e6) if timeout_us > 0 else req.async_exec())
        except asyncio.TimeoutError:
            return None, f"no answer within timeout_ms {timeout_us / 1000:g}", True
        if res.has_error():
            return None, res.error().message(), False
        return [pb_utils.get_output_tensor_by_name(res, o).as_numpy() for o in outputs], None, False

    def _conditioning(self, request):
        """[(source, its Given or None)] for the request; two sources it may not bring together are an error."""
        given = [(s, s.read(request)) for s in self.sources]
        brought = {s.name: s for s, g in given if g is not None and g.explicit}
        for s in brought.values():
            for other in s.spec.get("excludes", []):
                if other in brought:
                    raise RequestError(f"send either {s.main_input()} or {brought[other].main_input()}, not both")
        return given

    def _sentences(self, request, warnings):
        """[(sentence text or None, ids)] from the frontend's ids input, or TEXT through the frontend."""
        text = _text(request, "TEXT")
        ids_t = pb_utils.get_input_tensor_by_name(request, self.fe["input"])
        if ids_t is not None:
            ids = ids_t.as_numpy().astype(self.ids_dtype).reshape(-1)
            if len(ids) == 0:
                raise RequestError(f"{self.fe['input']} is empty")
            if len(ids) > self.max_text_len:
                raise RequestError(f"{self.fe['input']} has {len(ids)} ids, over max_text_len {self.max_text_len}; "
                                   "send shorter sentences (or TEXT, which is split for you)")
            return [(text, ids)]  # TEXT beside the ids is the sentence's text, for steps that read it
        if text is None:
            raise RequestError(f"send TEXT (or {self.fe['input']})")
        if self.frontend_down:
            raise RequestError(self.frontend_down)
        lang = _text(request, "LANGUAGE") or "auto"
        ans = self.node.frontend(text, lang, self.max_text_len)
        if "error" in ans:
            raise RequestError(ans["error"] + (f" (fix: {ans['fix']})" if ans.get("fix") else ""))
        warnings.extend(ans["warnings"])
        return [(s["text"], np.asarray(s["ids"], dtype=self.ids_dtype)) for s in ans["sentences"]]

    def _plan(self, present, keys, stop=frozenset()):
        """[(stage, cache key or None, cached outputs or None)] in run order: src/pipeline/executor.ts's plan.
        `stop`: stage ids not run, whose inputs are what is needed instead of the output (streaming)."""
        available, runnable = set(present), set()
        for st in self.stages:
            if st.variadic:
                ok = any(t in available for _, t in st.ins)
            else:
                ok = all(t in available or port in st.optional_in for port, t in st.ins)
            if ok:
                runnable.add(st.id)
                available.update(t for _, t in st.outs)
        if self.output not in available:
            raise RequestError(self._why_not(available))
        needed, run = {self.output}, []
        if stop:
            made = {t for st in self.stages if st.id in stop for _, t in st.outs}
            needed = {t for st in self.stages if st.id in stop for _, t in st.ins if t not in made}
        for st in reversed(self.stages):
            if st.id in stop or st.id not in runnable or not any(t in needed for _, t in st.outs):
                continue
            key = st.cache_key(keys) if st.cacheable else None
            if key is not None and key in self.cache:  # taken now: a later stage's entry may evict it
                self.cache.move_to_end(key)
                run.append((st, key, self.cache[key]))
                continue
            run.append((st, key, None))
            if st.variadic:
                first = next((t for _, t in st.ins if t in available), None)
                if first is not None:
                    needed.add(first)
            else:
                needed.update(t for _, t in st.ins if t in available)
        return list(reversed(run))

    def _why_not(self, available):
        """What the request should add so the output can be made: the sources that stages lack."""
        wants = []
        for st in self.stages:
            for port, t in st.ins:
                if t in available or port in st.optional_in or st.variadic:
                    continue
                if t == "text":
                    wants.append(f"stage {st.id} reads the sentence text: send TEXT")
                for s in self.sources:
                    if s.output == t:
                        wants.append(f"stage {st.id} needs {s.main_input()}")
        hint = "; ".join(dict.fromkeys(wants)) or "give the conditioning this model needs"
        return f"this request cannot produce {self.output!r}: {hint}"

    def _check_limits(self, module, inputs):
        for port, v in inputs.items():
            spec = self.modules[module]["inputs"].get(port)
            if spec is None or isinstance(v, str):
                continue
            for axis, (size, cap) in enumerate(zip(np.shape(v), spec["max"])):
                if cap is not None and size > cap:
                    dim = spec["dims"][axis]
                    raise RequestError(f"a sentence needs {size} {dim} at {module}.{port}, over the limit of {cap}; "
                                       "send shorter sentences")

    async def _sentence(self, text, ids, given, warnings, stop=frozenset()):
        board = {self.fe["output"]: ids[None]}
        if text is not None:
            board["text"] = text
        lazy = {s.output: g for s, g in given if g is not None}
        keys = {s.name: g.key for s, g in given if g is not None}

        def get(t):
            if t not in board and t in lazy:
                board[t] = lazy[t].value(warnings)
            return board.get(t)

        for st, key, hit in self._plan(set(board) | set(lazy), keys, stop):
            if hit is not None:
                board.update(hit)
                continue
            inputs = {port: get(t) for port, t in st.ins}
            inputs = {k: v for k, v in inputs.items() if v is not None}
            if st.module is not None:
                self._check_limits(st.module, inputs)
                names = [port for port, _ in st.outs]
                outputs = dict(zip(names, await self._call(st.module, inputs, names, warnings)))
            else:
                outputs = st.run(inputs)
            published = {}
            for port, t in st.outs:
                if outputs.get(port) is None:
                    if port in st.optional_out:
                        continue
                    raise RuntimeError(f"stage {st.id} gave no output {port}")
                published[t] = board[t] = outputs[port]
            if key is not None:
                self.cache[key] = published
                while len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        if stop:
            return {t: get(t) for st in self.stages if st.id in stop for _, t in st.ins if get(t) is not None}
        out = board.get(self.output)
        return np.asarray(out, dtype=np.float32).reshape(-1)

    async def _waveform(self, request, warnings):
        given = self._conditioning(request)
        sentences = self._sentences(request, warnings)
        parts = []
        for text, ids in sentences:
            if getattr(request, "is_cancelled", lambda: False)():  # the client gave up: stop before the next sentence
                raise RequestError("the request was cancelled by the client")
            parts.append(await self._sentence(text, ids, given, warnings))
        return np.concatenate(parts)

    async def execute(self, requests):  # async: BLS calls run under a deadline (async_exec)
        if self.decoupled:  # emovoice_stream: responses go out through each request's sender, as chunks are made
            for request in requests:
                await self._execute_stream(request)
            return None
        responses = []
        for request in requests:
            warnings = []
            # The request's own timeout (the client's `timeout`, microseconds) bounds its whole walk: past it the
            # request is answered with a timeout and no further stage runs (a module call already running ends alone).
            deadline_us = getattr(request, "timeout", lambda: 0)()  # (an older Python backend has no timeout())
            try:
                try:
                    wav = await (asyncio.wait_for(self._waveform(request, warnings), deadline_us / 1e6) if deadline_us > 0
                                 else self._waveform(request, warnings))
                except asyncio.TimeoutError:
                    responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(
                        f"emovoice: request timeout expired: the request's timeout of {deadline_us / 1000:g} ms passed "
                        "before its audio was made; it was stopped", pb_utils.TritonError.UNAVAILABLE)))
                    continue
                out = [pb_utils.Tensor("WAVEFORM", wav),
                       pb_utils.Tensor("SAMPLE_RATE", np.array([self.sample_rate], dtype=np.int32)),
                       pb_utils.Tensor("WARNINGS", np.array([w.encode() for w in warnings], dtype=np.object_))]
                responses.append(pb_utils.InferenceResponse(output_tensors=out))
            except RequestError as e:
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(f"emovoice: {e}", pb_utils.TritonError.INVALID_ARG)))
            except Exception as e:  # an engine and its fallback both failed: this request fails, the model stays up
                self.log.log_error(f"emovoice: {e}")
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(f"emovoice: {e}")))
        return responses

    # --- streaming (emovoice_stream, a decoupled model): src/pipeline/stream.ts's chunked run, in numpy ---

    async def _stream_sentence(self, board, send, warnings, first=True):
        """The chunked stages over one sentence's board: each chunk carries its stage's left/right context
        (pipeline.json streaming.stages, computed from the ONNX graphs); audio goes to `send` as it is made."""
        spec = self.streaming
        stages = [next(st for st in self.stages if st.id == c["id"]) for c in spec["stages"]]
        made_by = {t: i for i, st in enumerate(stages) for _, t in st.outs}
        port0, axis0 = next(iter(spec["stages"][0]["time_inputs"].items()))
        total = np.shape(board[dict(stages[0].ins)[port0]])[axis0]
        bufs, done = {}, [0] * len(stages)

        def cut(x, axis, a, b):
            idx = [slice(None)] * np.ndim(x)
            idx[axis] = slice(a, b)
            return np.asarray(x)[tuple(idx)]

        async def ensure(i, upto):
            if done[i] >= upto:
                return
            st, c = stages[i], spec["stages"][i]
            need, wa = min(total, upto + c["right"]), max(0, done[i] - c["left"])
            feeds = {}
            for port, t in st.ins:
                if t in made_by:
                    await ensure(made_by[t], need)
                    feeds[port] = cut(bufs[t][0], bufs[t][1], wa, need)
                elif port in c["time_inputs"]:
                    feeds[port] = cut(board[t], c["time_inputs"][port], wa, need)
                elif t in board:
                    feeds[port] = board[t]
            self._check_limits(st.module, feeds)
            names = [port for port, _ in st.outs]
            outputs = dict(zip(names, await self._call(st.module, feeds, names, warnings)))
            for port, t in st.outs:
                o, to = np.asarray(outputs[port]), c["time_outputs"][port]
                axis, scale = to["axis"], to["scale"]
                if o.shape[axis] != round((need - wa) * scale):
                    raise RuntimeError(f"stage {st.id} gave {o.shape[axis]} positions of {port} for {need - wa} frames, not {(need - wa) * scale}")
                kept = cut(o, axis, round((done[i] - wa) * scale), round((upto - wa) * scale))
                if i == len(stages) - 1 and t == self.output:
                    await send(np.asarray(kept, dtype=np.float32).reshape(-1))
                else:
                    prev = bufs.get(t)
                    bufs[t] = (kept if prev is None else np.concatenate([prev[0], kept], axis=axis), axis)
            done[i] = upto

        tail = spec["chunk_frames"] // 4  # a shorter tail joins the chunk before it

        def nxt(frm, size):
            return total if total - (frm + size) < tail else frm + size

        b = nxt(0, spec["first_chunk_frames"] if first else spec["chunk_frames"])  # a small chunk only for the first audio
        while True:
            await ensure(len(stages) - 1, b)
            if b >= total:
                break
            b = nxt(b, spec["chunk_frames"])

    async def _execute_stream(self, request):
        sender = request.get_response_sender()
        final = pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL
        warnings, sent = [], [0]
        try:
            if not self.streaming:
                raise RequestError("this repository has no streaming section in pipeline.json: package it with --stream, "
                                   "from a manifest that declares streaming: stages")
            given = self._conditioning(request)
            sentences = self._sentences(request, warnings)
            stop = frozenset(c["id"] for c in self.streaming["stages"])

            async def send(wav):
                new, sent[0] = warnings[sent[0]:], len(warnings)
                sender.send(pb_utils.InferenceResponse(output_tensors=[
                    pb_utils.Tensor("WAVEFORM", wav),
                    pb_utils.Tensor("SAMPLE_RATE", np.array([self.sample_rate], dtype=np.int32)),
                    pb_utils.Tensor("WARNINGS", np.array([w.encode() for w in new], dtype=np.object_))]))

            for n, (text, ids) in enumerate(sentences):
                board = await self._sentence(text, ids, given, warnings, stop)
                await self._stream_sentence(board, send, warnings, first=n == 0)
            sender.send(flags=final)
        except RequestError as e:
            sender.send(pb_utils.InferenceResponse(error=pb_utils.TritonError(f"emovoice: {e}", pb_utils.TritonError.INVALID_ARG)), flags=final)
        except Exception as e:  # the request fails, the model stays up
            self.log.log_error(f"emovoice: {e}")
            sender.send(pb_utils.InferenceResponse(error=pb_utils.TritonError(f"emovoice: {e}")), flags=final)

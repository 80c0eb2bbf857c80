"""emovoice orchestrator for Triton's Python backend: one request (text + reference voice) in, audio out.

Written into a Triton model repository by `emovoice package --triton` as emovoice/1/model.py, next to
one TensorRT model per engine (and, unless disabled, a `<module>_cpu` ONNX Runtime model per engine).
Per request it runs the host-side steps and calls the engine models through BLS:

  TEXT --(frontend.mjs: emovoice's own text frontend, a Node process)--> sentences of phoneme ids
  REF_AUDIO --(log-mel, numpy)--> style_encoder --> speaker/emotion embeddings (cached by REF_KEY or
  by the audio's content hash) --> text_encoder --> acoustic_encoder --> length regulation (host) -->
  acoustic_decoder --> vocoder --> WAVEFORM (sentences joined)

Serving behaviour (the deployment advice the toolchain follows): input limits (max_text_len phonemes
per sentence: longer text is split at sentence/clause boundaries and the split is reported; max mel
frames), a deadline on every engine call, and a CPU fallback: an engine call that fails or does not
answer within `timeout_ms` is answered by the module's `_cpu` model; a failure (not a timeout) also
takes the engine out of use for `engine_retry_s` seconds. Every fallback and split is logged and
returned in WARNINGS. The deadline is kept here (async BLS under asyncio.wait_for), because Triton's
own request timeout covers only the time a request waits in a model's queue, not its execution; the
engine configs also carry that queue timeout (default_queue_policy), which Triton answers with an
error that falls back the same way. A late engine answer is dropped: the call cannot be cancelled.

Inputs (config.pbtxt): TEXT (string) or PHONEME_IDS (int32); REF_AUDIO (fp32 mono, REF_SAMPLE_RATE,
default the model's rate) and/or REF_KEY (string: a cache key for a voice sent before); EMOTION
(string label from emotions.npz; default: the reference's own style). Outputs: WAVEFORM (fp32),
SAMPLE_RATE (int32), WARNINGS (strings).

The log-mel is docs/model-manifest.md's definition, the same as src/audio/mel.ts and
reference/emovoice_ref/audio.py; parameters come from the model manifest through config.pbtxt.
Needs numpy only (as Triton's Python backend image has), and Node.js >= 20 for TEXT requests.
"""
import asyncio
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

MODULES = ("style_encoder", "text_encoder", "acoustic_encoder", "acoustic_decoder", "vocoder")


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


# --- the text frontend process ---------------------------------------------------------------------

class Frontend:
    """emovoice's text frontend (frontend.mjs) in a Node process, one JSON line per request."""

    def __init__(self, command, max_phonemes, timeout_s=10.0):
        self.command, self.max_phonemes, self.timeout_s = command, max_phonemes, timeout_s
        self.proc = None
        self.lock = threading.Lock()

    def _start(self):
        self.proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, encoding="utf-8", bufsize=1)

    def __call__(self, text, language="auto"):
        with self.lock:
            for attempt in (0, 1):  # a dead process is restarted once
                if self.proc is None or self.proc.poll() is not None:
                    self._start()
                try:
                    self.proc.stdin.write(json.dumps({"text": text, "language": language,
                                                      "max_phonemes": self.max_phonemes}) + "\n")
                    self.proc.stdin.flush()
                    ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout_s)
                    if not ready:
                        self.close()
                        raise RequestError(f"text frontend did not answer within {self.timeout_s:.0f} s")
                    line = self.proc.stdout.readline()
                    if line:
                        return json.loads(line)
                except (BrokenPipeError, OSError):
                    pass
                self.close()
            raise RequestError("text frontend process exited; check that frontend.mjs runs: "
                               + " ".join(self.command))

    def close(self):
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(timeout=5)
            except Exception:
                pass
            self.proc = None


# --- the model ------------------------------------------------------------------------------------

class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        p = {k: v["string_value"] for k, v in cfg.get("parameters", {}).items()}
        here = os.path.join(args["model_repository"], args["model_version"])
        self.log = pb_utils.Logger
        self.sample_rate = int(p["sample_rate"])
        self.mel = LogMel(self.sample_rate, int(p["n_fft"]), int(p["hop"]), int(p["win_length"]), int(p["n_mels"]),
                          float(p["fmin"]), float(p["fmax"]), float(p["clamp_min"]), p.get("log_base", "e"))
        self.ref_seconds = (float(p["ref_seconds_min"]), float(p["ref_seconds_max"]))
        self.max_frames_per_phoneme = int(p["max_frames_per_phoneme"])
        self.min_frames = int(p.get("min_frames", "1"))
        self.max_text_len = int(p["max_text_len"])
        self.max_mel_frames = int(p["max_mel_frames"])
        self.timeout_us = int(float(p.get("timeout_ms", "0")) * 1000)
        self.cpu_fallback = p.get("cpu_fallback", "true") == "true"
        self.engine_retry_s = float(p.get("engine_retry_s", "30"))
        self.cache = collections.OrderedDict()
        self.cache_size = int(p.get("cache_size", "1024"))
        self.broken = {}  # engine model -> time until which calls go straight to the fallback
        self.emotions = {}
        emo_file = os.path.join(here, "emotions.npz")
        if os.path.exists(emo_file):
            with np.load(emo_file) as data:
                self.emotions = {k: data[k].astype(np.float32) for k in data.files}
        node = p.get("node", "node")
        self.frontend = Frontend([node, os.path.join(here, "frontend.mjs"), "--frontend", os.path.join(here, "frontend.json")],
                                 self.max_text_len)
        try:
            self.frontend(".")  # start it now: a missing Node shows at load time, not at the first request
        except (OSError, RequestError) as e:  # "." itself only gets an error line back, which is fine
            self.log.log_warn(f"emovoice: text frontend not available ({e}); TEXT requests will fail, PHONEME_IDS work "
                              f"(fix: install Node.js >= 20 in the Triton image or set parameter node)")
            self.frontend = None

    def finalize(self):
        if self.frontend is not None:
            self.frontend.close()

    # BLS call with a deadline and CPU fallback.
    async def _call(self, model, inputs, outputs, warnings):
        now = time.monotonic()
        if self.broken.get(model, 0) <= now:
            res, err, timed_out = await self._exec(model, inputs, outputs, self.timeout_us)
            if err is None:
                return res
            # Triton's queue timeout (default_queue_policy) answers "Request timeout expired".
            timed_out = timed_out or bool(re.search(r"time(d)?[ -]?out|deadline", err, re.I))
            if not self.cpu_fallback:
                raise RuntimeError(f"{model}: {err}")
            if not timed_out:
                self.broken[model] = now + self.engine_retry_s
            msg = (f"{model} {'timed out' if timed_out else 'failed'} ({err.splitlines()[0]}); "
                   f"answered by {model}_cpu" + ("" if timed_out else f"; engine bypassed for {self.engine_retry_s:.0f} s"))
            self.log.log_warn("emovoice: " + msg)
            warnings.append(msg)
        elif f"{model} bypassed" not in " ".join(warnings):
            warnings.append(f"{model} bypassed after an earlier failure; answered by {model}_cpu")
        res, err, _ = await self._exec(f"{model}_cpu", inputs, outputs, 0)
        if err is not None:
            raise RuntimeError(f"{model}_cpu: {err}")
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

    async def _embeddings(self, request, warnings):
        key_t = pb_utils.get_input_tensor_by_name(request, "REF_KEY")
        audio_t = pb_utils.get_input_tensor_by_name(request, "REF_AUDIO")
        key = _string(key_t) if key_t is not None else None
        if audio_t is None:
            if key is None:
                raise RequestError("send REF_AUDIO (3-10 s of the voice), or REF_KEY of a voice sent before")
            if key not in self.cache:
                raise RequestError(f"REF_KEY {key!r} is not cached (evicted or never sent); send REF_AUDIO with it once")
            self.cache.move_to_end(key)
            return self.cache[key]
        audio = audio_t.as_numpy().astype(np.float32).reshape(-1)
        sr_t = pb_utils.get_input_tensor_by_name(request, "REF_SAMPLE_RATE")
        sr = int(sr_t.as_numpy().reshape(-1)[0]) if sr_t is not None else self.sample_rate
        if key is None:
            key = hashlib.sha256(audio.tobytes() + str(sr).encode()).hexdigest()
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        seconds = len(audio) / sr
        lo, hi = self.ref_seconds
        if not lo <= seconds <= hi:
            raise RequestError(f"REF_AUDIO is {seconds:.2f} s long; the style encoder takes {lo:g}-{hi:g} s (trim or join recordings)")
        rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0
        if rms <= 1e-3:  # -60 dBFS
            raise RequestError("REF_AUDIO is silent (RMS below -60 dBFS); send a recording of speech")
        if np.mean(np.abs(audio) >= 0.999) > 0.01:
            warnings.append("REF_AUDIO clips (over 1% of samples at full scale); the voice may sound off")
        x = resample(audio, sr, self.sample_rate)
        ref_mel = self.mel(x)[None]
        spk, emo = await self._call("style_encoder", {"ref_mel": ref_mel}, ["speaker_embedding", "emotion_embedding"], warnings)
        self.cache[key] = (spk, emo)
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return spk, emo

    def _sentences(self, request, warnings):
        ids_t = pb_utils.get_input_tensor_by_name(request, "PHONEME_IDS")
        if ids_t is not None:
            ids = ids_t.as_numpy().astype(np.int32).reshape(-1)
            if len(ids) == 0:
                raise RequestError("PHONEME_IDS is empty")
            if len(ids) > self.max_text_len:
                raise RequestError(f"PHONEME_IDS has {len(ids)} ids, over max_text_len {self.max_text_len}; "
                                   "send shorter sentences (or TEXT, which is split for you)")
            return [ids]
        text_t = pb_utils.get_input_tensor_by_name(request, "TEXT")
        if text_t is None:
            raise RequestError("send TEXT (or PHONEME_IDS)")
        if self.frontend is None:
            raise RequestError("TEXT needs the text frontend, which needs Node.js >= 20 in the Triton image "
                               "(parameter node); send PHONEME_IDS instead")
        lang_t = pb_utils.get_input_tensor_by_name(request, "LANGUAGE")
        ans = self.frontend(_string(text_t), _string(lang_t) if lang_t is not None else "auto")
        if "error" in ans:
            raise RequestError(ans["error"] + (f" (fix: {ans['fix']})" if ans.get("fix") else ""))
        warnings.extend(ans["warnings"])
        return [np.asarray(s["ids"], dtype=np.int32) for s in ans["sentences"]]

    async def _synthesize(self, ids, spk, emo, warnings):
        (th,) = await self._call("text_encoder", {"phoneme_ids": ids[None]}, ["text_hidden"], warnings)
        cond = {"speaker_embedding": spk, "emotion_embedding": emo}
        log_d, adapted = await self._call("acoustic_encoder", {"text_hidden": th, **cond}, ["log_durations", "adapted_hidden"], warnings)
        # np.round is round-half-even, as the TypeScript and PyTorch length regulators.
        d = np.clip(np.round(np.exp(log_d[0].astype(np.float64)) - 1), self.min_frames, self.max_frames_per_phoneme).astype(np.int64)
        if int(d.sum()) > self.max_mel_frames:
            raise RequestError(f"a sentence needs {int(d.sum())} mel frames, over max_mel_frames {self.max_mel_frames}; "
                               "send shorter sentences")
        frames = np.repeat(adapted[0], d, axis=0)[None]
        (mel,) = await self._call("acoustic_decoder", {"frame_hidden": frames, **cond}, ["mel"], warnings)
        (wav,) = await self._call("vocoder", {"mel": mel}, ["waveform"], warnings)
        return wav.reshape(-1).astype(np.float32)

    async def execute(self, requests):  # async: BLS calls run under a deadline (async_exec)
        responses = []
        for request in requests:
            warnings = []
            try:
                spk, emo = await self._embeddings(request, warnings)
                emo_t = pb_utils.get_input_tensor_by_name(request, "EMOTION")
                if emo_t is not None and _string(emo_t):
                    label = _string(emo_t)
                    if label not in self.emotions:
                        raise RequestError(f"unknown EMOTION {label!r}; use one of: {', '.join(sorted(self.emotions))}")
                    emo = self.emotions[label][None]
                wav = np.concatenate([await self._synthesize(ids, spk, emo, warnings) for ids in self._sentences(request, warnings)])
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


def _string(t):
    v = t.as_numpy().reshape(-1)
    if len(v) == 0:
        return ""
    s = v[0]
    return s.decode("utf-8") if isinstance(s, bytes) else str(s)

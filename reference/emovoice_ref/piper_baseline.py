"""The baseline `emovoice bench` runs beside an imported Piper voice (the manifest's `baseline:`):
piper-tts (PyPI piper-tts, its own ONNX Runtime session over the UNSPLIT voice) on exactly our request —
the same token ids in the same sentence parts — so the columns differ only in the runtime.

    python3 -m emovoice_ref.piper_baseline --request request.json
request: {"model": <imported model folder>, "device": "cpu", "parts": [[ids…], …], "warmup": n,
          "requests": n, "streams": [1, 2, …]}
Prints one JSON object: device, runtime, latencies_ms (one per request: every part in order),
stages_ms, sweep (per streams level: latencies and wall time), peak_rss_mib, audio_seconds, phonemes.
With "stream": true and "text" (`emovoice bench --stream`), each request is piper-tts's own streaming
from text: `PiperVoice.synthesize` yields one sentence's audio at a time, so its first audio is its first
sentence's; first_audio_ms (one per request, and per sweep level) is the time to that first chunk and
latencies_ms the time to the last.
The voice file is the one the import read (import_check.json → source.path). Exit 3 when piper-tts or
the voice is not there (one line saying which).
"""
import argparse
import json
import os
import resource
import sys
import threading
import time


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--request", required=True)
    a = ap.parse_args(argv)
    req = json.load(open(a.request, encoding="utf-8"))
    check = os.path.join(req["model"], "import_check.json")
    try:
        voice_path = json.load(open(check, encoding="utf-8"))["source"]["path"]
    except (OSError, KeyError) as e:
        print(f"no source voice recorded in {check} ({e}); re-run emovoice import piper", file=sys.stderr)
        return 3
    if not os.path.isfile(voice_path):
        print(f"the source voice {voice_path} is gone; reinstall it (scripts/setup.sh)", file=sys.stderr)
        return 3
    try:
        import onnxruntime
        from importlib.metadata import version
        from piper import PiperVoice, SynthesisConfig
    except ImportError as e:
        print(f"piper-tts is not installed ({e.name}); scripts/setup.sh installs piper-tts==1.8.0", file=sys.stderr)
        return 3
    voice = PiperVoice.load(voice_path)
    cfg = SynthesisConfig(normalize_audio=False)
    parts = [list(p) for p in req["parts"]]
    rate = voice.config.sample_rate

    stream = bool(req.get("stream"))
    first_ms = []

    def one_request(first=None):
        if not stream:
            return sum(voice.phoneme_ids_to_audio(p, cfg).size for p in parts)
        t0, n = time.perf_counter(), 0
        for i, chunk in enumerate(voice.synthesize(req["text"], cfg)):
            if i == 0 and first is not None:
                first.append((time.perf_counter() - t0) * 1000)
            n += chunk.audio_float_array.size
        return n

    for _ in range(max(1, int(req.get("warmup", 1)))):
        samples = one_request()
    latencies = []
    for _ in range(int(req.get("requests", 10))):
        t0 = time.perf_counter()
        one_request(first_ms)
        latencies.append((time.perf_counter() - t0) * 1000)

    sweep = []
    for streams in req.get("streams", []) or []:
        lat, first, lock = [], [], threading.Lock()

        def worker():
            for _ in range(max(1, int(req.get("requests", 10)) // max(1, streams))):
                t0 = time.perf_counter()
                mine = []
                one_request(mine)
                with lock:
                    lat.append((time.perf_counter() - t0) * 1000)
                    first.extend(mine)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(int(streams))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sweep.append({"streams": int(streams), "latencies_ms": lat, "wall_s": time.perf_counter() - t0,
                      **({"first_audio_ms": first} if stream else {})})

    print(json.dumps({
        "device": "cpu",
        "name": f"piper-tts {version('piper-tts')}",
        "runtime": f"piper-tts {version('piper-tts')} (onnxruntime {onnxruntime.__version__}), the unsplit voice",
        "latencies_ms": latencies,
        "stages_ms": {},
        "sweep": sweep,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_gpu_mib": None,
        "audio_seconds": samples / rate,
        **({"first_audio_ms": first_ms, "stream": "piper-tts PiperVoice.synthesize: one sentence at a time, from text"} if stream else {}),
        "phonemes": sum(len(p) for p in parts),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

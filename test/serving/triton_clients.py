"""Real Triton clients (PyPI tritonclient, HTTP and gRPC) for test/serving/triton-server.test.ts: the
server under test is a real tritonserver started by `emovoice serve --triton`.

  python3 triton_clients.py infer JSON    one request after another; prints each outcome, writes WAVEFORM as .npy
  python3 triton_clients.py stream JSON   one streaming request to emovoice_stream (gRPC bidirectional stream, the
                                          decoupled model): every response in arrival order, then the same text
                                          through emovoice (not streamed); writes both as .npy
  python3 triton_clients.py load JSON     N clients for T seconds (bounded), each response checked against the
                                          audio one request alone gets for the same text; optionally kills the
                                          Python backend stub of one model mid-load, then probes recovery

JSON (a file path or inline): {"http": "127.0.0.1:8000", "grpc": "127.0.0.1:8001", ...}. Inputs are given as
{"TEXT": "hello"} (BYTES) or {"SPEAKER": {"dtype": "INT32", "data": [3]}}. Every call has a client-side
limit (client_timeout_s), so a hang is an outcome ("hang"), never a stuck test. Output: one JSON object.
"""
import json
import os
import signal
import sys
import threading
import time

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

MODEL = "emovoice"
STREAM_MODEL = "emovoice_stream"


def tensors(mod, inputs):
    out = []
    for name, v in inputs.items():
        if isinstance(v, str):
            arr, dtype = np.array([v.encode("utf-8")], dtype=np.object_), "BYTES"
        else:
            dtype = v["dtype"]
            if dtype == "BYTES":
                arr = np.array([x.encode("utf-8") for x in v["data"]], dtype=np.object_)
            else:
                arr = np.array(v["data"], dtype={"FP32": np.float32, "INT32": np.int32, "INT64": np.int64, "FP64": np.float64}[dtype])
        t = mod.InferInput(name, list(arr.shape), dtype)
        t.set_data_from_numpy(arr)
        out.append(t)
    return out


class Client:
    def __init__(self, cfg, protocol):
        self.protocol = protocol
        self.limit = float(cfg.get("client_timeout_s", 60))
        if protocol == "grpc":
            self.mod, self.c = grpcclient, grpcclient.InferenceServerClient(cfg["grpc"])
        else:
            self.mod = httpclient
            self.c = httpclient.InferenceServerClient(cfg["http"], connection_timeout=self.limit, network_timeout=self.limit)

    def infer(self, inputs, timeout_us=None):
        """(waveform, sample_rate, warnings, None) or (None, None, None, (status, message))."""
        kw = {"timeout": int(timeout_us)} if timeout_us else {}
        if self.protocol == "grpc":
            kw["client_timeout"] = self.limit
        try:
            r = self.c.infer(MODEL, tensors(self.mod, inputs), **kw)
        except InferenceServerException as e:
            return None, None, None, (str(e.status()), e.message() or str(e))
        except Exception as e:  # the HTTP client's own timeout, a refused connection
            return None, None, None, (type(e).__name__, str(e))
        w = r.as_numpy("WARNINGS")
        return r.as_numpy("WAVEFORM"), int(r.as_numpy("SAMPLE_RATE")[0]), [x.decode() for x in (w if w is not None else [])], None


def is_hang(err):
    return err is not None and ("DEADLINE_EXCEEDED" in err[0] or "timeout" in err[0].lower() or "timed out" in err[1].lower())


def cmd_infer(cfg):
    out = cfg.get("out")
    results = []
    for r in cfg["requests"]:
        c = Client(cfg, r.get("protocol", cfg.get("protocol", "http")))
        t0 = time.monotonic()
        wav, sr, warnings, err = c.infer(r["inputs"], r.get("timeout_us"))
        res = {"name": r["name"], "ms": (time.monotonic() - t0) * 1000}
        if err:
            res.update(status=err[0], error=err[1])
        else:
            res.update(samples=int(wav.size), sample_rate=sr, warnings=warnings)
            if out:
                np.save(os.path.join(out, f"{r['name']}.npy"), wav.astype(np.float32))
        results.append(res)
    return {"results": results}


def cmd_stream(cfg):
    """{"responses": [{"samples": n, "final": bool} | {"error": msg}, ...] in arrival order, "ended": whether a
    response flagged final came within client_timeout_s, "whole": samples of emovoice's answer (or "whole_error")}."""
    import queue
    limit = float(cfg.get("client_timeout_s", 60))
    inputs = cfg["inputs"]
    got = queue.Queue()
    c = grpcclient.InferenceServerClient(cfg["grpc"])
    c.start_stream(callback=lambda result, error: got.put((result, error)), stream_timeout=limit)
    c.async_stream_infer(STREAM_MODEL, tensors(grpcclient, inputs), request_id="stream-1", enable_empty_final_response=True)
    responses, chunks, ended = [], [], False
    deadline = time.monotonic() + limit
    while not ended and time.monotonic() < deadline:
        try:
            result, error = got.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if error is not None:  # a server error ends the request: reported, never dropped
            responses.append({"error": error.message() if isinstance(error, InferenceServerException) else str(error)})
            break
        final = result.get_response().parameters["triton_final_response"].bool_param
        wav = result.as_numpy("WAVEFORM")
        responses.append({"samples": None if wav is None else int(wav.size), "final": final, "id": result.get_response().id})
        if wav is not None:
            chunks.append(wav.astype(np.float32).reshape(-1))
        ended = final
    c.stop_stream()
    out = {"responses": responses, "ended": ended}
    np.save(os.path.join(cfg["out"], "streamed.npy"), np.concatenate(chunks) if chunks else np.zeros(0, np.float32))
    wav, _, _, err = Client(cfg, "grpc").infer(inputs)
    if err:
        out["whole_error"] = list(err)
    else:
        out["whole"] = int(wav.size)
        np.save(os.path.join(cfg["out"], "whole.npy"), wav.astype(np.float32))
    return out


def stub_pids(repo, model, server_pid):
    """The Python backend stub processes of one model (children of the server, started on <repo>/<model>/1/model.py)."""
    want = os.path.join(repo, model, "1", "model.py")
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if len(argv) > 1 and argv[0].endswith(b"triton_python_backend_stub") and argv[1].decode() == want and ppid == server_pid:
            pids.append(int(p))
    return pids


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))] if xs else None


def cmd_load(cfg):
    texts = cfg["texts"]
    extra = cfg.get("inputs", {})
    protocol = cfg.get("protocol", "grpc")
    # The audio one request alone gets for each text: a response under load must be exactly that (complete, not mixed).
    refs = {}
    c0 = Client(cfg, protocol)
    for t in texts:
        wav, _, _, err = c0.infer({"TEXT": t, **extra})
        if err:
            return {"error": f"reference request failed: {err}"}
        refs[t] = wav
    records, lock = [], threading.Lock()
    start = time.monotonic()
    stop_at = start + float(cfg["seconds"])

    def client(i):
        c = Client(cfg, protocol)
        k = i
        while time.monotonic() < stop_at:
            text = texts[k % len(texts)]
            k += 1
            t0 = time.monotonic()
            wav, _, warnings, err = c.infer({"TEXT": text, **extra})
            t1 = time.monotonic()
            rec = {"t": t0 - start, "ms": (t1 - t0) * 1000, "client": i}
            if err:
                rec.update(outcome="hang" if is_hang(err) else "error", error=f"{err[0]}: {err[1]}"[:300])
            else:
                ref = refs[text]
                same = wav.shape == ref.shape and float(np.max(np.abs(wav - ref))) <= 1e-4 * max(1e-6, float(np.max(np.abs(ref))))
                rec.update(outcome="ok" if same else "mismatch", samples=int(wav.size), want=int(ref.size),
                           fallback=any("answered by" in w for w in warnings))
            with lock:
                records.append(rec)
            if err:  # as a client would: a short pause before the next try, not a busy loop against a model being reloaded
                time.sleep(0.2)

    kill = cfg.get("kill")
    killed = {}

    def killer():
        time.sleep(float(kill["after_s"]))
        pids = stub_pids(cfg["repo"], kill["model"], int(cfg["server_pid"]))
        killed.update(model=kill["model"], pids=pids, at_s=time.monotonic() - start)
        for p in pids:
            os.kill(p, signal.SIGKILL)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(int(cfg["clients"]))]
    if kill:
        threads.append(threading.Thread(target=killer))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    ok = [r for r in records if r["outcome"] == "ok"]
    lat = [r["ms"] for r in ok]
    errors = {}
    for r in records:
        if r["outcome"] in ("error", "hang"):
            errors[r["error"]] = errors.get(r["error"], 0) + 1
    report = {
        "streams": int(cfg["clients"]), "seconds": wall, "requests": len(records),
        "ok": len(ok), "errors": sum(r["outcome"] == "error" for r in records), "hangs": sum(r["outcome"] == "hang" for r in records),
        "mismatches": sum(r["outcome"] == "mismatch" for r in records), "fallbacks": sum(bool(r.get("fallback")) for r in ok),
        "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "max_ms": max(lat) if lat else None,
        "throughput_rps": len(ok) / wall if wall else 0, "error_messages": errors,
        "audio_seconds": sum(r["samples"] for r in ok) / float(cfg.get("sample_rate", 22050)),
    }
    if kill:
        report["kill"] = killed
        after = [r for r in records if r["t"] >= killed.get("at_s", wall)]
        report["after_kill"] = {k: sum(r["outcome"] == k for r in after) for k in ("ok", "error", "hang", "mismatch")}
        report["after_kill"]["fallback"] = sum(bool(r.get("fallback")) for r in after)
        # Recovery: the killed model's readiness, a new stub process, and a request served within the bound.
        probe = Client(cfg, protocol)
        t0 = time.monotonic()
        served, last = None, None
        while time.monotonic() - t0 < float(kill.get("recover_s", 20)):
            wav, _, warnings, err = probe.infer({"TEXT": texts[0], **extra})
            if err is None and wav.shape == refs[texts[0]].shape:
                served = {"after_s": time.monotonic() - t0, "warnings": warnings}
                break
            last = err
            time.sleep(0.5)
        # ... and the killed model back with a new backend process (serve loads it again), within the same bound
        hc = httpclient.InferenceServerClient(cfg["http"])
        while True:
            new = [p for p in stub_pids(cfg["repo"], kill["model"], int(cfg["server_pid"])) if p not in killed.get("pids", [])]
            if (new and hc.is_model_ready(kill["model"])) or time.monotonic() - t0 > float(kill.get("recover_s", 20)):
                break
            time.sleep(0.5)
        report["recovery"] = {"served": served, "last_error": list(last) if last else None, "model_ready": hc.is_model_ready(kill["model"]),
                              "server_live": hc.is_server_live(), "new_stub_pids": new, "after_s": time.monotonic() - t0}
    return report


if __name__ == "__main__":
    arg = sys.argv[2]
    cfg = json.load(open(arg)) if os.path.exists(arg) else json.loads(arg)
    print(json.dumps({"infer": cmd_infer, "load": cmd_load, "stream": cmd_stream}[sys.argv[1]](cfg)))

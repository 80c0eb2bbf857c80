"""Peer benchmark (not a test): emovoice's INT8 calibration of the vocoder against ONNX Runtime's
own (onnxruntime.quantization: entropy calibrator + quantize_static, QDQ, per-channel int8) on the
same model and the same real speech. Prints ranges, quality on held-out speech and calibration
throughput as ratios, and writes bench/out/calibrate_peer.json.

    node bin/emovoice.js calibrate vocoder --json > bench/out/ours.json   # first (writes calibration/out)
    python3 bench/calibrate_peer.py [--samples 64] [--heldout 8]
"""
import argparse
import json
import os
import struct
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
import yaml
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "reference"))
from emovoice_ref.audio import log_mel, read_wav  # noqa: E402
from emovoice_ref.config import CONFIGS  # noqa: E402
from scipy.signal import resample_poly  # noqa: E402


def inputs(split, n, c, max_len):
    man = yaml.safe_load(open(os.path.join(ROOT, "calibration/speech.yaml"), encoding="utf-8"))
    out = []
    for e in man["clips"] if "clips" in man else man["entries"]:
        if e.get("split") != split:
            continue
        path = os.path.join(ROOT, "calibration/speech", f"{e['id']}.wav")
        if not os.path.exists(path):
            continue
        x, sr = read_wav(path)
        g = np.gcd(sr, c.sample_rate)
        x = resample_poly(x, c.sample_rate // g, sr // g).astype(np.float32)
        m = log_mel(x, c)
        for s in range(0, m.shape[1], max_len):
            chunk = m[:, s : s + max_len]
            if chunk.shape[1] == max_len:  # ORT's calibrator stacks inputs, so they must share one shape
                out.append(np.ascontiguousarray(chunk[None]))
            if len(out) >= n:
                return out
    return out


class Reader(CalibrationDataReader):
    def __init__(self, feeds):
        self.it = iter(feeds)

    def get_next(self):
        x = next(self.it, None)
        return None if x is None else {"mel": x}


def snr(out, ref):
    return 10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / max(np.sum((ref - out).astype(np.float64) ** 2), 1e-30))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--heldout", type=int, default=8)
    a = ap.parse_args()
    c = CONFIGS["tiny"]
    model = os.path.join(ROOT, "models/tiny/vocoder.onnx")
    calib = inputs("calibration", a.samples, c, 200)
    held = inputs("heldout", a.heldout, c, 200)
    speech_s = sum(x.shape[2] for x in calib) * c.hop / c.sample_rate
    with tempfile.TemporaryDirectory() as d:
        theirs = os.path.join(d, "vocoder.ort-qdq.onnx")
        t0 = time.perf_counter()
        quantize_static(model, theirs, Reader(calib), quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                        weight_type=QuantType.QInt8, per_channel=True, calibrate_method=CalibrationMethod.Entropy)
        their_s = time.perf_counter() - t0
        fp32 = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
        s_theirs = ort.InferenceSession(theirs, providers=["CPUExecutionProvider"])
        ours_path = os.path.join(ROOT, "calibration/out/vocoder.qdq.onnx")
        s_ours = ort.InferenceSession(ours_path, providers=["CPUExecutionProvider"])
        q_ours, q_theirs = [], []
        for x in held:
            ref = fp32.run(None, {"mel": x})[0]
            q_ours.append(snr(s_ours.run(None, {"mel": x})[0], ref))
            q_theirs.append(snr(s_theirs.run(None, {"mel": x})[0], ref))
        # ranges: theirs from the QDQ scale initializers, ours from the TensorRT cache
        their_scale = {i.name[: -len("_scale")]: float(onnx.numpy_helper.to_array(i).reshape(-1)[0])
                       for i in onnx.load(theirs).graph.initializer if i.name.endswith("_scale") and onnx.numpy_helper.to_array(i).size == 1}
    ours_scale = {}
    for line in open(os.path.join(ROOT, "calibration/out/vocoder.calib")).read().splitlines()[1:]:
        name, hexv = line.rsplit(": ", 1)
        ours_scale[name] = struct.unpack(">f", bytes.fromhex(hexv.rjust(8, "0")))[0]
    common = sorted(set(ours_scale) & set(their_scale))
    ratios = np.array([ours_scale[k] / their_scale[k] for k in common if their_scale[k] > 0])
    ours_report = {}
    qp = os.path.join(ROOT, "calibration/out/vocoder.quality.json")
    if os.path.exists(qp):
        ours_report = json.load(open(qp))
    our_sps = ours_report.get("calibration", {}).get("speechSecondsPerSecond")
    res = {
        "calibration_inputs": len(calib), "calibration_speech_seconds": speech_s, "heldout_inputs": len(held),
        "snr_db": {"emovoice": float(np.mean(q_ours)), "onnxruntime": float(np.mean(q_theirs))},
        "ranges": {"common_tensors": len(common), "scale_ratio_median": float(np.median(ratios)) if len(ratios) else None,
                   "scale_ratio_p10_p90": [float(np.percentile(ratios, 10)), float(np.percentile(ratios, 90))] if len(ratios) else None},
        "throughput_speech_s_per_s": {"emovoice": our_sps, "onnxruntime": speech_s / their_s},
    }
    os.makedirs(os.path.join(ROOT, "bench/out"), exist_ok=True)
    json.dump(res, open(os.path.join(ROOT, "bench/out/calibrate_peer.json"), "w"), indent=2)
    print(f"{'':32} {'emovoice':>12} {'onnxruntime':>12} {'ratio':>8}")
    print(f"{'held-out SNR vs fp32 (dB)':32} {res['snr_db']['emovoice']:12.2f} {res['snr_db']['onnxruntime']:12.2f} {res['snr_db']['emovoice'] - res['snr_db']['onnxruntime']:+8.2f} dB")
    if our_sps:
        print(f"{'calibration speed (speech s/s)':32} {our_sps:12.1f} {speech_s / their_s:12.1f} {our_sps / (speech_s / their_s):8.2f}x")
    if len(ratios):
        print(f"ranges: {len(common)} common tensors, our scale / theirs: median {np.median(ratios):.3f}, p10-p90 {np.percentile(ratios, 10):.3f}-{np.percentile(ratios, 90):.3f}")
    print("(note: calibration inputs are the same recordings; resampling differs slightly (scipy here, emovoice's own in TS))")


if __name__ == "__main__":
    main()

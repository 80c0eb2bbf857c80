"""Peer benchmark (not a test): ONNX Runtime's own INT8 quantizer (onnxruntime.quantization.quantize_static)
on the same real model and the same data emovoice calibrated on: the vocoder of the Piper voice, fed the
windows of real latents that `emovoice calibrate --window N --save-inputs` derived from the calibration
transcripts through the FP32 graph and saved (ORT's Entropy and Percentile calibrators stack their
inputs, so every input must have one shape: both sides use the same equal-length windows).

ORT's settings are the ones it documents for TensorRT-bound models: QDQ format, int8 activations made
symmetric, per-channel int8 weights; the operators quantized are ours (Conv, ConvTranspose, MatMul,
Gemm). Writes one QDQ model per calibrator (Entropy, Percentile, MinMax) and ort.json (files, seconds,
Q/DQ counts) beside emovoice's outputs; bench/calibrate_compare.ts then measures every model, ours and these, with the
same code (SNR, LSD, MCD on the held-out windows; WER through the graph).

    npm run bench:calibrate      # emovoice calibrate → this → bench/calibrate_compare.ts
    python3 bench/calibrate_peer.py [--report bench/out/calibrate/vocoder.quality.json] [--methods Entropy,Percentile,MinMax]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

METHODS = {"Entropy": CalibrationMethod.Entropy, "Percentile": CalibrationMethod.Percentile, "MinMax": CalibrationMethod.MinMax}


class Windows(CalibrationDataReader):
    def __init__(self, feeds):
        self.it = iter(feeds)

    def get_next(self):
        return next(self.it, None)


def saved_inputs(path, split):
    """The feeds emovoice saved: keys <split>/<index>/<input name>, in index order."""
    z = np.load(path)
    by_index = {}
    for k in z.files:
        s, i, name = k.split("/", 2)
        if s == split:
            by_index.setdefault(i, {})[name] = z[k]
    return [by_index[i] for i in sorted(by_index)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--report", default="bench/out/calibrate/vocoder.quality.json", help="emovoice calibrate's report (beside its outputs)")
    ap.add_argument("--methods", default="Entropy,Percentile,MinMax")
    a = ap.parse_args(argv)
    if not os.path.exists(a.report):
        print(f"error: {a.report} not found (fix: run emovoice calibrate first: npm run bench:calibrate)", file=sys.stderr)
        return 2
    ours = json.load(open(a.report, encoding="utf-8"))
    out_dir = os.path.dirname(os.path.abspath(a.report))
    inputs = ours["outputs"].get("inputs")
    if not inputs or not os.path.exists(inputs):
        print(f"error: {a.report} names no saved inputs (fix: run emovoice calibrate with --save-inputs)", file=sys.stderr)
        return 2
    model = ours["model"]
    calib = saved_inputs(inputs, "calibration")
    shapes = {tuple(v.shape) for f in calib for v in f.values()}
    if len(shapes) > 1:
        print(f"error: the saved inputs have {len(shapes)} shapes (fix: calibrate with --window N)", file=sys.stderr)
        return 2
    results = []
    for name in a.methods.split(","):
        out = os.path.join(out_dir, f"ort-{name.lower()}.qdq.onnx")
        t0 = time.perf_counter()
        quantize_static(
            model, out, Windows(calib),
            quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
            per_channel=True, calibrate_method=METHODS[name],
            op_types_to_quantize=["Conv", "ConvTranspose", "MatMul", "Gemm"],
            extra_options={"ActivationSymmetric": True, "WeightSymmetric": True},
        )
        seconds = time.perf_counter() - t0
        ops = [n.op_type for n in onnx.load(out).graph.node]
        results.append({"method": name, "file": os.path.abspath(out), "seconds": seconds,
                         "quantize_linear": ops.count("QuantizeLinear"), "dequantize_linear": ops.count("DequantizeLinear")})
        print(f"ORT {name:<10} {seconds:7.1f} s  {ops.count('QuantizeLinear')} QuantizeLinear  → {out}", flush=True)
    json.dump({
        "onnxruntime": onnxruntime.__version__,
        "settings": "quantize_static: QDQ, QInt8 activations (ActivationSymmetric) and weights (per-channel, symmetric); ops Conv, ConvTranspose, MatMul, Gemm",
        "calibration_inputs": len(calib),
        "input_shape": list(next(iter(shapes))),
        "models": results,
    }, open(os.path.join(out_dir, "ort.json"), "w", encoding="utf-8"), indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""EmotiVoice-compatible reference model for emovoice: PyTorch modules, per-module ONNX export,
PyTorch reference outputs. See docs/model-manifest.md for the tensor contracts."""

"""EmotiVoice as it really is: its released checkpoints' modules (BERT style/content encoder, PromptTTS
acoustic model, HiFi-GAN), their export to per-module ONNX and the PyTorch references (family `emotivoice`)."""

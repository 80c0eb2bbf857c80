import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
MODELS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "models"))

# The tests run on small shared machines (2 cores, other jobs beside): torch's intra-op threads then
# wait on each other for every small op (11 ms an op measured here, against ~0.1 ms with one thread).
import torch  # noqa: E402

torch.set_num_threads(1)

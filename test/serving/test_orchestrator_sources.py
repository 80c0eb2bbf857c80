"""The orchestrator's conditioning sources (src/serving/orchestrator.py, Source) for every kind a manifest
may declare — audio, label (a vector table or text values), id (with names, or a count), text — read from
request inputs named as src/serving/contract.ts names them: values, cache keys, defaults, and the one-line
errors a client gets. The bundled tiny model has audio and label sources only, so the other kinds are
checked here, on the pb_utils stand-in's request objects."""
import importlib.util
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "triton_stub"))
import triton_python_backend_utils as pb_utils  # noqa: E402  (the stand-in)

spec = importlib.util.spec_from_file_location("orchestrator", os.path.join(ROOT, "src", "serving", "orchestrator.py"))
orch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(orch)


def request(**inputs):
    tensors = []
    for k, v in inputs.items():
        if isinstance(v, str):
            tensors.append(pb_utils.Tensor(k, np.array([v.encode()], dtype=np.object_)))
        else:
            tensors.append(pb_utils.Tensor(k, np.asarray(v)))
    return pb_utils.StubRequest(tensors)


def source(tmp_path=None, **spec):
    base = {"name": "s", "output": "s_out", "required": False, "dtype": "int32"}
    return orch.Source({**base, **spec}, str(tmp_path or ""), 16000)


SPEAKER = dict(name="speaker", kind="id", flag="speaker", names=["ann", "bob", "cyd"], inputs={"id": "SPEAKER", "name": "SPEAKER_NAME"})


def test_id_by_number_by_name_and_default():
    s = source(**SPEAKER, default=2)
    g = s.read(request(SPEAKER=np.array([1], np.int32)))
    assert g.key == "1" and g.value([]).dtype == np.int32 and g.value([]).tolist() == [1]
    assert s.read(request(SPEAKER_NAME="ann")).key == "0"
    assert s.read(request()).key == "2" and not s.read(request()).explicit  # the manifest's default, not the request's
    assert source(**SPEAKER, default="bob").read(request()).key == "1"  # a default given by name
    assert source(**{**SPEAKER, "dtype": "int64"}).read(request(SPEAKER=np.array([0], np.int32))).value([]).dtype == np.int64


def test_id_errors_name_the_input_and_the_range():
    s = source(**SPEAKER)
    with pytest.raises(orch.RequestError, match=r"^SPEAKER 3 is outside the table \(0-2\); use an id from 0 to 2$"):
        s.read(request(SPEAKER=np.array([3], np.int32)))
    with pytest.raises(orch.RequestError, match=r"^SPEAKER_NAME 'dan' is not a known name; give an id from 0 to 2 in SPEAKER, or a name such as ann, bob, cyd$"):
        s.read(request(SPEAKER_NAME="dan"))
    assert s.read(request()) is None  # optional, no default: the graph runs without it
    counted = source(name="seat", kind="id", flag="seat", count=4, inputs={"id": "SEAT"}, required=True, description="which seat")
    with pytest.raises(orch.RequestError, match=r"^this model needs SEAT \(which seat\)$"):
        counted.read(request())
    assert counted.read(request(SEAT=np.array([3], np.int32))).key == "3"


def test_label_with_text_values_and_with_a_vector_table(tmp_path):
    prompts = source(name="emotion", kind="label", flag="emotion", labels=["neutral", "happy"], values={"neutral": "普通", "happy": "开心"},
                     default="neutral", inputs={"value": "EMOTION"})
    assert prompts.read(request(EMOTION="happy")).value([]) == "开心"
    assert prompts.read(request(EMOTION="")).value([]) == "普通"  # an empty string is the same as leaving it out
    with pytest.raises(orch.RequestError, match=r"^unknown EMOTION 'sleepy'; use one of: happy, neutral$"):
        prompts.read(request(EMOTION="sleepy"))
    np.savez(tmp_path / "emotions.npz", neutral=np.zeros(3, np.float32), happy=np.arange(3, dtype=np.float32))
    table = source(tmp_path, name="emotion", kind="label", flag="emotion", labels=["neutral", "happy"], table="emotions.npz", inputs={"value": "EMOTION"})
    v = table.read(request(EMOTION="happy")).value([])
    assert v.shape == (1, 3) and v.dtype == np.float32 and v.tolist() == [[0, 1, 2]]


def test_text_source():
    s = source(name="prompt", kind="text", flag="prompt", inputs={"value": "PROMPT"}, required=True)
    g = s.read(request(PROMPT="a calm voice"))
    assert (g.key, g.value([])) == ("a calm voice", "a calm voice")
    with pytest.raises(orch.RequestError, match=r"^this model needs PROMPT$"):
        s.read(request(PROMPT=""))


def test_audio_source_key_hash_and_checks():
    s = source(name="reference", kind="audio", flag="ref", seconds={"min": 1, "max": 2}, required=True,
               inputs={"audio": "REF_AUDIO", "sample_rate": "REF_SAMPLE_RATE", "key": "REF_KEY"})
    tone = (0.5 * np.sin(np.arange(24000) / 10)).astype(np.float32)  # 1.5 s at 16 kHz
    a, b = s.read(request(REF_AUDIO=tone)), s.read(request(REF_AUDIO=tone.copy()))
    assert a.key == b.key and len(a.key) == 64  # the content hash: the same voice hits the same cache entries
    assert s.read(request(REF_AUDIO=tone, REF_KEY="alice")).key == "alice"
    assert a.value([]).shape == (1, 24000)
    at8k = s.read(request(REF_AUDIO=tone[:12000], REF_SAMPLE_RATE=np.array([8000], np.int32)))
    assert at8k.value([]).shape == (1, 24000)  # resampled to the model's rate
    assert at8k.key != s.read(request(REF_AUDIO=tone[:12000])).key
    with pytest.raises(orch.RequestError, match=r"^REF_AUDIO is 3\.00 s long; this model takes 1-2 s"):
        s.read(request(REF_AUDIO=np.tile(tone, 2))).value([])  # checked when a stage first needs it
    with pytest.raises(orch.RequestError, match=r"silent"):
        s.read(request(REF_AUDIO=np.zeros(24000, np.float32))).value([])
    warnings = []
    s.read(request(REF_AUDIO=np.sign(tone))).value(warnings)
    assert warnings == ["REF_AUDIO clips (over 1% of samples at full scale); the result may sound off"]
    only_key = s.read(request(REF_KEY="bob"))
    assert only_key.key == "bob"
    with pytest.raises(orch.RequestError, match=r"^REF_KEY 'bob' is not cached \(evicted or never sent\); send REF_AUDIO with it once$"):
        only_key.value([])
    with pytest.raises(orch.RequestError, match=r"^send REF_AUDIO, or REF_KEY of a recording sent before$"):
        s.read(request())

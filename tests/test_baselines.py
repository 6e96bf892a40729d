"The baselines against textbook formulas on small random data, and the `Recommender` contract for each of them."
import numpy as np, pandas as pd, pytest, torch
from types import SimpleNamespace
from llmrec.core import NotFittedError, Popularity, REC_COLS
from llmrec.data import synthetic_dataset, leave_last_out, random_split
from llmrec.metrics import ranking_metrics
from llmrec.baselines import UserKNN, ItemKNN, EASE, ALS, BPR, BiasedMF, Hybrid


def random_data(n_users=25, n_items=40, density=0.2, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.random((n_users, n_items)) < density).astype(np.float64)
    X[np.arange(n_users), rng.integers(n_items, size=n_users)] = 1           # nobody is empty
    X[:, -1] = 0                                                             # one item nobody rated
    u, i = np.nonzero(X)
    ratings = pd.DataFrame({"user_id": u + 100, "item_id": i + 1, "rating": rng.integers(1, 6, len(u)).astype(float), "timestamp": 0})
    return SimpleNamespace(ratings=ratings, items=pd.DataFrame({"item_id": np.arange(1, n_items + 1)})), X


@pytest.fixture(scope="module")
def split():
    return leave_last_out(synthetic_dataset(n_users=80, n_items=150, events_per_user=25, seed=2), n_test=3, n_valid=3)


MODELS = [lambda: UserKNN(k=10), lambda: ItemKNN(k=20), lambda: EASE(lam=50), lambda: ALS(factors=8, iterations=3),
          lambda: BPR(factors=8, epochs=3), lambda: BiasedMF(factors=4, epochs=3),
          lambda: Hybrid({"ease": EASE(lam=50), "pop": Popularity()})]


@pytest.mark.parametrize("make", MODELS)
def test_recommender_contract(make, split):
    m = make()
    with pytest.raises(NotFittedError): m.recommend([1])
    assert m.fit(split.train) is m
    users = split.test.user_id.unique()
    recs = m.recommend(users, k=7)
    assert recs.columns.tolist() == REC_COLS
    assert (recs.groupby("user_id").size() == 7).all() and not recs.duplicated(["user_id", "item_id"]).any()
    seen = pd.MultiIndex.from_frame(split.train.ratings[["user_id", "item_id"]])
    assert not pd.MultiIndex.from_frame(recs[["user_id", "item_id"]]).isin(seen).any()
    assert not [a for a in vars(make()) if a.endswith("_")]                 # __init__ learns nothing
    assert repr(m).startswith(type(m).__name__ + "(")


@pytest.mark.parametrize("make", [m for m in MODELS[2:] if not isinstance(m(), BiasedMF)])   # MF is checked on RMSE instead
def test_learned_models_beat_popularity(make, split):
    "On data with strong genre structure every personalised ranking model must beat popularity on the test items."
    users = split.test.user_id.unique()
    ndcg = lambda m: ranking_metrics(m.fit(split.train).recommend(users, 10), split.test, 10).ndcg.mean()
    assert ndcg(make()) > ndcg(Popularity())


def test_userknn_matches_formula():
    ds, X = random_data()
    m = UserKNN(k=5, shrink=2.0).fit(ds)
    sim = X @ X.T / (np.outer(np.linalg.norm(X, axis=1), np.linalg.norm(X, axis=1)) + 2.0)
    np.fill_diagonal(sim, 0)
    want = np.zeros_like(X)
    for u in range(len(X)):
        nb = np.argsort(-sim[u], kind="stable")[:5]
        want[u] = sim[u, nb] @ X[nb]
    np.testing.assert_allclose(m.score(ds.ratings.user_id.unique()).numpy(), want, atol=1e-5)


def test_itemknn_matches_formula():
    ds, X = random_data(seed=1)
    m = ItemKNN(k=4, shrink=3.0, block=7).fit(ds)                         # blocks smaller than the catalogue
    n = np.linalg.norm(X, axis=0)
    sim = X.T @ X / (np.outer(n, n) + 3.0)
    np.fill_diagonal(sim, 0)
    S = np.zeros_like(sim)
    for i in range(len(sim)):
        nb = np.argsort(-sim[i], kind="stable")[:4]
        S[i, nb] = sim[i, nb]
    S[S <= 0] = 0
    np.testing.assert_allclose(m.sim_.toarray(), S, atol=1e-6)
    np.testing.assert_allclose(m.score(ds.ratings.user_id.unique()).numpy(), X @ S, atol=1e-5)


@pytest.mark.parametrize("shape", [(25, 40), (40, 25)])
def test_ease_primal_dual_and_formula(shape):
    ds, X = random_data(*shape, seed=3)
    users = ds.ratings.user_id.unique()
    P = np.linalg.inv(X.T @ X + 7.0 * np.eye(X.shape[1]))
    B = np.eye(X.shape[1]) - P / np.diag(P)
    for dual in (False, True, None):
        m = EASE(lam=7.0, dual=dual).fit(ds)
        np.testing.assert_allclose(m.score(users).numpy(), X @ B, atol=1e-4)
    assert EASE(lam=7.0).fit(ds).dual_ == (shape[0] < shape[1])


def test_als_decreases_its_objective_and_is_seeded():
    ds, _ = random_data(seed=4)
    losses = [ALS(factors=4, reg=0.5, alpha=3, iterations=n, seed=1).fit(ds).loss() for n in (1, 2, 4, 8)]
    assert all(a >= b - 1e-4 for a, b in zip(losses, losses[1:])) and losses[-1] < losses[0]
    a, b = ALS(factors=4, iterations=2, seed=5).fit(ds), ALS(factors=4, iterations=2, seed=5).fit(ds)
    assert torch.equal(a.user_f_, b.user_f_)
    assert not torch.equal(a.user_f_, ALS(factors=4, iterations=2, seed=6).fit(ds).user_f_)


def test_bpr_and_mf_are_seeded():
    ds, _ = random_data(seed=6)
    for cls in (BPR, BiasedMF):
        a, b, c = (cls(factors=4, epochs=2, seed=s).fit(ds) for s in (1, 1, 2))
        assert torch.equal(a.item_f_, b.item_f_) and not torch.equal(a.item_f_, c.item_f_)


def test_bpr_negatives_are_unseen():
    ds, X = random_data(density=0.5, seed=7)
    m = BPR(epochs=1).fit(ds)
    u = np.repeat(np.arange(X.shape[0]), 50)
    coo = m.seen_.tocoo()
    j = m._negatives(u, np.random.default_rng(0), np.sort(coo.row.astype(np.int64) * X.shape[1] + coo.col), X.shape[1])
    assert X[u, j].sum() == 0


def test_bpr_negatives_draw_what_the_plain_redraw_loop_draws():
    "Looking up only the redrawn triples (binary search) consumes the generator exactly as re-checking every triple with np.isin did."
    ds, X = random_data(density=0.5, seed=7)
    m = BPR(epochs=1).fit(ds)
    u, I = np.repeat(np.arange(X.shape[0]), 50), X.shape[1]
    coo = m.seen_.tocoo()
    keys = np.sort(coo.row.astype(np.int64) * I + coo.col)
    def plain(rng):
        j = rng.integers(I, size=len(u))
        for _ in range(50):
            bad = np.isin(u * I + j, keys)
            if not bad.any(): break
            j[bad] = rng.integers(I, size=int(bad.sum()))
        return j
    assert np.array_equal(m._negatives(u, np.random.default_rng(3), keys, I), plain(np.random.default_rng(3)))


def test_mf_rating_prediction(ml):
    sp = random_split(ml, test_frac=0.1, seed=0)
    y = sp.test.rating.to_numpy()
    rmse = lambda m: np.sqrt(((m.predict(sp.test.user_id, sp.test.item_id) - y) ** 2).mean())
    mf, biases = BiasedMF(factors=32, epochs=10).fit(sp.train), BiasedMF(factors=0, epochs=10).fit(sp.train)
    assert rmse(mf) < rmse(biases) < np.sqrt(((mf.mu_ - y) ** 2).mean())        # factors < biases < the global mean
    p = mf.predict([-1, -1], [-1, sp.test.item_id.iloc[0]])                      # unknown user: the mean (+ the item's bias)
    assert p[0] == pytest.approx(np.clip(mf.mu_, *mf.range_), abs=1e-5)
    i = mf.items_.index([sp.test.item_id.iloc[0]])[0]
    assert p[1] == pytest.approx(np.clip(mf.mu_ + float(mf.item_b_[i]), *mf.range_), abs=1e-5)
    with pytest.raises(ValueError, match="pairs"): mf.predict([1, 2], [1])


def test_hybrid_weights(split):
    users = split.valid.user_id.unique()
    e = EASE(lam=50).fit(split.train)
    only_ease = Hybrid({"e": EASE(lam=50), "p": Popularity()}, weights=(1, 0)).fit(split.train)
    assert only_ease.recommend(users, 10).item_id.tolist() == e.recommend(users, 10).item_id.tolist()
    tuned = Hybrid({"e": EASE(lam=50), "p": Popularity()}, step=0.25).fit(split.train, split.valid)
    assert len(tuned.tuning_) == 5 and tuned.weights_ in [tuple(r) for r in tuned.tuning_[["e", "p"]].to_numpy()]
    assert tuned.tuning_.ndcg.max() == pytest.approx(ranking_metrics(tuned.recommend(users, 10), split.valid, 10).ndcg.mean())
    # scores are per-user z-scores: each component contributes mean 0, sd 1 per row
    z = Hybrid({"e": EASE(lam=50), "p": Popularity()}, weights=(1, 0)).fit(split.train).score(users[:3])
    np.testing.assert_allclose(z.mean(1).numpy(), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(1).numpy(), 1, atol=1e-4)
    with pytest.raises(ValueError, match="metric"): Hybrid([EASE(), Popularity()], metric="auc").fit(split.train, split.valid)


def test_bad_hyper_parameters():
    ds, _ = random_data()
    for m, msg in [(UserKNN(k=0), "neighbour"), (ItemKNN(k=0), "neighbour"), (EASE(lam=-1), "positive")]:
        with pytest.raises(ValueError, match=msg): m.fit(ds)

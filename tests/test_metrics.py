"Hand-computed checks of every metric in `llmrec.metrics`, its edge cases, and a brute-force cross-check."
import numpy as np, pandas as pd, pytest
from scipy import stats
from llmrec.metrics import (METRICS, mae, rmse, ranking_metrics, check_recs, item_popularity, long_tail_items,
                            catalogue_coverage, novelty, long_tail_share, intra_list_diversity, mean_ci)

L = np.log2


def recs_of(lists: dict) -> pd.DataFrame:
    "Recommendation lists {user: [item, ...]} (best first) as a tidy frame."
    rows = [(u, i, r + 1) for u, items in lists.items() for r, i in enumerate(items)]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rank"])


def truth_of(rel: dict) -> pd.DataFrame:
    return pd.DataFrame([(u, i) for u, items in rel.items() for i in items], columns=["user_id", "item_id"])


# ------------------------------------------------------------------ rating metrics
def test_mae_rmse_by_hand():
    assert mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)                 # |−1| + 0 + |−2| over 3
    assert rmse([1, 2, 3], [2, 2, 5]) == pytest.approx(np.sqrt(5 / 3))
    assert rmse([4.0], [4.0]) == 0.0


@pytest.mark.parametrize("fn", [mae, rmse])
def test_rating_metric_errors(fn):
    with pytest.raises(ValueError, match="one prediction per rating"): fn([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="empty"): fn([], [])
    with pytest.raises(ValueError, match="NaN"): fn([1.0], [np.nan])


# ------------------------------------------------------------------ ranking metrics, by hand
def test_every_ranking_metric_by_hand():
    # user 7: relevant {b, d}; list a b c d e -> hits at ranks 2 and 4
    m = ranking_metrics(recs_of({7: list("abcde")}), truth_of({7: ["b", "d"]}), k=4).loc[7]
    assert m.precision == pytest.approx(2 / 4)
    assert m.recall == pytest.approx(1.0)
    assert m.f1 == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert m.ndcg == pytest.approx((1 / L(3) + 1 / L(5)) / (1 + 1 / L(3)))
    assert m.hit_rate == 1.0
    assert m.mrr == pytest.approx(1 / 2)
    assert m["map"] == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert list(m.index) == METRICS


def test_cutoff_drops_later_hits():
    m = ranking_metrics(recs_of({7: list("abcde")}), truth_of({7: ["b", "d"]}), k=3).loc[7]
    assert (m.precision, m.recall, m.mrr) == pytest.approx((1 / 3, 1 / 2, 1 / 2))
    assert m.ndcg == pytest.approx((1 / L(3)) / (1 + 1 / L(3)))
    assert m["map"] == pytest.approx((1 / 2) / 2)


def test_map_normalised_by_min_relevant_k():
    # 5 relevant items, k = 2, both places hit: AP = (1/1 + 2/2) / min(5, 2) = 1
    m = ranking_metrics(recs_of({1: [10, 20, 30]}), truth_of({1: [10, 20, 30, 40, 50]}), k=2).loc[1]
    assert m["map"] == pytest.approx(1.0) and m.ndcg == pytest.approx(1.0) and m.recall == pytest.approx(2 / 5)


def test_no_relevant_items():
    recs = recs_of({1: [10, 20], 2: [10, 30]})
    m = ranking_metrics(recs, truth_of({1: [99]}), k=2)                  # user 1: relevant item never recommended
    assert m.index.tolist() == [1]                                       # user 2 has nothing relevant: left out
    assert (m.loc[1] == 0).all()
    empty = ranking_metrics(recs, truth_of({}), k=2)                     # nobody has a relevant item
    assert len(empty) == 0 and list(empty.columns) == METRICS


def test_user_without_recommendations_scores_zero():
    m = ranking_metrics(recs_of({1: [10]}), truth_of({1: [10], 2: [10]}), k=5)
    assert m.loc[1, "hit_rate"] == 1.0 and (m.loc[2] == 0).all()


def test_fewer_than_k_recommendations():
    m = ranking_metrics(recs_of({1: [10, 20]}), truth_of({1: [20]}), k=10).loc[1]
    assert m.precision == pytest.approx(1 / 10)                          # missing places count as misses
    assert m.recall == 1.0 and m.mrr == pytest.approx(1 / 2) and m.ndcg == pytest.approx(1 / L(3))


def test_k_larger_than_catalogue():
    # catalogue of 3 items, every one recommended and one relevant, k = 50
    m = ranking_metrics(recs_of({1: [1, 2, 3]}), truth_of({1: [3]}), k=50).loc[1]
    assert m.precision == pytest.approx(1 / 50) and m.recall == 1.0
    assert m.ndcg == pytest.approx(1 / L(4)) and m["map"] == pytest.approx(1 / 3)


def test_duplicate_recommendations_are_an_error():
    bad = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 10], "rank": [1, 2]})
    with pytest.raises(ValueError, match="twice.*drop_duplicates"): ranking_metrics(bad, truth_of({1: [10]}), 5)
    with pytest.raises(ValueError, match="same rank"): check_recs(pd.DataFrame({"user_id": [1, 1], "item_id": [1, 2], "rank": [1, 1]}))
    with pytest.raises(ValueError, match="positive integers"): check_recs(recs_of({1: [1]}).assign(rank=0))
    with pytest.raises(ValueError, match="missing column"): check_recs(recs_of({1: [1]}).drop(columns="rank"))
    with pytest.raises(ValueError, match="positive integer"): ranking_metrics(recs_of({1: [1]}), truth_of({1: [1]}), 0)


def test_duplicate_truth_rows_count_once():
    a = ranking_metrics(recs_of({1: [1, 2]}), truth_of({1: [2]}), 2)
    b = ranking_metrics(recs_of({1: [1, 2]}), truth_of({1: [2, 2]}), 2)
    pd.testing.assert_frame_equal(a, b)


def _brute(lists, rel, k):
    "Textbook per-user metrics, one loop at a time."
    out = {}
    for u, R in rel.items():
        top = lists.get(u, [])[:k]
        hits = [i in R for i in top]
        h = sum(hits)
        p, r = h / k, h / len(R)
        dcg = sum(1 / L(j + 2) for j, x in enumerate(hits) if x)
        idcg = sum(1 / L(j + 2) for j in range(min(len(R), k)))
        first = next((j + 1 for j, x in enumerate(hits) if x), None)
        ap = sum(sum(hits[:j + 1]) / (j + 1) for j, x in enumerate(hits) if x) / min(len(R), k)
        out[u] = [p, r, 2 * p * r / (p + r) if p + r else 0, dcg / idcg, float(h > 0), 1 / first if first else 0, ap]
    return pd.DataFrame.from_dict(out, orient="index", columns=METRICS).sort_index()


@pytest.mark.parametrize("seed", range(4))
def test_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    lists = {u: list(rng.choice(40, size=rng.integers(0, 15), replace=False)) for u in range(30)}
    rel = {u: set(rng.choice(40, size=rng.integers(1, 8), replace=False)) for u in range(5, 40)}
    lists = {u: l for u, l in lists.items() if l}
    recs = recs_of(lists).sample(frac=1, random_state=seed)              # row order must not matter
    for k in (1, 5, 10, 60):
        got = ranking_metrics(recs, truth_of(rel), k)
        want = _brute(lists, rel, k)
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=1e-12)
        assert got.index.tolist() == want.index.tolist()


# ------------------------------------------------------------------ beyond accuracy
def test_popularity_and_long_tail():
    r = pd.DataFrame({"user_id": [1, 2, 3, 1, 2, 1], "item_id": ["a", "a", "a", "b", "b", "c"]})
    pop = item_popularity(r, items=["a", "b", "c", "d"])
    assert pop.to_dict() == {"a": 3, "b": 2, "c": 1, "d": 0}
    # a holds 50%, a+b 83%: the 80% head is {a, b}
    assert long_tail_items(pop).tolist() == ["c", "d"]
    assert long_tail_items(pop, head_share=0.5).tolist() == ["b", "c", "d"]
    with pytest.raises(ValueError, match="strictly between"): long_tail_items(pop, 0)


def test_coverage_novelty_tail_share_by_hand():
    recs = recs_of({1: ["a", "c"], 2: ["a", "b"]})
    assert catalogue_coverage(recs, n_items=4, k=2) == pytest.approx(3 / 4)
    assert catalogue_coverage(recs, n_items=4, k=1) == pytest.approx(1 / 4)
    counts = pd.Series({"a": 3, "b": 2, "c": 1, "d": 0})
    nov = novelty(recs, counts, n_users=3, k=2)                          # −log2((c + 1) / 4)
    assert nov.loc[1] == pytest.approx((0 + 1) / 2) and nov.loc[2] == pytest.approx((0 - L(3 / 4)) / 2)
    share = long_tail_share(recs, pd.Index(["c", "d"]), k=2)
    assert share.to_dict() == {1: 0.5, 2: 0.0}
    with pytest.raises(ValueError, match="at least one item"): catalogue_coverage(recs, 0)


def test_intra_list_diversity_by_hand():
    emb = np.array([[1.0, 0, 0], [0, 1, 0], [1, 1, 0], [5, 0, 0]])
    ids = ["a", "b", "c", "d"]
    d = intra_list_diversity(recs_of({1: ["a", "b", "c"], 2: ["a", "d"], 3: ["b"]}), emb, ids, k=3)
    # user 1: cos(a,b)=0, cos(a,c)=cos(b,c)=1/√2 -> mean cos √2/3
    assert d.loc[1] == pytest.approx(1 - np.sqrt(2) / 3)
    assert d.loc[2] == pytest.approx(0.0)                                # same direction, whatever the length
    assert np.isnan(d.loc[3])
    with pytest.raises(ValueError, match="no embedding"): intra_list_diversity(recs_of({1: ["z", "a"]}), emb, ids)


def test_mean_ci_is_scipys_percentile_bootstrap():
    x = np.random.default_rng(0).normal(size=50)
    m, lo, hi = mean_ci(x, 0.9, n_resamples=4000)
    want = stats.bootstrap((x,), np.mean, confidence_level=0.9, method="percentile", n_resamples=4000, random_state=0).confidence_interval
    assert (lo, hi) == pytest.approx((want.low, want.high), abs=0.03) and m == pytest.approx(x.mean())
    assert np.isnan(mean_ci([1.0])[1])


def test_bootstrap_intervals_stay_in_the_metric_range():
    rng = np.random.default_rng(1)
    for p in (0.001, 0.02, 0.5, 0.99):
        x = (rng.random(300) < p).astype(float)
        m, lo, hi = mean_ci(x)
        assert 0 <= lo <= m <= hi <= 1

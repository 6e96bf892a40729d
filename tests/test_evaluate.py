"The evaluation protocol: slices, tie-fair ranks, bootstrap intervals, paired tests, tuning."
import numpy as np, pandas as pd, pytest
from statsmodels.stats.multitest import multipletests
from llmrec.core import Popularity
from llmrec.data import synthetic_dataset, leave_last_out, cold_item_split
from llmrec.baselines import EASE, BiasedMF, Hybrid
from llmrec.metrics import METRICS, ranking_metrics
from llmrec.evaluate import (Chance, make_split, merge_valid, slice_truth, popularity_slices, user_metrics, summarise, evaluate, compare,
                             paired_test, holm, tune, grid_edges, headline_table)


@pytest.fixture(scope="module")
def ds():
    return synthetic_dataset(n_users=120, n_items=200, events_per_user=25, seed=4)


@pytest.fixture(scope="module")
def split(ds):
    return leave_last_out(ds, n_test=3, n_valid=3)


def test_slices(ml):
    split = make_split(ml, "leave-last-out")
    full = merge_valid(split)
    assert len(full.train.ratings) == len(split.train.ratings) + len(split.valid) and full.valid is None
    sizes = {s: len(slice_truth(full, s)[0]) for s in popularity_slices()}
    assert sum(sizes.values()) == len(full.test)                          # buckets partition the test set
    light, heavy = (slice_truth(full, s)[0] for s in ("light-users", "heavy-users"))
    assert len(light) and len(heavy) and len(light) + len(heavy) == len(full.test) and not set(light.user_id) & set(heavy.user_id)
    counts = full.train.ratings.user_id.value_counts()
    assert counts.reindex(light.user_id).max() <= counts.reindex(heavy.user_id).min()
    with pytest.raises(ValueError, match="Unknown slice"): slice_truth(full, "everyone")


def test_cold_item_slice_ranks_only_cold_items(ds):
    cs = cold_item_split(ds, test_frac=0.2, seed=0)
    truth, cands = slice_truth(cs, "cold-item")
    assert len(truth) == len(cs.test)                                     # every test item is cold here
    assert not set(cands) & set(cs.train.ratings.item_id)
    m = EASE(lam=50).fit(cs.train)
    recs = m.recommend(truth.user_id.unique(), 10, candidates=cands)
    assert set(recs.item_id) <= set(cands)
    assert (recs.score == 0).all()                                        # EASE has nothing to say about cold items
    ranks = m.rank_of(truth.user_id, truth.item_id, candidates=cands)
    assert (ranks.above == 0).all() and (ranks.tied == ranks.n).all()     # ... so every cold item is tied with every other
    chance = ranking_metrics(Chance().fit(cs.train).rank_of(truth.user_id, truth.item_id, candidates=cands), truth, 10)
    np.testing.assert_allclose(ranking_metrics(ranks, truth, 10).to_numpy(), chance.to_numpy())   # EASE gets exactly chance there


def test_candidates_of_the_whole_catalogue_equal_recommend(split):
    m = EASE(lam=50).fit(split.train)
    users = split.test.user_id.unique()
    a = m.recommend(users, 10, candidates=split.train.items.item_id.to_numpy())
    b = m.recommend(users, 10)
    pd.testing.assert_frame_equal(a, b)


def test_all_equal_scores_give_the_chance_value_on_every_metric(split):
    "A model that scores all N candidates equally gets exactly the analytic chance value."
    truth = split.test.groupby("user_id").head(1)                        # one relevant item per user
    ranks = Chance().fit(split.train).rank_of(truth.user_id, truth.item_id)
    m = ranking_metrics(ranks, truth, 10)
    N = ranks.set_index("user_id")["n"].reindex(m.index).to_numpy()
    p = np.arange(1, 11)
    np.testing.assert_allclose(m.ndcg, (1 / N) * (1 / np.log2(p + 1)).sum(), rtol=1e-12)
    np.testing.assert_allclose(m.hit_rate, 10 / N, rtol=1e-12)
    np.testing.assert_allclose(m.recall, 10 / N, rtol=1e-12)
    np.testing.assert_allclose(m.precision, 1 / N, rtol=1e-12)
    np.testing.assert_allclose(m.mrr, (1 / N) * (1 / p).sum(), rtol=1e-12)
    np.testing.assert_allclose(m["map"], (1 / N) * (1 / p).sum(), rtol=1e-12)


def test_summarise_matches_per_user_means_and_stays_in_range(split):
    ranks = Popularity().fit(split.train).rank_of(split.test.user_id, split.test.item_id)
    long = user_metrics(ranks, split.test, ks=(5, 10))
    s = summarise(long).set_index(["metric", "k"])
    for k in (5, 10):
        m = ranking_metrics(ranks, split.test, k)
        for c in METRICS: assert s.loc[(c, k), "value"] == pytest.approx(m[c].mean())
    assert (s.ci_low >= 0).all() and (s.ci_high <= 1).all() and (s.ci_low <= s.value).all() and (s.value <= s.ci_high).all()
    pd.testing.assert_frame_equal(summarise(long), summarise(long))       # seeded


def test_evaluate_reports_rating_error_and_diversity(split):
    emb = np.random.default_rng(0).normal(size=(len(split.train.items), 8))
    ev = evaluate(BiasedMF(epochs=2), split, ks=(10,), item_emb=emb, item_ids=split.train.items.item_id)
    assert {"mae", "rmse", "diversity", "novelty", "coverage", "long_tail_share"} <= set(ev.metric)
    r = ev.set_index("metric")
    assert 0 < r.loc["mae", "value"] <= r.loc["rmse", "value"]


def test_compare_paired_tests(split):
    res = compare({"popularity": Popularity(), "ease": EASE(lam=50), "ease again": EASE(lam=50)}, split, ks=(10,), slices=("all",),
                  baselines=["popularity", "ease"])
    r = res.query("metric == 'ndcg' and slice == 'all'").set_index("model")
    assert (r.baseline == "ease").all() and np.isnan(r.loc["ease", "p_value"])
    assert r.loc["ease again", "p_value"] == 1.0                          # identical lists: no difference to test
    assert r.loc["popularity", "p_holm"] < 0.01 and r.loc["popularity", "value"] < r.loc["ease", "value"]
    assert res.attrs["fit_seconds"].keys() == {"popularity", "ease", "ease again"}
    assert headline_table(res).index[-1] == "popularity"


def test_hybrid_is_tuned_on_validation_then_fixed(split):
    h = Hybrid({"ease": EASE(lam=50), "pop": Popularity()}, step=0.5)
    compare({"hybrid": h}, split, ks=(10,), slices=("all",))
    assert h.weights == h.weights_ and len(h.tuning_) == 3                # tuned weights kept as the hyper-parameter


def test_paired_test_and_holm():
    rng = np.random.default_rng(0)
    a, b = rng.random(200), rng.random(200)
    assert paired_test(a + 0.2, a) < 1e-10 and paired_test(a, b) > 0.01
    assert paired_test(a, a) == 1.0
    with pytest.raises(ValueError, match="wilcoxon"): paired_test(a, b, "sign")
    p = rng.random(9) ** 3
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1])


def test_tune(split):
    t = tune(EASE, dict(lam=[10, 100, 1000]), split)
    assert t.ndcg.is_monotonic_decreasing and len(t) == 3
    r = tune(BiasedMF, dict(factors=[0, 4], epochs=[2]), split, metric="rmse")
    assert r.rmse.is_monotonic_increasing                                 # lower is better
    with pytest.raises(ValueError, match="validation"): tune(EASE, dict(lam=[10]), merge_valid(split))
    assert grid_edges(t) == ["lam"] or t.lam.iloc[0] == 100

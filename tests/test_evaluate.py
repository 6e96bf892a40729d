"The evaluation protocol: slices, paired tests, tuning, the report files, and reproducibility of `run_compare`."
import os
import numpy as np, pandas as pd, pytest
from statsmodels.stats.multitest import multipletests
from llmrec.core import Popularity
from llmrec.data import synthetic_dataset, leave_last_out, cold_item_split
from llmrec.baselines import EASE, BiasedMF, Hybrid
from llmrec.metrics import METRICS, ranking_metrics
from llmrec.evaluate import (SLICES, RESULT_COLS, make_split, merge_valid, slice_truth, popularity_slices, recommend_among,
                             user_metrics, summarise, evaluate, compare, paired_test, holm, tune, run_compare, headline_table)

FAST = ["popularity", "ease", "bpr", "mf"]


@pytest.fixture(scope="module")
def ds():
    return synthetic_dataset(n_users=120, n_items=200, events_per_user=25, seed=4)


@pytest.fixture(scope="module")
def split(ds):
    return leave_last_out(ds, n_test=3, n_valid=3)


def test_same_seed_gives_the_identical_table():
    a = run_compare("synthetic", models=FAST, ks=(5, 10), seed=0)
    b = run_compare("synthetic", models=FAST, ks=(5, 10), seed=0)
    pd.testing.assert_frame_equal(a, b)
    c = run_compare("synthetic", models=FAST, ks=(5, 10), seed=1)          # another seed: other data, other table
    assert not a[["value"]].equals(c[["value"]])


def test_report_files(tmp_path):
    res = run_compare("synthetic", models=["popularity", "ease", "mf"], out=tmp_path / "out", ks=(10,))
    out = tmp_path / "out"
    assert {"report.md", "results.csv", "significance.csv", "ndcg_by_slice.png", "recall_by_popularity.png"} <= {p.name for p in out.iterdir()}
    csv = pd.read_csv(out / "results.csv")
    assert csv.columns.tolist() == RESULT_COLS == ["model", "slice", "metric", "k", "value", "ci_low", "ci_high"]
    assert set(csv.model) == {"popularity", "ease", "mf"} and {"all", "cold-item", "long-tail"} <= set(csv["slice"])
    np.testing.assert_allclose(csv.value.to_numpy(), res.value.to_numpy(dtype=float), rtol=1e-12)
    assert {"mae", "rmse"} <= set(csv.query("model == 'mf'").metric) and csv.query("metric == 'rmse'").k.isna().all()
    md = (out / "report.md").read_text()
    assert md.startswith("# llmrec compare: synthetic") and "| ease |" in md and "wall time" in md
    assert (out / "ndcg_by_slice.png").read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]        # no temp file left behind
    mask = os.umask(0); os.umask(mask)
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o666 & ~mask}   # ordinary files, not owner-only temp files


def test_ml100k_from_an_extracted_folder(tmp_path):
    from test_data import write_ml100k
    write_ml100k(tmp_path / "ml-100k")
    res = run_compare("ml-100k", data_dir=tmp_path, models=["popularity", "ease"], ks=(10,), out=tmp_path / "out")
    assert set(res.model) == {"popularity", "ease"}
    assert res.query("slice == 'all' and metric == 'ndcg'").n.iloc[0] == 943
    assert "ml-100k (943 users, 1,682 items" in (tmp_path / "out" / "report.md").read_text()


def test_bad_input():
    with pytest.raises(ValueError, match="Unknown split"): run_compare("synthetic", split="random")
    with pytest.raises(ValueError, match="Unknown model"): run_compare("synthetic", models=["svd"])
    with pytest.raises(ValueError, match="RecDataset"): run_compare(42)
    with pytest.raises(FileNotFoundError): run_compare("ml-100k", data_dir="/definitely/not/here")


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
    recs = recommend_among(m, truth.user_id.unique(), cands, 10)
    assert set(recs.item_id) <= set(cands)
    assert (recs.score == 0).all()                                        # EASE has nothing to say about cold items


def test_recommend_among_the_catalogue_equals_recommend(split):
    m = EASE(lam=50).fit(split.train)
    users = split.test.user_id.unique()
    a = recommend_among(m, users, split.train.items.item_id.to_numpy(), 10)
    b = m.recommend(users, 10)
    pd.testing.assert_frame_equal(a[["user_id", "item_id", "rank"]], b[["user_id", "item_id", "rank"]], check_dtype=False)


def test_summarise_matches_per_user_means(split):
    recs = Popularity().fit(split.train).recommend(split.test.user_id.unique(), 10)
    long = user_metrics(recs, split.test, ks=(5, 10))
    s = summarise(long).set_index(["metric", "k"])
    for k in (5, 10):
        m = ranking_metrics(recs, split.test, k)
        for c in METRICS: assert s.loc[(c, k), "value"] == pytest.approx(m[c].mean())


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

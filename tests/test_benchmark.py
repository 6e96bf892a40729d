"The timing harness and the benchmark pieces, at toy sizes."
import json, os, time
import numpy as np, pandas as pd, pytest
from llmrec.benchmark import Bench, bench_encode, bench_fit, bench_scoring, peer_ratios, plot_bench, time_call
from llmrec.data import synthetic_dataset


def test_time_call_measures_and_warms_up():
    calls = []
    def f(): calls.append(1); time.sleep(0.02)
    t = time_call(f, repeats=4, warmup=2)
    assert len(calls) == 6
    assert 0.018 < t["median_s"] < 0.2 and t["min_s"] <= t["median_s"]
    with pytest.raises(ValueError, match="at least one"): time_call(f, repeats=0)


def test_bench_rows_save_and_ratios(tmp_path):
    b = Bench(repeats=2)
    bench_scoring(b, sizes=(2_000,), n_users=16, d=32)
    bench_fit(b, synthetic_dataset(n_users=50, n_items=80, events_per_user=10))
    r = b.results
    assert set(r.stage) == {"scoring", "fit"} and (r.median_s > 0).all()
    assert r[r.method == "faiss hnsw"].recall_at_k.between(0, 1).all()
    ratios = peer_ratios(r)
    ref = r[r.method == "matmul+topk (reference)"].throughput.iloc[0]
    ivf = r[r.method == "faiss ivf"].throughput.iloc[0]
    assert ratios.set_index("comparison").loc["scoring: faiss ivf / matmul+topk", "ratio"] == pytest.approx(ivf / ref)
    b.save(tmp_path)
    mask = os.umask(0); os.umask(mask)
    assert (tmp_path / "results.json").stat().st_mode & 0o777 == 0o666 & ~mask
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["machine"]["cpu_cores"] >= 1 and len(saved["results"]) == len(r)
    assert len(pd.read_csv(tmp_path / "results.csv")) == len(r)
    assert plot_bench(r) is not None


def test_bench_encode_with_a_tiny_model(tmp_path):
    from llmrec.encode import tiny_bert
    m = tiny_bert(tmp_path / "tiny")
    b = Bench(repeats=1, warmup=0)
    bench_encode(b, ["a film about space"] * 20 + ["heist"] * 5, batch_sizes=(4, 8), peer=False, model=str(m))
    r = b.results
    assert r.batch_size.tolist() == [4, 8] and (r.throughput > 0).all() and (r.tokens_per_s > r.throughput).all()


def test_bench_add_and_training_steps():
    from llmrec.benchmark import bench_train
    b = Bench(repeats=2, warmup=1)
    row = b.add("train", "outside", [0.4, 0.2], work=8, unit="examples")
    assert row["median_s"] == pytest.approx(0.3) and row["throughput"] == pytest.approx(8 / 0.3)
    with pytest.raises(ValueError, match="no durations"): b.add("train", "none", [])
    ds = synthetic_dataset(n_users=40, n_items=60, events_per_user=10)
    bench_train(b, ds, models=["ProfileBilinear", "LSTMForecaster"], batch_sizes={"ProfileBilinear": 32, "LSTMForecaster": 8})
    r = b.results.iloc[1:].set_index("method")
    assert r.repeats.tolist() == [2, 2] and r.batch_size.tolist() == [32, 8]          # the warm-up step is not counted
    assert (r.median_s > 0).all() and np.allclose(r.throughput, r.batch_size / r.median_s)
    with pytest.raises(ValueError, match="Unknown model"): bench_train(b, ds, models=["SVD"])

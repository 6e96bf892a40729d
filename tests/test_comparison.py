"The comparison: reproducibility of `run_compare`, the report files, and bad input."
import os
import numpy as np, pandas as pd, pytest
from llmrec.comparison import RESULT_COLS, run_compare

FAST = ["popularity", "ease", "bpr", "mf-rating"]


def test_same_seed_gives_the_identical_table():
    a = run_compare("synthetic", models=FAST, ks=(5, 10), seed=0)
    b = run_compare("synthetic", models=FAST, ks=(5, 10), seed=0)
    pd.testing.assert_frame_equal(a, b)
    c = run_compare("synthetic", models=FAST, ks=(5, 10), seed=1)          # another seed: other data, other table
    assert not a[["value"]].equals(c[["value"]])


def test_report_files(tmp_path):
    res = run_compare("synthetic", models=["popularity", "ease", "mf-rating"], out=tmp_path / "out", ks=(10,))
    out = tmp_path / "out"
    assert {"report.md", "results.csv", "significance.csv", "ndcg_by_slice.png", "recall_by_popularity.png"} <= {p.name for p in out.iterdir()}
    csv = pd.read_csv(out / "results.csv")
    assert csv.columns.tolist() == RESULT_COLS == ["model", "slice", "metric", "k", "value", "ci_low", "ci_high"]
    assert set(csv.model) == {"popularity", "ease", "mf-rating"} and {"all", "cold-item", "long-tail"} <= set(csv["slice"])
    np.testing.assert_allclose(csv.value.to_numpy(), res.value.to_numpy(dtype=float), rtol=1e-12)
    assert {"mae", "rmse"} <= set(csv.query("model == 'mf-rating'").metric) and csv.query("metric == 'rmse'").k.isna().all()
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

"The `llmrec` console command, run as a user runs it."
import os, subprocess, sys
from pathlib import Path
import pandas as pd, pytest
from llmrec.cli import main

BIN = Path(sys.executable).parent / "llmrec"

def run(*args):
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env={**os.environ, "LLMREC_PROGRESS": "0"})

def test_data_prints_the_summary():
    r = run("data", "--dataset", "ml-latest-small")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ml-latest-small: 610 users, 9,742 items, 100,836 ratings")
    assert "density" in r.stdout and "time span" in r.stdout

def test_data_plot(tmp_path):
    r = run("data", "--dataset", "synthetic", "--plot", str(tmp_path / "p.png"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"

def test_bad_input_exits_2_with_the_reason():
    r = run("data", "--dataset", "ml-100k", "--data-dir", "/definitely/not/here")
    assert r.returncode == 2 and "is not a folder" in r.stderr and "Traceback" not in r.stderr
    r = run("data", "--dataset", "ml-7")
    assert r.returncode == 2 and "invalid choice" in r.stderr

def test_data_dir(tmp_path):
    from test_data import write_ml100k
    write_ml100k(tmp_path / "ml-100k")
    r = run("data", "--dataset", "ml-100k", "--data-dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ml-100k: 943 users, 1,682 items,")

def test_compare_on_an_extracted_ml100k_folder(tmp_path):
    "The main job on a folder in the official ml-100k layout: summary first, both tables, the report files."
    from test_data import write_ml100k
    write_ml100k(tmp_path / "ml-100k")
    out = tmp_path / "out"
    r = run("compare", "--dataset", "ml-100k", "--data-dir", str(tmp_path), "--models", "popularity", "itemknn", "ease", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ml-100k: 943 users, 1,682 items,")
    assert "ndcg@10" in r.stdout and "NDCG@10 by slice" in r.stdout and "cold-item" in r.stdout
    assert {"report.md", "results.csv", "significance.csv", "ndcg_by_slice.png"} <= {p.name for p in out.iterdir()}
    res = pd.read_csv(out / "results.csv")
    assert set(res.model) == {"popularity", "itemknn", "ease"}
    ease = res.query("model == 'ease' and slice == 'all' and metric == 'ndcg' and k == 10").value.item()
    assert f"{ease:.4f}" in r.stdout

def test_compare_bad_model_exits_2():
    r = run("compare", "--dataset", "synthetic", "--models", "svd")
    assert r.returncode == 2 and "invalid choice: 'svd'" in r.stderr

def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("llmrec ")


def test_forecast_command(capsys):
    assert main(["forecast", "--dataset", "synthetic", "--user", "3", "--window", "5", "--horizon", "2", "--method", "arima"]) == 0
    out = capsys.readouterr().out
    assert "user 3" in out and out.count("forecast") >= 3 and "ARIMA fits per genre" in out
    assert main(["forecast", "--dataset", "synthetic", "--user", "99999"]) == 2
    assert "no interactions" in capsys.readouterr().err

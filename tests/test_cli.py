"The `llmrec` console command, run as a user runs it."
import os, signal, subprocess, sys, time
from pathlib import Path
import pandas as pd, pytest
from llmrec.cli import main
from test_data import read_only  # noqa: F401  (a fixture)

BIN = Path(sys.executable).parent / "llmrec"

def run(*args, env=None):
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env={**os.environ, "LLMREC_PROGRESS": "0", **(env or {})})

def one_line_error(r, cmd, contains):
    "Exit status 2 and one stderr line `llmrec <cmd>: error: ...` that contains `contains`; never a traceback."
    lines = r.stderr.splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"llmrec {cmd}: error: ") and contains in lines[0], r.stderr

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
    one_line_error(run("data", "--dataset", "ml-100k", "--data-dir", "/definitely/not/here"), "data", "is not a folder")
    one_line_error(run("data", "--dataset", "ml-7"), "data", "invalid choice")

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
    one_line_error(run("compare", "--dataset", "synthetic", "--models", "svd"), "compare", "invalid choice: 'svd'")

def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("llmrec ")


def test_forecast_command(capsys):
    assert main(["forecast", "--dataset", "synthetic", "--user", "3", "--window", "5", "--horizon", "2", "--method", "arima"]) == 0
    out = capsys.readouterr().out
    assert "user 3" in out and out.count("forecast") >= 3 and "ARIMA fits per genre" in out
    assert main(["forecast", "--dataset", "synthetic", "--user", "99999"]) == 2
    assert "no interactions" in capsys.readouterr().err


# ---------------------------------------------------------------- issue 13.6: --out is checked before any work; every error is one line
@pytest.mark.parametrize("cmd", ["compare", "bench"])
def test_out_is_checked_before_any_work(tmp_path, cmd, read_only):
    a_file = tmp_path / "notes.txt"; a_file.write_text("x")
    locked = tmp_path / "locked"; locked.mkdir()
    extra = ["--dataset", "synthetic", "--models", "ease"] if cmd == "compare" else ["--quick", "--dataset", "synthetic"]
    for out, contains in [(a_file, "is a file: pass a folder"), (a_file / "sub", "is a file, so no folder can be made under it")]:
        r = run(cmd, *extra, "--out", str(out))
        one_line_error(r, cmd, contains)
        assert r.stdout == "", "work started before --out was checked"
    read_only(locked)
    r = run(cmd, *extra, "--out", str(locked / "results"))
    one_line_error(r, cmd, f"cannot write in {locked}")
    assert r.stdout == ""

def test_every_error_is_one_line(tmp_path, read_only):
    cases = [(("compare", "--dataset", "synthetic", "--split", "random"), "invalid choice: 'random'"),
             (("forecast", "--dataset", "synthetic", "--user", "3", "--horizon", "100000"), "at most"),
             (("forecast", "--dataset", "synthetic", "--user", "99999"), "no interactions"),
             (("recommend", "--dataset", "synthetic", "--user", "99999", "--model", "popularity"), "no such user"),
             (("recommend", "--dataset", "synthetic", "--user", "x1", "--model", "popularity"), "are integers"),
             (("recommend", "--dataset", "synthetic", "--user", "1", "--k", "2.7"), "invalid int value: '2.7'"),
             (("recommend", "--dataset", "synthetic", "--user", "1", "--k", "-1"), "--k=-1: pass a positive integer"),
             (("data", "--dataset", "synthetic", "--plot", str(tmp_path / "x.nope")), "cannot write '.nope' files")]
    for args, contains in cases: one_line_error(run(*args), args[0], contains)
    r = run(); assert r.returncode == 2 and r.stderr.splitlines() == ["llmrec: error: the following arguments are required: COMMAND (see llmrec --help)"]

def test_read_only_data_cache_is_one_line_naming_LLMREC_DATA_DIR(tmp_path, read_only):
    "Issue 13.8 on the command line: an empty, unwritable cache stops before any work."
    ro = tmp_path / "ro"; ro.mkdir(); read_only(ro)
    r = run("data", env={"LLMREC_DATA_DIR": str(ro)})
    one_line_error(r, "data", f"LLMREC_DATA_DIR={ro} is not writable")


# ---------------------------------------------------------------- issue 13.10: Ctrl-C
def test_ctrl_c_is_one_line_and_status_130(tmp_path):
    p = subprocess.Popen([str(BIN), "compare", "--dataset", "synthetic", "--out", str(tmp_path / "out")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env={**os.environ, "LLMREC_PROGRESS": "0"},
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))   # as from a terminal, whatever started pytest
    first = p.stdout.readline()
    assert first.startswith("synthetic(seed=0): 200 users"), first
    time.sleep(1)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and err == "llmrec compare: interrupted\n", (p.returncode, err)


# ---------------------------------------------------------------- issue 13.11 (CLI): --plot paths
def test_plot_without_extension_or_as_folder(tmp_path):
    r = run("data", "--dataset", "synthetic", "--plot", str(tmp_path / "summary"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == f"plot written to {tmp_path / 'summary.png'}"
    assert (tmp_path / "summary.png").read_bytes()[:4] == b"\x89PNG" and not (tmp_path / "summary").exists()
    r = run("data", "--dataset", "synthetic", "--plot", str(tmp_path / "plots") + "/")     # a folder, created if missing
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == f"plot written to {tmp_path / 'plots' / 'synthetic.png'}"
    r = run("data", "--dataset", "synthetic", "--plot", str(tmp_path))                     # an existing folder
    assert r.stdout.splitlines()[-1] == f"plot written to {tmp_path / 'synthetic.png'}"
    assert (tmp_path / "synthetic.png").exists()


# ---------------------------------------------------------------- issue 14.8: llmrec recommend
def test_recommend_prints_the_models_list_with_titles_scores_and_why(capsys):
    from llmrec.comparison import default_models
    from llmrec.data import load_dataset
    assert main(["recommend", "--dataset", "synthetic", "--user", "7", "--model", "cosine-llm", "--k", "4", "--explain", "2"]) == 0
    out = capsys.readouterr().out
    ds = load_dataset("synthetic")
    m = default_models(["cosine-llm"])["cosine-llm"].fit(ds)
    recs = m.recommend([7], k=4)
    titles = ds.items.set_index("item_id").title
    for i, s in zip(recs.item_id, recs.score): assert titles[i] in out and f"{s:.4f}" in out, (titles[i], s)
    why = out.split("why: ")[1].splitlines()[2:]
    assert len(why) == 4 and all(l.count("; ") == 1 for l in why), why
    top = m.explain(7, recs.item_id.iloc[0], n=2, items=ds.items)
    assert all(t in why[0] for t in top.title)
    assert main(["recommend", "--dataset", "synthetic", "--user", "7", "--model", "popularity", "--k", "3"]) == 0
    out = capsys.readouterr().out
    assert "why" not in out and len([l for l in out.splitlines() if l.strip()[:1].isdigit()]) == 3


# ---------------------------------------------------------------- compare --no-tune
def test_compare_no_tune_uses_the_stored_defaults(tmp_path):
    from llmrec.comparison import run_compare
    out = tmp_path / "out"
    r = run("compare", "--dataset", "synthetic", "--models", "popularity", "ease", "--no-tune", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "hyper-parameters: stored defaults" in r.stdout
    assert "stored defaults" in (out / "report.md").read_text()
    mine = pd.read_csv(out / "results.csv")
    ref = run_compare("synthetic", models=["popularity", "ease"], tune=False)
    ndcg = lambda d: d.query("model == 'ease' and slice == 'all' and metric == 'ndcg' and k == 10").value.item()
    assert abs(ndcg(mine) - ndcg(ref)) < 1e-9

"The timing harness and the benchmark pieces, at toy sizes."
import json, os, re, shutil, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
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


# --- issue 16: the GPU script, its dry run, and imports that work with only the carried wheels -----------------------
ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gpu_bench.sh"
OPTIONAL = ("faiss", "nltk", "rouge_score", "gensim")


def _wheel(folder):
    "A minimal pure-Python wheel, so that the dry run exercises the script's pip install step offline."
    import zipfile
    name = folder / "llmrec_probe-0.0.1-py3-none-any.whl"
    files = {"llmrec_probe/__init__.py": "OK = True\n",
             "llmrec_probe-0.0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: llmrec-probe\nVersion: 0.0.1\n",
             "llmrec_probe-0.0.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    files["llmrec_probe-0.0.1.dist-info/RECORD"] = "".join(f"{k},,\n" for k in files) + "llmrec_probe-0.0.1.dist-info/RECORD,,\n"
    with zipfile.ZipFile(name, "w") as z:
        for k, v in files.items(): z.writestr(k, v)
    return name


def test_gpu_script_budgets_are_visible_and_fit():
    text = SCRIPT.read_text()
    budgets = {k: int(v) for k, v in re.findall(r"^B_([A-Z]+)=(\d+)", text, re.M)}
    assert set(budgets) == {"SETUP", "ENCODE", "SCORING", "FIT", "TRAIN", "COMPARE", "FINETUNE"}
    assert sum(budgets.values()) < 480                                     # the whole run ends in under 8 minutes
    assert "--no-index --no-deps" in text and "--target" in text


def test_gpu_script_dry_run(tmp_path):
    "The GPU script, run here on the CPU at tiny sizes (--dry-run), reaches its end and writes its files (issue 16, item 2)."
    from llmrec.benchmark import cast_model_copy
    from llmrec.encode import tiny_bert
    carry = tmp_path / "carry"
    (carry / "whl").mkdir(parents=True)
    _wheel(carry / "whl")
    cast_model_copy(tiny_bert(tmp_path / "bert"), carry / "model", "float16")      # stands in for all-MiniLM-L6-v2
    mirror = os.environ.get("LLMREC_MIRROR", "").removeprefix("file://")
    if not (Path(mirror) / "ml-latest-small.zip").exists(): pytest.skip("needs ml-latest-small.zip in a file:// LLMREC_MIRROR")
    (carry / "data").mkdir()
    shutil.copy(Path(mirror) / "ml-latest-small.zip", carry / "data")
    env = {**os.environ, "LLMREC_CARRY": str(carry), "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}
    env.pop("LLMREC_MIRROR")                                                   # the script must find the data it carries
    t = time.perf_counter()
    r = subprocess.run(["bash", str(SCRIPT), str(tmp_path / "res"), "--dry-run"], env=env, capture_output=True, text=True, timeout=400)
    wall = time.perf_counter() - t
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = tmp_path / "res" / "cpu-dry-run"
    assert sorted(p.name for p in out.iterdir()) == ["bench.png", "ratios.csv", "results.csv", "results.json"]
    log = (tmp_path / "res" / "gpu_bench.log").read_text()
    assert "installed: llmrec_probe-0.0.1-py3-none-any.whl" in log and "(from the float16 copy)" in log
    saved = json.loads((out / "results.json").read_text())
    assert [s["stage"] for s in saved["stages"]] == ["encode", "scoring", "fit", "train", "end-to-end", "finetune"]
    assert all(s["status"] == "ok" and s["rows"] > 0 for s in saved["stages"]), saved["stages"]
    assert "faiss is not installed" in " ".join(saved["notes"])               # faiss is refused, as on the GPU machine
    res = pd.read_csv(out / "results.csv")
    assert set(res.stage) == {"encode", "scoring", "fit", "train", "end-to-end", "finetune"}
    assert (res.median_s > 0).all() and saved["machine"]["device"] == "cpu"
    print(f"dry run: {wall:.0f} s")


def test_llmrec_imports_without_optional_modules():
    "Every llmrec module imports with faiss, nltk, rouge-score and gensim absent, and `import llmrec.cli` loads none of them."
    code = f"""
import importlib, pkgutil, sys
BLOCK = {OPTIONAL!r}
class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCK: raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Absent())
import llmrec
mods = sorted(m.name for m in pkgutil.iter_modules(llmrec.__path__))
for m in mods: importlib.import_module("llmrec." + m)
print(len(mods))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert int(r.stdout.split()[-1]) >= 14
    r = subprocess.run([sys.executable, "-c", f"import sys, llmrec.cli; print([m for m in {OPTIONAL + ('matplotlib',)!r} if m in sys.modules])"],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stdout + r.stderr[-2000:]


# --- issue 13, item 6: results folders are checked before any work ------------------------------------------------------
def test_bench_save_and_run_bench_check_the_folder_first(tmp_path):
    from llmrec.benchmark import run_bench
    b = Bench(repeats=1)
    b.run("demo", "noop", lambda: None)
    (tmp_path / "f").write_text("")
    with pytest.raises(ValueError, match=r"out='.*f': it is a file: pass a folder") as e: b.save(tmp_path / "f")
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match=r"/f' is a file"): b.save(tmp_path / "f" / "run")
    unwritable = Path("/sys/llmrec-bench-test") if os.geteuid() == 0 else tmp_path / "ro" / "run"
    if os.geteuid() != 0: (tmp_path / "ro").mkdir(); (tmp_path / "ro").chmod(0o500)
    if os.geteuid() == 0 and not Path("/sys").is_dir(): pytest.skip("root, and no read-only /sys to try")
    with pytest.raises(ValueError, match="cannot be written"): b.save(unwritable)
    t = time.perf_counter()
    with pytest.raises(ValueError, match="is a file"): run_bench(out=tmp_path / "f", dataset="no-such-dataset")   # before the data
    with pytest.raises(ValueError, match="cannot be written"): run_bench(out=unwritable)
    assert time.perf_counter() - t < 5
    assert b.save(tmp_path / "new" / "run") == tmp_path / "new" / "run"       # a new folder is fine, parents too


def test_time_box_interrupts_and_run_bench_keeps_what_it_measured(tmp_path):
    import signal
    from llmrec.benchmark import BudgetExceeded, run_bench, time_box
    done = []
    with pytest.raises(BudgetExceeded, match="0.2 s used up"):
        with time_box(0.2):
            for i in range(50):
                try: time.sleep(0.5); done.append(i)                        # the main thread: SIGALRM ends the sleep itself
                except Exception: pass
    assert done == [] and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    res = run_bench(out=tmp_path, stages=["scoring"], plan=dict(scoring=(2_000, 1_000_000), approx_max=0, repeats=1), budgets={"scoring": 1})
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["stages"][0]["status"] == "stopped: time budget of 1 s used up"
    assert sorted(res["items"].unique()) == [2_000] and len(saved["results"]) == len(res) == 2


def test_cast_model_copy_round_trip(tmp_path):
    from safetensors.torch import load_file
    from llmrec.benchmark import cast_model_copy
    from llmrec.encode import TextEncoder, tiny_bert
    src = tiny_bert(tmp_path / "bert", hidden=64)
    half = cast_model_copy(src, tmp_path / "half", "float16")
    back = cast_model_copy(half, tmp_path / "back", "float32")
    t16, t32 = load_file(str(half / "model.safetensors")), load_file(str(back / "model.safetensors"))
    assert {str(v.dtype) for v in t16.values() if v.is_floating_point()} == {"torch.float16"}
    assert all(torch.equal(t16[k].float(), t32[k]) if t16[k].is_floating_point() else torch.equal(t16[k], t32[k]) for k in t16)
    e0, e1 = (TextEncoder(m, device="cpu").encode(["space opera", "a heist"], cache=False) for m in (src, back))
    assert np.abs(e0 - e1).max() < 1e-2
    with pytest.raises(ValueError, match="dtype"): cast_model_copy(src, tmp_path / "x", "int8")


# --- issue 13, item 12: a dataset of ml-1m's size, and what each model costs on it --------------------------------------
def test_synthetic_at_scale_shape():
    from llmrec.benchmark import synthetic_at_scale
    ds = synthetic_at_scale(n_users=604, n_items=3706, n_ratings=100_021, seed=1)
    assert (ds.n_users, ds.n_items, ds.n_ratings) == (604, 3706, 100_021)
    r = ds.ratings
    assert not r.duplicated(["user_id", "item_id"]).any() and r.groupby("user_id").size().min() >= 20
    assert r.rating.between(1, 5).all() and ds.items.text.str.len().min() > 10
    assert synthetic_at_scale(50, 80, 2_000, seed=3).ratings.equals(synthetic_at_scale(50, 80, 2_000, seed=3).ratings)
    with pytest.raises(ValueError, match="does not fit"): synthetic_at_scale(10, 20, 5_000)


def test_model_costs_one_process_per_model():
    from llmrec.benchmark import model_costs
    mc = model_costs(["popularity", "ease"], data=dict(n_users=120, n_items=200, n_ratings=5_000))
    assert mc.model.tolist() == ["popularity", "ease"] and (mc.status == "ok").all()
    assert (mc.peak_growth_mb >= 0).all() and (mc.wall_s > 0).all() and mc.ndcg_at_10.between(0, 1).all()
    with pytest.raises(ValueError, match="Unknown model"): model_costs(["no-such-model"])

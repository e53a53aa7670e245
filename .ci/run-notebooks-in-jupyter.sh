#!/usr/bin/env bash
# Executes every notebook through Jupyter with the official .NET Interactive kernel, in the smoke
# profile, and fails on any cell error or failed check: the chapters, then the worked solutions
# (notebooks/solutions, executed from their own folder so that ../../lib resolves). Run
# .devcontainer/on-create.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=artifacts/jupyter
mkdir -p "$out/solutions"
export VISIONLAB_PROFILE=smoke
status=0
run() {  # run FOLDER NOTEBOOK OUTPUT_FOLDER
  local folder=$1 name=$2 target=$3 start
  echo "==> Jupyter: $folder/$name"
  start=$(date +%s)
  # nbconvert stops at the first failing cell and exits non-zero.
  if (cd "$folder" && jupyter nbconvert --to notebook --execute \
        --ExecutePreprocessor.kernel_name=.net-csharp --ExecutePreprocessor.timeout=900 \
        --output-dir "$root/$target" "$name" >"$root/$target/${name%.ipynb}.log" 2>&1); then
    echo "    executed in $(( $(date +%s) - start )) s"
  else
    echo "    FAILED; last lines of the log:"; tail -n 30 "$target/${name%.ipynb}.log"; status=1
  fi
}
for notebook in notebooks/*.ipynb; do run notebooks "$(basename "$notebook")" "$out"; done
for notebook in notebooks/solutions/*.ipynb; do run notebooks/solutions "$(basename "$notebook")" "$out/solutions"; done
python3 .ci/check_executed_notebooks.py "$out"/*.ipynb "$out"/solutions/*.ipynb || status=1
exit $status

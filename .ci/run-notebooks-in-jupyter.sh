#!/usr/bin/env bash
# Executes every notebook through Jupyter with the official .NET Interactive kernel, in the smoke
# profile, and fails on any cell error or failed check. Run .devcontainer/on-create.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/jupyter
mkdir -p "$out"
export VISIONLAB_PROFILE=smoke
status=0
for notebook in notebooks/*.ipynb; do
  name=$(basename "$notebook")
  echo "==> Jupyter: $name"
  start=$(date +%s)
  # nbconvert stops at the first failing cell and exits non-zero.
  if (cd notebooks && jupyter nbconvert --to notebook --execute \
        --ExecutePreprocessor.kernel_name=.net-csharp --ExecutePreprocessor.timeout=900 \
        --output-dir "../$out" "$name" >"../$out/${name%.ipynb}.log" 2>&1); then
    echo "    executed in $(( $(date +%s) - start )) s"
  else
    echo "    FAILED; last lines of the log:"; tail -n 30 "$out/${name%.ipynb}.log"; status=1
  fi
done
python3 .ci/check_executed_notebooks.py "$out"/*.ipynb || status=1
exit $status

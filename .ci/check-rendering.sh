#!/usr/bin/env bash
# What a reader sees, checked in a real browser: opens every executed notebook of NOTEBOOK_DIR in Jupyter
# Notebook (Debian's jupyter-notebook on 127.0.0.1) and every page of BOOK_DIR (the HTML book `tutorial` writes)
# in headless Chromium, and fails if a chart stays empty or an image does not load (tests/browser).
#   usage: .ci/check-rendering.sh NOTEBOOK_DIR [BOOK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 NOTEBOOK_DIR [BOOK_DIR]" >&2; exit 2; }
notebooks=$(cd "$1" && pwd)
book=${2:+$(cd "$2" && pwd)}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
for p in jupyter-notebook chromium; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -d tests/browser/node_modules/playwright-core ] || npm ci --prefix tests/browser --no-audit --no-fund >/dev/null

# A notebook a user executed in their own Jupyter is trusted; these were executed elsewhere, so say so, as
# `jupyter trust` does for a user (Debian packages nbformat's notary, not that command). Untrusted notebooks
# run no scripts, and their charts stay empty.
/usr/bin/python3 -c 'import sys, nbformat
from nbformat.sign import NotebookNotary
notary = NotebookNotary()
for path in sys.argv[1:]: notary.sign(nbformat.read(path, as_version=4))' "$notebooks"/*.ipynb

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
jupyter-notebook --no-browser --ip 127.0.0.1 --port "$port" --allow-root --notebook-dir "$notebooks" \
  --NotebookApp.token='' --NotebookApp.password='' --NotebookApp.disable_check_xsrf=True >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/api" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/api" >/dev/null || { echo "Jupyter Notebook did not start:"; cat "$log"; exit 1; }

pages=()
for notebook in "$notebooks"/*.ipynb; do
  name=$(basename "$notebook")
  pages+=(--expect "$notebook" "http://127.0.0.1:$port/notebooks/$name")
  if [ -n "$book" ]; then
    page="$book/${name%.ipynb}.html"
    [ -f "$page" ] || { echo "The book has no page for $name ($page)"; exit 1; }
    pages+=(--expect "$notebook" "file://$page")
  fi
done
node tests/browser/check-rendering.mjs "${pages[@]}"

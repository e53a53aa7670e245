#!/usr/bin/env bash
# Prepares a machine (the devcontainer, or CI) to open and run the notebooks in Jupyter:
# Jupyter from Debian (Notebook for `jupyter notebook`, nbconvert for headless runs), the .NET Interactive kernel from the repository's tool manifest, the library built.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "==> .NET Interactive kernel (tool manifest: .config/dotnet-tools.json)"
dotnet tool restore
mkdir -p "${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels"
dotnet tool run dotnet-interactive jupyter install

echo "==> Building the library the notebooks load"
dotnet build Notebooks.sln -v quiet -nologo

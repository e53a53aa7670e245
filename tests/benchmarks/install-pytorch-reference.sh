#!/usr/bin/env bash
# Installs the PyTorch reference the benchmarks compare against: Debian's python3-torch 1.13 (CPU) and torchvision,
# with OpenBLAS. Debian's torch calls the system BLAS for matrix products (linear layers, attention); without an
# optimised one it falls back to the reference BLAS and runs transformers ~10x slower, which would flatter us.
set -euo pipefail
packages=(python3-torch python3-torchvision libopenblas0-pthread)
# VISIONLAB_PYTHON names another interpreter with torch (e.g. a CUDA build on a GPU machine): used as it is.
if [ -n "${VISIONLAB_PYTHON:-}" ]; then
  if "$VISIONLAB_PYTHON" -c "import torch"; then echo "PyTorch reference: $VISIONLAB_PYTHON"; exit 0; fi
  echo "VISIONLAB_PYTHON=$VISIONLAB_PYTHON cannot import torch." >&2
  exit 1
fi
if /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null && dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  echo "PyTorch reference already installed."
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "Installing the PyTorch reference: ${packages[*]} (apt)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}"

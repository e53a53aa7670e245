#!/usr/bin/env bash
# The CUDA checks, run on a lent GPU machine from the repository root after tests/gpu/pack.sh (see README.md there):
# TorchSharp bound to the machine's CUDA libtorch, `visionlab info`, the training-step table against the machine's
# PyTorch (fp32, fp16, bf16), and the default recipe on the full Fashion-MNIST for several schedules at once.
# Logs go to $OUT (the device tool brings them back). Each stage has its own time limit so that one hang
# cannot eat the lease.
set -u
OUT=${OUT:-/tmp/visionlab-gpu-out}
mkdir -p "$OUT"
G=/tmp/visionlab-gpu
rm -rf "$G" && mkdir -p "$G"
tar -xJf .gpu/app.tar.xz -C "$G"
cp "$G/app/runtimes/linux-x64/native/libLibTorchSharp.so" "$G/app/"   # TorchSharp's own probe looks beside TorchSharp.dll
if [ -f .gpu/fashion-mnist.tar.xz ]; then
  mkdir -p /usr/share/datasets/fashion-mnist
  tar -xJf .gpu/fashion-mnist.tar.xz -C /usr/share/datasets/fashion-mnist --strip-components=1
fi
export DOTNET_ROOT="$G/dotnet" DOTNET_CLI_TELEMETRY_OPTOUT=1 COLUMNS=150
# (TORCH_LIB, REQUIRE_CUDA=0, BENCH_BATCHES, BENCH_ROUNDS and TRAIN_SECONDS let the script be rehearsed on a CPU machine.)
TORCH_LIB=${TORCH_LIB:-$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')}
# TorchSharp's loader finds libtorch_cuda.so (and our libLibTorchSharp.so its libtorch) on this path.
export LD_LIBRARY_PATH="$TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export VISIONLAB_PYTHON=$(command -v python3)
printf '#!/bin/sh\nexec "%s/dotnet/dotnet" "%s/app/VisionLab.Cli.dll" "$@"\n' "$G" "$G" > "$G/vl"
chmod +x "$G/vl"
export PATH="$G:$PATH"

{
  date -u; nvidia-smi -L; nproc
  python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))'
  if command -v nm >/dev/null; then
    # libLibTorchSharp.so was built against libtorch 2.10: which of its symbols does this torch lack?
    nm -D --undefined-only "$G/app/runtimes/linux-x64/native/libLibTorchSharp.so" | awk '$1 == "U" {print $2}' | grep -v @ | sort -u > /tmp/needed
    for l in libtorch_cpu.so libc10.so libtorch.so libtorch_cuda.so libc10_cuda.so; do
      nm -D --defined-only "$TORCH_LIB/$l" 2>/dev/null | awk '{print $3}'
    done | sort -u > /tmp/defined
    comm -23 /tmp/needed /tmp/defined > "$OUT/missing-symbols.txt"
    echo "libLibTorchSharp.so needs $(wc -l < /tmp/needed) unversioned symbols; this torch lacks $(wc -l < "$OUT/missing-symbols.txt")"
    head -5 "$OUT/missing-symbols.txt"
  fi
  timeout 60 vl info
  echo "info exit $?"
} > "$OUT/info.txt" 2>&1
cat "$OUT/info.txt"
if [ "${REQUIRE_CUDA:-1}" = 1 ] && ! grep -q "cuda (" "$OUT/info.txt"; then
  echo "TorchSharp did not see the GPU; loader trace:"
  LD_DEBUG=files timeout 60 vl info 2>&1 | grep -i -E "torch_cuda|error|cannot" | head -20
  exit 3
fi

# Two schedules side by side, each one cosine cycle: 20 and 15 epochs (the default run).
limit=${TRAIN_SECONDS:-300}
timeout "$limit" vl train --dataset fashion-mnist-debian --epochs 20 --restart-period 20 --output /tmp/t20 > "$OUT/train-20.log" 2>&1 &
timeout "$limit" vl train --dataset fashion-mnist-debian --epochs 15 --restart-period 15 --output /tmp/t15 > "$OUT/train-15.log" 2>&1 &
wait
for f in "$OUT"/train-*.log; do echo "== $f"; grep -E "^epoch [0-9]+:|Done|rror" "$f" | sed -E 's/, process memory.*//' | tail -32; done

{
  for args in ${BENCH_CASES:-modern-cnn:Float32 vit-32:Float32 modern-cnn:Float16 vit-32:Float16 modern-cnn:BFloat16}; do
    set -- ${args/:/ }
    timeout "${BENCH_SECONDS:-60}" vl bench train --model "$1" --precision "$2" --batches "${BENCH_BATCHES:-20}" --rounds "${BENCH_ROUNDS:-3}" --compare-pytorch
    echo "bench $1 $2 exit $?"
  done
} > "$OUT/bench.txt" 2>&1
grep -E "training step|ratio|reference:|exit [^0]" "$OUT/bench.txt"


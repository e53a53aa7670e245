#!/usr/bin/env bash
# Packs what a lent GPU machine needs to run VisionLab there (it has CUDA PyTorch but no .NET and no network):
# the .NET runtime, a Release build of the CLI without libtorch (TorchSharp binds to the machine's own torch/lib,
# see run-checks.sh), and Debian's full Fashion-MNIST. Output: .gpu/app.tar.xz and .gpu/fashion-mnist.tar.xz
# (ignored by git; the device tool carries .gpu). The device tool moves at most 64 MiB: this packs about 58.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/.gpu"
mkdir -p "$out"
dotnet build "$root/lib/VisionLab.Cli" -c Release --nologo -v q
build="$root/lib/VisionLab.Cli/bin/Release/net10.0"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/app/runtimes/linux-x64/native" "$stage/dotnet/shared"
# The notebook kernel (Roslyn, .NET Interactive, F# compiler) and ONNX Runtime do not fit; train and bench need neither.
for f in "$build"/*.dll; do
  case "$(basename "$f")" in
    Microsoft.CodeAnalysis*|FSharp.Compiler.Service.dll|FSharp.DependencyManager*|Microsoft.DotNet.Interactive*|System.Composition*|Microsoft.DiaSymReader.dll|Humanizer.dll|onnxruntime*.dll) ;;
    *) cp "$f" "$stage/app/" ;;
  esac
done
# No deps.json: the host then takes the assemblies in the folder instead of insisting on the ones left out.
cp "$build/VisionLab.Cli.runtimeconfig.json" "$stage/app/"
cp "$build/runtimes/linux-x64/native/libLibTorchSharp.so" "$stage/app/runtimes/linux-x64/native/"
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
cp -r "$dotnet_root/dotnet" "$dotnet_root/host" "$stage/dotnet/"
cp -r "$dotnet_root/shared/Microsoft.NETCore.App" "$stage/dotnet/shared/"
tar -C "$stage" -cf - app dotnet | xz -T0 -9 > "$out/app.tar.xz"
if [ -d /usr/share/datasets/fashion-mnist ]; then
  mkdir -p "$stage/fm"
  for f in /usr/share/datasets/fashion-mnist/*-ubyte.gz; do zcat "$f" > "$stage/fm/$(basename "$f" .gz)"; done
  tar -C "$stage" -cf - fm | xz -T0 -9 > "$out/fashion-mnist.tar.xz"
else
  echo "Debian's Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): packing the app only." >&2
fi
du -ch "$out"/*.tar.xz

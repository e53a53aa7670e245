#!/usr/bin/env bash
# Runs the numerics-sensitive tests ([Trait("Category", "Numerics")]: goldens against PyTorch/torchvision and the
# statistics of trained models) under other numeric configurations of libtorch, so a result that holds only on
# one CPU's kernel path shows up on any machine.
#
#   tests/numerics/run-under-configurations.sh [configuration...]
#
# Configurations as in configurations.sh: default, or VAR=VALUE[,VAR=VALUE...]. Without arguments:
# MKL_CBWR=AVX2 MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=AVX2. Builds once, runs each configuration in turn,
# prints each one's time and result, and exits non-zero if any failed. NUMERICS_DOTNET_TEST_ARGS adds arguments
# to `dotnet test` (e.g. --no-build when the caller has built).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/tests/numerics/configurations.sh"

configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(MKL_CBWR=AVX2 MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=AVX2)
for config in "${configs[@]}"; do configuration_env "$config" >/dev/null; done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$root"
dotnet build tests/VisionLab.Tests -v q -nologo
failed=()
summary=()
for config in "${configs[@]}"; do
  mapfile -t vars < <(configuration_env "$config")
  echo "==> Category=Numerics under $config"
  start=$(date +%s)
  # shellcheck disable=SC2086
  if env "${vars[@]}" dotnet test tests/VisionLab.Tests --no-build --filter "Category=Numerics" ${NUMERICS_DOTNET_TEST_ARGS:-}; then
    result=passed
  else
    result=FAILED; failed+=("$config")
  fi
  summary+=("$config: $result in $(( $(date +%s) - start )) s")
done
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "numerics tests failed under: ${failed[*]}" >&2
  exit 1
fi

#!/usr/bin/env bash
# Measures the statistics the statistical tests assert, over training seeds and numeric configurations.
#
#   tests/numerics/measure-spread.sh [--seeds "0 1 2 3 4"] [--filter EXPR] [--out FILE] [--no-build] [configuration...]
#
# Configurations as in configurations.sh (default: default MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=SSE41
# OMP_NUM_THREADS=1). Each (configuration, seed) runs the tests once with VISIONLAB_TEST_SEED=<seed>; each test
# reports its statistics before asserting (Numerics.Report), so a failing run is measured too. Appends one line
# per statistic to FILE (default tests/numerics/spread.tsv: configuration, seed, threads, test, statistic, value)
# and prints mean, min and max per statistic over everything in FILE (summarize.py). Runs under `nice -n 10`.
# Cost: one (configuration, seed) run of the four tests took 2.5-4 min of an idle 2-core AMD EPYC (under another
# user's load, up to 25 min); the ViT test is about half of it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tests/numerics"
source "$here/configurations.sh"

seeds="0 1 2 3 4"
filter="FullyQualifiedName~GradCamSanityTests|FullyQualifiedName~AttentionOnObjectTests|FullyQualifiedName~OnnxQuantizerTests.A_trained_CNN|FullyQualifiedName~ContrastiveTrainingTests"
out="$here/spread.tsv"
build=1
configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --filter) filter="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) configs+=("$1"); shift ;;
  esac
done
[ ${#configs[@]} -gt 0 ] || configs=(default MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=SSE41 OMP_NUM_THREADS=1)
for config in "${configs[@]}"; do configuration_env "$config" >/dev/null; done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$root"
[ "$build" = 0 ] || nice -n 10 dotnet build tests/VisionLab.Tests -v q -nologo
[ -s "$out" ] || printf 'configuration\tseed\tthreads\ttest\tstatistic\tvalue\n' > "$out"
log="$(mktemp -d)"
failures=0
for seed in $seeds; do
  for config in "${configs[@]}"; do
    mapfile -t vars < <(configuration_env "$config")
    stats="$log/$config-$seed.txt"
    : > "$stats"
    start=$(date +%s)
    if env "${vars[@]}" VISIONLAB_TEST_SEED="$seed" VISIONLAB_TEST_STATISTICS="$stats" \
        nice -n 10 dotnet test tests/VisionLab.Tests --no-build --filter "$filter" --output Detailed > "$log/$config-$seed.log" 2>&1; then
      result=passed
    else
      result="FAILED (log: $log/$config-$seed.log)"; failures=$((failures + 1))
    fi
    echo "$config seed $seed: $result in $(( $(date +%s) - start )) s" >&2
    grep -E '^ *(passed|failed) ' "$log/$config-$seed.log" | sed 's/^ */    /' >&2 || true
    # NUMERICS-STAT <test> <statistic> <value> seed=<seed> threads=<n>
    awk -F'\t' -v c="$config" -v s="$seed" '$1 == "NUMERICS-STAT" { sub("threads=", "", $6); print c "\t" s "\t" $6 "\t" $2 "\t" $3 "\t" $4 }' "$stats" >> "$out"
  done
done

python3 "$here/summarize.py" "$out"
echo "$failures run(s) failed; logs in $log" >&2

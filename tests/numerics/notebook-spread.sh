#!/usr/bin/env bash
# Measures the notebooks' statistical checks (the ones with a floor) over training seeds and numeric configurations.
#
#   tests/numerics/notebook-spread.sh [--profile smoke|default] [--seeds "0 1 2 3 4"] [--only "03 04 05 06 07"]
#                                     [--out FILE] [--no-build] [--solutions] [configuration...]
#
# Each (configuration, seed) runs `visionlab tutorial --profile P --seed S --only ...` into a fresh folder and appends
# the executed notebooks' checks to FILE (default tests/numerics/notebook-checks.tsv: profile, configuration, seed,
# notebook, check, value, floor), then prints the summary (notebook_checks.py --summary). Configurations as in
# configurations.sh (default: default MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=SSE41). A failed check still records its
# value. --solutions measures the chapters' worked solutions (`tutorial --solutions`) instead of the chapters; --only
# then picks them by chapter number. Runs under `nice -n 10`. Cost on an idle 2-core AMD EPYC: smoke 03-07 about 4 min per (configuration, seed);
# default 03-07 about 25 min.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tests/numerics"
source "$here/configurations.sh"

profile=smoke
seeds="0 1 2 3 4"
only="03 04 05 06 07"
out="$here/notebook-checks.tsv"
build=1
solutions=()
configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --solutions) solutions=(--solutions); shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) configs+=("$1"); shift ;;
  esac
done
[ ${#configs[@]} -gt 0 ] || configs=(default MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=SSE41)
for config in "${configs[@]}"; do configuration_env "$config" >/dev/null; done
only_args=()
for n in $only; do only_args+=(--only "$n"); done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$root"
[ "$build" = 0 ] || nice -n 10 dotnet build -v q -nologo
[ -s "$out" ] || printf 'profile\tconfiguration\tseed\tnotebook\tcheck\tvalue\tfloor\n' > "$out"
log="$(mktemp -d)"
failures=0
for seed in $seeds; do
  for config in "${configs[@]}"; do
    mapfile -t vars < <(configuration_env "$config")
    executed="$log/$config-$seed"
    start=$(date +%s)
    # Exit 1 is "a check failed": its value is measured all the same. Anything else is a broken run.
    rc=0
    env "${vars[@]}" nice -n 10 dotnet run --project lib/VisionLab.Cli --no-build -- tutorial --profile "$profile" \
        --seed "$seed" "${only_args[@]}" "${solutions[@]}" --output "$executed" > "$log/$config-$seed.log" 2>&1 || rc=$?
    case $rc in
      0) result=passed ;;
      1) result="a check failed (log: $log/$config-$seed.log)"; failures=$((failures + 1)) ;;
      *) echo "$config seed $seed: the tutorial exited $rc (log: $log/$config-$seed.log)" >&2; exit "$rc" ;;
    esac
    echo "$config seed $seed: $result in $(( $(date +%s) - start )) s" >&2
    notebooks="$executed"
    [ ${#solutions[@]} = 0 ] || notebooks="$executed/solutions"
    python3 "$here/notebook_checks.py" "$notebooks" "$profile" "$config" "$seed" >> "$out"
  done
done

python3 "$here/notebook_checks.py" --summary "$out"
echo "$failures run(s) with a failed check; logs and executed notebooks in $log" >&2

# Sourced by the scripts beside it: numeric configurations of libtorch on one machine.
#
# A configuration is "default" or a comma-separated list of VAR=VALUE, e.g. MKL_CBWR=AVX2 or
# ONEDNN_MAX_CPU_ISA=AVX2,OMP_NUM_THREADS=1. The variables that change the arithmetic:
#   MKL_CBWR=AVX2|AVX512|COMPATIBLE   MKL's code path (conditional numerical reproducibility); COMPATIBLE is SSE2-level
#   ONEDNN_MAX_CPU_ISA=AVX2|SSE41|... the widest instruction set oneDNN (convolutions) may use
#   ATEN_CPU_CAPABILITY=default|avx2|avx512   ATen's own vectorised kernels
#   OMP_NUM_THREADS=1                 libtorch's intra-op threads (VisionLab leaves libtorch's default, one per core):
#                                     another split of the reductions
# A variable naming a wider path than the CPU has changes nothing. The machines differ: the AMD EPYC these were
# measured on had AVX2 only on some days and AVX-512 on others (grep avx512 /proc/cpuinfo), so "default" is not one
# path; name the widest one (MKL_CBWR=AVX512,ONEDNN_MAX_CPU_ISA=AVX512_CORE) to record it as such.

# Prints the configuration as `env` arguments (nothing for default); fails on a malformed one.
configuration_env() {
  local config="$1"
  [ "$config" = default ] && return 0
  local pair
  IFS=',' read -ra pairs <<< "$config"
  for pair in "${pairs[@]}"; do
    if [[ ! "$pair" =~ ^[A-Z_][A-Z0-9_]*=[^[:space:]]*$ ]]; then
      echo "bad configuration '$config': expected default or VAR=VALUE[,VAR=VALUE...]" >&2
      return 1
    fi
    printf '%s\n' "$pair"
  done
}

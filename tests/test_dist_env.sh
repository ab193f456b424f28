# test_dist_env.sh — sourced by the MPI test scripts (test_dist_mpi.sh, test_dist_pretrain.sh):
# mpirun as root in containers, one OpenMP thread per rank (2 ranks share the CI machine's
# 2 cores), and under the sanitizer suite (.ci/sanitize) Open MPI's own never-freed allocations
# suppressed (test_dist_lsan.supp, appended to the suite's suppressions in a temporary file that
# the caller removes: $dist_lsan_supp).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
dist_lsan_supp=""
if [[ -n "${ASAN_OPTIONS:-}${LSAN_OPTIONS:-}" ]]; then
  dist_lsan_supp=$(mktemp "${TMPDIR:-/tmp}/syn_dist_lsan.XXXXXX")
  existing=$(sed -n 's/.*suppressions=\([^:]*\).*/\1/p' <<< "${LSAN_OPTIONS:-}")
  { [[ -n "$existing" ]] && cat "$existing"
    cat "$(dirname "${BASH_SOURCE[0]}")/test_dist_lsan.supp"; } > "$dist_lsan_supp"
  if [[ "${LSAN_OPTIONS:-}" == *suppressions=* ]]; then
    LSAN_OPTIONS=$(sed "s|suppressions=[^:]*|suppressions=$dist_lsan_supp|" <<< "$LSAN_OPTIONS")
  else
    LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$dist_lsan_supp"
  fi
  export LSAN_OPTIONS="$LSAN_OPTIONS:fast_unwind_on_malloc=0"
fi

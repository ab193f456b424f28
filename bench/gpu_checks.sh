#!/usr/bin/env bash
# gpu_checks.sh — what we run on a lent GPU machine (H100/H200; see bench/RESULTS.md): build
# for sm_90, run the whole test suite (the CUDA tests run there instead of skipping), then
# compute-sanitizer memcheck and racecheck on the CUDA tests, then the GPU benchmarks.
#   bash bench/gpu_checks.sh [tests|sanitize|bench|all]    (logs go to $OUT or ./gpu-logs)
# The machine has no apt: libsndfile and doctest travel in .devdeps/ (headers + .so files
# copied from this project's Debian dev machine; see bench/README.md).
set -uo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
out=${OUT:-gpu-logs}
mkdir -p "$out"
export LD_LIBRARY_PATH="$PWD/.devdeps/lib:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
git log -1 --format='commit %H %cd' 2>/dev/null || true
cudnn_root=$(python3 -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' 2>/dev/null || true)
[ -n "$cudnn_root" ] && export LD_LIBRARY_PATH="$cudnn_root/lib:$LD_LIBRARY_PATH"
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DCMAKE_PREFIX_PATH="$PWD/.devdeps${cudnn_root:+;$cudnn_root}" >"$out/cmake.log" 2>&1 ||
  { tail -30 "$out/cmake.log"; exit 1; }
cmake --build build-gpu -j16 -- -k >"$out/build.log" 2>&1 || grep -E "error|Error" "$out/build.log" | head -30
if [[ $what == tests || $what == all ]]; then
  ctest --test-dir build-gpu --output-on-failure -j8 >"$out/ctest.log" 2>&1
  grep -E "tests passed|Failed|\*\*\*|Skipped|Not Run" "$out/ctest.log" | head -40
fi
if [[ $what == bench || $what == all ]]; then
  for b in build-gpu/bench/bench_cuda_*; do
    [ -x "$b" ] && { echo "== $b"; timeout 120 "$b" 2>&1 | tee "$out/$(basename $b).log" | tail -45; }
  done
fi
if [[ $what == sanitize || $what == all ]]; then
  # compute-sanitizer slows kernels 10-100x: each run is capped (SANITIZE_SECONDS, default 90;
  # a capped run reports exit 124, i.e. clean so far but unfinished). Every CUDA suite, so the
  # newer ones (2-D, spectrogram, text, diffusion ops) are covered as they land.
  for t in build-gpu/tests/test_cuda_*; do
    [ -x "$t" ] || continue
    for tool in memcheck racecheck; do
      log="$out/$(basename $t)_$tool.log"
      SYN_CUDA_NO_CACHE=1 timeout "${SANITIZE_SECONDS:-90}" compute-sanitizer --tool $tool \
        --error-exitcode 9 "$t" >"$log" 2>&1
      echo "$(basename $t) $tool: exit $? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$log" | tail -1)"
    done
  done
fi

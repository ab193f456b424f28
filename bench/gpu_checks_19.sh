#!/usr/bin/env bash
# gpu_checks_19.sh — issue 19's checks on a lent GPU, one stage per call, every step under its
# own time cap, every figure written under $OUT (default ./gpu-logs-19) and summarised on stdout.
# Prepared on a machine without a GPU: none of it has run yet.
#
#   bash bench/gpu_checks_19.sh STAGE [BUILD_DIR]      STAGE: new | bench | suites | sanitize
#
#   new       (~4 min) the new kernels' suites: test_cuda_augment (augment.cu vs the CPU per
#             transform), test_cuda_precision (v5 tensor-core conv1d, cuBLAS at tf32/bf16, the
#             1,000-step loss band), test_cuda_ops (includes the augment_batch op case),
#             test_cuda_layers (conv1d versions, Auto under fp32)
#   bench     (~5 min) bench_cuda_clmr_step at fp32, tf32, bf16 and bf16 with PyTorch's
#             channels-last twin + torch.compile; bench_augment --device cuda (GPU views/s);
#             apps/pretrain --device cuda end to end (augmentation on the CPU with --prefetch 2,
#             then on the GPU) with the GPU's busy share sampled by nvidia-smi
#   suites    (~4 min) every other test_cuda_* suite (test_cuda_spectrogram has never run; the
#             issue's never-run ops2d, text_ops and diffusion_ops suites are cases of test_cuda_ops
#             since the op-check harness, so stage `new` runs them)
#   sanitize  (~capped) compute-sanitizer memcheck and racecheck on test_cuda_augment and
#             test_cuda_precision first, then every other suite (SANITIZE_SECONDS each, default 60;
#             exit 124 = clean so far but cut short)
#
# BUILD_DIR (default build-gpu) is configured and the needed targets built when absent (sm_90,
# -j16, capped at BUILD_SECONDS, default 420): build it beforehand where possible and carry it.
# Like bench/gpu_checks.sh, libsndfile and doctest may travel in .devdeps/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
stage=${1:?usage: gpu_checks_19.sh new|bench|suites|sanitize [build-dir]}
build=${2:-build-gpu}
out=${OUT:-gpu-logs-19}
mkdir -p "$out"
export LD_LIBRARY_PATH="$PWD/.devdeps/lib:${LD_LIBRARY_PATH:-}"
summary="$out/summary_$stage.txt"
note() { echo "$*" | tee -a "$summary"; }

note "== gpu_checks_19 $stage $(date -u +%FT%TZ)"
note "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1)"
note "$(git log -1 --format='commit %H %cd' 2>/dev/null || echo 'commit unknown')"

# run NAME SECONDS CMD...: runs CMD with a cap, logs to $out/NAME.log, one summary line.
run() {
  local name=$1 cap=$2
  shift 2
  local t0=$SECONDS
  timeout "$cap" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  note "$name: exit $rc in $((SECONDS - t0)) s (cap $cap s)$([ $rc = 124 ] && echo ' TIMED OUT')"
  return $rc
}

targets=(test_cuda_augment test_cuda_precision test_cuda_ops test_cuda_layers
  bench_cuda_clmr_step bench_augment pretrain)
if [[ ! -x $build/tests/test_cuda_augment || ! -x $build/apps/pretrain ]]; then
  cudnn_root=$(python3 -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' \
    2>/dev/null || true)
  run configure 120 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_PREFIX_PATH="$PWD/.devdeps${cudnn_root:+;$cudnn_root}"
  [[ $stage == suites || $stage == sanitize ]] && targets=(all)
  run build "${BUILD_SECONDS:-420}" cmake --build "$build" -j16 --target "${targets[@]}" ||
    grep -E "error" "$out/build.log" | head -20 | tee -a "$summary"
fi

case $stage in
  new)
    run test_cuda_augment 120 "$build/tests/test_cuda_augment"
    run test_cuda_precision 240 "$build/tests/test_cuda_precision"
    grep -E "mean loss" "$out/test_cuda_precision.log" | tee -a "$summary"
    run test_cuda_ops 150 "$build/tests/test_cuda_ops"
    run test_cuda_layers 150 "$build/tests/test_cuda_layers"
    grep -hE "test cases:|ERROR" "$out"/test_cuda_{augment,precision,ops,layers}.log | head -40 |
      tee -a "$summary"
    ;;
  bench)
    b="$build/bench/bench_cuda_clmr_step"
    run step_fp32 90 "$b" --precision fp32 --repeats 10
    run step_tf32 90 "$b" --precision tf32 --repeats 10
    run step_bf16 90 "$b" --precision bf16 --repeats 10
    run step_bf16_cl_compile 240 "$b" --precision bf16 --channels-last --compile --repeats 10
    grep -hE "CLMR step|ours|PyTorch" "$out"/step_*.log | tee -a "$summary"
    run augment_views 60 "$build/bench/bench_augment" --views 96 --device cuda
    grep -E "chain" "$out/augment_views.log" | tee -a "$summary"
    # End to end: CLMR sizes on synthetic clips (no audio folder on the machine), 60 steps after
    # the first progress line; clips/s from the trainer, GPU busy share from nvidia-smi.
    for aug in cpu cuda; do
      nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits -lms 200 \
        >"$out/util_$aug.csv" 2>/dev/null &
      smi=$!
      run "pretrain_aug_$aug" 150 "$build/apps/pretrain" --device cuda --dataset synthetic \
        --synthetic_clips 200 --batch_size 48 --max_steps 60 --prefetch 2 \
        --augment_device "$aug" --checkpoint_every 0 --log_every_seconds 5 \
        --log_dir "$out/runs" --run_name "e2e_$aug"
      kill "$smi" 2>/dev/null
      wait "$smi" 2>/dev/null
      note "pretrain --augment_device $aug: $(grep -E 'samples/s' "$out/pretrain_aug_$aug.log" |
        tail -1)"
      note "  GPU busy (mean of nvidia-smi utilization samples): $(awk '{s += $1; n++} END {
        if (n) printf "%.1f %% over %d samples", s / n, n}' "$out/util_$aug.csv")"
    done
    ;;
  suites)
    for t in "$build"/tests/test_cuda_*; do
      [ -x "$t" ] || continue
      case $(basename "$t") in
        test_cuda_augment | test_cuda_precision | test_cuda_ops | test_cuda_layers) continue ;;
      esac
      run "$(basename "$t")" 120 "$t"
      grep -E "test cases:" "$out/$(basename "$t").log" | tee -a "$summary"
    done
    ;;
  sanitize)
    first=("$build/tests/test_cuda_augment" "$build/tests/test_cuda_precision")
    rest=()
    for t in "$build"/tests/test_cuda_*; do
      case $(basename "$t") in test_cuda_augment | test_cuda_precision) continue ;; esac
      rest+=("$t")
    done
    for t in "${first[@]}" "${rest[@]}"; do
      [ -x "$t" ] || continue
      for tool in memcheck racecheck; do
        # the 1,000-step run is for the GPU's speed, not the sanitizer's: skip it there
        extra=()
        [[ $(basename "$t") == test_cuda_precision ]] &&
          extra=("--test-case-exclude=*CLMR steps under*")
        run "$(basename "$t")_$tool" "${SANITIZE_SECONDS:-60}" env SYN_CUDA_NO_CACHE=1 \
          compute-sanitizer --tool "$tool" --error-exitcode 9 "$t" "${extra[@]}"
        grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$out/$(basename "$t")_$tool.log" | tail -1 |
          tee -a "$summary"
      done
    done
    ;;
  *)
    echo "unknown stage '$stage' (new | bench | suites | sanitize)" >&2
    exit 2
    ;;
esac
note "== done $(date -u +%FT%TZ)"

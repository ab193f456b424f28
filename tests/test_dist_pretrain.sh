#!/usr/bin/env bash
# test_dist_pretrain.sh — data-parallel CLMR pretraining (issue 17) through the real app, on the
# CPU with MPI, a few steps of the demo's SampleCNN (6 blocks, channels / 4), Adam at lr 1e-3:
#   (a) mpirun -np 2 at --batch_size 4 --sync_batchnorm 1 --gather_negatives 1 against one
#       process at --batch_size 8: the loss of every step equal to the printed 4 decimals
#       (|diff| <= 2e-4); after step 1 the weights within 1e-5 + 1e-4 |w| and every 1-D tensor
#       within 2 lr; after step 4 everything within lr (1-D tensors 2 lr x 4 steps). The ranks sum
#       partial statistics in another order, and Adam moves a parameter by about lr whatever its
#       gradient's size, so where the exact gradient is (near) zero (a convolution's bias before
#       a batch norm, a dead channel) rounding-level differences become steps of lr; the exact
#       comparison of the gradients themselves is tests/test_dist_clmr_step.cpp;
#   (b) a 2-rank run resumed from its step-2 checkpoint ends bit-identical to the uninterrupted
#       2-rank run (parameters, buffers and optimiser state) with identical losses; resuming it
#       with 1 process is allowed and says that the data order changes;
#   (c) a rank that dies (SYN_DIST_TEST_EXIT_AT_STEP) or hangs (SYN_DIST_TEST_HANG_AT_STEP, with
#       --dist_timeout_seconds 5) ends the job with an error within bounded time, and every
#       checkpoint file left behind is complete (it loads, CRC checked);
#   (d) linear_evaluation (single-process) refuses to run as several processes.
# Usage: test_dist_pretrain.sh <SYN_WITH_MPI> <build/apps> <compare_checkpoints> <source dir>
# Exit 77 (skipped) without mpirun or in a build without MPI.
set -u
with_mpi=$1 apps=$2 compare=$3 src=$4
if [[ "$with_mpi" != ON ]] || ! command -v mpirun >/dev/null; then
  echo "skipped: needs mpirun and a build with MPI (SYN_MPI)"
  exit 77
fi
source "$(dirname "$0")/test_dist_env.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/syn_dist_pretrain.XXXXXX")
trap 'rm -f "$dist_lsan_supp"; [[ -n "${KEEP:-}" ]] || rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mpi2() { timeout 120 mpirun -np 2 --oversubscribe "$@"; }

# The demo's config with a progress line per step (its log_every_seconds is an int there).
sed 's/^log_every_seconds: .*/log_every_seconds: 1.0e-9/' "$src/config/demo.yaml" > "$tmp/demo.yaml"
# Noise in every view: the synthetic clips have stretches of exact silence, which put thousands
# of equal values at a ReLU's kink, where rounding decides (see test_dist_clmr_step.cpp).
common=(--config "$tmp/demo.yaml" --synthetic_clips 24 --max_steps 4 --checkpoint_every 1
        --transforms_noise 1 --linear_probe 0 --log_dir "$tmp")
# "step 3/4 | loss 4.1234" of each progress line (rank 0's, prefixed "rank 0/2 | " under mpirun).
losses() { grep -o 'step [0-9]*/[0-9]* | loss [0-9.]*' "$1" | sed 's/ | loss / /'; }

# (a) 1 process x batch 8 against 2 processes x batch 4.
"$apps/pretrain" "${common[@]}" --batch_size 8 --run_name one > "$tmp/one.log" 2>&1 ||
  { cat "$tmp/one.log"; fail "one process"; }
mpi2 "$apps/pretrain" "${common[@]}" --batch_size 4 --sync_batchnorm 1 --gather_negatives 1 \
  --run_name two > "$tmp/two.log" 2>&1 || { cat "$tmp/two.log"; fail "2 ranks"; }
grep -q 'rank 0/2 | step 4/4' "$tmp/two.log" || { cat "$tmp/two.log"; fail "no rank/world"; }
grep -q 'per process x 2 processes (MPI' "$tmp/two.log" || fail "no world in the header"
[[ $(grep -c 'step 4/4' "$tmp/two.log") == 1 ]] || fail "rank 1 printed progress lines"
losses "$tmp/one.log" > "$tmp/one.losses"
losses "$tmp/two.log" > "$tmp/two.losses"
echo "losses, 1 x 8 then 2 x 4:"; paste "$tmp/one.losses" "$tmp/two.losses"
[[ $(wc -l < "$tmp/one.losses") == 4 ]] || fail "expected 4 losses"
# Printed with 4 decimals: equal up to the last printed digit.
paste "$tmp/one.losses" "$tmp/two.losses" |
  awk '{ d = $3 - $6; if (d < 0) d = -d; if ($2 != $5 || d > 2e-4) bad = 1 } END { exit bad }' ||
  fail "losses differ beyond 2e-4"
"$compare" "$tmp/one/checkpoint_1.synt" "$tmp/two/checkpoint_1.synt" --prefix model. \
  --atol 1e-5 --rtol 1e-4 --atol_1d 2e-3 --meta step || fail "parameters differ after step 1"
"$compare" "$tmp/one/checkpoint_4.synt" "$tmp/two/checkpoint_4.synt" --prefix model. \
  --atol 1e-3 --atol_1d 8e-3 --meta step || fail "parameters differ after step 4"

# (b) 2 ranks resumed from step 2: bit-identical to the uninterrupted 2-rank run.
mpi2 "$apps/pretrain" "${common[@]}" --batch_size 4 --sync_batchnorm 1 --gather_negatives 1 \
  --run_name two_resumed --checkpoint_path "$tmp/two/checkpoint_2.synt" > "$tmp/resumed.log" 2>&1 ||
  { cat "$tmp/resumed.log"; fail "resumed 2 ranks"; }
"$compare" "$tmp/two/checkpoint_4.synt" "$tmp/two_resumed/checkpoint_4.synt" --meta step ||
  fail "the resumed run differs from the uninterrupted one"
diff <(grep -E '^step [34]/' "$tmp/two.losses") <(losses "$tmp/resumed.log") ||
  fail "resumed losses differ"
# Another world size: allowed, with a note.
"$apps/pretrain" "${common[@]}" --batch_size 4 --sync_batchnorm 1 --gather_negatives 1 \
  --run_name one_from_two --checkpoint_path "$tmp/two/checkpoint_2.synt" > "$tmp/w1.log" 2>&1 ||
  { cat "$tmp/w1.log"; fail "resume with 1 process"; }
grep -q "written by 2 process(es), this run has 1" "$tmp/w1.log" || { cat "$tmp/w1.log"; fail "no note"; }

# (c) a rank dies before step 4 / hangs before step 4.
check_no_broken_checkpoint() {
  for f in "$1"/checkpoint_*.synt; do
    [[ -e "$f" ]] || continue
    "$compare" "$f" "$f" > /dev/null || fail "incomplete checkpoint $f"
  done
}
start=$SECONDS
mpi2 -x SYN_DIST_TEST_EXIT_AT_STEP=3 "$apps/pretrain" "${common[@]}" --batch_size 4 \
  --dist_timeout_seconds 20 --run_name killed > "$tmp/killed.log" 2>&1 && fail "a dead rank went unnoticed"
echo "killed rank: the job ended after $((SECONDS - start)) s:"; tail -n 12 "$tmp/killed.log"
grep -q 'rank 1/2: SYN_DIST_TEST_EXIT_AT_STEP=3' "$tmp/killed.log" || fail "no message from rank 1"
(( SECONDS - start < 60 )) || fail "the job took too long to end"
[[ -e "$tmp/killed/checkpoint_2.synt" ]] || fail "the step-2 checkpoint is missing"
check_no_broken_checkpoint "$tmp/killed"

start=$SECONDS
mpi2 -x SYN_DIST_TEST_HANG_AT_STEP=3 "$apps/pretrain" "${common[@]}" --batch_size 4 \
  --dist_timeout_seconds 5 --run_name hung > "$tmp/hung.log" 2>&1 && fail "a hung rank went unnoticed"
echo "hung rank: the job ended after $((SECONDS - start)) s:"; tail -n 12 "$tmp/hung.log"
grep -q 'rank 0/2: MPI .* did not complete within 5 s' "$tmp/hung.log" || fail "no timeout message"
(( SECONDS - start < 60 )) || fail "the job took too long to end"
check_no_broken_checkpoint "$tmp/hung"
# linear_evaluation runs in one process: several are refused before any work.
mpi2 "$apps/linear_evaluation" --config "$src/config/linear_evaluation.yaml" > "$tmp/le.log" 2>&1 &&
  fail "linear_evaluation accepted 2 processes"
grep -q 'linear_evaluation runs in one process, but mpirun started 2' "$tmp/le.log" ||
  { cat "$tmp/le.log"; fail "no clear refusal from linear_evaluation"; }
echo "PASS"

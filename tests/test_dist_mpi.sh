#!/usr/bin/env bash
# test_dist_mpi.sh — runs a doctest executable (test_dist_collectives, test_dist_clmr_step) as
# 2 MPI ranks:
#   test_dist_mpi.sh <SYN_WITH_MPI ON|OFF> <test executable>
# Exit 77 (skipped) without mpirun or in a build without MPI.
set -u
with_mpi=$1
exe=$2
if [[ "$with_mpi" != ON ]] || ! command -v mpirun >/dev/null; then
  echo "skipped: needs mpirun and a build with MPI (SYN_MPI)"
  exit 77
fi
source "$(dirname "$0")/test_dist_env.sh"
trap 'rm -f "$dist_lsan_supp"' EXIT
timeout 240 mpirun -np 2 --oversubscribe "$exe"

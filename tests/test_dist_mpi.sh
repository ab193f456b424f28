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
# Root in containers; 2 ranks on a 2-core machine; one OpenMP thread per rank.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
exec timeout 240 mpirun -np 2 --oversubscribe "$exe"

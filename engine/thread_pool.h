// thread_pool.h — the CPU backend's own worker threads, behind parallel_for (engine/parallel.h).
//
// Why not OpenMP: libgomp's idle threads busy-wait (for up to ~300,000 spins by default) and the
// wait policy can only be changed by environment variables read when the library loads. On a
// machine shared with other jobs that collapses: a sibling descheduled by the other job holds up
// every barrier while the rest burn their slices spinning (two threads measured 30x slower than
// one). Here waiting is a short bounded spin and then a futex sleep, and the calling thread can
// take any chunk no worker has claimed yet, so a descheduled worker only delays the chunk it is
// actually running.
//
// Model: run_chunks(chunks, body) calls body(c) once for every c in [0, chunks), spread over the
// caller and the persistent workers; chunks are claimed in order but which thread runs which is
// not fixed, so bodies must write disjoint outputs (results then never depend on the schedule).
// A run_chunks inside a body (nesting), or while another thread is using the pool, runs inline on
// the calling thread. An exception from a body is rethrown in the caller once every claimed chunk
// has finished: always the lowest-numbered throwing chunk's (chunks below it all run, chunks
// above it may be skipped), as a plain loop would.
#pragma once
#include <cstdint>
#include <type_traits>

namespace syn {

// Threads parallel_for uses (>= 1): the last set_num_threads value, else SYN_THREADS, else
// OMP_NUM_THREADS (its first entry), else the CPUs this process may run on.
int num_threads();
// n >= 1 sets the count; n <= 0 goes back to the environment/CPU default. Takes effect at the
// next region (workers are started or stopped then).
void set_num_threads(int n);

namespace detail {
using ChunkFn = void (*)(void* ctx, int64_t chunk);
// The type-erased core of run_chunks (no allocation per call).
void run_chunks_erased(int64_t chunks, ChunkFn fn, void* ctx);
}  // namespace detail

// Calls body(c) for c in [0, chunks) on the pool (see the model above). chunks < 2^31.
template <class Body>
void run_chunks(int64_t chunks, Body&& body) {
  if (chunks <= 0) return;
  using B = std::remove_reference_t<Body>;
  detail::run_chunks_erased(
      chunks, [](void* ctx, int64_t c) { (*static_cast<B*>(ctx))(c); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

}  // namespace syn

// cuda_check.h — every CUDA call and launch is checked; failures name the op and its sizes.
#pragma once
#include <cuda_runtime.h>

#include "engine/check.h"

#define SYN_CUDA_CHECK(call, ...)                                                \
  do {                                                                           \
    cudaError_t err_ = (call);                                                   \
    SYN_CHECK(err_ == cudaSuccess, __VA_ARGS__, ": ", cudaGetErrorString(err_)); \
  } while (0)

// After a <<<...>>> launch: reports launch-configuration errors with the op's description.
#define SYN_CUDA_LAUNCH_CHECK(...) SYN_CUDA_CHECK(cudaGetLastError(), "launch of ", __VA_ARGS__)

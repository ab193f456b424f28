# cuda.cmake — the GPU per-layer benchmark (bench_cuda_layers: our conv1d / batchnorm / maxpool
# kernels, every version, against cuDNN). Included from bench/CMakeLists.txt; a no-op in builds
# without CUDA. cuDNN is optional: without it the benchmark builds and prints only our timings.
#   cmake --build build --target bench_cuda_layers && ./build/bench/bench_cuda_layers
if(NOT SYN_WITH_CUDA)
  return()
endif()

# CMAKE_PREFIX_PATH is searched first (e.g. the pip package nvidia-cudnn's directory, as
# bench/gpu_checks.sh passes it); that package ships only the versioned libcudnn.so.9.
find_path(SYN_CUDNN_INCLUDE_DIR cudnn.h
  HINTS ${CUDAToolkit_INCLUDE_DIRS}
  PATHS /usr/local/cuda/include /usr/include /usr/local/include)
find_library(SYN_CUDNN_LIBRARY NAMES cudnn libcudnn.so.9 NAMES_PER_DIR
  HINTS ${CUDAToolkit_LIBRARY_DIR}
  PATHS /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/lib/x86_64-linux-gnu)

add_executable(bench_cuda_layers ${CMAKE_CURRENT_LIST_DIR}/bench_cuda_layers.cpp)
target_link_libraries(bench_cuda_layers PRIVATE synesthesia CUDA::cudart)
target_compile_options(bench_cuda_layers PRIVATE ${SYN_CXX_WARNINGS} ${SYN_CXX_FAST})
if(SYN_CUDNN_INCLUDE_DIR AND SYN_CUDNN_LIBRARY)
  message(STATUS "bench_cuda_layers: cuDNN ${SYN_CUDNN_LIBRARY}")
  target_include_directories(bench_cuda_layers SYSTEM PRIVATE ${SYN_CUDNN_INCLUDE_DIR})
  target_link_libraries(bench_cuda_layers PRIVATE ${SYN_CUDNN_LIBRARY})
  target_compile_definitions(bench_cuda_layers PRIVATE SYN_HAVE_CUDNN=1)
else()
  message(STATUS "bench_cuda_layers: cuDNN not found, building without the cuDNN comparison")
endif()

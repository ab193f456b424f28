# clmr.cmake — the CLMR training-step benchmark (issue 3); included from bench/CMakeLists.txt.
#   cmake --build build --target bench_clmr_step && ./build/bench/bench_clmr_step
# It runs bench/torch_clmr_step.py (Debian's /usr/bin/python3 + PyTorch) for the reference
# timings, found through SYN_SOURCE_DIR. Not a CTest test: timings are never unit tests.
add_executable(bench_clmr_step bench_clmr_step.cpp)
target_link_libraries(bench_clmr_step PRIVATE synesthesia)
target_compile_options(bench_clmr_step PRIVATE ${SYN_CXX_WARNINGS} ${SYN_CXX_FAST})
target_compile_definitions(bench_clmr_step PRIVATE SYN_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

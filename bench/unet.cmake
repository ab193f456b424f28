# unet.cmake — the text-to-image benchmark (CPU training step and DDIM sampling of
# models/text_to_image.h against its PyTorch twin); included from bench/CMakeLists.txt.
#   cmake --build build --target bench_unet && ./build/bench/bench_unet --threads 1
# It runs bench/torch_unet.py (Debian's /usr/bin/python3 + PyTorch) for the reference timings,
# found through SYN_SOURCE_DIR (syn_apps defines it), and reads config/train_imagine.yaml from
# there. Not a CTest test: timings are never unit tests.
add_executable(bench_unet bench_unet.cpp)
target_link_libraries(bench_unet PRIVATE syn_apps)  # ImagineTrainer: the step as training runs it
target_compile_options(bench_unet PRIVATE ${SYN_CXX_WARNINGS} ${SYN_CXX_FAST})

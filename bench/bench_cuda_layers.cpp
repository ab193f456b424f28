// bench_cuda_layers.cpp — per-layer GPU benchmark of SampleCNN: every conv layer's forward,
// backward-data and backward-weight for each of our kernel versions (kernels/conv1d*.cu: v1
// naive, v2 tiled, v3 TF32, Small, and the live Auto choice) against cuDNN's best algorithm for
// the same convolution expressed in 2-D with height 1; batchnorm (training forward, backward)
// against cuDNN's; maxpool. Timings are not unit tests: nothing here is registered with CTest.
//
//   cmake --build build --target bench_cuda_layers && ./build/bench/bench_cuda_layers
//       [--batch 48] [--warmup 3] [--repeats 20] [--only I] [--no-v1] [--peak-tflops 67]
//
// Method (llm.c's discipline): each kernel runs `warmup` times, then `repeats` timed runs, each
// preceded by a 256 MiB memset that evicts the L2 (50 MiB on H100) so no run starts warm;
// cudaEvents around the kernel only; the median is reported. A kernel slower than 0.2 s warms up
// once, and one slower than 0.5 s gets a single timed run. Every version's result, and cuDNN's
// fp32 result, is compared with the live version's (max |diff| over max |live|) so a wrong
// kernel cannot post a fast time unnoticed.
// FLOPs per conv phase: 2 * B * Cout * Lout * Cin * K (the useful multiply-adds; a strided
// backward-data does no more useful work than the forward). %peak uses the fp32 non-tensor
// peak (67 TFLOP/s, H100 SXM, by default; the value derived from the SM count and clock is
// printed too). GB/s for batchnorm and pooling count the minimum traffic: every input read once,
// every output written once.
// cuDNN rows: "fp32" = CUDNN_FMA_MATH (no tensor cores: the same arithmetic as our v1/v2), "tf32"
// = CUDNN_DEFAULT_MATH (TF32 tensor cores allowed on Ampere and later; compare with our v3).
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "kernels/batchnorm_cuda.h"
#include "kernels/conv1d_cuda.h"
#include "kernels/pool_cuda.h"

#ifdef SYN_HAVE_CUDNN
#include <cudnn.h>
#endif

using namespace syn;
using cuda_kernels::ConvVersion;

namespace {

#define CK(call)                                                                                  \
  do {                                                                                            \
    cudaError_t e_ = (call);                                                                      \
    if (e_ != cudaSuccess) {                                                                      \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
      std::exit(1);                                                                               \
    }                                                                                             \
  } while (0)

struct Options {
  int64_t batch = 48;
  int warmup = 3, repeats = 20, only = -1;
  bool v1 = true;
  double peak_tflops = 67.0;  // H100 SXM fp32 (non-tensor)
};

using Layer = bench::ConvLayerShape;

// ---------------------------------------------------------------- timing
struct Clock {
  cudaEvent_t start{}, stop{};
  void* flush = nullptr;
  size_t flush_bytes = size_t{256} << 20;
  Clock() {
    CK(cudaEventCreate(&start));
    CK(cudaEventCreate(&stop));
    CK(cudaMalloc(&flush, flush_bytes));
  }
  // Median over timed runs (ms); each run starts with a cold L2.
  template <class F>
  double median_ms(const Options& o, F&& f) {
    for (int i = 0; i < o.warmup; ++i) {
      CK(cudaEventRecord(start));
      f();
      CK(cudaEventRecord(stop));
      CK(cudaEventSynchronize(stop));
      float ms = 0;
      CK(cudaEventElapsedTime(&ms, start, stop));
      if (ms > 200.0f) break;  // a slow kernel (v1 on a big layer) is warm after one run
    }
    CK(cudaDeviceSynchronize());
    std::vector<float> t;
    for (int r = 0; r < o.repeats; ++r) {
      CK(cudaMemsetAsync(flush, r & 0xff, flush_bytes));
      CK(cudaEventRecord(start));
      f();
      CK(cudaEventRecord(stop));
      CK(cudaEventSynchronize(stop));
      float ms = 0;
      CK(cudaEventElapsedTime(&ms, start, stop));
      t.push_back(ms);
      if (r == 0 && ms > 500.0f) break;  // very slow (v1 on a big layer): one run is enough
    }
    CK(cudaGetLastError());
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
  }
};

// ---------------------------------------------------------------- buffers
struct Buf {
  float* p = nullptr;
  size_t n = 0;
  Buf() = default;
  explicit Buf(size_t count) : n(count) { CK(cudaMalloc(&p, std::max<size_t>(n, 1) * 4)); }
  ~Buf() { cudaFree(p); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
};

// Fills with pseudo-random values in [-1, 1) from a host pool (copied in slices).
void fill_random(Buf& b, uint64_t seed) {
  static std::vector<float> pool;
  if (pool.empty()) {
    pool.resize(size_t{1} << 24);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (float& v : pool) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      v = (float)((s >> 40) * (1.0 / (1ull << 24))) * 2.0f - 1.0f;
    }
  }
  size_t off = (size_t)(seed * 7919) % pool.size();
  for (size_t done = 0; done < b.n;) {
    const size_t k = std::min(b.n - done, pool.size() - off);
    CK(cudaMemcpy(b.p + done, pool.data() + off, k * 4, cudaMemcpyHostToDevice));
    done += k;
    off = 0;
  }
}

std::vector<float> host(const Buf& b) {
  std::vector<float> h(b.n);
  CK(cudaMemcpy(h.data(), b.p, b.n * 4, cudaMemcpyDeviceToHost));
  return h;
}

// max |a - b| / max |b|
double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0, m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    d = std::max(d, (double)std::fabs(a[i] - b[i]));
    m = std::max(m, (double)std::fabs(b[i]));
  }
  return (std::isnan(d) ? INFINITY : d) / std::max(m, 1e-30);
}

// ---------------------------------------------------------------- cuDNN
#ifdef SYN_HAVE_CUDNN
#define DNN(call)                                                                                  \
  do {                                                                                             \
    cudnnStatus_t s_ = (call);                                                                     \
    if (s_ != CUDNN_STATUS_SUCCESS) {                                                              \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudnnGetErrorString(s_)); \
      std::exit(1);                                                                                \
    }                                                                                              \
  } while (0)

constexpr size_t kWorkspaceLimit = size_t{2} << 30;

struct Dnn {
  cudnnHandle_t h{};
  cudnnTensorDescriptor_t xd{}, yd{}, bnd{};
  cudnnFilterDescriptor_t wd{};
  cudnnConvolutionDescriptor_t cd{};
  void* ws = nullptr;
  size_t ws_bytes = 0;
  Dnn() {
    DNN(cudnnCreate(&h));
    DNN(cudnnCreateTensorDescriptor(&xd));
    DNN(cudnnCreateTensorDescriptor(&yd));
    DNN(cudnnCreateTensorDescriptor(&bnd));
    DNN(cudnnCreateFilterDescriptor(&wd));
    DNN(cudnnCreateConvolutionDescriptor(&cd));
  }
  void* workspace(size_t bytes) {
    if (bytes > ws_bytes) {
      cudaFree(ws);
      CK(cudaMalloc(&ws, bytes));
      ws_bytes = bytes;
    }
    return ws;
  }
  // conv1d [B, Cin, L] * [Cout, Cin, K] as NCHW with H = 1.
  void set_conv(const Conv1dShape& s) {
    DNN(cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, (int)s.B, (int)s.Cin, 1,
                                   (int)s.L));
    DNN(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, (int)s.Cout, (int)s.Cin,
                                   1, (int)s.K));
    DNN(cudnnSetConvolution2dDescriptor(cd, 0, (int)s.padding, 1, (int)s.stride, 1, 1,
                                        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    int n = 0, c = 0, hh = 0, w = 0;
    DNN(cudnnGetConvolution2dForwardOutputDim(cd, xd, wd, &n, &c, &hh, &w));
    if (n != s.B || c != s.Cout || hh != 1 || w != s.Lout) {
      std::fprintf(stderr, "cuDNN output shape mismatch\n");
      std::exit(1);
    }
    DNN(cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, 1, w));
  }
};

struct DnnResult {
  double ms = NAN;
  int algo = -1;
};

// Picks cuDNN's fastest successful algorithm under `math` (its own Find timing), then times it
// with our method. tensor_ok = false skips results that report tensor-op math. An algorithm
// whose trial run fails is skipped; no usable algorithm gives NaN (printed as "-").
template <class Perf, class FindFn, class RunFn>
DnnResult dnn_best(Dnn& d, Clock& clk, const Options& o, cudnnMathType_t math, bool tensor_ok,
                   int max_count, FindFn&& find, RunFn&& run) {
  if (cudnnSetConvolutionMathType(d.cd, math) != CUDNN_STATUS_SUCCESS) return {};
  std::vector<Perf> perf((size_t)max_count);
  int got = 0;
  const cudnnStatus_t st = find(max_count, &got, perf.data());
  if (st != CUDNN_STATUS_SUCCESS) {
    std::printf("  (cuDNN Find failed: %s)\n", cudnnGetErrorString(st));
    return {};
  }
  for (int i = 0; i < got; ++i) {
    const Perf& p = perf[(size_t)i];
    if (p.status != CUDNN_STATUS_SUCCESS || p.memory > kWorkspaceLimit) continue;
    if (!tensor_ok && p.mathType == CUDNN_TENSOR_OP_MATH) continue;
    if (cudnnSetConvolutionMathType(d.cd, p.mathType) != CUDNN_STATUS_SUCCESS) continue;
    void* ws = d.workspace(p.memory);
    if (run(p.algo, ws, p.memory) != CUDNN_STATUS_SUCCESS) continue;
    DnnResult r;
    r.algo = (int)p.algo;
    r.ms = clk.median_ms(o, [&] { DNN(run(p.algo, ws, p.memory)); });
    return r;
  }
  return {};
}
#endif

// ---------------------------------------------------------------- table
struct Row {
  std::string layer, phase;
  double gflop = 0;
  double ms[7] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};  // v1, v2, v3, small, live, v5 bf16, tf32
  double dnn_fp32 = NAN, dnn_tf32 = NAN;
  int algo_fp32 = -1, algo_tf32 = -1;
  double worst_diff = 0, dnn_diff = NAN;  // max rel diff: our versions vs live; cuDNN fp32 vs live
};

// v5 (tensor cores, kernels/conv1d_tc.cu) last: the live version (Auto) runs at fp32 here.
const ConvVersion kVersions[7] = {ConvVersion::Naive, ConvVersion::Tiled, ConvVersion::Tf32,
                                  ConvVersion::Small, ConvVersion::Auto,  ConvVersion::TcBf16,
                                  ConvVersion::TcTf32};
bool is_tc(ConvVersion v) { return v == ConvVersion::TcBf16 || v == ConvVersion::TcTf32; }

void print_ms(double v) {
  if (std::isnan(v))
    std::printf(" %9s", "-");
  else
    std::printf(" %9.3f", v);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? argv[++i] : "0"; };
    if (a == "--batch")
      o.batch = std::atoll(next());
    else if (a == "--warmup")
      o.warmup = std::atoi(next());
    else if (a == "--repeats")
      o.repeats = std::max(1, std::atoi(next()));
    else if (a == "--only")
      o.only = std::atoi(next());
    else if (a == "--no-v1")
      o.v1 = false;
    else if (a == "--peak-tflops")
      o.peak_tflops = std::atof(next());
    else {
      std::fprintf(stderr,
                   "usage: %s [--batch 48] [--warmup 3] [--repeats 20] [--only I] [--no-v1] "
                   "[--peak-tflops 67]\n",
                   argv[0]);
      return 2;
    }
  }
  int dev = 0, sms = 0, clock_khz = 0, major = 0;
  CK(cudaGetDevice(&dev));
  cudaDeviceProp prop{};
  CK(cudaGetDeviceProperties(&prop, dev));
  CK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  CK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, dev));
  CK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
  const int lanes = major == 8 && prop.minor == 0 ? 64 : 128;  // fp32 lanes per SM
  std::printf(
      "device: %s (sm_%d%d), %d SMs at %.2f GHz; derived fp32 peak %.1f TFLOP/s; "
      "assumed peak for %%peak: %.1f TFLOP/s\n",
      prop.name, major, prop.minor, sms, clock_khz / 1e6,
      2.0 * lanes * sms * clock_khz * 1e3 / 1e12, o.peak_tflops);
  const char* tf32_env = std::getenv("NVIDIA_TF32_OVERRIDE");
  std::printf("batch %lld, %d warm-up, median of %d (L2 flushed before each run)%s%s\n",
              (long long)o.batch, o.warmup, o.repeats, tf32_env ? ", NVIDIA_TF32_OVERRIDE=" : "",
              tf32_env ? tf32_env : "");
#ifndef SYN_HAVE_CUDNN
  std::printf("cuDNN not found at build time: cuDNN columns are empty\n");
#endif

  Clock clk;
#ifdef SYN_HAVE_CUDNN
  Dnn dnn;
  int max_fwd = 0, max_bwd_data = 0, max_bwd_filter = 0;
  DNN(cudnnGetConvolutionForwardAlgorithmMaxCount(dnn.h, &max_fwd));
  DNN(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(dnn.h, &max_bwd_data));
  DNN(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(dnn.h, &max_bwd_filter));
#endif
  std::vector<Row> rows;
  const std::vector<Layer> layers = bench::samplecnn_conv_layers();
  for (int li = 0; li < (int)layers.size(); ++li) {
    if (o.only >= 0 && li != o.only) continue;
    const Layer& l = layers[(size_t)li];
    Conv1dShape s;
    s.B = o.batch, s.Cin = l.Cin, s.Cout = l.Cout, s.L = l.L, s.K = l.K, s.stride = l.stride,
    s.padding = l.pad;
    s.Lout = (l.L + 2 * l.pad - l.K) / l.stride + 1;
    Buf x((size_t)(s.B * s.Cin * s.L)), w((size_t)(s.Cout * s.Cin * s.K)), b((size_t)s.Cout);
    Buf y((size_t)(s.B * s.Cout * s.Lout)), dy(y.n), dx(x.n), dw(w.n), db(b.n);
    fill_random(x, 1), fill_random(w, 2), fill_random(b, 3), fill_random(dy, 4);
    const double gflop = 2.0 * s.B * s.Cout * s.Lout * s.Cin * s.K / 1e9;
    std::printf(
        "\n[%d] %s: x [%lld, %lld, %lld], w [%lld, %lld, %lld], stride %lld, pad %lld, "
        "%.2f GFLOP per phase\n",
        li, l.name, (long long)s.B, (long long)s.Cin, (long long)s.L, (long long)s.Cout,
        (long long)s.Cin, (long long)s.K, (long long)s.stride, (long long)s.padding, gflop);
    std::fflush(stdout);

    for (int phase = 0; phase < 3; ++phase) {
      static const char* phase_names[3] = {"forward", "bwd data", "bwd weight"};
      Row row;
      row.layer = l.name;
      row.phase = phase_names[phase];
      row.gflop = gflop;
      Buf& out = phase == 0 ? y : phase == 1 ? dx : dw;
      auto run = [&](ConvVersion v) {
        if (phase == 0)
          cuda_kernels::conv1d_forward_v(v, s, x.p, w.p, b.p, y.p);
        else if (phase == 1)
          cuda_kernels::conv1d_backward_data_v(v, s, dy.p, w.p, dx.p);
        else  // weight only, like cuDNN's backward filter (the bias gradient is timed below)
          cuda_kernels::conv1d_backward_weight_v(v, s, x.p, dy.p, dw.p, nullptr);
      };
      run(ConvVersion::Auto);
      CK(cudaDeviceSynchronize());
      const std::vector<float> live = host(out);
      for (int vi = 0; vi < 7; ++vi) {
        const ConvVersion v = kVersions[vi];
        if (!cuda_kernels::conv_version_supported(v, s)) continue;
        if (v == ConvVersion::Naive && !o.v1) continue;
        // v5 has forward and stride-1 backward data; its weight gradient would be v3 again
        if (is_tc(v) && (phase == 2 || (phase == 1 && s.stride != 1))) continue;
        row.ms[vi] = clk.median_ms(o, [&] { run(v); });
        if (v != ConvVersion::Tf32 && !is_tc(v))  // TF32 / bf16 differ by design (~1e-3)
          row.worst_diff = std::max(row.worst_diff, rel_diff(host(out), live));
      }
#ifdef SYN_HAVE_CUDNN
      dnn.set_conv(s);
      const float one = 1.0f, zero = 0.0f;
      for (int tf = 0; tf < 2; ++tf) {
        const cudnnMathType_t math = tf ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
        DnnResult r;
        if (phase == 0)
          r = dnn_best<cudnnConvolutionFwdAlgoPerf_t>(
              dnn, clk, o, math, tf != 0, max_fwd,
              [&](int n, int* got, cudnnConvolutionFwdAlgoPerf_t* p) {
                return cudnnFindConvolutionForwardAlgorithm(dnn.h, dnn.xd, dnn.wd, dnn.cd, dnn.yd,
                                                            n, got, p);
              },
              [&](cudnnConvolutionFwdAlgo_t a, void* ws, size_t bytes) {
                return cudnnConvolutionForward(dnn.h, &one, dnn.xd, x.p, dnn.wd, w.p, dnn.cd, a, ws,
                                               bytes, &zero, dnn.yd, y.p);
              });
        else if (phase == 1)
          r = dnn_best<cudnnConvolutionBwdDataAlgoPerf_t>(
              dnn, clk, o, math, tf != 0, max_bwd_data,
              [&](int n, int* got, cudnnConvolutionBwdDataAlgoPerf_t* p) {
                return cudnnFindConvolutionBackwardDataAlgorithm(dnn.h, dnn.wd, dnn.yd, dnn.cd,
                                                                 dnn.xd, n, got, p);
              },
              [&](cudnnConvolutionBwdDataAlgo_t a, void* ws, size_t bytes) {
                return cudnnConvolutionBackwardData(dnn.h, &one, dnn.wd, w.p, dnn.yd, dy.p, dnn.cd,
                                                    a, ws, bytes, &zero, dnn.xd, dx.p);
              });
        else
          r = dnn_best<cudnnConvolutionBwdFilterAlgoPerf_t>(
              dnn, clk, o, math, tf != 0, max_bwd_filter,
              [&](int n, int* got, cudnnConvolutionBwdFilterAlgoPerf_t* p) {
                return cudnnFindConvolutionBackwardFilterAlgorithm(dnn.h, dnn.xd, dnn.yd, dnn.cd,
                                                                   dnn.wd, n, got, p);
              },
              [&](cudnnConvolutionBwdFilterAlgo_t a, void* ws, size_t bytes) {
                return cudnnConvolutionBackwardFilter(dnn.h, &one, dnn.xd, x.p, dnn.yd, dy.p,
                                                      dnn.cd, a, ws, bytes, &zero, dnn.wd, dw.p);
              });
        (tf ? row.dnn_tf32 : row.dnn_fp32) = r.ms;
        (tf ? row.algo_tf32 : row.algo_fp32) = r.algo;
        if (!tf && !std::isnan(r.ms)) {  // cuDNN's fp32 result agrees with ours?
          CK(cudaDeviceSynchronize());
          const std::vector<float> theirs = host(out);
          if (phase == 0) {  // cuDNN's forward has no bias: compare with ours without it
            cuda_kernels::conv1d_forward(s, x.p, w.p, nullptr, y.p);
            CK(cudaDeviceSynchronize());
            row.dnn_diff = rel_diff(theirs, host(y));
          } else {
            row.dnn_diff = rel_diff(theirs, live);
          }
        }
      }
#endif
      std::printf("  %-10s", row.phase.c_str());
      for (int vi = 0; vi < 7; ++vi) {
        if (std::isnan(row.ms[vi])) continue;
        std::printf("  %s %.3f ms", cuda_kernels::conv_version_name(kVersions[vi]), row.ms[vi]);
      }
      std::printf(
          "  | cuDNN fp32 %.3f ms (algo %d), tf32 %.3f ms (algo %d) | max rel diff: "
          "versions %.1e, cuDNN fp32 %.1e\n",
          row.dnn_fp32, row.algo_fp32, row.dnn_tf32, row.algo_tf32, row.worst_diff, row.dnn_diff);
      std::fflush(stdout);
      rows.push_back(row);
    }
    const double bias_ms = clk.median_ms(
        o, [&] { cuda_kernels::conv1d_backward_weight(s, x.p, dy.p, nullptr, db.p); });
    std::printf("  bias grad  live %.3f ms (%.0f GB/s)\n", bias_ms, y.n * 4.0 / bias_ms / 1e6);

    // ---- batchnorm on the conv output [B, Cout, Lout], and maxpool(3) where the block pools
    {
      const int64_t B = s.B, C = s.Cout, L = s.Lout, N = B * C * L;
      Buf rm((size_t)C), rv((size_t)C), sm((size_t)C), si((size_t)C), bw((size_t)C), bb((size_t)C),
          dbw((size_t)C), dbb((size_t)C), bx(y.n), bdx(y.n);
      fill_random(bw, 5), fill_random(bb, 6), fill_random(rm, 7);
      CK(cudaMemset(rv.p, 0, rv.n * 4));
      const double f = clk.median_ms(o, [&] {
        cuda_kernels::batchnorm_train_forward(y.p, bw.p, bb.p, rm.p, rv.p, bx.p, sm.p, si.p, B, C,
                                              L, 0.1f, 1e-5f);
      });
      const double bk = clk.median_ms(o, [&] {
        cuda_kernels::batchnorm_backward(y.p, dy.p, bw.p, sm.p, si.p, bdx.p, dbw.p, dbb.p, B, C, L,
                                         true);
      });
      const double ev = clk.median_ms(o, [&] {
        cuda_kernels::batchnorm_eval_forward(y.p, bw.p, bb.p, rm.p, rv.p, bx.p, sm.p, si.p, B, C, L,
                                             1e-5f);
      });
      std::printf(
          "  batchnorm  train fwd %.3f ms (%.0f GB/s)  backward %.3f ms (%.0f GB/s)  "
          "eval fwd %.3f ms (%.0f GB/s)",
          f, 2.0 * N * 4 / f / 1e6, bk, 3.0 * N * 4 / bk / 1e6, ev, 2.0 * N * 4 / ev / 1e6);
#ifdef SYN_HAVE_CUDNN
      {
        DNN(cudnnSetTensor4dDescriptor(dnn.xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, (int)B, (int)C,
                                       1, (int)L));
        const float one = 1.0f, zero = 0.0f;
        double best_f = INFINITY, best_b = INFINITY;
        const cudnnBatchNormMode_t modes[2] = {CUDNN_BATCHNORM_SPATIAL,
                                               CUDNN_BATCHNORM_SPATIAL_PERSISTENT};
        for (cudnnBatchNormMode_t mode : modes) {
          if (cudnnDeriveBNTensorDescriptor(dnn.bnd, dnn.xd, mode) != CUDNN_STATUS_SUCCESS)
            continue;
          auto fwd = [&] {
            return cudnnBatchNormalizationForwardTraining(dnn.h, mode, &one, &zero, dnn.xd, y.p,
                                                          dnn.xd, bx.p, dnn.bnd, bw.p, bb.p, 0.1,
                                                          rm.p, rv.p, 1e-5, sm.p, si.p);
          };
          auto bwd = [&] {
            return cudnnBatchNormalizationBackward(dnn.h, mode, &one, &zero, &one, &zero, dnn.xd,
                                                   y.p, dnn.xd, dy.p, dnn.xd, bdx.p, dnn.bnd, bw.p,
                                                   dbw.p, dbb.p, 1e-5, sm.p, si.p);
          };
          if (fwd() != CUDNN_STATUS_SUCCESS || bwd() != CUDNN_STATUS_SUCCESS) continue;
          best_f = std::min(best_f, clk.median_ms(o, [&] { DNN(fwd()); }));
          best_b = std::min(best_b, clk.median_ms(o, [&] { DNN(bwd()); }));
        }
        std::printf("  | cuDNN train fwd %.3f ms (%.0f GB/s) backward %.3f ms (%.0f GB/s)", best_f,
                    2.0 * N * 4 / best_f / 1e6, best_b, 3.0 * N * 4 / best_b / 1e6);
      }
#endif
      std::printf("\n");
      if (l.stride == 1 && L >= 3) {  // the nine blocks pool by 3 after BN + ReLU
        const int64_t Lp = L / 3, rows_n = B * C;
        Buf py((size_t)(rows_n * Lp)), pa(py.n);
        const double pf = clk.median_ms(
            o, [&] { cuda_kernels::maxpool1d_forward(bx.p, py.p, pa.p, rows_n, L, Lp, 3, 3, 0); });
        const double pb = clk.median_ms(o, [&] {
          cuda_kernels::maxpool1d_backward(py.p, pa.p, bdx.p, rows_n, L, Lp, 3, 3, 0);
        });
        std::printf("  maxpool(3) forward %.3f ms (%.0f GB/s)  backward %.3f ms (%.0f GB/s)\n", pf,
                    (N + 2.0 * rows_n * Lp) * 4 / pf / 1e6, pb,
                    (N + 2.0 * rows_n * Lp) * 4 / pb / 1e6);
      }
    }
  }

  // ---- summary table
  std::printf("\nSummary (ms; TFLOP/s and %%peak for the live version; peak %.1f TFLOP/s fp32)\n",
              o.peak_tflops);
  std::printf("%-10s %-10s %9s %9s %9s %9s %9s %9s %9s %8s %6s %9s %9s %7s %7s\n", "layer", "phase",
              "v1", "v2", "v3 tf32", "small", "live", "v5 bf16", "v5 tf32", "TFLOP/s", "%peak",
              "cuDNN32", "cuDNNtf", "live/32", "v3/tf");
  double tot_live = 0, tot_dnn = 0;
  for (const Row& r : rows) {
    std::printf("%-10s %-10s", r.layer.c_str(), r.phase.c_str());
    for (double v : r.ms) print_ms(v);
    const double tf = r.gflop / r.ms[4];
    std::printf(" %8.2f %5.1f%%", tf, 100.0 * tf / o.peak_tflops);
    print_ms(r.dnn_fp32);
    print_ms(r.dnn_tf32);
    std::printf(" %7.2f %7.2f\n", r.ms[4] / r.dnn_fp32, r.ms[2] / r.dnn_tf32);
    tot_live += r.ms[4];
    if (!std::isnan(r.dnn_fp32)) tot_dnn += r.dnn_fp32;
  }
  std::printf("total conv time, live: %.3f ms; cuDNN fp32: %.3f ms\n", tot_live, tot_dnn);
  return 0;
}

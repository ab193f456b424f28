// attention.cpp — scaled dot-product attention: checks, gradient rule, CPU kernels, mask helpers
// (see attention.h for the definition and the masking rules).
//
// CPU kernels. Both directions are built from two register-blocked loops (16 floats = one
// AVX-512 register of accumulators that stays in registers over the whole reduction):
//   scores   s_j = a . k_j for a block of 16 keys at once, reading K^T [Dh, Tk'] (each head's
//            keys transposed once, Tk' = Tk rounded up to 16 with zero columns);
//   combine  out = alpha sum_c w_c row_c (16 output features at once), for P V, dS K, P^T dO
//            and dS^T Q.
// Exponentials use a branch-free polynomial exp that vectorises (libm's expf is a scalar call).
//   forward: units of kRowBlock query rows of one head (in parallel): per row the scores of the
//     visible keys, their max, p = exp(s - max) summed in double, out = sum_j p_j v_j / sum and
//     lse = max + log(sum).
//   backward: one head at a time (heads in parallel, so dk and dv accumulate without races),
//     in chunks of kRowBlock query rows, with P recomputed from lse:
//       D_i = dout_i . out_i,  P_ij = exp(scale q_i.k_j - lse_i),  dP_ij = dout_i . v_j,
//       dS_ij = P_ij (dP_ij - D_i),  dq_i = scale sum_j dS_ij k_j,
//       then per key over the chunk's rows: dv_j += sum_i P_ij dout_i, dk_j += scale sum_i dS_ij
//       q_i.
// The order of every sum is fixed by the shapes, so results do not depend on the thread count.
#include "engine/ops/attention.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/autograd.h"
#include "engine/cpu/gemm.h"
#include "engine/parallel.h"

namespace syn {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr int64_t kRowBlock = 32;  // query rows per work unit (forward) or chunk (backward)
constexpr int64_t kLanes = 16;     // accumulators per register block

int64_t round_up(int64_t n) { return (n + kLanes - 1) / kLanes * kLanes; }

float dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  float acc[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += a[j + l] * b[j + l];
  float s = 0;
  for (; j < n; ++j) s += a[j] * b[j];
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

// x[j] = exp(x[j]) for arguments <= 0 (scores minus their max or their log-sum-exp), branch-free
// so that the loop vectorises: x = t ln2 + r with |r| <= ln2/2, e^r by its degree-7 Taylor
// polynomial (truncation below 6e-9 relative, under fp32 rounding; measured worst error over
// [-87, 0]: 1.3 ulp), 2^t written into the exponent bits. Arguments below -87 (including -inf:
// masked scores) give 0; e^-87 ~ 1.6e-38 is negligible next to the row's largest term, 1.
void exp_nonpositive(float* x, int64_t n) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;  // ln 2 = hi + lo
  for (int64_t j = 0; j < n; ++j) {
    const float xj = x[j];
    const float v = xj > -87.0f ? xj : -87.0f;  // (std::max's reference blocks vectorising)
    // Round to the nearest integer by adding and removing 1.5 * 2^23 (std::floor or nearbyint
    // would not vectorise without -fno-trapping-math); |v log2 e| < 126 keeps this exact.
    const float t = (v * kLog2e + 12582912.0f) - 12582912.0f;
    const float r = (v - t * kLn2Hi) - t * kLn2Lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const float two_t = std::bit_cast<float>(((int32_t)t + 127) << 23);
    x[j] = xj < -87.0f ? 0.0f : p * two_t;
  }
}

// s[j] = scale * (a . column j of kt) for j < round_up(end); kt is [D, ld] (ld a multiple of 16,
// zero past the real keys). Keys with pad[j] != 0 get -inf (pad may be null).
void scores(const float* __restrict a, const float* __restrict kt, int64_t ld, int64_t D,
            int64_t end, float scale, const float* pad, float* __restrict s) {
  for (int64_t j = 0; j < end; j += kLanes) {
    float acc[kLanes] = {};
    for (int64_t d = 0; d < D; ++d) {
      const float ad = a[d];
      const float* kr = kt + d * ld + j;
      for (int l = 0; l < kLanes; ++l) acc[l] += ad * kr[l];
    }
    for (int l = 0; l < kLanes; ++l) s[j + l] = acc[l] * scale;
  }
  if (pad)
    for (int64_t j = 0; j < end; ++j) s[j] = pad[j] != 0.0f ? kNegInf : s[j];
}

// out[d] (+)= alpha * sum_{c < count} w[c * w_stride] * rows[c * D + d] for d < D; weights equal
// to 0 (masked keys) are skipped.
void combine(const float* __restrict w, int64_t w_stride, const float* __restrict rows,
             int64_t count, int64_t D, float alpha, bool accumulate, float* __restrict out) {
  int64_t d0 = 0;
  for (; d0 + kLanes <= D; d0 += kLanes) {
    float acc[kLanes] = {};
    for (int64_t c = 0; c < count; ++c) {
      const float wc = w[c * w_stride];
      if (wc == 0.0f) continue;
      const float* r = rows + c * D + d0;
      for (int l = 0; l < kLanes; ++l) acc[l] += wc * r[l];
    }
    for (int l = 0; l < kLanes; ++l)
      out[d0 + l] = (accumulate ? out[d0 + l] : 0.0f) + alpha * acc[l];
  }
  if (d0 == D) return;
  float acc[kLanes] = {};  // the last D % 16 features
  const int64_t rest = D - d0;
  for (int64_t c = 0; c < count; ++c) {
    const float wc = w[c * w_stride];
    if (wc == 0.0f) continue;
    for (int64_t l = 0; l < rest; ++l) acc[l] += wc * rows[c * D + d0 + l];
  }
  for (int64_t l = 0; l < rest; ++l)
    out[d0 + l] = (accumulate ? out[d0 + l] : 0.0f) + alpha * acc[l];
}

// K^T of one head into kt [D, ld], zero columns past Tk.
void transpose_head(const float* k, int64_t Tk, int64_t D, int64_t ld, float* kt) {
  if (Tk > 0) cpu::transpose(k, D, kt, ld, Tk, D);
  for (int64_t d = 0; d < D; ++d) std::fill(kt + d * ld + Tk, kt + (d + 1) * ld, 0.0f);
}

// Key range [0, end) a query may see under the causal rule (all keys without it).
inline int64_t key_end(const AttentionDims& m, int64_t i) {
  if (!m.causal) return m.Tk;
  return std::clamp<int64_t>(i + (m.Tk - m.Tq) + 1, 0, m.Tk);
}

void attention_forward_cpu(const float* q, const float* k, const float* v, const float* key_padding,
                           float* out, float* lse, const AttentionDims& m) {
  const int64_t D = m.D, Tk = m.Tk, ld = round_up(Tk);
  const int64_t blocks = (m.Tq + kRowBlock - 1) / kRowBlock, units = m.B * m.H * blocks;
  const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, kRowBlock * Tk * D));
  parallel_for(units, grain, [&](int64_t lo, int64_t hi) {
    std::vector<float> kt((size_t)(D * ld)), s((size_t)ld);
    int64_t kt_head = -1;
    for (int64_t u = lo; u < hi; ++u) {
      const int64_t bh = u / blocks, b = bh / m.H;
      const float* vb = v + bh * Tk * D;
      const float* pad = key_padding ? key_padding + b * Tk : nullptr;
      if (kt_head != bh) {  // consecutive units of one head share the transpose
        transpose_head(k + bh * Tk * D, Tk, D, ld, kt.data());
        kt_head = bh;
      }
      const int64_t i_end = std::min(m.Tq, (u % blocks + 1) * kRowBlock);
      for (int64_t i = (u % blocks) * kRowBlock; i < i_end; ++i) {
        const int64_t r = bh * m.Tq + i, end = key_end(m, i);
        float* oi = out + r * D;
        scores(q + r * D, kt.data(), ld, D, end, m.scale, pad, s.data());
        float mx = kNegInf;
        for (int64_t j = 0; j < end; ++j) mx = std::max(mx, s[(size_t)j]);
        if (mx == kNegInf) {  // no visible key: zeros (see attention.h)
          std::fill(oi, oi + D, 0.0f);
          lse[r] = kNegInf;
          continue;
        }
        for (int64_t j = 0; j < end; ++j) s[(size_t)j] -= mx;
        exp_nonpositive(s.data(), end);
        double sum = 0;
        for (int64_t j = 0; j < end; ++j) sum += s[(size_t)j];
        combine(s.data(), 1, vb, end, D, (float)(1.0 / sum), false, oi);
        lse[r] = (float)(mx + std::log(sum));
      }
    }
  });
}

void attention_backward_cpu(const float* q, const float* k, const float* v,
                            const float* key_padding, const float* out, const float* lse,
                            const float* dout, float* dq, float* dk, float* dv,
                            const AttentionDims& m) {
  const int64_t D = m.D, Tk = m.Tk, heads = m.B * m.H, ld = round_up(Tk);
  const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, m.Tq * Tk * D));
  parallel_for(heads, grain, [&](int64_t lo, int64_t hi) {
    std::vector<float> kt((size_t)(D * ld)), vt((size_t)(D * ld)), dp((size_t)ld);
    std::vector<float> P((size_t)(kRowBlock * ld)), dS((size_t)(kRowBlock * ld));
    for (int64_t bh = lo; bh < hi; ++bh) {
      const int64_t b = bh / m.H;
      const float* qb = q + bh * m.Tq * D;
      const float* kb = k + bh * Tk * D;
      const float* ob = out + bh * m.Tq * D;
      const float* gb = dout + bh * m.Tq * D;
      const float* lb = lse + bh * m.Tq;
      float* dqb = dq + bh * m.Tq * D;
      float* dkb = dk + bh * Tk * D;
      float* dvb = dv + bh * Tk * D;
      const float* pad = key_padding ? key_padding + b * Tk : nullptr;
      std::fill(dkb, dkb + Tk * D, 0.0f);
      std::fill(dvb, dvb + Tk * D, 0.0f);
      transpose_head(kb, Tk, D, ld, kt.data());
      transpose_head(v + bh * Tk * D, Tk, D, ld, vt.data());
      for (int64_t i0 = 0; i0 < m.Tq; i0 += kRowBlock) {
        const int64_t rows = std::min(kRowBlock, m.Tq - i0);
        // Rows of P and dS for this chunk; entries past a row's visible keys stay 0.
        std::fill(P.begin(), P.end(), 0.0f);
        std::fill(dS.begin(), dS.end(), 0.0f);
        for (int64_t c = 0; c < rows; ++c) {
          const int64_t i = i0 + c;
          float* dqi = dqb + i * D;
          const float li = lb[i];
          const int64_t end = key_end(m, i);
          if (li == kNegInf || end == 0) {  // fully masked row: no gradient anywhere
            std::fill(dqi, dqi + D, 0.0f);
            continue;
          }
          const float* gi = gb + i * D;
          const float Di = dot(gi, ob + i * D, D);
          float* pr = P.data() + c * ld;
          float* sr = dS.data() + c * ld;
          scores(qb + i * D, kt.data(), ld, D, end, m.scale, pad, pr);
          for (int64_t j = 0; j < end; ++j) pr[j] -= li;
          exp_nonpositive(pr, end);  // P_ij (0 where masked)
          std::fill(pr + end, pr + ld, 0.0f);
          scores(gi, vt.data(), ld, D, end, 1.0f, nullptr, dp.data());  // dP_ij
          for (int64_t j = 0; j < end; ++j) sr[j] = pr[j] * (dp[(size_t)j] - Di);
          combine(sr, 1, kb, end, D, m.scale, false, dqi);
        }
        for (int64_t j = 0; j < Tk; ++j) {
          combine(P.data() + j, ld, gb + i0 * D, rows, D, 1.0f, true, dvb + j * D);
          combine(dS.data() + j, ld, qb + i0 * D, rows, D, m.scale, true, dkb + j * D);
        }
      }
    }
  });
}

}  // namespace

Kernel<AttentionFwdFn> attention_forward_kernel{"attention_forward", attention_forward_cpu};
Kernel<AttentionBwdFn> attention_backward_kernel{"attention_backward", attention_backward_cpu};

namespace ops {

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v,
                 const AttentionOptions& options) {
  SYN_CHECK(q.defined() && k.defined() && v.defined(), "attention: undefined q, k or v");
  SYN_CHECK(q.dim() == 4, "attention: q must be [B, H, Tq, Dh], got ", q.describe());
  SYN_CHECK(k.dim() == 4, "attention: k must be [B, H, Tk, Dh], got ", k.describe());
  SYN_CHECK(v.shape() == k.shape(), "attention: v ", v.describe(), " must have the shape of k ",
            k.describe());
  const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3), Tk = k.size(2);
  SYN_CHECK(k.size(0) == B && k.size(1) == H && k.size(3) == D, "attention: k ", k.describe(),
            " does not match q ", q.describe(), " in batch, heads or head size");
  SYN_CHECK(D > 0, "attention: empty head dimension in q ", q.describe());
  SYN_CHECK(q.device() == k.device() && q.device() == v.device(), "attention: q ", q.describe(),
            ", k ", k.describe(), " and v ", v.describe(), " are not on one device");
  const Tensor& pad = options.key_padding;
  if (pad.defined()) {
    SYN_CHECK(pad.shape() == Shape({B, Tk}), "attention: key_padding ", pad.describe(),
              " must be [B, Tk] = [", B, ", ", Tk, "] for k ", k.describe());
    SYN_CHECK(pad.device() == q.device(), "attention: key_padding ", pad.describe(),
              " is not on the device of q ", q.describe());
  }
  SYN_CHECK(options.scale >= 0.0f && std::isfinite(options.scale),
            "attention: scale must be finite and >= 0 (0: 1/sqrt(Dh)), got ", options.scale);
  const AttentionDims dims{B,
                           H,
                           Tq,
                           Tk,
                           D,
                           options.scale > 0.0f ? options.scale : 1.0f / std::sqrt((float)D),
                           options.causal};
  const Device dev = q.device();
  Tensor out = Tensor::empty({B, H, Tq, D}, dev);
  Tensor lse = Tensor::empty({B, H, Tq}, dev);
  const float* pad_ptr = pad.defined() ? pad.data() : nullptr;
  if (out.numel() > 0)
    attention_forward_kernel.on(dev)(q.data(), k.data(), v.data(), pad_ptr, out.data(), lse.data(),
                                     dims);
  if (!should_record({q, k, v})) return out;
  Tensor sq = q.detach(), sk = k.detach(), sv = v.detach(), so = out.detach();
  Tensor spad = pad.defined() ? pad.detach() : Tensor();
  record(out, "attention", {q, k, v},
         [sq, sk, sv, so, lse, spad, dims](const Tensor& g, const std::vector<bool>&) {
           const Device gd = g.device();
           Tensor dq = Tensor::empty(sq.shape(), gd), dk = Tensor::empty(sk.shape(), gd),
                  dv = Tensor::empty(sv.shape(), gd);
           if (dq.numel() == 0 || dk.numel() == 0) {  // no queries or no keys: zero gradients
             dq.fill_(0.0f);
             dk.fill_(0.0f);
             dv.fill_(0.0f);
           } else {
             attention_backward_kernel.on(gd)(
                 sq.data(), sk.data(), sv.data(), spad.defined() ? spad.data() : nullptr, so.data(),
                 lse.data(), g.data(), dq.data(), dk.data(), dv.data(), dims);
           }
           return std::vector<Tensor>{dq, dk, dv};
         });
  return out;
}

Tensor key_padding_from_lengths(const std::vector<int64_t>& lengths, int64_t T, Device device) {
  SYN_CHECK(T >= 0, "key_padding_from_lengths: negative length T = ", T);
  const int64_t B = (int64_t)lengths.size();
  std::vector<float> mask((size_t)(B * T), 0.0f);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t len = lengths[(size_t)b];
    SYN_CHECK(len >= 0 && len <= T, "key_padding_from_lengths: length ", len, " of item ", b,
              " is outside [0, ", T, "]");
    for (int64_t t = len; t < T; ++t) mask[(size_t)(b * T + t)] = 1.0f;
  }
  return Tensor::from_vector(mask, {B, T}, device);
}

Tensor key_padding_from_ids(const std::vector<int64_t>& ids, int64_t B, int64_t T, int64_t pad_id,
                            Device device) {
  SYN_CHECK(B >= 0 && T >= 0 && (int64_t)ids.size() == B * T, "key_padding_from_ids: ", ids.size(),
            " ids for [B, T] = [", B, ", ", T, "]");
  std::vector<float> mask(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) mask[i] = ids[i] == pad_id ? 1.0f : 0.0f;
  return Tensor::from_vector(mask, {B, T}, device);
}

}  // namespace ops
}  // namespace syn

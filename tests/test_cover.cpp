// test_cover.cpp — apps/pipeline/cover.h: the palette rules' exact values; sad-slow and happy-fast
// characters giving clearly different colour (mean hue apart by > 90°, hue-histogram L1 distance
// > 1) and stripe counts that follow the tempo (the DFT peak along every row); determinism per
// seed; every motif pixel landing in the block the layout names (opaque pixels exactly, keyed-out
// grey leaving the background untouched, soft edges mixed by the key's α); layouts inside the
// cover without overlaps; errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <set>

#include "apps/pipeline/cover.h"
#include "engine/check.h"
#include "tests/support/error_text.h"

using namespace syn;
using syn::test::contains;
using syn::test::error_of;
using namespace syn::app;

namespace {

constexpr double kPi = 3.14159265358979323846;

MusicCharacter character(double bpm, double db, double arousal, double valence) {
  MusicCharacter c;
  c.tempo_bpm = bpm;
  c.loudness_db = db;
  c.arousal = arousal;
  c.valence = valence;
  return c;
}

// Hue (degrees), saturation and value of an RGB pixel.
void rgb_to_hsv(float r, float g, float b, double& h, double& s, double& v) {
  const double mx = std::max({r, g, b}), mn = std::min({r, g, b}), d = mx - mn;
  v = mx;
  s = mx > 0 ? d / mx : 0;
  if (d <= 0) {
    h = 0;
    return;
  }
  if (mx == r)
    h = 60 * std::fmod((g - b) / d, 6.0);
  else if (mx == g)
    h = 60 * ((b - r) / d + 2);
  else
    h = 60 * ((r - g) / d + 4);
  if (h < 0) h += 360;
}

struct ColourStats {
  double mean_hue = 0, mean_saturation = 0, mean_value = 0;
  std::vector<double> hue_hist = std::vector<double>(12, 0.0);  // normalised, 30° bins
};

ColourStats colour_stats(const Tensor& img) {
  const int64_t S = img.size(1), plane = S * img.size(2);
  std::vector<float> v = img.to_vector();
  ColourStats st;
  std::complex<double> sum = 0;
  for (int64_t i = 0; i < plane; ++i) {
    double h, s, val;
    rgb_to_hsv(v[(size_t)i], v[(size_t)(plane + i)], v[(size_t)(2 * plane + i)], h, s, val);
    sum += std::polar(1.0, h * kPi / 180);
    st.mean_saturation += s / (double)plane;
    st.mean_value += val / (double)plane;
    st.hue_hist[(size_t)std::min(11, (int)(h / 30))] += 1.0 / (double)plane;
  }
  st.mean_hue = std::arg(sum) * 180 / kPi;
  if (st.mean_hue < 0) st.mean_hue += 360;
  return st;
}

double hue_distance(double a, double b) {
  double d = std::fabs(a - b);
  return std::min(d, 360 - d);
}

// The dominant number of periods along row y of the value channel: the peak of the DFT
// magnitude over 1..size/2 periods.
int row_periods(const Tensor& img, int64_t y) {
  const int64_t S = img.size(2), plane = img.size(1) * S;
  std::vector<float> v = img.to_vector();
  std::vector<double> row((size_t)S);
  double mean = 0;
  for (int64_t x = 0; x < S; ++x) {
    const size_t i = (size_t)(y * S + x);
    row[(size_t)x] = std::max({v[i], v[i + (size_t)plane], v[i + 2 * (size_t)plane]});
    mean += row[(size_t)x] / (double)S;
  }
  int best = 0;
  double best_mag = -1;
  for (int k = 1; k <= S / 2; ++k) {
    std::complex<double> acc = 0;
    for (int64_t x = 0; x < S; ++x)
      acc += (row[(size_t)x] - mean) * std::polar(1.0, -2 * kPi * k * x / S);
    if (std::abs(acc) > best_mag) best_mag = std::abs(acc), best = k;
  }
  return best;
}

// N synthetic motifs of side M: grey 128 background with an opaque, position-coded square
// in the middle (values far from grey), one pixel at the key's soft edge (α = ½) and one just
// inside the transparent band.
Tensor test_motifs(int64_t n, int64_t M) {
  const float grey = 128.0f / 255.0f;
  std::vector<float> v((size_t)(n * 3 * M * M), grey);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = M / 4; y < 3 * M / 4; ++y)
      for (int64_t x = M / 4; x < 3 * M / 4; ++x) {
        const size_t base = (size_t)(i * 3 * M * M + y * M + x);
        v[base] = (float)(0.9 - 0.1 * (double)i / (double)n);        // R
        v[base + (size_t)(M * M)] = (float)x / (float)M * 0.3f;      // G
        v[base + 2 * (size_t)(M * M)] = (float)y / (float)M * 0.3f;  // B
      }
  for (int64_t i = 0; i < n; ++i) {
    v[(size_t)(i * 3 * M * M + 1 * M + 1)] = grey + 0.08f;   // d = 0.08: α = 0.5 (R channel)
    v[(size_t)(i * 3 * M * M + 2 * M + 2)] = grey - 0.035f;  // d = 0.035: transparent
  }
  return Tensor::from_vector(v, {n, 3, M, M});
}

}  // namespace

TEST_CASE("the palette rules") {
  CoverPalette sad = cover_palette(character(60, -40, -1, -1));
  CHECK(sad.hue_deg == doctest::Approx(230));
  CHECK(sad.saturation == doctest::Approx(0.25));
  CHECK(sad.contrast == doctest::Approx(0.15));
  CHECK(sad.value == doctest::Approx(0.35));
  CHECK(sad.stripes == 6);
  CoverPalette mid = cover_palette(character(125, -23, 0, 0));
  CHECK(mid.hue_deg == doctest::Approx(310));
  CHECK(mid.saturation == doctest::Approx(0.55));
  CHECK(mid.contrast == doctest::Approx(0.375));
  CHECK(mid.value == doctest::Approx(0.6));
  CHECK(mid.stripes == 13);  // round(12.5) away from zero
  CoverPalette happy = cover_palette(character(180, 0, 1, 1));
  CHECK(happy.hue_deg == doctest::Approx(30));
  CHECK(happy.saturation == doctest::Approx(0.85));
  CHECK(happy.contrast == doctest::Approx(0.6));
  CHECK(happy.value == doctest::Approx(0.85));
  CHECK(happy.stripes == 18);
  // Out-of-range inputs are clamped.
  CHECK(cover_palette(character(10, -90, -5, 7)).stripes == 3);
  CHECK(cover_palette(character(400, -90, -5, 7)).stripes == 30);
  CHECK(cover_palette(character(400, -90, -5, 7)).hue_deg == doctest::Approx(30));
  CHECK(cover_palette(character(400, -90, -5, 7)).value == doctest::Approx(0.35));
  CHECK(contains(error_of([] { cover_palette(character(NAN, 0, 0, 0)); }), "non-finite"));
}

TEST_CASE("sad slow and happy fast music give clearly different covers") {
  const MusicCharacter sad = character(70, -30, -0.6, -0.8);
  const MusicCharacter happy = character(150, -8, 0.8, 0.8);
  Tensor motifs = test_motifs(4, 32);
  for (uint64_t seed : {0ull, 7ull}) {
    ColourStats a = colour_stats(compose_cover(motifs, sad, {256, seed}));
    ColourStats b = colour_stats(compose_cover(motifs, happy, {256, seed}));
    double l1 = 0;
    for (int k = 0; k < 12; ++k) l1 += std::fabs(a.hue_hist[(size_t)k] - b.hue_hist[(size_t)k]);
    MESSAGE("seed ", seed, ": mean hue ", a.mean_hue, " vs ", b.mean_hue, ", saturation ",
            a.mean_saturation, " vs ", b.mean_saturation, ", value ", a.mean_value, " vs ",
            b.mean_value, ", hue histogram L1 ", l1);
    CHECK(hue_distance(a.mean_hue, b.mean_hue) > 90);
    CHECK(l1 > 1.0);
    CHECK(b.mean_saturation > a.mean_saturation + 0.2);
    CHECK(b.mean_value > a.mean_value + 0.1);
    // Sad is blue (around 230-260°), happy warm (around 10-60°).
    CHECK(a.mean_hue > 200);
    CHECK(a.mean_hue < 280);
    CHECK((b.mean_hue < 70 || b.mean_hue > 350));
  }
}

TEST_CASE("the stripes follow the tempo along every row, whatever the tilt") {
  for (double bpm : {60.0, 90.0, 140.0, 180.0})
    for (uint64_t seed : {1ull, 2ull, 3ull}) {
      Tensor bg = cover_background(character(bpm, -12, 0.5, 0.2), 256, seed);
      const int expect = (int)std::lround(bpm / 10);
      for (int64_t y : {0, 100, 255}) {
        INFO(bpm, " BPM, seed ", seed, ", row ", y);
        CHECK(row_periods(bg, y) == expect);
      }
    }
  // Faster music: more stripes (a direct comparison, independent of the rule's constants).
  Tensor slow = cover_background(character(70, -12, 0.5, 0.2), 256, 4);
  Tensor fast = cover_background(character(150, -12, 0.5, 0.2), 256, 4);
  CHECK(row_periods(fast, 50) > 2 * row_periods(slow, 50) - 1);
}

TEST_CASE("covers are deterministic per seed and differ between seeds") {
  const MusicCharacter c = character(120, -14, 0.2, 0.3);
  Tensor motifs = test_motifs(5, 32);
  std::vector<float> a = compose_cover(motifs, c, {256, 42}).to_vector();
  std::vector<float> b = compose_cover(motifs, c, {256, 42}).to_vector();
  std::vector<float> d = compose_cover(motifs, c, {256, 43}).to_vector();
  CHECK(a == b);
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += a[i] != d[i];
  CHECK(differ > a.size() / 2);
  // Across seeds both arrangements appear.
  std::set<CoverLayoutKind> kinds;
  for (uint64_t s = 0; s < 20; ++s) kinds.insert(cover_layout(5, 32, 256, s).kind);
  CHECK(kinds.count(CoverLayoutKind::Grid) == 1);
  CHECK(kinds.count(CoverLayoutKind::Ring) == 1);
}

TEST_CASE("motif pixels land where the layout says; keyed-out grey leaves the background") {
  const MusicCharacter c = character(100, -20, 0.0, 0.5);
  const float grey = 128.0f / 255.0f;
  CHECK(motif_alpha(grey, grey, grey) == 0.0f);
  CHECK(motif_alpha(grey + 0.035f, grey, grey) == 0.0f);
  CHECK(motif_alpha(grey, grey - 0.08f, grey) == doctest::Approx(0.5f).epsilon(1e-4));
  CHECK(motif_alpha(1.0f, grey, grey) == 1.0f);
  for (int64_t n : {1, 2, 3, 4, 6, 9})
    for (uint64_t seed : {0ull, 1ull, 5ull}) {
      const int64_t M = 32, size = 256;
      Tensor motifs = test_motifs(n, M);
      CoverLayout L;
      Tensor cover = compose_cover(motifs, c, {(int)size, seed}, &L);
      Tensor bg = cover_background(c, (int)size, seed);
      REQUIRE(L.placements.size() == (size_t)n);
      CHECK(L.scale >= 2);  // ×2–×4 for up to 9 motifs on 256 pixels
      CHECK(L.scale <= 4);
      std::vector<float> cv = cover.to_vector(), bv = bg.to_vector(), mv = motifs.to_vector();
      const int64_t plane = size * size;
      int64_t wrong = 0, checked = 0;
      std::vector<uint8_t> covered((size_t)plane, 0);
      for (int64_t i = 0; i < n; ++i) {
        const MotifPlacement& p = L.placements[(size_t)i];
        for (int64_t v = 0; v < M; ++v)
          for (int64_t u = 0; u < M; ++u) {
            float m[3];
            for (int k = 0; k < 3; ++k) m[k] = mv[(size_t)(i * 3 * M * M + k * M * M + v * M + u)];
            const float a = motif_alpha(m[0], m[1], m[2]);
            for (int64_t dy = 0; dy < L.scale; ++dy)
              for (int64_t dx = 0; dx < L.scale; ++dx) {
                const int64_t X = p.x + u * L.scale + dx, Y = p.y + v * L.scale + dy;
                covered[(size_t)(Y * size + X)] = 1;
                for (int k = 0; k < 3; ++k) {
                  const float got = cv[(size_t)(k * plane + Y * size + X)];
                  const float under = bv[(size_t)(k * plane + Y * size + X)];
                  const float want = a * m[k] + (1 - a) * under;
                  wrong += std::fabs(got - want) > 1e-6f;
                  if (a == 1.0f) wrong += got != m[k];   // opaque: exactly the motif
                  if (a == 0.0f) wrong += got != under;  // keyed out: exactly the background
                  ++checked;
                }
              }
          }
      }
      // Outside every tile the cover is the background, bit for bit.
      for (int64_t j = 0; j < plane; ++j)
        if (!covered[(size_t)j])
          for (int k = 0; k < 3; ++k)
            wrong += cv[(size_t)(k * plane + j)] != bv[(size_t)(k * plane + j)];
      INFO(n, " motifs, seed ", seed, " (", cover_layout_name(L.kind), ")");
      CHECK(wrong == 0);
      CHECK(checked == n * M * M * L.scale * L.scale * 3);
    }
}

TEST_CASE("layouts stay inside the cover without overlaps") {
  for (int64_t n = 1; n <= 9; ++n)
    for (uint64_t seed = 0; seed < 10; ++seed)
      for (int size : {128, 256, 512}) {
        CoverLayout L = cover_layout(n, 32, size, seed);
        INFO(n, " motifs, seed ", seed, ", size ", size, " (", cover_layout_name(L.kind), ")");
        REQUIRE(L.placements.size() == (size_t)n);
        CHECK(L.tile == 32 * L.scale);
        for (size_t i = 0; i < L.placements.size(); ++i) {
          const auto& p = L.placements[i];
          CHECK(p.x >= 0);
          CHECK(p.y >= 0);
          CHECK(p.x + L.tile <= size);
          CHECK(p.y + L.tile <= size);
          for (size_t j = 0; j < i; ++j) {
            const auto& q = L.placements[j];
            const bool apart = p.x + L.tile <= q.x || q.x + L.tile <= p.x || p.y + L.tile <= q.y ||
                               q.y + L.tile <= p.y;
            CHECK(apart);
          }
        }
        if (L.kind == CoverLayoutKind::Centre) {
          CHECK(std::llabs(L.placements[0].x + L.tile / 2 - size / 2) <= 1);
          CHECK(std::llabs(L.placements[0].y + L.tile / 2 - size / 2) <= 1);
        }
        if (L.kind == CoverLayoutKind::Ring) {
          // Every tile centre on the circle R = size/2 - tile/2 - size/16 (rounding: 1 pixel).
          const double R = size / 2.0 - L.tile / 2.0 - size / 16.0;
          for (const auto& p : L.placements) {
            const double dx = p.x + L.tile / 2.0 - size / 2.0, dy = p.y + L.tile / 2.0 - size / 2.0;
            CHECK(std::fabs(std::hypot(dx, dy) - R) <= 1.5);
          }
        }
        // A ring is at least x2, unless the grid itself would be x1.
        if (n >= 2) {
          const int64_t g = (int64_t)std::ceil(std::sqrt((double)n) - 1e-9);
          const int64_t grid =
              std::clamp<int64_t>((int64_t)std::floor(0.8 * size / (32.0 * g)), 1, 4);
          CHECK(L.scale >= std::min<int64_t>(2, grid));
          if (L.kind == CoverLayoutKind::Grid) CHECK(L.scale == grid);
        }
      }
  CHECK(cover_layout(0, 32, 256, 0).placements.empty());
  CHECK(cover_layout(1, 32, 256, 0).scale == 4);
  CHECK(cover_layout(4, 32, 256, 0).kind != CoverLayoutKind::Centre);
  // At 256 pixels, rings of 2..5 motifs at x2 appear for some seeds; 6 motifs never ring.
  for (int64_t n = 2; n <= 6; ++n) {
    std::set<CoverLayoutKind> kinds;
    for (uint64_t seed = 0; seed < 20; ++seed) {
      CoverLayout L = cover_layout(n, 32, 256, seed);
      kinds.insert(L.kind);
      if (L.kind == CoverLayoutKind::Ring) CHECK(L.scale == 2);
      if (L.kind == CoverLayoutKind::Grid) CHECK(L.scale == (n <= 4 ? 3 : 2));
    }
    INFO(n, " motifs");
    CHECK(kinds.count(CoverLayoutKind::Ring) == (n <= 5 ? 1u : 0u));
    CHECK(kinds.count(CoverLayoutKind::Grid) == 1);
  }
}

TEST_CASE("bad inputs are clear errors") {
  const MusicCharacter c = character(100, -20, 0, 0);
  CHECK(contains(error_of([&] { compose_cover(Tensor::zeros({2, 32, 32}), c); }), "[N, 3, M, M]"));
  CHECK(contains(error_of([&] {
                   compose_cover(Tensor::zeros({1, 3, 32, 16}), c);
                 }),
                 "[1, 3, 32, 16]"));
  CHECK(contains(error_of([&] { compose_cover(test_motifs(1, 32), c, {32, 0}); }), "64..4096"));
  CHECK(contains(error_of([&] { compose_cover(test_motifs(1, 200), c, {256, 0}); }), "side 200"));
  CHECK(contains(error_of([&] { compose_cover(test_motifs(40, 32), c, {128, 0}); }), "do not fit"));
  Tensor nan = test_motifs(1, 32);
  nan.data()[7] = NAN;
  CHECK(contains(error_of([&] { compose_cover(nan, c); }), "non-finite"));
  // No motifs at all: the background.
  CHECK(compose_cover(Tensor(), c, {128, 3}).to_vector() ==
        cover_background(c, 128, 3).to_vector());
}

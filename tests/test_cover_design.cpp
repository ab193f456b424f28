// test_cover_design.cpp — apps/pipeline/cover_design.h and image_resample.h: the resamplers
// (constants stay constant, a box filter undoes a nearest-neighbour enlargement exactly, the blur
// keeps the mean), the layout rules (beats from the tempo, a flat band for calm music, the hero's
// place, every motif inside the cover), the key (grey motifs leave the cover untouched, bit for
// bit), smoothness (no 32-pixel blocks: neighbouring background pixels differ by little), the
// palette (sad-slow and happy-fast music give clearly different colours), determinism per seed.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "apps/pipeline/cover_design.h"
#include "apps/pipeline/image_grid.h"
#include "apps/pipeline/image_resample.h"
#include "apps/pipeline/picture_distances.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "tests/support/error_text.h"

using namespace syn;
using namespace syn::app;
using syn::test::contains;
using syn::test::error_of;

namespace {

MusicCharacter character(double bpm, double db, double arousal, double valence) {
  MusicCharacter c;
  c.tempo_bpm = bpm;
  c.loudness_db = db;
  c.arousal = arousal;
  c.valence = valence;
  return c;
}

// A blocky 32-pixel scene: a checkerboard of 4-pixel squares in two colours.
Tensor checker_scene() {
  Tensor t = Tensor::empty({3, 32, 32});
  float* p = t.data();
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x) p[(c * 32 + y) * 32 + x] = ((x / 4 + y / 4) % 2) ? 0.9f : 0.1f;
  return t;
}

// Motifs [n, 3, 32, 32]: a coloured disc on the grey 128 ground.
Tensor disc_motifs(int n) {
  Tensor t = Tensor::full({n, 3, 32, 32}, 128.0f / 255.0f);
  float* p = t.data();
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x)
        if ((x - 15.5) * (x - 15.5) + (y - 15.5) * (y - 15.5) < 100)
          for (int c = 0; c < 3; ++c)
            p[((i * 3 + c) * 32 + y) * 32 + x] = c == i % 3 ? 0.95f : 0.1f;
  return t;
}

}  // namespace

TEST_CASE("resampling: constants, exact box downscale, blur keeps the mean") {
  Tensor flat = Tensor::full({3, 7, 5}, 0.4f);
  for (float v : resize_bicubic(flat, 20, 33).to_vector()) CHECK(v == doctest::Approx(0.4));
  for (float v : resize_area(flat, 3, 2).to_vector()) CHECK(v == doctest::Approx(0.4));
  Rng rng(5);
  Tensor small = Tensor::uniform({3, 8, 8}, rng, 0, 1);
  const std::vector<float> back = resize_area(upscale_nearest(small, 32), 8, 8).to_vector();
  const std::vector<float> want = small.to_vector();
  for (size_t i = 0; i < want.size(); ++i) CHECK(back[i] == doctest::Approx(want[i]).epsilon(1e-5));
  CHECK(resize_smooth(small, 4, 4).size(1) == 4);
  CHECK(resize_smooth(small, 16, 16).size(2) == 16);
  Tensor big = Tensor::uniform({1, 40, 40}, rng, 0, 1);
  const std::vector<float> blurred = gaussian_blur(big, 2.0).to_vector(), orig = big.to_vector();
  double m0 = 0, m1 = 0, var0 = 0, var1 = 0;
  for (size_t i = 0; i < orig.size(); ++i) m0 += orig[i], m1 += blurred[i];
  m0 /= (double)orig.size(), m1 /= (double)orig.size();
  for (size_t i = 0; i < orig.size(); ++i)
    var0 += (orig[i] - m0) * (orig[i] - m0), var1 += (blurred[i] - m1) * (blurred[i] - m1);
  CHECK(m1 == doctest::Approx(m0).epsilon(0.02));
  CHECK(var1 < 0.2 * var0);  // smoothed
  CHECK(contains(error_of([&] { resize_area(small, 9, 9); }), "shrinks only"));
  CHECK(contains(error_of([&] { resize_bicubic(Tensor::zeros({8, 8}), 4, 4); }), "[C, H, W]"));
}

TEST_CASE("layout: beats follow the tempo, the band waves with arousal, all inside the cover") {
  CHECK(design_cover_layout(character(60, -12, 0, 0), 4, 512, 0).beats == 3);
  CHECK(design_cover_layout(character(120, -12, 0, 0), 4, 512, 0).beats == 6);
  CHECK(design_cover_layout(character(180, -12, 0, 0), 4, 512, 0).beats == 9);
  CHECK(design_cover_layout(character(20, -12, 0, 0), 4, 512, 0).beats == 3);
  CHECK(design_cover_layout(character(400, -12, 0, 0), 4, 512, 0).beats == 9);
  CHECK(design_cover_layout(character(120, -12, -1, 0), 4, 512, 0).wave_amplitude == 0);
  CHECK(design_cover_layout(character(120, -12, 1, 0), 4, 512, 0).wave_amplitude ==
        doctest::Approx(0.05 * 512));
  for (int count : {1, 2, 4})
    for (double bpm : {60.0, 100.0, 180.0})
      for (int size : {128, 512}) {
        CoverDesign d = design_cover_layout(character(bpm, -12, 1, 0), count, size, 3);
        REQUIRE(d.placed.size() == (size_t)d.beats + 1);
        const DesignedPlacement& hero = d.placed.back();
        CHECK(hero.motif == 0);
        CHECK(hero.side == std::lround(0.44 * size));
        for (size_t k = 0; k < (size_t)d.beats; ++k) {
          const DesignedPlacement& p = d.placed[k];
          CHECK(p.motif == (count >= 2 ? 1 + (int64_t)k % (count - 1) : 0));
          CHECK(p.cx - p.side / 2.0 >= -1);
          CHECK(p.cx + p.side / 2.0 <= size + 1);
          CHECK(p.cy + p.side / 2.0 <= size + 1);
          if (k + 1 < (size_t)d.beats) CHECK(d.placed[k + 1].cx > p.cx);  // left to right
          if (k % 2 == 1) CHECK(p.side < d.placed[0].side);               // weak beats smaller
        }
      }
  CHECK(design_cover_layout(character(120, -12, 0, 0), 0, 512, 0).placed.empty());
}

TEST_CASE("designed cover: smooth, keyed, mood-coloured, deterministic") {
  const MusicCharacter mid = character(120, -12, 0.5, 0.3);
  const Tensor scene = checker_scene(), motifs = disc_motifs(3);
  Tensor cover = design_cover(scene, motifs, mid, 512, 7);
  REQUIRE(cover.size(0) == 3);
  CHECK(cover.size(1) == 512);
  CHECK(cover.size(2) == 512);
  const std::vector<float> v = cover.to_vector();
  for (float x : v) REQUIRE((x >= 0 && x <= 1));
  CHECK(design_cover(scene, motifs, mid, 512, 7).to_vector() == v);
  CHECK(design_cover(scene, motifs, mid, 512, 8).to_vector() != v);

  // Grey motifs are keyed out entirely: the cover equals the one without motifs, bit for bit
  // (the stage under the band is drawn either way).
  const Tensor grey = Tensor::full({3, 3, 32, 32}, 128.0f / 255.0f);
  CHECK(design_cover(scene, grey, mid, 256, 7).to_vector() ==
        design_cover(scene, Tensor(), mid, 256, 7).to_vector());

  // No blocks: the scene's share of the cover (the cover minus the one of a flat scene of the
  // same mean; everything else is equal) changes by little from pixel to pixel,
  // although the 32-pixel scene has hard 4-pixel squares (16-pixel steps at 512).
  const std::vector<float> with = design_cover(scene, Tensor(), mid, 512, 7).to_vector();
  const std::vector<float> flat =
      design_cover(Tensor::full({3, 32, 32}, 0.5f), Tensor(), mid, 512, 7).to_vector();
  const int64_t S = 512;
  float worst = 0, spread = 0;
  for (int c = 0; c < 3; ++c)
    for (int64_t y = 20; y < S - 20; ++y)  // inside the frame line (16 pixels in, 2 wide)
      for (int64_t x = 20; x + 21 < S; ++x) {
        const size_t i = (size_t)((c * S + y) * S + x);
        worst = std::max(worst, std::fabs((with[i + 1] - flat[i + 1]) - (with[i] - flat[i])));
        spread = std::max(spread, std::fabs(with[i] - flat[i]));
      }
  CHECK(spread > 0.02f);  // the scene shows
  CHECK(worst < 0.02f);   // smoothly (the thin ripples modulate it a little); nearest-neighbour
                          // blocks would step by about 0.25 · 0.8 = 0.2 at every square's edge
  // Sad slow quiet music and happy fast loud music: clearly different colours.
  Tensor sad = design_cover(scene, motifs, character(60, -35, -0.9, -0.9), 256, 1);
  Tensor happy = design_cover(scene, motifs, character(170, -6, 0.9, 0.9), 256, 1);
  CHECK(colour_distance(sad, happy) > 0.5);
  // Without a scene: the ramp.
  CHECK(design_cover(Tensor(), motifs, mid, 128, 0).size(1) == 128);
  CHECK(contains(error_of([&] { design_cover(scene, motifs, mid, 32, 0); }), "64..4096"));
  CHECK(contains(error_of([&] {
                   design_cover(scene, Tensor::zeros({2, 3, 4, 5}), mid, 128, 0);
                 }),
                 "[N, 3, M, M]"));
}

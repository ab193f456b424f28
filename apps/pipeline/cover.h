// cover.h — the composed cover of the pipeline: the motif images the U-Net drew for a clip,
// arranged on a background whose colours follow the music's mood and whose stripes follow its
// tempo. Every rule is exact and listed here (the README copies it).
//
// Palette (cover_palette), from the MusicCharacter (apps/pipeline/music_character.h), with
// v = clamp(valence, −1, 1), a = clamp(arousal, −1, 1):
//   hue         H = (230° + 160° · (v + 1) / 2) mod 360 — negative valence is cool blue (230°),
//               neutral violet-magenta (310°), positive warm orange (30°)
//   saturation  S = 0.25 + 0.60 · (a + 1) / 2   (calm music is greyish, energetic music vivid)
//   contrast    K = 0.15 + 0.45 · (a + 1) / 2   (how deep the stripes cut into the value)
//   value       V = 0.35 + 0.50 · clamp((loudness_db + 40) / 34, 0, 1)
//               (−40 dBFS or quieter: 0.35, dim; −6 dBFS or louder: 0.85, bright)
// Rhythm:
//   stripes     n = clamp(round(tempo_bpm / 10), 3, 30) full periods across the width
//               (60 BPM: 6, 120 BPM: 12, 180 BPM: 18), slanted by the seeded tilt τ ∈ [−1, 1)
//   pattern     p(x, y) = ½ − ½ cos(2π n (x + τ y) / size) ∈ [0, 1] at pixel centres
//               (x + ½, y + ½): along any row exactly n periods, whatever τ
//   colour      HSV → RGB of (H + 20° · p, S, V · (1 − K · p) + g), g a seeded grain uniform in
//               [−0.02, 0.02) per pixel; clamped to [0, 1]
// Motifs ([N, 3, M, M] in [0, 1], the U-Net's images on their grey 128 background):
//   key         d = max over channels |c − 128/255|; α = clamp((d − 0.04) / 0.08, 0, 1): within
//               ~10 grey levels transparent, beyond ~31 opaque, a soft edge between;
//               out = α · motif + (1 − α) · background
//   upscale     nearest neighbour by an integer scale s (motif pixel (u, v) fills the s × s block
//               at (x + s·u, y + s·v)); motif 0 is the most important (the motif list's order)
//   layout      (cover_layout) N = 0: the background alone. N = 1: centred, s = clamp(⌊0.5 ·
//               size / M⌋, 1, 4). N ≥ 2: the seeded draw u₁ picks a ring (u₁ ≥ 0.5, when it
//               fits) or else a grid:
//     grid      g = ⌈√N⌉ columns, r = ⌈N / g⌉ rows of cells size/g × size/r; s = clamp(⌊0.8 ·
//               size / (M · g)⌋, 1, 4) (an error when even s = 1 overflows a cell); motif i in row
//               ⌊i/g⌋, column i mod g (a last, shorter row is centred); each tile centred in its
//               cell and moved by a seeded jitter uniform in ±(cell − tile) / 4 per axis
//     ring      the N motifs evenly round a circle of radius R = size/2 − T/2 − size/16
//               (T = M · s the tile side), motif 0 at the seeded start angle θ₀ ∈ [0, 2π),
//               motif k at θ₀ + 2πk/N; s is the largest in 1..4 whose neighbours' centres are
//               2R sin(π/N) ≥ √2 · T apart (tiles never overlap, whatever the angles); when
//               no s ≥ min(2, the grid's s) fits, the grid is used instead (at 256 pixels with
//               32-pixel motifs: rings of 2..5 motifs at ×2, grids at ×3 for 2..4 and ×2 beyond)
// Seeds: the layout draws from Rng(seed) (u₁, then θ₀ or the jitters x, y per motif); the
// background from Rng(seed ^ 0x9E3779B97F4A7C15) (τ, then the grain in row-major order), so the
// background does not depend on the number of motifs. Same inputs and seed: the same cover.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/pipeline/music_character.h"
#include "engine/tensor.h"

namespace syn::app {

struct CoverPalette {
  double hue_deg = 0, saturation = 0, value = 0, contrast = 0;
  int stripes = 0;
};
CoverPalette cover_palette(const MusicCharacter& character);
// Standard HSV → RGB: h in degrees (any value, taken mod 360), s and v in [0, 1] → rgb in [0, 1].
void hsv_to_rgb(double h, double s, double v, float rgb[3]);

enum class CoverLayoutKind { Background, Centre, Grid, Ring };
const char* cover_layout_name(CoverLayoutKind kind);

struct MotifPlacement {
  int64_t x = 0, y = 0;  // top-left corner of the upscaled tile, cover pixels
};

struct CoverLayout {
  CoverLayoutKind kind = CoverLayoutKind::Background;
  int scale = 1;
  int64_t tile = 0;                        // motif_side · scale
  std::vector<MotifPlacement> placements;  // one per motif, in motif order
};
CoverLayout cover_layout(int64_t count, int64_t motif_side, int size, uint64_t seed);

// α of one motif pixel (the key rule above).
float motif_alpha(float r, float g, float b);

// The background alone: [3, size, size] in [0, 1].
Tensor cover_background(const MusicCharacter& character, int size, uint64_t seed);

struct CoverOptions {
  int size = 256;  // 64..4096
  uint64_t seed = 0;
};
// The size rule above: the one check of every cover function and of the pipeline's options.
void check_cover_size(int size);

// motifs: [N, 3, M, M] (CPU or CUDA; N may be 0, or the tensor undefined) with M <= size / 2.
// Returns [3, size, size] on the CPU, values in [0, 1]. `layout` (optional) receives the layout.
Tensor compose_cover(const Tensor& motifs, const MusicCharacter& character,
                     const CoverOptions& options = {}, CoverLayout* layout = nullptr);

}  // namespace syn::app

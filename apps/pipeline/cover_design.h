// cover_design.h — the pipeline's designed cover (issue 18): a generated scene as the background,
// smoothly enlarged and graded in the music's palette, with the generated motifs placed on it in a
// layout whose rhythm follows the tempo. Every rule is exact and listed here (the README copies
// the table). Sizes are in cover pixels; `size` is the cover's side (cover_size, 64..4096,
// default 512); H, S, V, K are cover_palette()'s hue, saturation, value and contrast
// (cover.h: hue from valence, saturation and contrast from arousal, value from loudness);
// a = clamp(arousal, −1, 1), a⁺ = (a + 1) / 2 ∈ [0, 1].
//
// | element     | rule                                                                          |
// |-------------|-------------------------------------------------------------------------------|
// | scene       | the sentence strategy's picture, bicubic-enlarged to size (image_resample.h), |
// |             | then a Gaussian blur of σ = size / 40: soft shapes and colours, no pixels     |
// | tones       | light = HSV(H − 15° + T, 0.7·S, min(1, V + 0.25)); dark = HSV(H + 30° − T,    |
// |             | min(1, 1.1·S), 0.45·V·(1 − K/2)), T = 120°·(β − ½), β = clamp(log2(centroid   |
// |             | / 250 Hz) / 5, 0, 1) — valence sets the hue, a bright timbre turns the light  |
// |             | tone one way and the dark the other (250 Hz: −60°, 8 kHz: +60°), arousal sets |
// |             | the vividness and depth, loudness the brightness                              |
// | grade       | a duotone of Y = 0.35·(the scene's luminance, Rec. 601) + 0.65·ramp, ramp =   |
// |             | 1 − (y + ½)/size (light above, dark below): d = dark + (light − dark)·Y;      |
// |             | background = 0.25·scene + 0.75·d (the palette leads, the scene shows through) |
// | vignette    | × (1 − 0.35·r²), r = distance from the centre / (size/√2): 1 at the corners   |
// | glow        | a soft disc of the light tone behind the hero: opacity 0.55·exp(−½(ρ/σ)²),    |
// |             | σ = 0.22·size, ρ = distance from the hero's centre                            |
// | ripples     | n soft rings of the light tone around the hero's centre (n = beats, below),   |
// |             | ring k = 1..n at radius k·0.62·size/(n + 1), Gaussian profile σ = size/250,   |
// |             | opacity 0.28 at the ring: fast music rings close and many, slow music few     |
// | beats       | n = clamp(round(tempo_bpm / 20), 3, 9): 60 BPM 3, 120 BPM 6, 180 BPM 9        |
// | hero        | motif 0 (the most probable), side 0.44·size, centred at (size/2, 0.40·size)   |
// | stage       | under the band, the dark tone at opacity 0.35 over y = 0.80·size ± (t/2 + A + |
// |             | size/40), its edges fading over size/60 (smoothstep)                          |
// | rhythm band | n motifs on a wave: beat k (0..n−1) centred at x = (k + ½)·size/n,            |
// |             | y = 0.80·size + A·sin(2π·k / n · 2 + φ), A = 0.05·size·a⁺ (calm music lies    |
// |             | flat, energetic music waves); side t = min(0.85·size/n, 0.2·size) on even     |
// |             | beats (the downbeats), 0.7·t on odd ones (strong–weak); beat k shows motif    |
// |             | 1 + (k mod (N − 1)) when N ≥ 2, else motif 0; φ a seeded phase in [0, 2π)     |
// | jitter      | each band motif moved by a seeded uniform ±size/100 per axis                  |
// | motif key   | α from cover.h's motif_alpha at the motif's own pixels (its grey 128 ground   |
// |             | is transparent); α and α·rgb are bicubic-enlarged separately and divided, so  |
// |             | no grey fringe; α then fades to 0 over the outer 8 % of the side (smoothstep),|
// |             | so a motif drawn up to its picture's edge ends softly, not in a straight cut  |
// | shadow      | each motif casts its α, blurred σ = side/16, offset (side/24, side/16), in    |
// |             | the dark tone at opacity 0.5                                                  |
// | frame       | a line of the light tone at opacity 0.6, size/32 in from the edge, max(1,     |
// |             | size/256) wide                                                                |
// Draw order: background, glow, ripples, stage, band (left to right; shadow then motif), hero,
// frame.
// Seed: the layout draws from Rng(seed) (φ, then the jitters x, y per beat); the background does
// not depend on it. Same inputs and seed: the same cover, bit for bit.
// Without a scene (undefined tensor), Y is the ramp alone and the 0.25 share is the ramp's grey;
// with no motifs, the background with its glow, ripples, stage and frame alone.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/pipeline/cover.h"
#include "apps/pipeline/music_character.h"
#include "engine/tensor.h"

namespace syn::app {

struct DesignedPlacement {
  int64_t motif = 0;      // index into the motifs
  double cx = 0, cy = 0;  // centre, cover pixels
  int64_t side = 0;       // the enlarged motif's side
};

struct CoverDesign {
  CoverPalette palette;
  int beats = 0;                          // n
  double wave_amplitude = 0;              // A, pixels
  double band_side = 0;                   // t, pixels
  std::vector<DesignedPlacement> placed;  // in draw order: the band, then the hero
};

// The layout alone (no pixels): the beats, the band and the hero as the table above places them.
CoverDesign design_cover_layout(const MusicCharacter& character, int64_t motif_count, int size,
                                uint64_t seed);

// scene: [3, s, s] in [0, 1] (any s; may be undefined); motifs: [N, 3, M, M] (N may be 0, or the
// tensor undefined). Returns [3, size, size] in [0, 1] on the CPU; `design` (optional) receives the
// layout and palette.
Tensor design_cover(const Tensor& scene, const Tensor& motifs, const MusicCharacter& character,
                    int size, uint64_t seed, CoverDesign* design = nullptr);

}  // namespace syn::app

// scene_grading.h — the lighting and palette shift a scene's mood and energy put on the whole
// picture (background and objects together, as a light would), after composition:
//
//   mood        shift
//   calm        a little cooler (blue +6 %), saturation x0.85, contrast x0.92
//   dark        value x0.55, a blue cast, vignette
//   happy       value x1.08, saturation x1.25, warmer (red +6 %, blue -6 %)
//   sad         saturation x0.45, toward blue-grey, value x0.85
//   dreamy      soft Gaussian blur (sigma 0.6 px at 64 px), pastel: 25 % toward white,
//               saturation x0.7, a soft glow (a 2-px blur lightened over it)
//   aggressive  red cast (red +15 %, green and blue -10 %), contrast x1.35, saturation x1.2
//   romantic    pink-warm cast (red +10 %, blue +4 %, green -6 %), soft vignette
//   energy      slow: contrast x0.94 · fast: contrast x1.08 · energetic: contrast x1.15,
//               saturation x1.15
// Contrast pivots on mid-grey (128); saturation scales the distance from the pixel's luma.
#pragma once
#include "data/pictures/scene_raster.h"
#include "data/pictures/scene_rules.h"

namespace syn::pictures {

void grade_scene(SceneImage& im, Mood mood, Energy energy);

}  // namespace syn::pictures

// scene_backgrounds.h — the procedural backgrounds of the composed scenes (issue 15): ten
// settings a piece of music can evoke, each a deterministic function of (rng, size) drawn with the
// anti-aliased primitives of scene_raster.h, so any size (64 px by default) has soft edges.
//
//   name    what is drawn                                                        colour word
//   night   navy sky gradient, 30-70 stars (a few with glow), a full or crescent moon  blue
//   sunset  three-stop sky (orange, pink or red palette), half-set sun, hills orange|pink|red sea
//   sky over a horizon, sea with perspective wave crests, a soft cloud         blue fire
//   dark-to-ember gradient, noise-shaped flame tongues, rising embers          red|orange rain
//   overcast gradient with dark clouds, slanted rain streaks, wet ground       grey fog     pale
//   gradient, faint tree silhouettes behind stretched noise mist          grey|white snow    pale
//   sky, snow hill, falling flakes                                        white neon    dark stage,
//   2-4 coloured spotlight cones, glowing neon tubes, floor        pink|blue|purple forest  sky,
//   three layers of conifers (light to dark), grass                       green plain   one colour
//   field (9 colours) with a soft vignette                          that colour
//
// Feature sizes are designed at 64 px and scale with the size; the numbers of stars, flakes and
// streaks scale with the area.
#pragma once
#include <string>
#include <vector>

#include "data/pictures/scene_raster.h"

namespace syn {
class Rng;
}

namespace syn::pictures {

enum class Background { Night, Sunset, Sea, Fire, Rain, Fog, Snow, Neon, Forest, Plain };
const std::vector<Background>& all_backgrounds();
const char* background_name(Background b);
Background parse_background(const std::string& name);  // error lists the names

struct BackgroundImage {
  SceneImage image;
  std::string colour;  // the colour word a caption uses for it ("blue", "orange", ...)
};

// `sky_body` false leaves out the night's moon and the sunset's sun (the glow stays): for a scene
// whose objects already hold one.
BackgroundImage draw_night(Rng& rng, int size, bool sky_body = true);
BackgroundImage draw_sunset(Rng& rng, int size, bool sky_body = true);
BackgroundImage draw_sea(Rng& rng, int size);
BackgroundImage draw_fire(Rng& rng, int size);
BackgroundImage draw_rain(Rng& rng, int size);
BackgroundImage draw_fog(Rng& rng, int size);
BackgroundImage draw_snow(Rng& rng, int size);
BackgroundImage draw_neon(Rng& rng, int size);
BackgroundImage draw_forest(Rng& rng, int size);
BackgroundImage draw_plain(Rng& rng, int size);
BackgroundImage draw_background(Background b, Rng& rng, int size, bool sky_body = true);

}  // namespace syn::pictures

// scene_composer.cpp — see scene_composer.h.
#include "data/pictures/scene_composer.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "data/pictures/scene_backgrounds.h"
#include "data/pictures/scene_grading.h"
#include "engine/check.h"
#include "engine/rng.h"

namespace syn::pictures {

namespace {

const std::vector<size_t> kNone;

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A picture of a thing crossed out ("bell with slash", "muted speaker") shows its absence: a
// caption naming the thing would say the opposite.
bool negated_picture(const std::string& caption) {
  for (const char* w : {"with slash", "muted", "prohibited", "no entry"})
    if (caption.find(w) != std::string::npos) return true;
  return caption.rfind("no ", 0) == 0;
}

// A layout's rectangles: one per object.
struct Rect {
  int x, y, w, h;
};

// Pastes the objects over a copy of the background; returns each object's visible alpha.
std::vector<float> paste_all(SceneImage& im, const SceneIndex& index,
                             const std::vector<size_t>& items, const std::vector<Rect>& rects) {
  const size_t n = (size_t)im.size * im.size;
  std::vector<std::vector<float>> placed(items.size());
  const float k = im.size / 64.0f;
  for (size_t i = 0; i < items.size(); ++i) {
    Cutout sized = resize_cutout(index.cutout(items[i]), rects[i].w, rects[i].h);
    // Rim light: an object about as light as the scene behind it gets a soft halo of the
    // opposite value, so a black note still reads on a night sky.
    float object = cutout_luma(sized), behind = luma_under(im, sized, rects[i].x, rects[i].y);
    if (std::fabs(object - behind) < 60)
      add_halo(im, sized, rects[i].x, rects[i].y,
               object < 128 ? Rgb{255, 250, 235} : Rgb{10, 10, 20}, 1.2f * k, 0.55f);
    blend_cutout(im, sized, rects[i].x, rects[i].y, &placed[i]);
  }
  std::vector<float> visible(items.size(), 0);
  for (size_t i = 0; i < items.size(); ++i)
    for (size_t p = 0; p < n; ++p) {
      float a = placed[i][p];
      for (size_t j = i + 1; j < items.size() && a > 0; ++j) a *= 1 - placed[j][p];
      visible[i] += a;
    }
  return visible;
}

}  // namespace

SceneIndex::SceneIndex(const PictureCorpus& corpus) : SceneIndex(corpus, SceneOptions()) {}

SceneIndex::SceneIndex(const PictureCorpus& corpus, const SceneOptions& options)
    : corpus_(&corpus), options_(options) {
  SYN_CHECK(options_.size > 0 && options_.size <= 1024, "scenes: size ", options_.size,
            " is not in 1..1024");
  SYN_CHECK(!corpus.sizes.empty(), "scenes: the picture corpus has no images");
  const int source = corpus.sizes.back();  // the largest: the sharpest objects
  const Tensor& images = corpus.images_at(source);
  const size_t per = 3 * (size_t)source * source;
  cutouts_.resize(corpus.items.size());
  for (size_t i = 0; i < corpus.items.size(); ++i) {
    const CorpusItem& it = corpus.items[i];
    caption_concept_.emplace(it.caption, it.concept_id);  // the first picture's concept wins
    if ((it.held_out && !options_.include_held_out) || negated_picture(it.caption)) continue;
    Cutout c = cut_out(images.data() + i * per, source, corpus.background);
    if (!usable_cutout(c)) continue;
    cutouts_[i] = std::move(c);
    std::vector<size_t>& pictures = by_concept_[it.concept_id];
    if (pictures.empty()) {  // a new concept: which filler pool it joins
      if (has(options_.filler_categories, it.category))
        music_concepts_.push_back(it.concept_id);
      else if (has(options_.other_categories, it.category))
        other_concepts_.push_back(it.concept_id);
    }
    pictures.push_back(i);
    ++usable_;
  }
  SYN_CHECK(usable_ > 0, "scenes: no usable object in the picture corpus (", corpus.items.size(),
            " pictures", options_.include_held_out ? "" : ", training split only", ")");
  if (music_concepts_.empty())  // a corpus without music pictures still makes scenes
    for (const auto& [c, items] : by_concept_) music_concepts_.push_back(c);
  std::sort(music_concepts_.begin(), music_concepts_.end());
  std::sort(other_concepts_.begin(), other_concepts_.end());
}

const std::vector<size_t>& SceneIndex::pictures_of(const std::string& concept_id) const {
  auto it = by_concept_.find(concept_id);
  return it == by_concept_.end() ? kNone : it->second;
}

std::string SceneIndex::concept_of_caption(const std::string& caption) const {
  auto it = caption_concept_.find(caption);
  if (it != caption_concept_.end()) return it->second;
  return by_concept_.count(caption) ? caption : "";
}

Scene compose_scene(const SceneIndex& index, uint64_t seed) {
  const SceneOptions& o = index.options();
  const PictureCorpus& corpus = index.corpus();
  Rng rng(seed);
  Scene s;
  s.seed = seed;
  s.recipe = pick_recipe(rng, o.recipe);
  // Objects: motifs first, then repeats (energetic) and fillers.
  std::vector<std::string> motifs;
  for (const std::string& m : s.recipe.motifs) {
    std::string c = index.concept_of_caption(m);
    if (!c.empty() && !index.pictures_of(c).empty() &&
        std::find(motifs.begin(), motifs.end(), c) == motifs.end())
      motifs.push_back(c);
  }
  auto pick_of = [&](const std::vector<size_t>& v) {
    return v[(size_t)rng.randint((int64_t)v.size())];
  };
  std::vector<size_t> items;
  size_t next_motif = 0;
  for (int k = 0; k < s.recipe.objects; ++k) {
    std::string concept_id;
    if (next_motif < motifs.size() && (k == 0 || rng.bernoulli(0.6f))) {
      concept_id = motifs[next_motif++];
    } else if (k > 0 && s.recipe.energy == Energy::Energetic && rng.bernoulli(0.35f)) {
      concept_id = corpus.items[items[0]].concept_id;
    } else {
      const bool music =
          index.filler_concepts(false).empty() || !rng.bernoulli(o.other_probability);
      const std::vector<std::string>& pool = index.filler_concepts(music);
      concept_id = pool[(size_t)rng.randint((int64_t)pool.size())];
    }
    const std::vector<size_t>& pictures = index.pictures_of(concept_id);
    size_t item = pick_of(pictures);
    // The same picture twice reads as a copy: draw again (a few times) for another one.
    for (int t = 0; t < 4 && std::find(items.begin(), items.end(), item) != items.end(); ++t)
      item = pick_of(pictures);
    items.push_back(item);
  }

  // The background; a moon or sun among the objects replaces the sky's own.
  bool sky_body = true;
  for (size_t item : items) {
    const std::string& c = corpus.items[item].concept_id;
    sky_body &= c != "moon" && c != "sun";
  }
  BackgroundImage bg = draw_background(s.recipe.background, rng, o.size, sky_body);
  s.colour = bg.colour;

  // Layout, redrawn until nothing is (mostly) hidden.
  const int n = (int)items.size(), S = o.size;
  const float lo[] = {0.50f, 0.36f, 0.30f}, hi[] = {0.72f, 0.50f, 0.40f};
  std::vector<Rect> rects(items.size());
  std::vector<float> visible;
  for (int attempt = 0; attempt < 8; ++attempt) {
    for (int k = 0; k < n; ++k) {
      const Cutout& c = index.cutout(items[(size_t)k]);
      float side = rng.uniform(lo[n - 1], hi[n - 1]) * S;
      float scale = side / std::max(c.width, c.height);
      int w = std::clamp((int)std::lround(c.width * scale), 1, S);
      int h = std::clamp((int)std::lround(c.height * scale), 1, S);
      float cx = ((float)k + 0.5f) / n * S + rng.uniform(-0.06f, 0.06f) * S;
      float cy = rng.uniform(0.5f, 0.68f) * S;
      rects[(size_t)k] = {std::clamp((int)std::lround(cx - w / 2.0f), 0, S - w),
                          std::clamp((int)std::lround(cy - h / 2.0f), 0, S - h), w, h};
    }
    s.image = bg.image;
    visible = paste_all(s.image, index, items, rects);
    bool ok = true;
    for (int k = 0; k < n; ++k) {
      const Cutout& c = index.cutout(items[(size_t)k]);
      float placed_area = c.area * rects[(size_t)k].w * rects[(size_t)k].h / (c.width * c.height);
      ok &= visible[(size_t)k] >= 0.5f * placed_area;
    }
    if (ok) break;
  }
  grade_scene(s.image, s.recipe.mood, s.recipe.energy);

  CaptionParts parts{s.recipe.genre,      s.recipe.mood, s.recipe.energy,
                     s.recipe.background, s.colour,      {}};
  std::set<std::string> licences;
  for (int k = 0; k < n; ++k) {
    const CorpusItem& it = corpus.items[items[(size_t)k]];
    const Rect& r = rects[(size_t)k];
    s.objects.push_back({items[(size_t)k], it.concept_id, r.x, r.y, r.w, r.h, visible[(size_t)k]});
    parts.objects.push_back(it.concept_id);
    licences.insert(it.licence);
    s.uses_held_out |= it.held_out;
  }
  s.licences.assign(licences.begin(), licences.end());
  s.caption = scene_caption(rng, parts);
  return s;
}

Scene compose_scene(const PictureCorpus& corpus, uint64_t seed) {
  return compose_scene(SceneIndex(corpus), seed);
}

Scene compose_scene(const PictureCorpus& corpus, uint64_t seed, const SceneOptions& options) {
  return compose_scene(SceneIndex(corpus, options), seed);
}

uint64_t scene_seed(uint64_t set_seed, int64_t i) {
  uint64_t z = set_seed + 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string scene_parts_line(const Scene& s, const PictureCorpus& corpus) {
  std::string concepts, ids;
  for (const SceneObject& o : s.objects) {
    concepts += (concepts.empty() ? "" : ",") + o.concept_id;
    ids += (ids.empty() ? "" : ",") + corpus.items[o.item].id;
  }
  return std::string("background=") + background_name(s.recipe.background) +
         "\tmood=" + mood_name(s.recipe.mood) + "\tenergy=" + energy_name(s.recipe.energy) +
         "\tgenre=" + (s.recipe.genre.empty() ? "none" : s.recipe.genre) + "\tcolour=" + s.colour +
         "\tobjects=" + concepts + "\tids=" + ids;
}

}  // namespace syn::pictures

// scene_set.cpp — see scene_set.h.
#include "data/pictures/scene_set.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "data/datasets/emoji_dataset.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"
#include "engine/text_lines.h"

namespace syn::pictures {

PictureCorpus compose_scene_set(const SceneIndex& index, int64_t count, uint64_t seed,
                                std::vector<Scene>* scenes) {
  SYN_CHECK(count > 0, "scene set: the number of scenes must be positive, got ", count);
  const PictureCorpus& corpus = index.corpus();
  const int size = index.options().size;
  PictureCorpus set;
  set.sizes = {size};
  set.background = corpus.background;
  Tensor images = Tensor::empty({count, 3, size, size});
  float* px = images.data();
  std::vector<std::string> parts;
  std::set<std::string> sources;
  for (int64_t i = 0; i < count; ++i) {
    Scene s = compose_scene(index, scene_seed(seed, i));
    CorpusItem it;
    it.id = "scene:" + std::to_string(i);
    it.source = "scene";
    char hex[20];
    std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)s.seed);
    it.file = hex;
    std::string ids;
    for (const std::string& l : s.licences) it.licence += (it.licence.empty() ? "" : "+") + l;
    for (const SceneObject& o : s.objects) {
      ids += (ids.empty() ? "" : ", ") + corpus.items[o.item].id;
      sources.insert(corpus.items[o.item].source);
    }
    it.attribution = "objects: " + ids;
    it.concept_id = s.objects.front().concept_id;
    it.category = std::string("scene/") + background_name(s.recipe.background);
    it.caption = s.caption;
    it.held_out = s.uses_held_out;
    set.items.push_back(std::move(it));
    for (size_t k = 0; k < s.image.px.size(); ++k)  // integers, as the corpus stores its pictures
      px[(size_t)i * s.image.px.size() + k] = std::floor(s.image.px[k] + 0.5f);
    parts.push_back(scene_parts_line(s, corpus));
    if (scenes) scenes->push_back(std::move(s));
  }
  set.images.push_back(images);
  std::map<std::string, std::string> attributions;
  for (const CorpusItem& it : corpus.items)
    if (sources.count(it.source)) attributions[it.source] = it.licence + ": " + it.attribution;
  std::string attr;
  for (const auto& [src, a] : attributions) attr += src + " — " + a + "\n";
  set.extra_meta["scene_parts"] = join_lines(parts);
  set.extra_meta["scene_seed"] = std::to_string(seed);
  set.extra_meta["scene_count"] = std::to_string(count);
  set.extra_meta["object_attributions"] = attr;
  return set;
}

void write_scene_captions(const std::string& path, const PictureCorpus& set) {
  SYN_CHECK(set.extra_meta.count("scene_parts"), "'", path,
            "': the picture set has no meta/scene_parts (not a scene set)");
  std::vector<std::string> parts = split_lines(set.extra_meta.at("scene_parts"));
  SYN_CHECK(parts.size() == set.items.size(), "scene set: ", parts.size(), " part lines for ",
            set.items.size(), " scenes");
  std::string text =
      "index\tid\tseed\tcaption\tbackground\tmood\tenergy\tgenre\tcolour\tobjects\tids\tlicences\n";
  for (size_t i = 0; i < set.items.size(); ++i) {
    const CorpusItem& it = set.items[i];
    std::string fields;  // the values of the parts line's "key=value" fields, tab-separated
    size_t at = 0;
    const std::string& line = parts[i];
    while (at <= line.size()) {
      size_t end = line.find('\t', at);
      if (end == std::string::npos) end = line.size();
      std::string field = line.substr(at, end - at);
      size_t eq = field.find('=');
      fields += '\t';
      fields += eq == std::string::npos ? field : field.substr(eq + 1);
      at = end + 1;
    }
    text += std::to_string(i) + "\t" + it.id + "\t" + it.file + "\t" + it.caption + fields + "\t" +
            it.licence + "\n";
  }
  io::write_file_atomic(path, text);
}

void write_scene_sheet(const std::string& path, const PictureCorpus& set, int columns,
                       int64_t count) {
  SYN_CHECK(!set.sizes.empty() && !set.items.empty(), "scene sheet '", path,
            "': the scene set has no images");
  const int size = set.sizes.front();
  const int64_t n =
      count <= 0 ? (int64_t)set.items.size() : std::min<int64_t>(count, (int64_t)set.items.size());
  EmojiDataset view;  // the emoji dataset's contact sheet, on a view of the scenes
  view.sizes = {size};
  view.background = set.background;
  for (int64_t i = 0; i < n; ++i) {
    const CorpusItem& it = set.items[(size_t)i];
    EmojiItem e;
    e.name = it.id;
    e.held_out = it.held_out;
    view.items.push_back(e);
  }
  const Tensor& all = set.images.front();
  const int64_t per = 3 * (int64_t)size * size;
  std::vector<float> pixels(all.data(), all.data() + n * per);
  view.images.push_back(Tensor::from_vector(pixels, {n, 3, size, size}));
  write_contact_sheet(path, view, size, columns);
}

}  // namespace syn::pictures

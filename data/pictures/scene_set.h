// scene_set.h — a fixed set of composed scenes as a file: the picture corpus format
// (picture_corpus.h), so trainers read it with load_picture_corpus, plus a contact sheet and a
// captions table.
//
// Scene i of a set drawn with seed S is compose_scene(index, scene_seed(S, i)). As a corpus item:
//   id "scene:<i>", source "scene", file the scene's seed (hex), licence the union of its objects'
//   licences joined with "+" (e.g. "Apache-2.0+CC-BY-4.0"), attribution "objects: <their ids>",
//   concept the first object's concept, category "scene/<background>", caption the scene's,
//   split "train" (held out when one of its objects is, possible only with include_held_out).
// Extra meta: scene_parts (one scene_parts_line a scene), scene_seed, scene_count,
// object_attributions (source — licence: attribution of every source a scene uses).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/pictures/picture_corpus.h"
#include "data/pictures/scene_composer.h"

namespace syn::pictures {

// `scenes` (optional) receives the scenes themselves.
PictureCorpus compose_scene_set(const SceneIndex& index, int64_t count, uint64_t seed,
                                std::vector<Scene>* scenes = nullptr);

// index, id, seed, caption, background, mood, energy, genre, colour, objects, object ids,
// licences: a header line, then one line a scene.
void write_scene_captions(const std::string& path, const PictureCorpus& scene_set);
// The first `count` scenes (all when 0 or more than there are) in a grid (the emoji dataset's
// contact sheet), in order, `columns` a row.
void write_scene_sheet(const std::string& path, const PictureCorpus& scene_set, int columns,
                       int64_t count = 0);

}  // namespace syn::pictures

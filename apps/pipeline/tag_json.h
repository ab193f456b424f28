// tag_json.h — reading apps/tag's JSON output (apps/pipeline/tagger.cpp tag_result_json) back, to
// caption a clip from the tags a tagger gave it (apps/caption --from tags.json).
//
// The file holds "tags": every tag of the tagger with its clip probability (most probable
// first), a "taggram", and, when the profile was computed, "refined": [{tag, group,
// probability, source}] (data/tags/tag_profile.h). confident_tags() picks what to caption from:
// the refined tags at or above `refined_threshold` when the file has a refined profile,
// otherwise the tagger's own tags at or above `tag_threshold`; most probable first, at most
// `max_tags`, and at least the single most probable tag (a caption needs something to say).
//
// The JSON is read by apps/pipeline/json_io (nlohmann-json: strict RFC 8259); errors name the file
// and the byte offset, and a missing or mistyped field names the field.
#pragma once
#include <string>
#include <vector>

namespace syn::app {

struct ScoredTag {
  std::string tag;
  double probability = 0;
  std::string group;  // refined tags only
};

struct TagFile {
  std::string file, model;
  std::vector<ScoredTag> tags;     // the tagger's labels
  std::vector<ScoredTag> refined;  // empty when the file has no refined profile
  bool has_refined = false;
};

// `source` names the text in errors (its file).
TagFile parse_tag_json(const std::string& text, const std::string& source);
TagFile read_tag_json(const std::string& path);

std::vector<std::string> confident_tags(const TagFile& f, double refined_threshold,
                                        double tag_threshold, int max_tags);

}  // namespace syn::app

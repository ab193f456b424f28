// tag_json.cpp — see tag_json.h. The JSON itself is apps/pipeline/json_io's; this file picks the
// fields apps/tag writes and checks their types.
#include "apps/pipeline/tag_json.h"

#include <algorithm>

#include "apps/pipeline/json_io.h"
#include "engine/check.h"

namespace syn::app {

namespace {

std::vector<ScoredTag> scored_list(const Json& arr, const std::string& key,
                                   const std::string& src) {
  SYN_CHECK(arr.is_array(), "'", src, "': \"", key, "\" is not an array");
  std::vector<ScoredTag> out;
  for (size_t i = 0; i < arr.size(); ++i) {
    const Json& e = arr[i];
    const bool ok = e.is_object() && e.contains("tag") && e["tag"].is_string() &&
                    e.contains("probability") && e["probability"].is_number();
    SYN_CHECK(ok, "'", src, "': \"", key, "\"[", i,
              "] needs a string \"tag\" and a number \"probability\"");
    ScoredTag s{e["tag"].get<std::string>(), e["probability"].get<double>(), ""};
    if (auto g = e.find("group"); g != e.end() && g->is_string()) s.group = g->get<std::string>();
    out.push_back(std::move(s));
  }
  return out;
}

std::string string_field(const Json& root, const char* key) {
  auto v = root.find(key);
  return v != root.end() && v->is_string() ? v->get<std::string>() : "";
}

TagFile tag_file_from_json(const Json& root, const std::string& source) {
  SYN_CHECK(root.is_object(), "'", source, "': expected a JSON object (apps/tag --json output)");
  TagFile f;
  f.file = string_field(root, "file");
  f.model = string_field(root, "model");
  auto tags = root.find("tags");
  SYN_CHECK(tags != root.end(), "'", source, "' has no \"tags\" (is it apps/tag --json output?)");
  f.tags = scored_list(*tags, "tags", source);
  if (auto r = root.find("refined"); r != root.end()) {
    f.refined = scored_list(*r, "refined", source);
    f.has_refined = true;
  }
  return f;
}

}  // namespace

TagFile parse_tag_json(const std::string& text, const std::string& source) {
  return tag_file_from_json(parse_json(text, source), source);
}

TagFile read_tag_json(const std::string& path) {
  return tag_file_from_json(read_json_file(path), path);
}

std::vector<std::string> confident_tags(const TagFile& f, double refined_threshold,
                                        double tag_threshold, int max_tags) {
  const bool refined = f.has_refined && !f.refined.empty();
  std::vector<ScoredTag> pool = refined ? f.refined : f.tags;
  const double threshold = refined ? refined_threshold : tag_threshold;
  std::stable_sort(pool.begin(), pool.end(), [](const ScoredTag& a, const ScoredTag& b) {
    return a.probability > b.probability;
  });
  std::vector<std::string> out;
  for (const auto& t : pool) {
    if ((int)out.size() >= max_tags) break;
    if (t.probability >= threshold || out.empty()) out.push_back(t.tag);
  }
  return out;
}

}  // namespace syn::app

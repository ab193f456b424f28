// weight_meta.cpp — see weight_meta.h.
#include "models/weight_meta.h"

#include <exception>

#include "engine/check.h"

namespace syn::models {

const std::string& meta_str(const std::map<std::string, std::string>& meta, const std::string& key,
                            const std::string& source) {
  auto it = meta.find(key);
  SYN_CHECK(it != meta.end(), source, ": metadata '", key, "' is missing");
  return it->second;
}

int64_t meta_int(const std::map<std::string, std::string>& meta, const std::string& key,
                 const std::string& source) {
  const std::string& text = meta_str(meta, key, source);
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  SYN_CHECK(used == text.size() && used > 0, source, ": metadata '", key, "' = '", text,
            "' is not an integer");
  return v;
}

}  // namespace syn::models

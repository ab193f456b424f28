// weight_meta.h — reading the metadata entries of a weights file (engine/checkpoint.h's meta map)
// with errors that name the file and the entry: the text-to-image model and the autoencoder read
// their sizes this way.
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace syn::models {

// meta[key]; an error naming `source` and `key` when the entry is missing.
const std::string& meta_str(const std::map<std::string, std::string>& meta, const std::string& key,
                            const std::string& source);
// meta[key] as a whole integer; an error naming `source`, `key` and the text otherwise.
int64_t meta_int(const std::map<std::string, std::string>& meta, const std::string& key,
                 const std::string& source);

}  // namespace syn::models

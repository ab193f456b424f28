// atomic_file.h — writing a whole text file so that readers never see half of it: the text goes
// to PATH.tmp, then a rename replaces PATH (the pipeline's outputs, results.json). Errors name the
// file.
#pragma once
#include <string>

namespace syn::app {

void write_text_atomic(const std::string& path, const std::string& text);

}  // namespace syn::app

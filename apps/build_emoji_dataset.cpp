// build_emoji_dataset — extract the open emoji art dataset for the diffusion U-Net: the
// music-picture vocabulary of Noto Color Emoji with Unicode's names, at 32×32 and 64×64 on a grey
// background, with a held-out split (the whole pipeline is described in
// data/datasets/emoji_dataset.h).
//   apt-get install fonts-noto-color-emoji unicode-data    the two sources (Debian packages)
//   build_emoji_dataset                                     runs/emoji/emoji_dataset.ckpt + contact
//   sheet build_emoji_dataset --sizes 16,32,64 --background 255   other sizes, white background
//   build_emoji_dataset --help                              every flag with its default
// Thin by design: config → sources → dataset → file; the work lives in data/.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "apps/cli/app_config.h"
#include "data/datasets/emoji_dataset.h"
#include "engine/check.h"

using namespace syn;
namespace fs = std::filesystem;

static std::vector<int> parse_sizes(const std::string& text) {
  std::vector<int> sizes;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    SYN_CHECK(used > 0 && part.find_first_not_of(" 0123456789") == std::string::npos, "--sizes '",
              text, "': '", part, "' is not a whole number");
    sizes.push_back(v);
  }
  SYN_CHECK(!sizes.empty(), "--sizes '", text, "' names no size");
  return sizes;
}

static void make_parent(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
}

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "build_emoji_dataset.yaml",
                                    "build_emoji_dataset [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "build_emoji_dataset");
    const Config& cfg = args.config;
    auto start = std::chrono::steady_clock::now();
    const std::string& font_path = cfg.get_string("font");
    const std::string& test_path = cfg.get_string("emoji_test");
    SYN_CHECK(fs::exists(font_path), "--font '", font_path,
              "' does not exist (apt-get install fonts-noto-color-emoji)");
    SYN_CHECK(fs::exists(test_path), "--emoji_test '", test_path,
              "' does not exist (apt-get install unicode-data)");

    EmojiBuildOptions o;
    o.sizes = parse_sizes(cfg.get_string("sizes"));
    o.background = (int)cfg.get_int("background");
    o.holdout_percent = (int)cfg.get_int("holdout_percent");
    o.keep_skin_tones = cfg.get_bool("keep_skin_tones");

    ColorBitmapFont font = ColorBitmapFont::load(font_path);
    std::vector<EmojiTestEntry> entries = load_emoji_test(test_path);
    std::cout << "font " << font_path << ": " << font.num_glyphs() << " glyphs, "
              << font.num_mapped_codepoints() << " code points, " << font.num_ligatures()
              << " ligatures, strikes at ppem";
    for (int p : font.strike_ppems()) std::cout << " " << p;
    std::cout << "\nvocabulary (" << (o.keep_skin_tones ? "with" : "without")
              << " skin-tone variants):\n";
    for (const VocabularyRule& r : o.vocabulary) {
      std::cout << "  " << r.group << " / " << r.subgroup;
      if (!r.name_words.empty()) {
        std::cout << " [names with:";
        for (const std::string& w : r.name_words) std::cout << " '" << w << "'";
        std::cout << "]";
      }
      std::cout << " — " << r.why << "\n";
    }

    EmojiBuildReport report;
    EmojiDataset ds = build_emoji_dataset(font, entries, o, &report);
    ds.meta["sources"] = "font: " + font_path + " (" + std::to_string(fs::file_size(font_path)) +
                         " bytes); names: " + test_path + " (" +
                         std::to_string(fs::file_size(test_path)) + " bytes)";
    std::cout << "images per group / subgroup:\n" << report.to_string();

    const std::string& out = cfg.get_string("output");
    make_parent(out);
    save_emoji_dataset(out, ds);
    std::cout << "wrote " << out << " (" << fs::file_size(out) << " bytes):";
    for (size_t k = 0; k < ds.sizes.size(); ++k)
      std::cout << " images_" << ds.sizes[k] << " " << shape_str(ds.images[k].shape());
    std::cout << "\n";
    const std::string& sheet = cfg.get_string("contact_sheet");
    if (!sheet.empty()) {
      make_parent(sheet);
      write_contact_sheet(sheet, ds, (int)cfg.get_int("contact_sheet_size"),
                          (int)cfg.get_int("contact_sheet_columns"));
      std::cout << "wrote " << sheet << "\n";
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "built in " << seconds << " s\n\nlicences:\n" << emoji_licence_notes() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "build_emoji_dataset: error: " << e.what() << "\n";
    return 1;
  }
}

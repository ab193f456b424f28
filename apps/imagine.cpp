// imagine — prompt → picture with the trained text-to-image model (models/text_to_image.h).
//   imagine "guitar" -o guitar.png                         one 32-px image upscaled to --size
//   imagine "red heart" -o heart.png --seed 3 --steps 100 --guidance_scale 4
//   imagine "sun" -o sun.png --batch 4                     sun.png, sun_1.png, sun_2.png, sun_3.png
//   imagine "sun" -o sun.png --batch 4 --grid true         one grid picture of the 4
//   imagine --help                                         every flag with its default
// The model works at its native 32×32; --size upscales by nearest neighbour (each pixel a
// size/32 square: crisp pixel art, no invented detail), so --size must be a multiple of 32.
// Same prompt, seed, steps and guidance → the same pictures.
#include <filesystem>
#include <iostream>

#include "apps/cli/app_config.h"
#include "apps/pipeline/image_grid.h"
#include "data/images/png_image.h"
#include "models/text_to_image.h"

using namespace syn;

namespace {

// out.png, index 2 -> out_2.png (index 0 keeps the name).
std::string numbered(const std::string& path, int64_t index) {
  if (index == 0) return path;
  std::filesystem::path p(path);
  std::string stem = p.stem().string() + "_" + std::to_string(index);
  return (p.parent_path() / (stem + p.extension().string())).string();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "imagine.yaml",
                                    "imagine \"prompt\" -o out.png [--key value ...]",
                                    {{"-o", "output"}});
    if (args.help) return 0;
    const std::vector<std::string>& pos = args.positional;
    const Config& cfg = args.config;
    SYN_CHECK(pos.size() == 1, "imagine takes exactly one prompt (quote it), got ", pos.size(),
              " positional arguments; see --help");
    const std::string out = cfg.get_string("output");
    SYN_CHECK(!out.empty(), "no output file: give -o out.png");
    const std::string weights = app::resolve_source_path(cfg.get_string("weights"));
    SYN_CHECK(std::filesystem::exists(weights), "weights '", weights,
              "' do not exist: train them with apps/train_imagine --export_path ", weights,
              " or pass --weights FILE");
    models::TextToImage t2i = models::TextToImage::load(weights);
    models::ImagineOptions o;
    o.steps = cfg.get_int("steps");
    o.guidance_scale = (float)cfg.get_float("guidance_scale");
    o.seed = (uint64_t)cfg.get_int("seed");
    o.batch = cfg.get_int("batch");
    const int64_t size = cfg.get_int("size"), native = t2i.image_size();
    SYN_CHECK(size >= native && size % native == 0, "--size ", size,
              " must be a positive multiple of the model's native ", native, " pixels");
    Tensor images = t2i.generate({pos[0]}, o);  // [batch, 3, S, S] in [0, 1]
    std::filesystem::path parent = std::filesystem::path(out).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    if (cfg.get_bool("grid") && o.batch > 1) {
      const int64_t cols = std::min<int64_t>(o.batch, 4);
      write_png(out, app::image_grid(images, cols, size / native, 2 * (size / native)));
      std::cout << "wrote " << out << " (" << o.batch << " images in a grid)\n";
    } else {
      for (int64_t i = 0; i < o.batch; ++i) {
        std::vector<float> v = images.to_vector();
        const int64_t per = 3 * native * native;
        Tensor img = Tensor::from_vector(
            std::vector<float>(v.begin() + i * per, v.begin() + (i + 1) * per), {3, native, native});
        write_png(numbered(out, i), app::upscale_nearest(img, size));
        std::cout << "wrote " << numbered(out, i) << "\n";
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "imagine: error: " << e.what() << "\n";
    return 1;
  }
}

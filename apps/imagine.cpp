// imagine — prompt → picture with the trained text-to-image model (models/text_to_image.h).
// The default weights are the latent model (models/weights/latent_imagine.synckpt: 64-px
// pictures, DPM-Solver++(2M), 20 steps, guidance 5); --weights models/weights/unet_emoji.synckpt
// draws with the first-generation 32-px U-Net (DDIM, 50 steps, guidance 8).
//   imagine "guitar" -o guitar.png                         one picture at the model's native size
//   imagine "red heart" -o heart.png --seed 3 --steps 100 --guidance_scale 4
//   imagine "sun" -o sun.png --batch 4                     sun.png, sun_1.png, sun_2.png, sun_3.png
//   imagine "sun" -o sun.png --batch 4 --grid true         one grid picture of the 4
//   imagine --help                                         every flag with its default
// The model works at its native size (32×32; 64×64 for a latent model); --size upscales by
// nearest neighbour (each pixel a square: crisp pixel art, no invented detail), so --size must
// be a multiple of the native size (0, the default: the native size).
// --steps 0, --sampler auto and --guidance_scale 0 (the defaults) take what the weights advise
// (apps/pipeline/sampling_advice.h); the line before the pictures says what ran.
// Same prompt, seed, steps and guidance → the same pictures.
// Outputs: an existing regular file is replaced (and the line that reports it says so); a folder,
// FIFO or device is refused before anything is drawn (engine/io/safe_file.h).
#include <filesystem>
#include <iostream>

#include "apps/cli/app_config.h"
#include "apps/cli/flag_checks.h"
#include "apps/pipeline/image_grid.h"
#include "apps/pipeline/sampling_advice.h"
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
    auto args =
        app::parse_app_args(argc, argv, "imagine.yaml",
                            "imagine \"prompt\" -o out.png [--key value ...]", {{"-o", "output"}});
    if (args.help) return 0;
    const std::vector<std::string>& pos = args.positional;
    const Config& cfg = args.config;
    const std::string out = cfg.get_string("output");
    const std::string weights = app::resolve_source_path(cfg.get_string("weights"));
    // Every flag is checked before the weights load and the sampling starts; all problems at once.
    app::FlagChecks checks(cfg, "imagine");
    checks
        .require(pos.size() == 1, str_cat("imagine takes exactly one prompt (quote it), got ",
                                          pos.size(), " positional arguments; see --help"))
        .require(pos.size() != 1 || pos[0].find_first_not_of(" \t\r\n") != std::string::npos,
                 "the prompt is empty: say what to draw")
        .require(!out.empty(), "no output file: give -o out.png")
        .output_file("output", /*app_creates_folder=*/true)
        .require(std::filesystem::exists(weights),
                 str_cat("weights '", weights,
                         "' do not exist: train them with apps/train_imagine "
                         "--export_path ",
                         weights, " or pass --weights FILE"))
        .int_in("steps", 0, 1000)
        .one_of("sampler", {"auto", "ddim", "dpmpp_2m"})
        .float_in("guidance_scale", 0, 100)
        .int_in("batch", 1, 256)
        .int_in("size", 0, 4096);
    checks.done();
    models::TextToImage t2i = models::TextToImage::load(weights);
    models::ImagineOptions o;
    o.steps = cfg.get_int("steps");
    o.sampler = cfg.get_string("sampler");
    o.guidance_scale = (float)cfg.get_float("guidance_scale");
    o.seed = (uint64_t)cfg.get_int("seed");
    o.batch = cfg.get_int("batch");
    o = app::with_advice(t2i, o, weights);
    const int64_t native = t2i.image_size();
    const int64_t size = cfg.get_int("size") == 0 ? native : cfg.get_int("size");
    SYN_CHECK(size >= native && size % native == 0, "--size ", size,
              " must be a positive multiple of the model's native ", native, " pixels");
    std::cout << std::filesystem::path(weights).filename().string() << ": "
              << app::describe_sampling(o) << ", " << native << "-px pictures"
              << (size == native ? std::string() : str_cat(" saved at ", size, " px")) << "\n";
    Tensor images = t2i.generate({pos[0]}, o);  // [batch, 3, S, S] in [0, 1]
    std::filesystem::path parent = std::filesystem::path(out).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    if (cfg.get_bool("grid") && o.batch > 1) {
      const int64_t cols = std::min<int64_t>(o.batch, 4);
      const bool replaced =
          write_png(out, app::image_grid(images, cols, size / native, 2 * (size / native)));
      std::cout << "wrote " << out << " (" << o.batch << " images in a grid)"
                << (replaced ? ", replacing the existing file" : "") << "\n";
    } else {
      for (int64_t i = 0; i < o.batch; ++i) {
        std::vector<float> v = images.to_vector();
        const int64_t per = 3 * native * native;
        Tensor img =
            Tensor::from_vector(std::vector<float>(v.begin() + i * per, v.begin() + (i + 1) * per),
                                {3, native, native});
        const bool replaced = write_png(numbered(out, i), app::upscale_nearest(img, size));
        std::cout << "wrote " << numbered(out, i)
                  << (replaced ? " (replacing the existing file)" : "") << "\n";
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "imagine: error: " << e.what() << "\n";
    return 1;
  }
}

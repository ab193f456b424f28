// synth_clip — writes a synthetic clip (data/audio/synthetic_audio.h) as a WAV file.
//   synth_clip --timbre flute -o flute.wav          30 s of a random flute melody
//   synth_clip --timbre drums --seconds 10 --seed 3 -o drums.wav
//   synth_clip --help                               every flag with its default
// Thin by design: config → synthesize_clip → write_wav.
#include <filesystem>
#include <iostream>

#include "apps/cli/app_config.h"
#include "data/audio/synthetic_audio.h"
#include "engine/check.h"

using namespace syn;

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "synth_clip.yaml",
                                    "synth_clip [--timbre NAME] [-o FILE] [--key value ...]",
                                    {{"-o", "output"}});
    if (args.help) return 0;
    app::require_no_positional(args, "synth_clip");
    const Config& cfg = args.config;
    const std::string& name = cfg.get_string("timbre");
    int timbre = -1;
    std::string names;
    for (int t = 0; t < kNumSyntheticTimbres; ++t) {
      if (name == synthetic_timbre_name(t)) timbre = t;
      names += std::string(t ? ", " : "") + synthetic_timbre_name(t);
    }
    SYN_CHECK(timbre >= 0, "--timbre '", name, "' is unknown (", names, ")");
    const int rate = (int)cfg.get_int("sample_rate");
    const double seconds = cfg.get_float("seconds");
    SYN_CHECK(seconds > 0 && seconds <= 3600, "--seconds must be in (0, 3600], got ", seconds);
    Rng rng((uint64_t)cfg.get_int("seed"));
    std::vector<float> clip = synthesize_clip(timbre, (int64_t)(seconds * rate), rate, rng);
    const std::string out = cfg.get_string("output");
    std::filesystem::path parent = std::filesystem::path(out).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    write_wav(out, clip, rate);
    std::cout << "wrote " << out << " (" << seconds << " s of " << name << ", " << rate << " Hz)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "synth_clip: error: " << e.what() << "\n";
    return 1;
  }
}

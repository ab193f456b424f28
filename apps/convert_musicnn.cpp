// convert_musicnn — turns a musicnn TensorFlow checkpoint into our weight file, without TF.
//   convert_musicnn --model_dir /tmp/mn/musicnn/MTT_musicnn
//   convert_musicnn --model_dir /tmp/mn/musicnn/MSD_musicnn --output
//   models/weights/musicnn_msd.synckpt convert_musicnn --help                      every flag with
//   its default
// Reads <model_dir>/.index and .data-* (engine/io/tf_checkpoint.h), maps the variables onto
// models::Musicnn (models/musicnn_tf.h: strict, transposes HWIO / [in, out] kernels), checks the
// result loads strictly into the model, and writes it with its config and provenance as metadata.
// See models/weights/README.md for the exact commands that produced the committed files.
#include <filesystem>
#include <iostream>

#include "apps/cli/app_config.h"
#include "engine/checkpoint.h"
#include "engine/io/tf_checkpoint.h"
#include "models/musicnn.h"
#include "models/musicnn_tf.h"

using namespace syn;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  try {
    auto args = app::parse_app_args(argc, argv, "convert_musicnn.yaml",
                                    "convert_musicnn --model_dir DIR [--key value ...]");
    if (args.help) return 0;
    app::require_no_positional(args, "convert_musicnn", "use --model_dir");
    const Config& cfg = args.config;
    std::string dir = cfg.get_string("model_dir");
    SYN_CHECK(!dir.empty(),
              "--model_dir is required (musicnn's MTT_musicnn or MSD_musicnn folder)");
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    SYN_CHECK(fs::is_directory(dir), "--model_dir '", dir, "' is not a folder");
    std::string model_name = cfg.get_string("model");
    if (model_name.empty()) model_name = fs::path(dir).filename().string();
    const models::MusicnnDataset dataset = models::musicnn_dataset_from_name(model_name);
    std::string output = cfg.get_string("output");
    if (output.empty())
      output = std::string("models/weights/musicnn_") +
               (dataset == models::MusicnnDataset::MTT ? "mtt" : "msd") + ".synckpt";

    // musicnn saved with the prefix "<dir>/", so its files are "<dir>/.index" etc.
    const std::string prefix = dir + "/";
    TfCheckpointReader reader(prefix);
    std::map<std::string, TfTensor> vars;
    for (const TfTensorEntry& e : reader.entries()) vars.emplace(e.name, reader.read(e.name));
    std::cout << "read " << vars.size() << " variables from " << reader.index_path() << " ("
              << reader.num_shards() << " data shard" << (reader.num_shards() == 1 ? "" : "s")
              << ", every crc32c verified)\n";

    const models::MusicnnConfig mcfg;  // MTT_musicnn and MSD_musicnn share the architecture
    auto conv = models::musicnn_from_tf(vars, mcfg, reader.index_path());
    if (cfg.get_bool("verbose")) {
      for (const auto& n : conv.used) std::cout << "  used     " << n << "\n";
      for (const auto& n : conv.ignored) std::cout << "  ignored  " << n << "\n";
      for (const auto& n : conv.defaulted) std::cout << "  set to 0 " << n << "\n";
    }
    std::cout << "mapped " << conv.used.size() << " variables onto " << conv.state.size()
              << " model entries; ignored " << conv.ignored.size()
              << " training-only variables (Adam slots, beta powers); " << conv.defaulted.size()
              << " batch-norm counters set to 0\n";

    // The strict load is the proof that every parameter is filled with the right shape.
    Rng rng(0);
    models::Musicnn model(mcfg, rng);
    model.load_state_dict(conv.state);

    Checkpoint ck;
    ck.tensors = model.state_dict();
    ck.meta = models::musicnn_config_meta(mcfg);
    ck.meta["model"] = model_name;
    ck.meta["labels"] = [&] {
      std::string s;
      for (const auto& l : models::musicnn_labels(dataset)) s += (s.empty() ? "" : "\n") + l;
      return s;
    }();
    ck.meta["source"] = cfg.get_string("source") + ", " + model_name + "/";
    ck.meta["license"] =
        "musicnn: ISC License, Copyright (c) Music Technology Group, Universitat Pompeu Fabra "
        "2019 (see models/weights/README.md)";
    ck.meta["converter"] = "apps/convert_musicnn";
    if (fs::path(output).has_parent_path()) fs::create_directories(fs::path(output).parent_path());
    save_checkpoint(output, ck, cfg.get_bool("fp16"));
    std::cout << "wrote " << output << " (" << fs::file_size(output) << " bytes, "
              << model.num_parameters() << " parameters, "
              << (cfg.get_bool("fp16") ? "float16" : "float32") << ")\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "convert_musicnn: error: " << e.what() << "\n";
    return 1;
  }
}

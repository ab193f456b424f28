// pipeline — music in, pictures out: the whole Synesthesia chain on one clip.
//   pipeline                              the bundled clip → runs/pipeline/
//   pipeline song.mp3 -o out/             any audio file libsndfile or our MP3 decoder reads
//   pipeline --help                       every flag with its default
// Writes tags.json, sentence.txt, image_1_raw.png ... image_4_motifs.png, cover.png,
// pipeline.json and report.html, logging each stage (tags, sentence, music, images, cover) with
// its time.
// Thin by design: config → PipelineOptions → run_pipeline (apps/pipeline/pipeline.h documents the
// stages) → exit code.
#include "apps/pipeline/pipeline.h"

#include <exception>
#include <iostream>

#include "apps/cli/app_config.h"

using namespace syn;

int main(int argc, char** argv) {
  try {
    auto args =
        app::parse_app_args(argc, argv, "pipeline.yaml",
                            "pipeline [AUDIO] [-o DIR] [--key value ...]", {{"-o", "output"}});
    if (args.help) return 0;
    app::run_pipeline(app::pipeline_options_from(args.config, args.positional), std::cout);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pipeline: error: " << e.what() << "\n";
    return 1;
  }
}

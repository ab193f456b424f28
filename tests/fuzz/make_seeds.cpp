// make_seeds.cpp — writes the generated part of the seed corpora in tests/fuzz/seeds/ (the rest
// are copies of tests/fixtures): small audio files of every container libsndfile writes here,
// PNGs of each colour type, our checkpoints, tokenizer vocabularies, TF checkpoint inputs in the
// layout fuzz_tf_checkpoint.cpp reads, and CBDT fonts in every index and image format.
// Not part of any test; rebuild and run it only to regenerate the seeds:
//   cmake --build build --target fuzz_make_seeds
//   build/tests/fuzz/fuzz_make_seeds tests/fuzz/seeds
// (The Ogg and float-WAV files differ byte-wise between runs: stream serials, PEAK timestamps.)
//
// The fonts come from tests/test_emoji_dataset.cpp's font writer (compiled here with its test
// cases disabled) rather than a second copy of it.
#define DOCTEST_CONFIG_DISABLE
#include "tests/test_emoji_dataset.cpp"  // NOLINT: reuse of the test's font writer
#undef DOCTEST_CONFIG_DISABLE

#include <sndfile.h>

#include <cmath>
#include <fstream>
#include <iostream>

#include "data/images/png_image.h"
#include "data/text/tokenizer.h"

namespace {

void write(const fs::path& p, const std::vector<uint8_t>& b) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), (std::streamsize)b.size());
}
std::vector<uint8_t> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

// A 440 Hz tone of `frames` frames; false when this libsndfile cannot write the format.
bool write_audio(const fs::path& p, int format, int rate, int channels, int frames) {
  SF_INFO info{};
  info.samplerate = rate, info.channels = channels, info.format = format;
  SNDFILE* f = sf_open(p.string().c_str(), SFM_WRITE, &info);
  if (!f) return false;
  std::vector<float> buf((size_t)frames * channels);
  for (int i = 0; i < frames; ++i)
    for (int c = 0; c < channels; ++c)
      buf[(size_t)i * channels + c] = 0.5f * std::sin(6.2831853f * 440.0f * i / rate + c);
  sf_writef_float(f, buf.data(), frames);
  sf_close(f);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " SEEDS_DIR (tests/fuzz/seeds)\n";
    return 2;
  }
  const fs::path out = argv[1];

  fs::create_directories(out / "audio");
  struct {
    const char* name;
    int format, rate, channels, frames;
  } audio[] = {
      {"pcm16_stereo.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 2, 64},
      {"float_mono.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 16000, 1, 64},
      {"pcm24.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 8000, 1, 64},
      {"mono.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 8000, 1, 256},
      {"vorbis.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 8000, 1, 256},
      {"opus.ogg", SF_FORMAT_OGG | SF_FORMAT_OPUS, 8000, 1, 256},
      {"layer3.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 8000, 1, 1152},
  };
  for (auto& a : audio)
    if (!write_audio(out / "audio" / a.name, a.format, a.rate, a.channels, a.frames))
      std::cerr << "skipped " << a.name << ": " << sf_strerror(nullptr) << "\n";

  fs::create_directories(out / "png");
  write_png((out / "png" / "rgb_3x2.png").string(),
            Tensor::from_vector(
                {0, .5f, 1, .2f, .4f, .6f, 1, 0, 0, .3f, .3f, .3f, 0, 1, 0, 1, 1, 1}, {3, 2, 3}));
  write_png((out / "png" / "grey_4x1.png").string(),
            Tensor::from_vector({0, .25f, .5f, 1}, {1, 1, 4}));
  write(out / "png" / "rgba_4x2.png", png_of(4, 2, art_4x2()));

  Checkpoint ck;
  ck.tensors.emplace_back("layer.weight", Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}));
  ck.tensors.emplace_back("layer.bias", Tensor::from_vector({0.5f}, {1}));
  ck.meta["step"] = "12";
  fs::create_directories(out / "checkpoint");
  save_checkpoint((out / "checkpoint" / "f32_meta.synt").string(), ck);
  save_checkpoint((out / "checkpoint" / "f16_meta.synt").string(), ck, true);

  BpeTokenizer tok =
      learn_bpe({"a mellow piano melody", "a fast piano piece", "mellow melody"}, 300, 1);
  fs::create_directories(out / "tokenizer");
  tok.save((out / "tokenizer" / "learned.txt").string());
  BpeTokenizer().save((out / "tokenizer" / "bytes_only.txt").string());

  // fuzz_tf_checkpoint's layout: u32 index length, the index, then data shard 0.
  const fs::path tf = fs::path(SYN_SOURCE_DIR) / "tests/fixtures/tf_checkpoint";
  for (auto [name, shard] : {std::pair{"tiny", "tiny.data-00000-of-00001"},
                             std::pair{"sharded", "sharded.data-00000-of-00002"}}) {
    std::vector<uint8_t> index = slurp(tf / (std::string(name) + ".index"));
    std::vector<uint8_t> data = slurp(tf / shard);
    std::vector<uint8_t> b;
    for (int i = 0; i < 4; ++i) b.push_back((uint8_t)(index.size() >> (8 * i)));
    b.insert(b.end(), index.begin(), index.end());
    b.insert(b.end(), data.begin(), data.end());
    write(out / "tf_checkpoint" / (std::string(name) + ".bin"), b);
  }

  for (auto [index_format, image_format] :
       {std::pair{1, 17}, std::pair{2, 18}, std::pair{3, 17}, std::pair{4, 17}, std::pair{5, 18}}) {
    FontSpec s = spec_with(index_format, image_format, index_format == 3 ? 4 : 12);
    s.extension_lookup = index_format == 4;
    write(out / "cbdt" /
              ("index" + std::to_string(index_format) + "_image" + std::to_string(image_format) +
               ".ttf"),
          build_font(s).bytes);
  }
  std::cout << "seeds written under " << out.string() << "\n";
  return 0;
}

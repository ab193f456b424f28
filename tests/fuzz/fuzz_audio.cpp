// fuzz_audio.cpp — audio files through decode_audio: our own header checks (RIFF/AIFF chunk
// walk, Ogg page scan) and then libsndfile's decoders (wav, flac, ogg/vorbis, opus, mp3, aiff).
// decode_audio reads only from a path, so the bytes go to a scratch file first.
#include "data/audio/audio_io.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = syn::fuzz::write_scratch_file(data, size, ".audio");
  syn::fuzz::expect_only_syn_errors([&] { (void)syn::decode_audio(path); });
  return 0;
}

// audio_folder.cpp — folder scan, the decode/resample cache and its memory-mapped reader; see
// audio_folder.h for the cache layout.
#include "data/datasets/audio_folder.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "data/audio/audio_io.h"
#include "data/audio/resample.h"
#include "engine/check.h"
#include "engine/parallel.h"
#include "engine/rng.h"

namespace syn {

namespace fs = std::filesystem;

namespace {

constexpr const char* kIndexName = "index.tsv";
constexpr const char* kIndexMagic = "# synesthesia audio cache v1";
constexpr int64_t kCheckpointEvery = 256;  // newly written clips between index checkpoints

struct Entry {
  std::string path;  // relative to the root
  int64_t samples = 0;
  std::string file;  // clip file name inside the cache directory
  uint64_t source_bytes = 0;
  int64_t source_mtime = 0;
};

std::string clip_file_name(const std::string& rel) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (unsigned char ch : rel) h = (h ^ ch) * 0x100000001b3ull;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llx.f32", (unsigned long long)h);
  return buf;
}

bool is_clip_file_name(const std::string& name) {
  if (name.size() != 20 || name.substr(16) != ".f32") return false;
  return std::all_of(name.begin(), name.begin() + 16, [](char c) {
    return std::isdigit((unsigned char)c) || (c >= 'a' && c <= 'f');
  });
}

std::string tmp_suffix() { return ".tmp." + std::to_string(getpid()); }

// Reads index.tsv. Returns false when absent; throws (naming the line) when malformed.
bool read_index(const fs::path& dir, int& rate, std::vector<Entry>& entries) {
  fs::path p = dir / kIndexName;
  std::ifstream in(p);
  if (!in) return false;
  std::string line;
  SYN_CHECK(std::getline(in, line) && line.rfind(kIndexMagic, 0) == 0, "audio cache index '",
            p.string(), "': missing header line '", kIndexMagic, "'");
  auto at = line.find("sample_rate=");
  SYN_CHECK(at != std::string::npos, "audio cache index '", p.string(), "': no sample_rate");
  rate = std::atoi(line.c_str() + at + 12);
  entries.clear();
  for (int64_t no = 2; std::getline(in, line); ++no) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string part; std::getline(ss, part, '\t');) f.push_back(part);
    SYN_CHECK(f.size() == 5, "audio cache index '", p.string(), "' line ", no,
              ": expected 5 fields, got ", f.size());
    Entry e;
    e.path = f[0];
    e.file = f[2];
    try {
      e.samples = std::stoll(f[1]);
      e.source_bytes = std::stoull(f[3]);
      e.source_mtime = std::stoll(f[4]);
    } catch (const std::exception&) {
      SYN_FAIL("audio cache index '", p.string(), "' line ", no, ": bad number");
    }
    SYN_CHECK(e.samples > 0 && is_clip_file_name(e.file), "audio cache index '", p.string(),
              "' line ", no, ": bad entry");
    entries.push_back(std::move(e));
  }
  return true;
}

void write_index(const fs::path& dir, int rate, const std::vector<const Entry*>& entries) {
  fs::path final_path = dir / kIndexName;
  fs::path tmp = dir / (std::string(kIndexName) + tmp_suffix());
  {
    std::ofstream out(tmp, std::ios::trunc);
    SYN_CHECK(out.good(), "preprocess: cannot write '", tmp.string(), "'");
    out << kIndexMagic << "\tsample_rate=" << rate << "\n";
    for (const Entry* e : entries)
      out << e->path << '\t' << e->samples << '\t' << e->file << '\t' << e->source_bytes << '\t'
          << e->source_mtime << '\n';
    out.flush();
    SYN_CHECK(out.good(), "preprocess: error writing '", tmp.string(), "' (disk full?)");
  }
  std::error_code ec;
  fs::rename(tmp, final_path, ec);
  SYN_CHECK(!ec, "preprocess: cannot rename '", tmp.string(), "' to '", final_path.string(),
            "': ", ec.message());
}

void write_clip(const fs::path& path, const std::vector<float>& samples) {
  fs::path tmp = path;
  tmp += tmp_suffix();
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  SYN_CHECK(f != nullptr, "preprocess: cannot create '", tmp.string(), "'");
  size_t wrote = std::fwrite(samples.data(), sizeof(float), samples.size(), f);
  bool ok = std::fclose(f) == 0 && wrote == samples.size();
  if (!ok) std::remove(tmp.c_str());
  SYN_CHECK(ok, "preprocess: error writing '", tmp.string(), "' (disk full?)");
  std::error_code ec;
  fs::rename(tmp, path, ec);
  SYN_CHECK(!ec, "preprocess: cannot rename '", tmp.string(), "': ", ec.message());
}

// "engine/x.cpp:12: message" -> "message": the source location is noise in a skip warning.
std::string strip_location(const std::string& msg) {
  size_t colon = msg.find(": ");
  if (colon == std::string::npos) return msg;
  size_t digits = msg.rfind(':', colon - 1);
  if (digits == std::string::npos || digits + 1 >= colon) return msg;
  for (size_t i = digits + 1; i < colon; ++i)
    if (!std::isdigit((unsigned char)msg[i])) return msg;
  return msg.substr(colon + 2);
}

// What happened to one scanned file.
enum class Outcome { kPending, kReused, kCached, kShort, kBad };

}  // namespace

bool is_audio_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return (char)std::tolower(c); });
  return ext == ".wav" || ext == ".flac" || ext == ".ogg" || ext == ".opus" || ext == ".mp3";
}

std::vector<std::string> scan_audio_folder(const std::string& root) {
  std::error_code ec;
  SYN_CHECK(fs::is_directory(root, ec), "scan_audio_folder: '", root, "' is not a directory");
  std::vector<std::string> out;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  SYN_CHECK(!ec, "scan_audio_folder: cannot read '", root, "': ", ec.message());
  for (; it != end; it.increment(ec)) {
    SYN_CHECK(!ec, "scan_audio_folder: error while scanning '", root, "': ", ec.message());
    std::error_code fec;
    if (!it->is_regular_file(fec) || !is_audio_path(it->path().string())) continue;
    out.push_back(it->path().lexically_relative(root).generic_string());
  }
  SYN_CHECK(!ec, "scan_audio_folder: error while scanning '", root, "': ", ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

std::string PreprocessSummary::to_string() const {
  return str_cat("scanned ", scanned, ", cached ", cached, " (", reused, " reused), skipped ",
                 skipped_short, " too short, ", skipped_bad, " bad");
}

PreprocessSummary preprocess_audio_folder(const std::string& root, const std::string& cache_dir,
                                          const AudioCacheOptions& options) {
  SYN_CHECK(options.sample_rate >= kMinAudioRate && options.sample_rate <= kMaxAudioRate,
            "preprocess_audio_folder: unsupported sample rate ", options.sample_rate);
  std::vector<std::string> files = scan_audio_folder(root);
  fs::path dir(cache_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  SYN_CHECK(fs::is_directory(dir), "preprocess_audio_folder: cannot create cache directory '",
            cache_dir, "'");

  // Previous run's entries, usable only at the same sample rate.
  std::map<std::string, Entry> old;
  {
    int old_rate = 0;
    std::vector<Entry> entries;
    try {
      if (read_index(dir, old_rate, entries) && old_rate == options.sample_rate)
        for (Entry& e : entries) old.emplace(e.path, std::move(e));
    } catch (const Error& e) {
      if (options.verbose)
        std::cerr << "warning: ignoring the old cache index: " << e.what() << "\n";
    }
  }

  const size_t n = files.size();
  std::vector<Entry> entries(n);
  std::vector<Outcome> outcome(n, Outcome::kPending);
  std::vector<std::string> reason(n);
  std::vector<size_t> work;
  std::set<std::string> names;
  for (size_t i = 0; i < n; ++i) {
    const std::string& rel = files[i];
    Entry& e = entries[i];
    e.path = rel;
    e.file = clip_file_name(rel);
    SYN_CHECK(names.insert(e.file).second, "preprocess_audio_folder: clip name collision for '",
              rel, "'");
    if (rel.find_first_of("\t\n\r") != std::string::npos) {
      outcome[i] = Outcome::kBad;
      reason[i] = "the file name contains a tab or newline, which the index cannot store";
      continue;
    }
    fs::path src = fs::path(root) / rel;
    std::error_code sec;
    e.source_bytes = fs::file_size(src, sec);
    e.source_mtime = (int64_t)fs::last_write_time(src, sec).time_since_epoch().count();
    auto it = old.find(rel);
    if (it != old.end()) {
      const Entry& o = it->second;
      std::error_code cec;
      uint64_t have = fs::file_size(dir / o.file, cec);
      if (!cec && o.file == e.file && o.source_bytes == e.source_bytes &&
          o.source_mtime == e.source_mtime && have == (uint64_t)o.samples * sizeof(float) &&
          o.samples >= options.min_samples) {
        e.samples = o.samples;
        outcome[i] = Outcome::kReused;
        continue;
      }
    }
    work.push_back(i);
  }

  // Decode in parallel. Problems with a file skip it; anything else (disk full, ...) aborts.
  std::mutex mu;  // guards outcome/reason for the checkpoints, stderr and `failure`
  std::exception_ptr failure;
  std::atomic<size_t> next{0};
  int64_t done = 0, since_checkpoint = 0;
  auto checkpoint = [&] {  // caller holds mu
    std::vector<const Entry*> ready;
    for (size_t i = 0; i < n; ++i) {
      if (outcome[i] == Outcome::kReused || outcome[i] == Outcome::kCached) {
        ready.push_back(&entries[i]);
      } else if (outcome[i] == Outcome::kPending) {
        // Not visited yet: keep the previous entry so an interrupted run loses nothing.
        auto it = old.find(files[i]);
        if (it != old.end()) ready.push_back(&it->second);
      }
    }
    write_index(dir, options.sample_rate, ready);
  };
  auto worker = [&] {
    for (;;) {
      size_t w = next.fetch_add(1);
      if (w >= work.size()) return;
      size_t i = work[w];
      Outcome result = Outcome::kCached;
      std::string why;
      try {
        std::vector<float> y;
        try {
          DecodedAudio a = decode_audio((fs::path(root) / files[i]).string());
          y = resample(a.samples, a.sample_rate, options.sample_rate);
          if ((int64_t)y.size() < options.min_samples) {
            result = Outcome::kShort;
            why =
                str_cat("too short: ", y.size(), " samples at ", options.sample_rate, " Hz (",
                        (double)y.size() / options.sample_rate, " s), need ", options.min_samples);
          }
        } catch (const Error& e) {
          result = Outcome::kBad;
          why = strip_location(e.what());
        }
        if (result == Outcome::kCached) {
          write_clip(dir / entries[i].file, y);
          entries[i].samples = (int64_t)y.size();
        }
        std::lock_guard<std::mutex> lock(mu);
        outcome[i] = result;
        reason[i] = why;
        ++done;
        if (options.verbose && result != Outcome::kCached)
          std::cerr << "warning: skipping '" << files[i] << "': " << why << "\n";
        if (options.verbose && done % 500 == 0)
          std::cerr << "preprocess: " << done << "/" << work.size() << " files decoded\n";
        if (result == Outcome::kCached && ++since_checkpoint >= kCheckpointEvery) {
          since_checkpoint = 0;
          checkpoint();
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failure) failure = std::current_exception();
        next = work.size();  // stop the other workers
        return;
      }
    }
  };
  int threads = options.threads > 0 ? options.threads : num_threads();
  threads = (int)std::max<size_t>(1, std::min<size_t>((size_t)threads, work.size()));
  if (!work.empty()) {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  }
  if (failure) {
    std::lock_guard<std::mutex> lock(mu);
    try {
      checkpoint();  // keep what was finished
    } catch (const std::exception&) {
      // The original failure is the one worth reporting.
    }
    std::rethrow_exception(failure);
  }

  PreprocessSummary s;
  s.scanned = (int64_t)n;
  std::vector<const Entry*> final_entries;
  std::set<std::string> keep;
  for (size_t i = 0; i < n; ++i) {
    switch (outcome[i]) {
      case Outcome::kReused:
        ++s.reused;
        [[fallthrough]];
      case Outcome::kCached:
        ++s.cached;
        final_entries.push_back(&entries[i]);
        keep.insert(entries[i].file);
        break;
      case Outcome::kShort:
        ++s.skipped_short;
        break;
      case Outcome::kBad:
        ++s.skipped_bad;
        break;
      case Outcome::kPending:
        SYN_FAIL("preprocess_audio_folder: '", files[i], "' was not processed");
    }
    if (outcome[i] == Outcome::kShort || outcome[i] == Outcome::kBad)
      s.warnings.push_back(str_cat("skipping '", files[i], "': ", reason[i]));
  }
  // Skipped files were reported as they happened; name-rejected ones are reported here.
  if (options.verbose)
    for (size_t i = 0; i < n; ++i)
      if (outcome[i] == Outcome::kBad && reason[i].rfind("the file name", 0) == 0)
        std::cerr << "warning: skipping '" << files[i] << "': " << reason[i] << "\n";
  write_index(dir, options.sample_rate, final_entries);

  // Remove clip files whose source is gone or now skipped, and temporaries of dead runs.
  for (const auto& de : fs::directory_iterator(dir, ec)) {
    std::string name = de.path().filename().string();
    bool stale_clip = is_clip_file_name(name) && !keep.count(name);
    bool stale_tmp = name.find(".tmp.") != std::string::npos &&
                     (is_clip_file_name(name.substr(0, 20)) || name.rfind(kIndexName, 0) == 0);
    if (stale_clip || stale_tmp) fs::remove(de.path(), ec);
  }
  if (options.verbose) std::cout << "audio cache '" << cache_dir << "': " << s.to_string() << "\n";
  return s;
}

AudioFolderCache::AudioFolderCache(const std::string& cache_dir, int expected_rate)
    : dir_(cache_dir) {
  std::vector<Entry> entries;
  fs::path dir(cache_dir);
  SYN_CHECK(read_index(dir, rate_, entries), "AudioFolderCache: no index '",
            (dir / kIndexName).string(), "' (run the preprocess first)");
  SYN_CHECK(expected_rate <= 0 || rate_ == expected_rate, "AudioFolderCache: '", cache_dir,
            "' holds audio at ", rate_, " Hz, expected ", expected_rate, " Hz");
  clips_.reserve(entries.size());
  try {
    for (Entry& e : entries) {
      fs::path p = dir / e.file;
      int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
      SYN_CHECK(fd >= 0, "AudioFolderCache: missing clip file '", p.string(), "' for '", e.path,
                "' (re-run the preprocess)");
      struct stat st {};
      size_t bytes = (size_t)e.samples * sizeof(float);
      bool size_ok = ::fstat(fd, &st) == 0 && (size_t)st.st_size == bytes;
      void* m = size_ok ? ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
      ::close(fd);
      SYN_CHECK(size_ok, "AudioFolderCache: clip file '", p.string(), "' for '", e.path, "' has ",
                (int64_t)st.st_size, " bytes, the index says ", bytes, " (re-run the preprocess)");
      SYN_CHECK(m != MAP_FAILED, "AudioFolderCache: cannot mmap '", p.string(),
                "' (too many clips for vm.max_map_count?)");
      clips_.push_back({std::move(e.path), e.samples, static_cast<const float*>(m), bytes});
    }
  } catch (...) {
    release();
    throw;
  }
}

void AudioFolderCache::release() {
  for (Clip& c : clips_)
    if (c.data) ::munmap(const_cast<float*>(c.data), c.bytes);
  clips_.clear();
}

AudioFolderCache::~AudioFolderCache() { release(); }

AudioFolderCache::AudioFolderCache(AudioFolderCache&& other) noexcept
    : dir_(std::move(other.dir_)), rate_(other.rate_), clips_(std::move(other.clips_)) {
  other.clips_.clear();
}

AudioFolderCache& AudioFolderCache::operator=(AudioFolderCache&& other) noexcept {
  if (this != &other) {
    release();
    dir_ = std::move(other.dir_);
    rate_ = other.rate_;
    clips_ = std::move(other.clips_);
    other.clips_.clear();
  }
  return *this;
}

const std::string& AudioFolderCache::path(int64_t i) const {
  SYN_CHECK(i >= 0 && i < size(), "AudioFolderCache::path: clip ", i, " out of range [0, ", size(),
            ")");
  return clips_[(size_t)i].path;
}

int64_t AudioFolderCache::num_samples(int64_t i) const {
  SYN_CHECK(i >= 0 && i < size(), "AudioFolderCache::num_samples: clip ", i, " out of range [0, ",
            size(), ")");
  return clips_[(size_t)i].samples;
}

std::span<const float> AudioFolderCache::clip(int64_t i) const {
  SYN_CHECK(i >= 0 && i < size(), "AudioFolderCache::clip: clip ", i, " out of range [0, ", size(),
            ")");
  return {clips_[(size_t)i].data, (size_t)clips_[(size_t)i].samples};
}

std::vector<float> AudioFolderCache::random_crop(int64_t i, int64_t length, Rng& rng) const {
  std::span<const float> c = clip(i);
  SYN_CHECK(length > 0 && length <= (int64_t)c.size(), "AudioFolderCache::random_crop: crop of ",
            length, " samples from '", clips_[(size_t)i].path, "' which has ", c.size());
  int64_t start = rng.randint((int64_t)c.size() - length + 1);
  return std::vector<float>(c.begin() + start, c.begin() + start + length);
}

Tensor AudioFolderCache::random_crop_batch(const std::vector<int64_t>& clips, int64_t length,
                                           Rng& rng) const {
  SYN_CHECK(!clips.empty(), "AudioFolderCache::random_crop_batch: no clips");
  Tensor out = Tensor::empty({(int64_t)clips.size(), 1, length});
  float* dst = out.data();
  for (size_t b = 0; b < clips.size(); ++b) {
    std::vector<float> crop = random_crop(clips[b], length, rng);
    std::copy(crop.begin(), crop.end(), dst + b * (size_t)length);
  }
  return out;
}

}  // namespace syn

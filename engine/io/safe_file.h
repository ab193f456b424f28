// safe_file.h — the one way Synesthesia writes an output file and reads a small input file.
//
// Outputs never destroy anything but a regular file: the bytes go to a temporary file in the
// target's own folder ("<target>.tmp.<pid>.<n>"), are flushed to disk, and are renamed onto the
// target only when the target is absent or a regular file (a symbolic link is followed to the
// file it names, so the link survives). A folder, FIFO, socket or device as the target is a clear
// error before anything is written, and the temporary file is removed on every error path.
// Temporaries left by a killed process (its pid no longer alive) are removed by the next write
// to the same target.
//
// Inputs read whole (text, JSON, YAML, tag lists) have a size limit and must be regular files:
// a FIFO, device or folder is refused the same way everywhere, so `--config /dev/zero` or a
// FIFO never hangs or grows without bound.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace syn::io {

// What an output path currently holds.
enum class OutputTarget { Absent, RegularFile };

// Checks, without writing, that `path` can receive an output: its folder exists and is a folder,
// and `path` is absent or a regular file (after following symbolic links). Errors name `what`
// (e.g. "--json", "checkpoint") and the path. Call it before expensive work.
OutputTarget check_output_path(const std::string& path, std::string_view what = "output");

// Writes `bytes` to `path` atomically (see the file comment). Returns true when an existing
// regular file was replaced, so callers can say so. Errors name `what`, the path and the reason.
bool write_file_atomic(const std::string& path, std::string_view bytes,
                       std::string_view what = "output");

// The same for writers that stream: `fill` writes into the temporary file's stream; if it
// throws, the temporary file is removed and the exception propagates.
bool write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& fill,
                       std::string_view what = "output");

// For writers that need a file name of their own (libsndfile, a library writing by path): the
// target is checked on construction, `temporary()` names the file to write, `commit()` renames
// it onto the target (checking the target again), and the destructor removes the temporary
// if commit() was never reached, so every error path cleans up.
class AtomicOutputFile {
 public:
  AtomicOutputFile(const std::string& path, std::string_view what = "output");
  ~AtomicOutputFile();
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  const std::string& temporary() const { return tmp_; }
  // Flushes the temporary to disk and renames it; returns true when a regular file was replaced.
  bool commit();

 private:
  std::string path_, real_, tmp_, what_;
  bool replaced_ = false, committed_ = false;
};

// Removes "<path>.tmp.<pid>[.<n>]" files next to `path` whose process no longer exists (a run
// killed between writing and renaming). Returns how many were removed. Never touches a
// temporary of a live process.
int remove_stale_temporaries(const std::string& path);

// The temporary name write_file_atomic uses for `path` in this process (unique per call).
std::string temporary_path_for(const std::string& path);

// Default limit of read_small_file: 64 MiB, far above any config, tag list or JSON we read.
inline constexpr uint64_t kSmallFileLimit = 64ull << 20;

// Checks that `path` names a readable regular file (symbolic links followed); errors name
// `what` and the path, and say what the path is instead (folder, FIFO, device, missing).
void check_input_file(const std::string& path, std::string_view what = "input");

// Reads a whole regular file of at most `max_bytes` bytes; refuses anything else with an error
// naming `what`, the path and the limit. Never blocks on a FIFO, never reads past the limit.
std::string read_small_file(const std::string& path, std::string_view what = "input",
                            uint64_t max_bytes = kSmallFileLimit);

}  // namespace syn::io

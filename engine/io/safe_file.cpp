// safe_file.cpp — see safe_file.h.
#include "engine/io/safe_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "engine/check.h"

namespace fs = std::filesystem;

namespace syn::io {
namespace {

// What a stat mode is, in words for error messages.
const char* kind_of(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The file an output really goes to: `path` itself, or the regular file a symbolic link names
// (so writing through a link keeps the link). Throws for anything that is not absent or regular.
fs::path resolve_output(const std::string& path, std::string_view what, OutputTarget* target) {
  SYN_CHECK(!path.empty(), what, ": the output path is empty");
  fs::path p(path);
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    std::error_code ec;
    fs::path real = fs::canonical(p, ec);
    SYN_CHECK(!ec, what, " '", path, "' is a symbolic link to a missing file (", ec.message(),
              "); refusing to write through it");
    p = real;
  }
  fs::path folder = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  struct stat fst {};
  SYN_CHECK(stat(folder.c_str(), &fst) == 0, what, " '", path, "': its folder '", folder.string(),
            "' does not exist (", std::strerror(errno), ")");
  SYN_CHECK(S_ISDIR(fst.st_mode), what, " '", path, "': '", folder.string(), "' is ",
            kind_of(fst.st_mode), ", not a folder");
  SYN_CHECK(access(folder.c_str(), W_OK) == 0, what, " '", path,
            "': cannot write into the folder '", folder.string(), "' (", std::strerror(errno), ")");
  if (stat(p.c_str(), &st) != 0) {
    SYN_CHECK(errno == ENOENT, what, " '", path, "': ", std::strerror(errno));
    *target = OutputTarget::Absent;
  } else {
    SYN_CHECK(S_ISREG(st.st_mode), what, " '", path, "' is ", kind_of(st.st_mode),
              "; outputs only replace regular files");
    *target = OutputTarget::RegularFile;
  }
  return p;
}

bool process_alive(long pid) { return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH); }

void write_all(int fd, std::string_view bytes, const std::string& tmp, std::string_view what,
               const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    SYN_CHECK(n > 0, what, " '", path, "': writing ", bytes.size(), " bytes to '", tmp,
              "' failed (", std::strerror(errno), ")");
    done += (size_t)n;
  }
}

}  // namespace

OutputTarget check_output_path(const std::string& path, std::string_view what) {
  OutputTarget target;
  resolve_output(path, what, &target);
  return target;
}

std::string temporary_path_for(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return str_cat(path, ".tmp.", (long)getpid(), ".", counter++);
}

AtomicOutputFile::AtomicOutputFile(const std::string& path, std::string_view what)
    : path_(path), what_(what) {
  OutputTarget target;
  real_ = resolve_output(path, what, &target).string();
  replaced_ = target == OutputTarget::RegularFile;
  remove_stale_temporaries(real_);
  tmp_ = temporary_path_for(real_);
}

AtomicOutputFile::~AtomicOutputFile() {
  if (!committed_) ::unlink(tmp_.c_str());
}

bool AtomicOutputFile::commit() {
  SYN_CHECK(!committed_, what_, " '", path_, "': committed twice");
  int fd = ::open(tmp_.c_str(), O_RDONLY | O_CLOEXEC);
  SYN_CHECK(fd >= 0, what_, " '", path_, "': the temporary '", tmp_, "' was not written (",
            std::strerror(errno), ")");
  struct stat st {};
  const bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  const bool synced = fsync(fd) == 0;
  ::close(fd);
  SYN_CHECK(regular, what_, " '", path_, "': the temporary '", tmp_, "' is not a regular file");
  SYN_CHECK(synced, what_, " '", path_, "': flushing '", tmp_, "' to disk failed (",
            std::strerror(errno), ")");
  // The target may have changed since the check; look again right before the rename.
  OutputTarget now;
  resolve_output(real_, what_, &now);
  SYN_CHECK(std::rename(tmp_.c_str(), real_.c_str()) == 0, what_, " '", path_, "': cannot rename '",
            tmp_, "' onto it (", std::strerror(errno), ")");
  committed_ = true;
  return now == OutputTarget::RegularFile;
}

bool write_file_atomic(const std::string& path, std::string_view bytes, std::string_view what) {
  AtomicOutputFile out(path, what);
  int fd = ::open(out.temporary().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  SYN_CHECK(fd >= 0, what, " '", path, "': cannot create '", out.temporary(), "' (",
            std::strerror(errno), ")");
  try {
    write_all(fd, bytes, out.temporary(), what, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  SYN_CHECK(::close(fd) == 0, what, " '", path, "': closing '", out.temporary(), "' failed (",
            std::strerror(errno), ")");
  return out.commit();
}

bool write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& fill,
                       std::string_view what) {
  check_output_path(path, what);  // fail before producing the bytes
  std::ostringstream out;
  fill(out);
  SYN_CHECK(out.good(), what, " '", path, "': producing its contents failed");
  return write_file_atomic(path, out.view(), what);
}

int remove_stale_temporaries(const std::string& path) {
  fs::path p(path);
  fs::path folder = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::string prefix = p.filename().string() + ".tmp.";
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0 || digits > 9 || (digits < rest.size() && rest[digits] != '.')) continue;
    const long pid = std::stol(rest.substr(0, digits));
    if (process_alive(pid)) continue;
    std::error_code rm;
    if (it->is_regular_file(rm) && fs::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

void check_input_file(const std::string& path, std::string_view what) {
  SYN_CHECK(!path.empty(), what, ": no file given");
  struct stat st {};
  SYN_CHECK(stat(path.c_str(), &st) == 0, what, " '", path, "': cannot open (",
            std::strerror(errno), ")");
  SYN_CHECK(S_ISREG(st.st_mode), what, " '", path, "' is ", kind_of(st.st_mode),
            "; only regular files are read");
  SYN_CHECK(access(path.c_str(), R_OK) == 0, what, " '", path, "': cannot read (",
            std::strerror(errno), ")");
}

std::string read_small_file(const std::string& path, std::string_view what, uint64_t max_bytes) {
  check_input_file(path, what);
  // O_NONBLOCK: if the path was swapped for a FIFO after the check, open does not wait for a
  // writer; fstat below then refuses it.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  SYN_CHECK(fd >= 0, what, " '", path, "': cannot open (", std::strerror(errno), ")");
  std::string out;
  try {
    struct stat st {};
    SYN_CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode), what, " '", path,
              "' is not a regular file");
    SYN_CHECK((uint64_t)st.st_size <= max_bytes, what, " '", path, "' is ", st.st_size,
              " bytes, over the limit of ", max_bytes, " bytes for this kind of file");
    out.resize((size_t)st.st_size);
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::read(fd, out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      SYN_CHECK(n >= 0, what, " '", path, "': read failed (", std::strerror(errno), ")");
      if (n == 0) break;  // the file shrank while reading
      done += (size_t)n;
    }
    out.resize(done);
    // A file that grew past the limit while we read: one more byte tells.
    char extra;
    SYN_CHECK(done < max_bytes || ::read(fd, &extra, 1) <= 0, what, " '", path,
              "' grew past the limit of ", max_bytes, " bytes while being read");
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return out;
}

}  // namespace syn::io

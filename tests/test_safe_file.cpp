// test_safe_file.cpp — outputs that never destroy a non-regular file, stale temporaries of dead
// processes removed, and bounded reads that refuse FIFOs, devices and oversized files
// (engine/io/safe_file.h; issue 20). Special files are made in a temporary folder, never the
// system's own devices.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "engine/io/safe_file.h"
#include "tests/support/error_text.h"

using namespace syn;
using namespace syn::test;
namespace fs = std::filesystem;

namespace {

// A fresh folder per test, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("syn_safe_file_" + std::to_string(getpid()) + "_" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Files in `dir` whose name contains ".tmp.".
int temporaries_in(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) ++n;
  return n;
}

// The pid of a process that has ended (a child that exited and was reaped).
long dead_pid() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return (long)child;
}

}  // namespace

TEST_CASE("write_file_atomic creates a new file and replaces a regular one, saying so") {
  TempDir dir;
  const std::string out = dir / "a.txt";
  CHECK(io::check_output_path(out) == io::OutputTarget::Absent);
  CHECK_FALSE(io::write_file_atomic(out, "first"));
  CHECK(slurp(out) == "first");
  CHECK(io::check_output_path(out) == io::OutputTarget::RegularFile);
  CHECK(io::write_file_atomic(out, std::string_view("second")));
  CHECK(slurp(out) == "second");
  CHECK(temporaries_in(dir.path) == 0);
}

TEST_CASE("a FIFO as the output is refused and stays a FIFO") {
  TempDir dir;
  const std::string fifo = dir / "pipe";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  std::string err = error_of([&] { io::write_file_atomic(fifo, "x", "--json"); });
  CHECK(contains(err, "--json"));
  CHECK(contains(err, fifo));
  CHECK(contains(err, "FIFO"));
  struct stat st {};
  REQUIRE(lstat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK(temporaries_in(dir.path) == 0);
  CHECK(contains(error_of([&] { io::check_output_path(fifo, "-o"); }), "FIFO"));
}

TEST_CASE("a character device made in a temporary folder is refused and left alone") {
  TempDir dir;
  const std::string dev = dir / "null_like";
  // makedev(1, 3) is /dev/null's number; making the node needs root (CI runs as root).
  if (mknod(dev.c_str(), S_IFCHR | 0600, makedev(1, 3)) != 0) {
    MESSAGE("mknod not permitted here; the FIFO case covers special files");
    return;
  }
  CHECK(contains(error_of([&] { io::write_file_atomic(dev, "png bytes", "-o"); }),
                 "character device"));
  struct stat st {};
  REQUIRE(lstat(dev.c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
}

TEST_CASE("a folder as the output, or a missing parent folder, is a clear error") {
  TempDir dir;
  CHECK(contains(error_of([&] { io::write_file_atomic(dir.path.string(), "x"); }), "a folder"));
  const std::string missing = dir / "no/such/file.txt";
  std::string err = error_of([&] { io::write_file_atomic(missing, "x", "--json"); });
  CHECK(contains(err, "does not exist"));
  CHECK(contains(err, "--json"));
  CHECK(contains(error_of([&] { io::check_output_path(""); }), "empty"));
}

TEST_CASE("writing through a symbolic link replaces the file it names and keeps the link") {
  TempDir dir;
  const std::string real = dir / "real.txt";
  const std::string link = dir / "link.txt";
  io::write_file_atomic(real, "old");
  fs::create_symlink(real, link);
  CHECK(io::write_file_atomic(link, std::string_view("new")));
  CHECK(fs::is_symlink(link));
  CHECK(slurp(real) == "new");
  const std::string dangling = dir / "dangling";
  fs::create_symlink(dir / "nowhere", dangling);
  CHECK(contains(error_of([&] { io::write_file_atomic(dangling, "x"); }), "missing file"));
}

TEST_CASE("a writer that throws leaves no temporary file and keeps the old contents") {
  TempDir dir;
  const std::string out = dir / "b.txt";
  io::write_file_atomic(out, "kept");
  auto failing = [](std::ostream& os) {
    os << "partial";
    throw Error("the writer failed");
  };
  CHECK(error_of([&] { io::write_file_atomic(out, failing); }) == "the writer failed");
  CHECK(slurp(out) == "kept");
  CHECK(temporaries_in(dir.path) == 0);
}

TEST_CASE("temporaries of dead processes are removed, those of live ones kept") {
  TempDir dir;
  const std::string out = dir / "c.bin";
  const std::string stale = out + ".tmp." + std::to_string(dead_pid()) + ".0";
  const std::string live = out + ".tmp." + std::to_string((long)getpid()) + ".999";
  const std::string other = dir / "c.bin.tmp.notapid";
  for (const auto& p : {stale, live, other}) std::ofstream(p) << "x";
  CHECK(io::remove_stale_temporaries(out) == 1);
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(live));
  CHECK(fs::exists(other));
  // The next write to the target cleans up too.
  std::ofstream(stale) << "x";
  io::write_file_atomic(out, "data");
  CHECK_FALSE(fs::exists(stale));
}

TEST_CASE("read_small_file reads regular files and refuses FIFOs, devices and oversized files") {
  TempDir dir;
  const std::string text = dir / "config.yaml";
  std::ofstream(text) << "key: 1\n";
  CHECK(io::read_small_file(text, "--config") == "key: 1\n");

  const std::string fifo = dir / "pipe";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  // Would hang forever waiting for a writer if it were opened for reading.
  std::string err = error_of([&] { io::read_small_file(fifo, "--from"); });
  CHECK(contains(err, "--from"));
  CHECK(contains(err, "FIFO"));

  std::string big(1000, 'a');
  const std::string large = dir / "large.json";
  std::ofstream(large) << big;
  err = error_of([&] { io::read_small_file(large, "--from", 999); });
  CHECK(contains(err, "1000 bytes"));
  CHECK(contains(err, "limit of 999"));
  CHECK(io::read_small_file(large, "--from", 1000).size() == 1000);

  CHECK(
      contains(error_of([&] { io::read_small_file(dir / "missing", "--config"); }), "cannot open"));
  CHECK(contains(error_of([&] { io::read_small_file(dir.path.string()); }), "a folder"));
}

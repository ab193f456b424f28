// stage_log.h — the pipeline's timed log: one line per stage as it finishes,
//   "[pipeline] tags        1.23 s  <what it produced>"
// (stage name padded to 9, seconds to 7 with 2 decimals), and the times kept for pipeline.json.
#pragma once
#include <chrono>
#include <ostream>
#include <string>
#include <vector>

namespace syn::app {

struct StageTime {
  std::string stage;
  double seconds = 0;
};

class StageLog {
 public:
  explicit StageLog(std::ostream& out) : out_(out) {}
  void start();  // the clock of the next stage starts now
  // Logs the line (flushed, so a slow stage shows its predecessors) and returns the seconds.
  double done(const std::string& stage, const std::string& what);
  const std::vector<StageTime>& times() const { return times_; }
  double total_seconds() const;

 private:
  std::ostream& out_;
  std::chrono::steady_clock::time_point t0_;
  std::vector<StageTime> times_;
};

}  // namespace syn::app

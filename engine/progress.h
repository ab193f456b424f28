// progress.h — one-line progress reports for long jobs (training loops, dataset preparation).
//
//   step 120/1000 | loss 4.1234 | lr 3.0e-04 | 812.3 samples/s | ETA 00:12:31
//
// The rate is an exponential moving average over steps, so a slow first step (start-up, cache
// warm-up) fades out instead of skewing the ETA for the whole run. A line is printed when
// `every_seconds` have passed since the last one or the step is a multiple of `every_steps`,
// and always for the last step (with the elapsed time in place of the ETA). Output goes to any
// std::ostream and time comes from an injectable clock, so the formatting is testable.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace syn {

struct ProgressOptions {
  double every_seconds = 10.0;   // print when this long since the last line (<= 0: never by time)
  int64_t every_steps = 0;       // also print every K steps (0: never by count)
  double smoothing = 0.1;        // weight of the newest step in the moving averages (0, 1]
  std::string unit = "samples";  // rate unit: "812.3 samples/s"; steps/s ("it/s") if none given
  std::string prefix;            // e.g. "train" → "train | step 120/1000 | ..."
};

struct ProgressMetric {
  std::string name;
  double value = 0.0;
  // printf format for the value; nullptr = "%.4f", or "%.1e" for magnitudes below 1e-2 or from
  // 1e6 up (so a learning rate reads 3.0e-04, a loss 4.1234).
  const char* format = nullptr;
};

class Progress {
 public:
  using Clock = std::function<double()>;  // monotonic seconds

  // `total` steps (<= 0: unknown, then no "/total" and no ETA). The clock defaults to
  // std::chrono::steady_clock; timing starts at construction.
  Progress(int64_t total, std::ostream& out, ProgressOptions options = {}, Clock clock = {});

  // Reports that `step` steps are done (1-based, increasing; gaps are fine), the last of which
  // processed `samples` samples (e.g. the batch size; 0 = rate in steps/s). Returns true when a
  // line was printed.
  bool update(int64_t step, int64_t samples = 0, const std::vector<ProgressMetric>& metrics = {});
  // Prints the latest state if the last update() did not (e.g. a loop that stopped early).
  void finish();

  double rate() const;         // smoothed samples/s (steps/s when no samples were given)
  double eta_seconds() const;  // smoothed seconds per step × steps left (0 when unknown)
  double elapsed() const;      // seconds since construction
  // The line update() would print now, without the newline.
  std::string line() const;

  static std::string format_duration(double seconds);  // "HH:MM:SS", hours may exceed 24
  static std::string format_value(double v, const char* format = nullptr);

 private:
  int64_t total_;
  std::ostream& out_;
  ProgressOptions opt_;
  Clock clock_;
  double start_, last_time_, last_print_time_;
  int64_t step_ = 0, printed_step_ = 0;
  bool have_rate_ = false, have_samples_ = false;
  double sec_per_step_ = 0.0, samples_per_step_ = 0.0;  // moving averages
  std::vector<ProgressMetric> metrics_;
};

}  // namespace syn

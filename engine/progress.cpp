// progress.cpp — smoothed rate/ETA bookkeeping and the progress line format.
#include "engine/progress.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <utility>

#include "engine/check.h"

namespace syn {

Progress::Progress(int64_t total, std::ostream& out, ProgressOptions options, Clock clock)
    : total_(total), out_(out), opt_(std::move(options)), clock_(std::move(clock)) {
  SYN_CHECK(opt_.smoothing > 0.0 && opt_.smoothing <= 1.0, "Progress: smoothing ", opt_.smoothing,
            " is outside (0, 1]");
  if (!clock_) {
    clock_ = [] {
      using namespace std::chrono;
      return duration<double>(steady_clock::now().time_since_epoch()).count();
    };
  }
  start_ = last_time_ = last_print_time_ = clock_();
}

bool Progress::update(int64_t step, int64_t samples, const std::vector<ProgressMetric>& metrics) {
  SYN_CHECK(step > step_, "Progress: step ", step, " does not follow step ", step_);
  double now = clock_();
  int64_t k = step - step_;
  double dt = (now - last_time_) / (double)k;  // seconds per step over this update
  if (!have_rate_) {
    sec_per_step_ = dt;
    samples_per_step_ = (double)samples;
    have_rate_ = true;
  } else {
    // An update covering k steps counts as k steps of the average: weight 1 - (1-a)^k.
    double w = 1.0 - std::pow(1.0 - opt_.smoothing, (double)k);
    sec_per_step_ += w * (dt - sec_per_step_);
    samples_per_step_ += w * ((double)samples - samples_per_step_);
  }
  have_samples_ = have_samples_ || samples > 0;
  step_ = step;
  last_time_ = now;
  metrics_ = metrics;

  bool last = total_ > 0 && step_ >= total_;
  bool by_steps = opt_.every_steps > 0 && step_ % opt_.every_steps == 0;
  bool by_time = opt_.every_seconds > 0 && now - last_print_time_ >= opt_.every_seconds;
  if (!(last || by_steps || by_time)) return false;
  out_ << line() << '\n';
  out_.flush();  // long jobs are watched through pipes and log files
  printed_step_ = step_;
  last_print_time_ = now;
  return true;
}

void Progress::finish() {
  if (step_ == 0 || printed_step_ == step_) return;
  out_ << line() << '\n';
  out_.flush();
  printed_step_ = step_;
  last_print_time_ = last_time_;
}

double Progress::rate() const {
  if (!have_rate_ || sec_per_step_ <= 0.0) return 0.0;
  return (have_samples_ ? samples_per_step_ : 1.0) / sec_per_step_;
}

double Progress::eta_seconds() const {
  if (!have_rate_ || total_ <= 0 || step_ >= total_) return 0.0;
  return sec_per_step_ * (double)(total_ - step_);
}

double Progress::elapsed() const { return clock_() - start_; }

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--:--";
  int64_t s = (int64_t)std::llround(seconds);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", (long long)(s / 3600),
                (long long)(s / 60 % 60), (long long)(s % 60));
  return buf;
}

std::string Progress::format_value(double v, const char* format) {
  if (!format) {
    double a = std::fabs(v);
    format = (a != 0.0 && std::isfinite(a) && (a < 1e-2 || a >= 1e6)) ? "%.1e" : "%.4f";
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string Progress::line() const {
  // Built by appending: GCC 12 gives a false -Wrestrict on `"literal" + std::string` chains.
  std::string s;
  if (!opt_.prefix.empty()) s.append(opt_.prefix).append(" | ");
  s.append("step ").append(std::to_string(step_));
  if (total_ > 0) s.append("/").append(std::to_string(total_));
  for (const ProgressMetric& m : metrics_)
    s.append(" | ").append(m.name).append(" ").append(format_value(m.value, m.format));
  char buf[64];
  if (have_samples_) {
    std::snprintf(buf, sizeof buf, " | %.1f ", rate());
    s.append(buf).append(opt_.unit).append("/s");
  } else {
    std::snprintf(buf, sizeof buf, " | %.2f it/s", rate());
    s.append(buf);
  }
  if (total_ > 0 && step_ >= total_)
    s.append(" | done in ").append(format_duration(last_time_ - start_));
  else if (total_ > 0)
    s.append(" | ETA ").append(format_duration(eta_seconds()));
  else
    s.append(" | elapsed ").append(format_duration(last_time_ - start_));
  return s;
}

}  // namespace syn

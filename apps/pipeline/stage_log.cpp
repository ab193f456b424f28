// stage_log.cpp — see stage_log.h.
#include "apps/pipeline/stage_log.h"

#include <iomanip>

namespace syn::app {

void StageLog::start() { t0_ = std::chrono::steady_clock::now(); }

double StageLog::done(const std::string& stage, const std::string& what) {
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const auto flags = out_.flags();
  const auto precision = out_.precision();
  out_ << "[pipeline] " << std::left << std::setw(9) << stage << std::right << std::fixed
       << std::setprecision(2) << std::setw(7) << s << " s  " << what << "\n"
       << std::flush;
  out_.flags(flags);
  out_.precision(precision);
  times_.push_back({stage, s});
  return s;
}

double StageLog::total_seconds() const {
  double total = 0;
  for (const StageTime& t : times_) total += t.seconds;
  return total;
}

}  // namespace syn::app

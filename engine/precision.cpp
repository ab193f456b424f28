// precision.cpp — see precision.h.
#include "engine/precision.h"

#include <atomic>

#include "engine/check.h"

namespace syn {

namespace {
std::atomic<int> g_precision{(int)MathPrecision::Fp32};
}  // namespace

void set_math_precision(MathPrecision p) { g_precision.store((int)p); }

MathPrecision math_precision() { return (MathPrecision)g_precision.load(); }

MathPrecision parse_math_precision(const std::string& name) {
  if (name == "fp32") return MathPrecision::Fp32;
  if (name == "tf32") return MathPrecision::Tf32;
  if (name == "bf16") return MathPrecision::Bf16;
  SYN_FAIL("--precision must be fp32, tf32 or bf16, got '", name, "'");
}

const char* math_precision_name(MathPrecision p) {
  switch (p) {
    case MathPrecision::Fp32:
      return "fp32";
    case MathPrecision::Tf32:
      return "tf32";
    case MathPrecision::Bf16:
      return "bf16";
  }
  return "?";
}

}  // namespace syn

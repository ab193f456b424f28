// communicator.cpp — see communicator.h.
#include "engine/dist/communicator.h"

#include <cstdlib>
#include <iostream>

#include "engine/check.h"
#include "engine/ops/elementwise.h"

namespace syn::dist {

void Communicator::all_reduce_mean(Tensor& t) {
  all_reduce_sum(t);
  if (world() > 1) t.copy_(ops::scale(t, 1.0f / (float)world()));
}

std::string Communicator::where() const { return str_cat("rank ", rank(), "/", world()); }

Tensor SingleProcessCommunicator::all_gather(const Tensor& t) {
  SYN_CHECK(t.defined() && t.dim() >= 1, where(),
            ": all_gather needs a tensor with a first dimension");
  return t.clone();
}

void SingleProcessCommunicator::abort(int code) {
  std::cerr.flush();
  std::exit(code);
}

}  // namespace syn::dist

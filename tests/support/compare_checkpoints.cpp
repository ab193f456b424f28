// compare_checkpoints — the tensors two checkpoints share, compared within a tolerance, for the
// data-parallel tests (tests/test_dist_pretrain.sh):
//   compare_checkpoints A.synt B.synt [--prefix model.] [--atol X] [--rtol Y] [--meta KEY ...]
// prints the worst absolute and relative differences and exits 0 when every element satisfies
// |a - b| <= atol + rtol * |b| (defaults 0 and 0: bit-identical), 1 otherwise, 2 on a bad file
// (it must load: magic, sizes, CRC) or a tensor missing from one of them. --meta KEY compares a
// metadata entry (e.g. "step") too; --each 1 prints every tensor's worst difference.
// --atol_1d Z: 1-D tensors (biases, batch-norm scales and shifts, running statistics) use atol Z
// instead: Adam moves a parameter by about ±lr whatever the size of its gradient, so where the
// exact gradient is zero (a convolution's bias before a batch norm) two runs that differ only in
// rounding can differ by up to 2 × lr × steps there.
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "engine/checkpoint.h"

using namespace syn;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: compare_checkpoints A B [--prefix P] [--atol X] [--rtol Y] [--atol_1d Z] "
                 "[--meta K] [--each 1]\n";
    return 2;
  }
  std::string prefix;
  double atol = 0, rtol = 0, atol_1d = -1;
  std::vector<std::string> meta_keys;
  bool each = false;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--prefix")
      prefix = value;
    else if (flag == "--atol")
      atol = std::stod(value);
    else if (flag == "--rtol")
      rtol = std::stod(value);
    else if (flag == "--meta")
      meta_keys.push_back(value);
    else if (flag == "--each")
      each = value == "1";
    else if (flag == "--atol_1d")
      atol_1d = std::stod(value);
    else {
      std::cerr << "compare_checkpoints: unknown flag " << flag << "\n";
      return 2;
    }
  }
  try {
    const Checkpoint a = load_checkpoint(argv[1]), b = load_checkpoint(argv[2]);
    for (const std::string& k : meta_keys) {
      auto x = a.meta.find(k), y = b.meta.find(k);
      if (x == a.meta.end() || y == b.meta.end() || x->second != y->second) {
        std::cout << "meta " << k << " differs\n";
        return 1;
      }
    }
    double worst_abs = 0, worst_rel = 0;
    std::string worst_name;
    size_t compared = 0;
    bool ok = true;
    for (const auto& [name, ta] : a.tensors) {
      if (name.rfind(prefix, 0) != 0) continue;
      const Tensor* tb = find_named(b.tensors, name);
      if (!tb || tb->shape() != ta.shape()) {
        std::cerr << "compare_checkpoints: '" << name << "' missing or shaped differently in "
                  << argv[2] << "\n";
        return 2;
      }
      const std::vector<float> va = ta.to_vector(), vb = tb->to_vector();
      double tensor_worst = 0, tensor_max = 0;
      const double abs_tol = ta.dim() == 1 && atol_1d >= 0 ? atol_1d : atol;
      for (size_t i = 0; i < va.size(); ++i) {
        tensor_worst = std::max(tensor_worst, std::fabs((double)va[i] - vb[i]));
        tensor_max = std::max(tensor_max, (double)std::fabs(vb[i]));
        const double d = std::fabs((double)va[i] - vb[i]);
        if (!(d <= abs_tol + rtol * std::fabs((double)vb[i]))) ok = false;
        if (d > worst_abs) worst_abs = d, worst_name = name;
        worst_rel = std::max(worst_rel, d / std::max(1e-12, std::fabs((double)vb[i])));
      }
      if (each)
        std::cout << name << ": worst |a-b| " << tensor_worst << ", max |b| " << tensor_max << "\n";
      ++compared;
    }
    std::cout << compared << " tensors compared; worst |a-b| " << worst_abs << " (" << worst_name
              << "), worst relative " << worst_rel << "; tolerance atol " << atol << " rtol "
              << rtol;
    if (atol_1d >= 0) std::cout << " (1-D tensors: atol " << atol_1d << ")";
    std::cout << ": " << (ok ? "equal" : "DIFFERENT") << "\n";
    return ok && compared > 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "compare_checkpoints: " << e.what() << "\n";
    return 2;
  }
}

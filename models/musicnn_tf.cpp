// musicnn_tf.cpp — see musicnn_tf.h.
#include "models/musicnn_tf.h"

#include <algorithm>
#include <set>

#include "engine/check.h"
#include "engine/rng.h"

namespace syn::models {

namespace {

enum class Kind { BatchNorm, Conv2d, Conv1d, Dense };

struct Scope {
  const char* tf;    // TF variable scope
  const char* ours;  // our module prefix
  Kind kind;
};

// In musicnn's creation order (models.py: frontend, midend, backend).
const Scope kScopes[] = {
    {"batch_normalization", "input_bn", Kind::BatchNorm},
    {"conv2d", "timbral1.conv", Kind::Conv2d},
    {"batch_normalization_1", "timbral1.bn", Kind::BatchNorm},
    {"conv2d_1", "timbral2.conv", Kind::Conv2d},
    {"batch_normalization_2", "timbral2.bn", Kind::BatchNorm},
    {"conv2d_2", "temporal1.conv", Kind::Conv2d},
    {"batch_normalization_3", "temporal1.bn", Kind::BatchNorm},
    {"conv2d_3", "temporal2.conv", Kind::Conv2d},
    {"batch_normalization_4", "temporal2.bn", Kind::BatchNorm},
    {"conv2d_4", "temporal3.conv", Kind::Conv2d},
    {"batch_normalization_5", "temporal3.bn", Kind::BatchNorm},
    {"conv2d_5", "midend1.conv", Kind::Conv1d},
    {"batch_normalization_6", "midend1.bn", Kind::BatchNorm},
    {"conv2d_6", "midend2.conv", Kind::Conv1d},
    {"batch_normalization_7", "midend2.bn", Kind::BatchNorm},
    {"conv2d_7", "midend3.conv", Kind::Conv1d},
    {"batch_normalization_8", "midend3.bn", Kind::BatchNorm},
    {"batch_normalization_9", "pool_bn", Kind::BatchNorm},
    {"dense", "dense", Kind::Dense},
    {"batch_normalization_10", "dense_bn", Kind::BatchNorm},
    {"dense_1", "output", Kind::Dense},
};

// (TF leaf, our leaf) pairs per kind; "kernel" is the one that changes layout.
std::vector<std::pair<const char*, const char*>> leaves(Kind k) {
  if (k == Kind::BatchNorm)
    return {{"gamma", "weight"},
            {"beta", "bias"},
            {"moving_mean", "running_mean"},
            {"moving_variance", "running_var"}};
  return {{"kernel", "weight"}, {"bias", "bias"}};
}

bool is_training_only(const std::string& name) {
  auto ends_with = [&](const std::string& s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends_with("/Adam") || ends_with("/Adam_1") || name == "beta1_power" ||
         name == "beta2_power" || name == "global_step";
}

// The TF shape holding our tensor of shape `s` (a kernel) or the same shape (everything else).
Shape tf_shape(Kind k, bool kernel, const Shape& s) {
  if (!kernel) return s;
  switch (k) {
    case Kind::Conv2d:
      return {s[2], s[3], s[1], s[0]};  // [O, I, kh, kw] <- [kh, kw, I, O]
    case Kind::Conv1d:
      return {s[2], s[1], 1, s[0]};  // [F, C, 7]     <- [7, C, 1, F]
    case Kind::Dense:
      return {s[1], s[0]};  // [out, in]     <- [in, out]
    default:
      return s;
  }
}

// Moves values between the layouts: `to_ours` converts TF -> ours, else ours -> TF.
// `s` is OUR shape in both directions.
std::vector<float> relayout(Kind k, const Shape& s, const std::vector<float>& in, bool to_ours) {
  std::vector<float> out(in.size());
  auto move = [&](size_t ours, size_t tf) {
    if (to_ours)
      out[ours] = in[tf];
    else
      out[tf] = in[ours];
  };
  if (k == Kind::Conv2d) {
    const size_t O = (size_t)s[0], I = (size_t)s[1], H = (size_t)s[2], W = (size_t)s[3];
    for (size_t o = 0; o < O; ++o)
      for (size_t i = 0; i < I; ++i)
        for (size_t h = 0; h < H; ++h)
          for (size_t w = 0; w < W; ++w)
            move(((o * I + i) * H + h) * W + w, ((h * W + w) * I + i) * O + o);
  } else if (k == Kind::Conv1d) {
    const size_t F = (size_t)s[0], C = (size_t)s[1], K = (size_t)s[2];
    for (size_t f = 0; f < F; ++f)
      for (size_t c = 0; c < C; ++c)
        for (size_t j = 0; j < K; ++j) move((f * C + c) * K + j, (j * C + c) * F + f);
  } else if (k == Kind::Dense) {
    const size_t O = (size_t)s[0], I = (size_t)s[1];
    for (size_t o = 0; o < O; ++o)
      for (size_t i = 0; i < I; ++i) move(o * I + i, i * O + o);
  } else {
    out = in;
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

MusicnnTfConversion musicnn_from_tf(const std::map<std::string, TfTensor>& vars,
                                    const MusicnnConfig& cfg, const std::string& source) {
  Rng rng(0);
  Musicnn model(cfg, rng);  // only for the names and shapes of its state dict
  const NamedTensors reference = model.state_dict();

  std::map<std::string, Tensor> filled;
  std::vector<std::string> missing, misshaped;
  std::set<std::string> used;
  for (const Scope& sc : kScopes) {
    for (auto [tf_leaf, our_leaf] : leaves(sc.kind)) {
      const std::string tf_name = std::string(sc.tf) + "/" + tf_leaf;
      const std::string our_name = std::string(sc.ours) + "." + our_leaf;
      const Tensor* ours = find_named(reference, our_name);
      SYN_CHECK(ours != nullptr, "musicnn_from_tf: the model has no '", our_name,
                "' (mapping table out of date)");
      auto it = vars.find(tf_name);
      if (it == vars.end()) {
        missing.push_back(tf_name + " (for " + our_name + ")");
        continue;
      }
      used.insert(tf_name);
      const bool kernel = std::string(tf_leaf) == "kernel";
      const Shape want = tf_shape(sc.kind, kernel, ours->shape());
      if (it->second.shape != want || it->second.dtype != kTfFloat) {
        misshaped.push_back(tf_name + " is " + tf_dtype_name(it->second.dtype) + " " +
                            shape_str(it->second.shape) + ", expected float32 " + shape_str(want) +
                            " (for " + our_name + ")");
        continue;
      }
      filled[our_name] = Tensor::from_vector(
          kernel ? relayout(sc.kind, ours->shape(), it->second.data, true) : it->second.data,
          ours->shape());
    }
  }

  MusicnnTfConversion out;
  std::vector<std::string> unexpected;
  for (const auto& [name, t] : vars) {
    if (used.count(name))
      out.used.push_back(name);
    else if (is_training_only(name))
      out.ignored.push_back(name);
    else
      unexpected.push_back(name);
  }
  SYN_CHECK(missing.empty() && unexpected.empty() && misshaped.empty(), "musicnn checkpoint '",
            source, "' does not match the ", cfg.midend_filters,
            "-filter musicnn: ", missing.empty() ? "" : "missing: " + join(missing) + "; ",
            unexpected.empty() ? "" : "unexpected: " + join(unexpected) + "; ",
            misshaped.empty() ? "" : "wrong shape or dtype: " + join(misshaped));

  for (const auto& [name, t] : reference) {
    auto it = filled.find(name);
    if (it != filled.end()) {
      out.state.emplace_back(name, it->second);
    } else {
      const bool counter =
          name.size() >= 20 && name.compare(name.size() - 20, 20, ".num_batches_tracked") == 0;
      SYN_CHECK(counter, "musicnn_from_tf: nothing in the checkpoint fills '", name, "'");
      out.state.emplace_back(name, Tensor::zeros(t.shape()));
      out.defaulted.push_back(name);
    }
  }
  return out;
}

std::map<std::string, TfTensor> musicnn_to_tf(const Musicnn& model) {
  const NamedTensors state = model.state_dict();
  std::map<std::string, TfTensor> out;
  for (const Scope& sc : kScopes) {
    for (auto [tf_leaf, our_leaf] : leaves(sc.kind)) {
      const std::string our_name = std::string(sc.ours) + "." + our_leaf;
      const Tensor* t = find_named(state, our_name);
      SYN_CHECK(t != nullptr, "musicnn_to_tf: the model has no '", our_name, "'");
      const bool kernel = std::string(tf_leaf) == "kernel";
      TfTensor v;
      v.dtype = kTfFloat;
      v.shape = tf_shape(sc.kind, kernel, t->shape());
      v.data = kernel ? relayout(sc.kind, t->shape(), t->to_vector(), false) : t->to_vector();
      out[std::string(sc.tf) + "/" + tf_leaf] = std::move(v);
    }
  }
  return out;
}

}  // namespace syn::models

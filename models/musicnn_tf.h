// musicnn_tf.h — how musicnn's TensorFlow variables map onto models::Musicnn's state dict, used
// by apps/convert_musicnn to turn the published checkpoints into our weight files.
//
// musicnn builds its graph with unnamed tf.layers calls, so the variables are named by creation
// order: batch_normalization (input), conv2d + batch_normalization_1 (timbral 7×38), conv2d_1 +
// _2 (timbral 7×67), conv2d_2..4 + _3.._5 (temporal 128/64/32), conv2d_5..7 + _6.._8 (mid end),
// batch_normalization_9 (pooled features), dense + batch_normalization_10, dense_1 (output).
// Layouts: TF conv kernels are HWIO [kh, kw, in, out] -> our Conv2d [out, in, kh, kw]; a mid-end
// kernel [7, C, 1, F] -> our Conv1d [F, C, 7]; dense kernels [in, out] -> Linear [out, in];
// batch norm gamma/beta/moving_mean/moving_variance -> weight/bias/running_mean/running_var.
//
// Strict both ways: every checkpoint variable is either mapped or one of the training-only
// variables listed as ignored (Adam slots "<var>/Adam", "<var>/Adam_1", beta1_power,
// beta2_power, global_step), and every model entry is filled — the one exception being
// BatchNorm2d's num_batches_tracked counter, which TF does not have and is set to 0.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/io/tf_checkpoint.h"
#include "models/musicnn.h"

namespace syn::models {

struct MusicnnTfConversion {
  NamedTensors state;                  // Musicnn's state_dict order, our layouts
  std::vector<std::string> used;       // TF variables mapped (sorted)
  std::vector<std::string> ignored;    // training-only TF variables left out (sorted)
  std::vector<std::string> defaulted;  // our entries TF has no value for (set to 0)
};

// `vars` as read_tf_checkpoint returns them; `source` names the checkpoint in errors. Fails with
// one error listing every missing, unexpected, mis-shaped or non-float32 variable.
MusicnnTfConversion musicnn_from_tf(const std::map<std::string, TfTensor>& vars,
                                    const MusicnnConfig& cfg, const std::string& source);

// The inverse (our values in TF's names and layouts, float32): lets tests check the mapping
// round-trips without shipping a TF checkpoint of the real size.
std::map<std::string, TfTensor> musicnn_to_tf(const Musicnn& model);

}  // namespace syn::models

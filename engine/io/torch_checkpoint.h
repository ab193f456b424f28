// torch_checkpoint.h — reads PyTorch checkpoint files (torch.save) natively, without Python.
//
// Two container formats:
//   zip (PyTorch ≥ 1.6, the default): "<name>/data.pkl" holds the pickled object and each tensor
//       storage is the raw record "<name>/data/<key>" (engine/io/zip_reader.h);
//   legacy (older PyTorch, or _use_new_zipfile_serialization=False): five pickles back to back
//       (magic number, protocol version 1001, system info, the object, the sorted storage keys)
//       followed by each storage as an int64 element count and its raw bytes.
// In both, tensors are pickled as torch._utils._rebuild_tensor_v2(storage, offset, size,
// stride, ...) (or _rebuild_tensor / _rebuild_parameter around one) and read here as fp32:
// half, bfloat16, double and integer storages are converted; the storage offset, sizes and
// strides are honoured, so transposed, sliced and shared views come out as PyTorch shows them.
//
// The state dict is found as PyTorch users find it: a file holding a dict with a "state_dict"
// entry (PyTorch Lightning: {"state_dict": {...}, "pytorch-lightning_version": ..., "epoch": ...,
// "optimizer_states": [...], ...}) yields that entry; otherwise the top-level dict itself must be
// the state dict. Everything else in the file (optimizer state, hyper-parameters, callbacks) is
// parsed but never materialised. Errors name the file and the entry; malformed files (bad zip,
// bad pickle, storages too small for their views) are clear errors, never crashes.
#pragma once
#include <map>
#include <string>

#include "engine/module.h"

namespace syn {

struct TorchCheckpoint {
  NamedTensors tensors;  // the state dict, in file order, as fp32 CPU tensors
  // Top-level scalar entries beside the state dict (str, int, float, bool, None) as text, e.g.
  // "pytorch-lightning_version" → "1.4.9", "epoch" → "9999". Empty for a plain state dict.
  std::map<std::string, std::string> meta;
  std::string format;          // "zip" or "legacy"
  std::string state_dict_key;  // "" for a plain state dict, else the entry used ("state_dict")
};

// Reads the state dict of a torch.save file. `key` picks a top-level entry explicitly (e.g.
// "model" for {"model": sd, "optimizer": ...}); empty = "state_dict" if present, else the root.
TorchCheckpoint load_torch_checkpoint(const std::string& path, const std::string& key = "");
// Just the tensors.
NamedTensors load_torch_state_dict(const std::string& path, const std::string& key = "");

}  // namespace syn

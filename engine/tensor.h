// tensor.h — the fp32 Tensor: a shape over contiguous storage on the CPU or a CUDA device.
//
// A Tensor is a cheap handle (shared_ptr) to a TensorImpl. Views (reshape, slicing along the
// first dimension, detach) share storage with an offset and never copy; everything else
// materialises a new contiguous tensor. Transfers between devices are explicit (`to`).
// Shape letters used across the project: B batch, C channels, L length, N rows, D features.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/device.h"

namespace syn {

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);

class Rng;
struct Node;

struct Storage {
  float* ptr = nullptr;
  size_t count = 0;  // floats
  Device device = Device::CPU;
  Storage(size_t count, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in floats
  Shape shape;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient of a leaf (never mutated in place)
  std::shared_ptr<Node> grad_fn;     // the op that produced this tensor, when recorded
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // --- creation ---
  static Tensor empty(const Shape& shape, Device device = Device::CPU);
  static Tensor zeros(const Shape& shape, Device device = Device::CPU);
  static Tensor full(const Shape& shape, float value, Device device = Device::CPU);
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape,
                            Device device = Device::CPU);
  static Tensor scalar(float value, Device device = Device::CPU);
  static Tensor randn(const Shape& shape, Rng& rng, float stddev = 1.0f,
                      Device device = Device::CPU);
  static Tensor uniform(const Shape& shape, Rng& rng, float lo, float hi,
                        Device device = Device::CPU);

  // --- inspection ---
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim() const { return (int64_t)shape().size(); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return shape_numel(shape()); }
  Device device() const;
  bool is_cuda() const { return device() == Device::CUDA; }
  std::string describe() const;  // e.g. "[8, 128, 19683] cpu"

  // Raw pointer to the first element (device memory for CUDA tensors).
  float* data() const;
  std::vector<float> to_vector() const;  // copies to the host
  float item() const;                    // the single element of a 1-element tensor

  // --- transfers and copies (no autograd recording unless stated) ---
  Tensor to(Device device) const;  // recorded: the gradient flows back to the source device
  Tensor clone() const;            // a fresh copy, not recorded
  Tensor detach() const;           // shares storage, cut from the graph
  void copy_(const Tensor& src);   // in place, same shape; not recorded
  void fill_(float value);         // in place; not recorded
  // Moves this tensor's storage to `device` in place (all handles see it); used by Module::to.
  void move_storage_to(Device device);

  // --- autograd ---
  bool requires_grad() const;
  Tensor& set_requires_grad(bool on = true);
  Tensor grad() const;  // undefined until a backward pass reaches this leaf
  void set_grad(const Tensor& g);
  void zero_grad();  // drops the accumulated gradient
  const std::shared_ptr<Node>& grad_fn() const;
  // Backpropagates from this scalar (or from `grad_output` when given).
  void backward(const Tensor& grad_output = Tensor()) const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// A view of `t` with a new shape (same number of elements); shares storage. Not recorded:
// use ops::reshape for the differentiable version.
Tensor view_as_shape(const Tensor& t, const Shape& shape);

}  // namespace syn

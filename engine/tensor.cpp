// tensor.cpp — Tensor creation, views, transfers and the autograd entry points.
#include "engine/tensor.h"

#include <sstream>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/rng.h"

namespace syn {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Storage::Storage(size_t n, Device d) : count(n), device(d) {
  ptr = static_cast<float*>(device_alloc(d, n * sizeof(float)));
}
Storage::~Storage() { device_free(device, ptr); }

static void check_shape(const Shape& shape) {
  for (int64_t d : shape) SYN_CHECK(d >= 0, "negative dimension in shape ", shape_str(shape));
}

Tensor Tensor::empty(const Shape& shape, Device device) {
  check_shape(shape);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>((size_t)shape_numel(shape), device);
  impl->shape = shape;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, Device device) { return full(shape, 0.0f, device); }

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, device);
  t.fill_(value);
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape, Device device) {
  SYN_CHECK((int64_t)values.size() == shape_numel(shape), "from_vector: ", values.size(),
            " values do not fill shape ", shape_str(shape));
  Tensor t = empty(shape, device);
  device_copy(t.data(), device, values.data(), Device::CPU, values.size() * sizeof(float));
  return t;
}

Tensor Tensor::scalar(float value, Device device) { return full({}, value, device); }

Tensor Tensor::randn(const Shape& shape, Rng& rng, float stddev, Device device) {
  std::vector<float> v((size_t)shape_numel(shape));
  for (float& x : v) x = rng.normal() * stddev;
  return from_vector(v, shape, device);
}

Tensor Tensor::uniform(const Shape& shape, Rng& rng, float lo, float hi, Device device) {
  std::vector<float> v((size_t)shape_numel(shape));
  for (float& x : v) x = rng.uniform(lo, hi);
  return from_vector(v, shape, device);
}

const Shape& Tensor::shape() const {
  SYN_CHECK(defined(), "use of an undefined tensor");
  return impl_->shape;
}

int64_t Tensor::size(int64_t d) const {
  int64_t n = dim();
  int64_t i = d < 0 ? d + n : d;
  SYN_CHECK(i >= 0 && i < n, "dimension ", d, " out of range for shape ", shape_str(shape()));
  return impl_->shape[(size_t)i];
}

Device Tensor::device() const {
  SYN_CHECK(defined(), "use of an undefined tensor");
  return impl_->storage->device;
}

std::string Tensor::describe() const {
  if (!defined()) return "<undefined>";
  return shape_str(shape()) + " " + device_name(device());
}

float* Tensor::data() const {
  SYN_CHECK(defined(), "use of an undefined tensor");
  return impl_->storage->ptr + impl_->offset;
}

std::vector<float> Tensor::to_vector() const {
  std::vector<float> v((size_t)numel());
  device_copy(v.data(), Device::CPU, data(), device(), v.size() * sizeof(float));
  return v;
}

float Tensor::item() const {
  SYN_CHECK(numel() == 1, "item() needs a single element, got ", describe());
  return to_vector()[0];
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape(), device());
  t.copy_(*this);
  return t;
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset = impl_->offset;
  impl->shape = impl_->shape;
  return Tensor(std::move(impl));
}

Tensor Tensor::to(Device target) const {
  Device source = device();
  Tensor out = empty(shape(), target);
  device_copy(out.data(), target, data(), source, (size_t)numel() * sizeof(float));
  if (source != target) {
    record(out, "to_device", {*this}, [source](const Tensor& g, const std::vector<bool>&) {
      return std::vector<Tensor>{g.to(source)};
    });
  }
  return out;
}

void Tensor::copy_(const Tensor& src) {
  SYN_CHECK(src.shape() == shape(), "copy_: shape ", shape_str(src.shape()), " into ",
            shape_str(shape()));
  device_copy(data(), device(), src.data(), src.device(), (size_t)numel() * sizeof(float));
}

void Tensor::fill_(float value) { device_fill(device(), data(), (size_t)numel(), value); }

void Tensor::move_storage_to(Device target) {
  if (device() == target) return;
  auto storage = std::make_shared<Storage>((size_t)numel(), target);
  device_copy(storage->ptr, target, data(), device(), (size_t)numel() * sizeof(float));
  impl_->storage = std::move(storage);
  impl_->offset = 0;
  if (impl_->grad) Tensor(impl_->grad).move_storage_to(target);
}

bool Tensor::requires_grad() const { return defined() && impl_->requires_grad; }

Tensor& Tensor::set_requires_grad(bool on) {
  SYN_CHECK(defined(), "set_requires_grad on an undefined tensor");
  impl_->requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const { return Tensor(impl_->grad); }

void Tensor::set_grad(const Tensor& g) {
  if (g.defined())
    SYN_CHECK(g.shape() == shape(), "set_grad: gradient ", g.describe(), " for tensor ",
              describe());
  impl_->grad = g.impl_ptr();
}

void Tensor::zero_grad() { impl_->grad.reset(); }

const std::shared_ptr<Node>& Tensor::grad_fn() const { return impl_->grad_fn; }

void Tensor::backward(const Tensor& grad_output) const {
  Tensor seed = grad_output;
  if (!seed.defined()) {
    SYN_CHECK(numel() == 1, "backward() without a gradient needs a scalar, got ", describe());
    seed = Tensor::full(shape(), 1.0f, device());
  }
  run_backward(*this, seed);
}

Tensor view_as_shape(const Tensor& t, const Shape& shape) {
  SYN_CHECK(shape_numel(shape) == t.numel(), "cannot view ", t.describe(), " as ",
            shape_str(shape));
  Tensor v = t.detach();
  v.impl()->shape = shape;
  return v;
}

}  // namespace syn

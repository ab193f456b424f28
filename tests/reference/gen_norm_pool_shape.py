"""gen_norm_pool_shape.py — PyTorch golden fixtures for batchnorm1d, maxpool1d, the shape ops
(transpose / concat / slice) and the reductions (sum / mean).

Run from the repository root with Debian's PyTorch:
    /usr/bin/python3 tests/reference/gen_norm_pool_shape.py
Writes tests/fixtures/{batchnorm,maxpool,shape,reduce}_*.synt. Inputs are drawn in float32 (so the
stored values are exactly the ones used) and the reference math runs in float64. Every fixture
holds the inputs, the upstream gradient `dy`, the outputs and every input gradient.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synt  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")


def rand(*shape):
    """float32 normal draws promoted to float64 (exactly representable when stored back)."""
    return torch.randn(tuple(shape), dtype=torch.float32).double()


def leaf(*shape):
    return rand(*shape).requires_grad_()


def save(name, tensors, meta=None):
    path = os.path.join(OUT, name + ".synt")
    synt.write(path, tensors, meta)
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")


def batchnorm(name, shape, training, affine=True, momentum=0.1, eps=1e-5):
    C = shape[1]
    x = leaf(*shape)
    w = (1.0 + 0.5 * rand(C)).requires_grad_() if affine else None
    b = (0.5 * rand(C)).requires_grad_() if affine else None
    rm = 0.3 * rand(C)
    rv = 0.5 + torch.rand(C, dtype=torch.float32).double()
    rm0, rv0 = rm.clone(), rv.clone()
    y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=eps)
    dy = rand(*y.shape)
    y.backward(dy)
    t = {"x": x, "running_mean": rm0, "running_var": rv0, "y": y, "dy": dy, "dx": x.grad,
         "running_mean_after": rm, "running_var_after": rv}
    if affine:
        t.update({"weight": w, "bias": b, "dweight": w.grad, "dbias": b.grad})
    save(name, t, {"training": int(training), "affine": int(affine), "momentum": momentum,
                   "eps": eps})


def maxpool(name, shape, kernel, stride, padding):
    x = leaf(*shape)
    y = F.max_pool1d(x, kernel, stride, padding)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "y": y, "dy": dy, "dx": x.grad},
         {"kernel": kernel, "stride": stride, "padding": padding})


def transpose(name, shape, d0, d1):
    x = leaf(*shape)
    y = x.transpose(d0, d1).contiguous()
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "y": y, "dy": dy, "dx": x.grad}, {"dim0": d0, "dim1": d1})


def concat(name, shapes, dim):
    xs = [leaf(*s) for s in shapes]
    y = torch.cat(xs, dim)
    dy = rand(*y.shape)
    y.backward(dy)
    t = {"y": y, "dy": dy}
    for i, x in enumerate(xs):
        t["x%d" % i] = x
        t["dx%d" % i] = x.grad
    save(name, t, {"dim": dim, "count": len(xs)})


def slice_(name, shape, dim, start, end):
    x = leaf(*shape)
    y = x.narrow(dim, start, end - start)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "y": y, "dy": dy, "dx": x.grad},
         {"dim": dim, "start": start, "end": end})


def reduce(name, shape, fn, dim=None, keepdim=False):
    x = leaf(*shape)
    op = torch.sum if fn == "sum" else torch.mean
    y = op(x) if dim is None else op(x, dim, keepdim=keepdim)
    dy = rand(*y.shape)
    y.backward(dy)
    meta = {"keepdim": int(keepdim)}
    if dim is not None:
        meta["dim"] = dim
    save(name, {"x": x, "y": y, "dy": dy, "dx": x.grad}, meta)


def main():
    torch.manual_seed(20240611)
    os.makedirs(OUT, exist_ok=True)
    batchnorm("batchnorm_train_3d", (4, 3, 7), training=True)
    batchnorm("batchnorm_train_2d", (6, 5), training=True, momentum=0.3)
    batchnorm("batchnorm_train_noaffine", (3, 4, 5), training=True, affine=False)
    batchnorm("batchnorm_eval_3d", (4, 3, 7), training=False)
    maxpool("maxpool_k3s3", (2, 3, 11), 3, 3, 0)   # odd length: the last 2 values are dropped
    maxpool("maxpool_k2s1p1", (2, 3, 9), 2, 1, 1)  # overlapping windows, padded ends
    transpose("shape_transpose_4d", (2, 3, 4, 5), 1, 3)
    transpose("shape_transpose_3d", (3, 4, 5), 1, 2)
    concat("shape_concat", [(2, 3, 4), (2, 5, 4), (2, 1, 4)], 1)
    slice_("shape_slice_dim2", (3, 4, 6), 2, 1, 5)
    slice_("shape_slice_dim0", (5, 3, 2), 0, 1, 4)
    reduce("reduce_sum_all", (3, 4, 5), "sum")
    reduce("reduce_mean_all", (3, 4, 5), "mean")
    reduce("reduce_sum_dim1", (3, 4, 5), "sum", 1, False)
    reduce("reduce_mean_dim2_keep", (3, 4, 5), "mean", 2, True)
    reduce("reduce_sum_dim0_keep", (3, 4, 5), "sum", 0, True)
    reduce("reduce_mean_dim0", (3, 4, 5), "mean", 0, False)


if __name__ == "__main__":
    main()

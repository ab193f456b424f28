"""gen_ops2d.py — PyTorch golden fixtures for the 2-D ops musicnn needs: conv2d (non-square
kernels, strides, asymmetric padding, TF-'SAME' with even kernels), batchnorm2d (train / eval,
TF's eps 1e-3), maxpool2d (non-square windows and strides, padding, a whole-width window),
constant padding, max and min along a dim (including ties), mean along any dim of rank-3/4 tensors and
concatenation of rank-4 tensors along every dim; and a U-Net 3x3 convolution with 16 channels.

Run from the repository root with Debian's PyTorch:
    /usr/bin/python3 tests/reference/gen_ops2d.py            # every fixture
    /usr/bin/python3 tests/reference/gen_ops2d.py rmin_      # only names starting with rmin_
(the rmin_* cases seed themselves, so they come out the same either way).
Writes tests/fixtures/{conv2d,bn2d,maxpool2d,pad,rmax,rmin,mean,concat4d}_*.synt, read by
tests/test_conv2d.cpp, tests/test_pool2d.cpp and tests/test_pad_reduce_max.cpp. Inputs are drawn
in float32 (so the stored values are exactly the ones used) and the reference math runs in
float64. Every fixture holds the inputs, the upstream gradient `dy`, the outputs and every input
gradient; scalar parameters are metadata.

TF 'SAME' (stride 1): TensorFlow pads a total of k - 1 with the extra element at the END
(before = (k-1)//2). The conv2d_same_* cases compute the reference with PyTorch's own
padding='same' (whose convention is the same: extra at the end) and the script asserts that it
equals an explicit F.pad with those TF amounts, so the fixture is not a copy of our formula.
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


ONLY = sys.argv[1:]  # name prefixes to write; empty: all


def save(name, tensors, meta=None):
    if ONLY and not any(name.startswith(p) for p in ONLY):
        return
    path = os.path.join(OUT, name + ".synt")
    synt.write(path, tensors, meta)
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")


def tf_same(k):
    total = k - 1
    return total // 2, total - total // 2


# ------------------------------------------------------------------------------------ conv2d

def conv2d(name, xshape, cout, kh, kw, stride=(1, 1), pad=(0, 0, 0, 0), bias=True, same=False):
    """pad = (top, bottom, left, right); same=True: TF 'SAME' at stride 1 via padding='same'."""
    x = leaf(*xshape)
    w = leaf(cout, xshape[1], kh, kw)
    b = leaf(cout) if bias else None
    if same:
        top, bottom = tf_same(kh)
        left, right = tf_same(kw)
        pad = (top, bottom, left, right)
        y = F.conv2d(x, w, b, padding="same")
        y_explicit = F.conv2d(F.pad(x, (left, right, top, bottom)), w, b)
        assert torch.equal(y, y_explicit), "PyTorch 'same' disagrees with the TF padding amounts"
    else:
        top, bottom, left, right = pad
        y = F.conv2d(F.pad(x, (left, right, top, bottom)), w, b, stride=stride)
    dy = rand(*y.shape)
    y.backward(dy)
    t = {"x": x, "w": w, "y": y, "dy": dy, "dx": x.grad, "dw": w.grad}
    if bias:
        t.update({"b": b, "db": b.grad})
    save(name, t, {"sh": stride[0], "sw": stride[1], "top": pad[0], "bottom": pad[1],
                   "left": pad[2], "right": pad[3], "has_bias": int(bias)})


# --------------------------------------------------------------------------------- batchnorm2d

def batchnorm2d(name, shape, training, momentum=0.1, eps=1e-5):
    C = shape[1]
    x = leaf(*shape)
    w = (1.0 + 0.5 * rand(C)).requires_grad_()
    b = (0.5 * rand(C)).requires_grad_()
    rm = 0.3 * rand(C)
    rv = 0.5 + torch.rand(C, dtype=torch.float32).double()
    rm0, rv0 = rm.clone(), rv.clone()
    bn = torch.nn.BatchNorm2d(C, eps=eps, momentum=momentum).double()
    with torch.no_grad():
        bn.running_mean.copy_(rm)
        bn.running_var.copy_(rv)
    bn.weight = torch.nn.Parameter(w.detach().clone())
    bn.bias = torch.nn.Parameter(b.detach().clone())
    bn.train(training)
    y = bn(x)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "weight": bn.weight, "bias": bn.bias, "running_mean": rm0,
                "running_var": rv0, "y": y, "dy": dy, "dx": x.grad, "dweight": bn.weight.grad,
                "dbias": bn.bias.grad, "running_mean_after": bn.running_mean,
                "running_var_after": bn.running_var},
         {"training": int(training), "momentum": momentum, "eps": eps,
          "num_batches_tracked": int(bn.num_batches_tracked)})


# ----------------------------------------------------------------------------------- maxpool2d

def maxpool2d(name, shape, kernel, stride, padding):
    x = leaf(*shape)
    y = F.max_pool2d(x, kernel, stride, padding)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "y": y, "dy": dy, "dx": x.grad},
         {"kh": kernel[0], "kw": kernel[1], "sh": stride[0], "sw": stride[1],
          "ph": padding[0], "pw": padding[1]})


# ------------------------------------------------------------------------- pad, max, mean, cat

def pad(name, shape, pads, value):
    """pads: one (before, after) per dim, in dim order (our API); F.pad wants last-dim-first."""
    x = leaf(*shape)
    flat = []
    for before, after in reversed(pads):
        flat += [before, after]
    y = F.pad(x, flat, mode="constant", value=value)
    dy = rand(*y.shape)
    y.backward(dy)
    meta = {"value": value, "rank": len(pads)}
    for d, (before, after) in enumerate(pads):
        meta["before%d" % d] = before
        meta["after%d" % d] = after
    save(name, {"x": x, "y": y, "dy": dy, "dx": x.grad}, meta)


def rmax(name, shape, dim, keepdim, ties=False):
    x = rand(*shape)
    if ties:  # small integers: many equal maxima along the dim
        x = torch.round(x * 1.5)
    x.requires_grad_()
    y, idx = torch.max(x, dim, keepdim=keepdim)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "y": y, "indices": idx.double(), "dy": dy, "dx": x.grad},
         {"dim": dim, "keepdim": int(keepdim)})


def rmin(name, seed, shape, dim, keepdim, ties=False):
    torch.manual_seed(seed)
    x = rand(*shape)
    if ties:
        x = torch.round(x * 1.5)
    x.requires_grad_()
    y, idx = torch.min(x, dim, keepdim=keepdim)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "y": y, "indices": idx.double(), "dy": dy, "dx": x.grad},
         {"dim": dim, "keepdim": int(keepdim)})


def mean(name, shape, dim, keepdim):
    x = leaf(*shape)
    y = torch.mean(x, dim, keepdim=keepdim)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "y": y, "dy": dy, "dx": x.grad}, {"dim": dim, "keepdim": int(keepdim)})


def concat4d(name, shapes, dim):
    xs = [leaf(*s) for s in shapes]
    y = torch.cat(xs, dim)
    dy = rand(*y.shape)
    y.backward(dy)
    t = {"y": y, "dy": dy}
    for i, x in enumerate(xs):
        t["x%d" % i] = x
        t["dx%d" % i] = x.grad
    save(name, t, {"dim": dim, "count": len(xs)})


def main():
    torch.manual_seed(20240612)
    os.makedirs(OUT, exist_ok=True)
    # conv2d
    conv2d("conv2d_k3x2_p1x0", (2, 3, 7, 6), 4, 3, 2, pad=(1, 1, 0, 0))
    conv2d("conv2d_asym_stride", (2, 2, 9, 8), 3, 3, 4, stride=(2, 3), pad=(1, 2, 0, 3))
    conv2d("conv2d_timbral", (2, 1, 12, 20), 5, 7, 17, pad=(3, 3, 0, 0))  # musicnn [7, 0.9*F]
    conv2d("conv2d_midend", (2, 1, 10, 9), 6, 7, 9, pad=(3, 3, 0, 0), bias=False)  # Wout = 1
    conv2d("conv2d_same_k8x1", (2, 1, 13, 3), 3, 8, 1, same=True)  # musicnn's [128,1], shrunk
    conv2d("conv2d_same_k4x6", (1, 2, 6, 7), 2, 4, 6, same=True)   # even on both axes
    conv2d("conv2d_same_k5x3", (2, 2, 5, 4), 3, 5, 3, same=True)   # odd: symmetric
    conv2d("conv2d_tiny", (1, 1, 1, 1), 1, 1, 1)
    conv2d("conv2d_whole", (2, 2, 3, 4), 3, 3, 4)                   # kernel = input: 1x1 out
    conv2d("conv2d_pad_gt_kernel", (1, 2, 3, 2), 2, 2, 1, stride=(3, 1), pad=(4, 2, 3, 1))
    # batchnorm2d
    batchnorm2d("bn2d_train_tf", (3, 4, 5, 2), True, momentum=0.01, eps=1e-3)
    batchnorm2d("bn2d_eval_tf", (3, 4, 5, 2), False, momentum=0.01, eps=1e-3)
    batchnorm2d("bn2d_train_default", (2, 3, 1, 7), True)
    # maxpool2d
    maxpool2d("maxpool2d_k2x3", (2, 3, 7, 10), (2, 3), (2, 3), (0, 0))  # floor: last row/col dropped
    maxpool2d("maxpool2d_full_width", (2, 3, 5, 8), (1, 8), (1, 8), (0, 0))  # musicnn's [1, W]
    maxpool2d("maxpool2d_overlap_pad", (2, 2, 6, 7), (3, 2), (1, 2), (1, 1))
    maxpool2d("maxpool2d_k3s2x1_p1x0", (1, 3, 7, 5), (3, 3), (2, 1), (1, 0))
    # pad
    pad("pad_time3", (2, 1, 5, 4), [(0, 0), (0, 0), (3, 3), (0, 0)], 0.0)
    pad("pad_mixed_crop", (2, 3, 4, 5), [(1, 0), (0, 2), (-1, 2), (2, -1)], 1.5)
    pad("pad_rank3", (3, 4, 2), [(2, 1), (0, 0), (1, 3)], -0.25)
    # max along a dim
    rmax("rmax_r3_dim1", (3, 4, 5), 1, False)
    rmax("rmax_r4_dim2_keep", (2, 3, 6, 4), 2, True)
    rmax("rmax_r4_last", (2, 3, 4, 5), -1, False)
    rmax("rmax_r4_dim0", (3, 2, 3, 2), 0, False)
    rmax("rmax_ties", (4, 9, 3), 1, False, ties=True)
    # mean along any dim of rank-3/4 tensors
    for d in range(4):
        mean("mean_r4_dim%d" % d, (2, 3, 4, 5), d, d == 2)
    mean("mean_r3_dim1", (3, 5, 2), 1, False)
    mean("mean_r3_last_keep", (3, 5, 2), -1, True)
    # concatenation of rank-4 tensors along every dim
    concat4d("concat4d_dim0", [(1, 2, 3, 2), (2, 2, 3, 2)], 0)
    concat4d("concat4d_dim1", [(2, 3, 4, 1), (2, 1, 4, 1), (2, 2, 4, 1)], 1)
    concat4d("concat4d_dim2", [(2, 2, 3, 3), (2, 2, 1, 3)], 2)
    concat4d("concat4d_dim3", [(2, 2, 2, 1), (2, 2, 2, 4)], -1)
    # min along a dim (appended last and self-seeded: the fixtures above are unchanged)
    rmin("rmin_r3_dim1", 101, (3, 4, 5), 1, False)
    rmin("rmin_r4_last_long", 102, (2, 3, 4, 21), -1, False)  # rows of 21: the vector path
    rmin("rmin_r4_dim2_keep", 103, (2, 3, 6, 4), 2, True)
    rmin("rmin_ties_last", 104, (3, 2, 17), -1, True, ties=True)
    # the U-Net's 3x3, padding 1 convolution with 16 channels in and out: the direct path
    # (engine/cpu/conv3x3.h) at every CPU level (appended last and self-seeded, as above)
    torch.manual_seed(105)
    conv2d("conv2d_3x3_direct", (2, 16, 4, 5), 16, 3, 3, pad=(1, 1, 1, 1))


if __name__ == "__main__":
    main()

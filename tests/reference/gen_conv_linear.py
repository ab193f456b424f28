"""gen_conv_linear.py — PyTorch reference for conv1d, linear and matmul: forward and every
gradient, for tests/test_conv1d.cpp and tests/test_linear.cpp.

Run with Debian's PyTorch:  /usr/bin/python3 tests/reference/gen_conv_linear.py
Writes tests/fixtures/{conv1d,linear,matmul}_*.synt. Inputs are drawn in float32 and the
reference math runs in float64 on exactly those values; the upstream gradient `gy` is random (not
ones) so every gradient term is exercised. Metadata: stride, padding, has_bias.
"""
import os

import torch
import torch.nn.functional as F

import synt

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures")


def rand(*shape):
    # float32 values, used in float64 for the math
    return torch.randn(*shape, dtype=torch.float32).double().requires_grad_()


def conv_case(name, b, cin, cout, length, k, stride, pad, bias=True):
    x = rand(b, cin, length)
    w = rand(cout, cin, k)
    bb = rand(cout) if bias else None
    y = F.conv1d(x, w, bb, stride=stride, padding=pad)
    gy = torch.randn(y.shape, dtype=torch.float32).double()
    grads = torch.autograd.grad(y, [x, w] + ([bb] if bias else []), gy)
    tensors = {"x": x, "w": w, "y": y, "gy": gy, "dx": grads[0], "dw": grads[1]}
    if bias:
        tensors["b"] = bb
        tensors["db"] = grads[2]
    synt.write(os.path.join(OUT, name + ".synt"), tensors,
               {"stride": stride, "padding": pad, "has_bias": int(bias)})


def linear_case(name, xshape, dout, bias=True):
    x = rand(*xshape)
    w = rand(dout, xshape[-1])
    bb = rand(dout) if bias else None
    y = F.linear(x, w, bb)
    gy = torch.randn(y.shape, dtype=torch.float32).double()
    grads = torch.autograd.grad(y, [x, w] + ([bb] if bias else []), gy)
    tensors = {"x": x, "w": w, "y": y, "gy": gy, "dx": grads[0], "dw": grads[1]}
    if bias:
        tensors["b"] = bb
        tensors["db"] = grads[2]
    synt.write(os.path.join(OUT, name + ".synt"), tensors, {"has_bias": int(bias)})


def matmul_case(name, m, k, n):
    a = rand(m, k)
    b = rand(k, n)
    c = a @ b
    gc = torch.randn(c.shape, dtype=torch.float32).double()
    da, db = torch.autograd.grad(c, [a, b], gc)
    synt.write(os.path.join(OUT, name + ".synt"),
               {"a": a, "b": b, "c": c, "gc": gc, "da": da, "db": db})


def main():
    torch.manual_seed(0)
    conv_case("conv1d_k3s1p1", 2, 3, 4, 11, 3, 1, 1)
    conv_case("conv1d_k3s3p0", 2, 2, 5, 20, 3, 3, 0)            # SampleCNN's first layer; 2 samples unused
    conv_case("conv1d_k5s2p2_nobias", 3, 4, 3, 13, 5, 2, 2, bias=False)
    conv_case("conv1d_k1s1p0", 2, 5, 6, 7, 1, 1, 0)
    conv_case("conv1d_k3s1p1_wide", 2, 16, 24, 50, 3, 1, 1)     # several GEMM micro-tiles
    linear_case("linear_bias", (5, 7), 3)
    linear_case("linear_nobias", (4, 6), 9, bias=False)
    linear_case("linear_rank3", (2, 3, 7), 5)
    matmul_case("matmul_small", 6, 9, 4)
    matmul_case("matmul_odd", 17, 33, 65)


if __name__ == "__main__":
    main()

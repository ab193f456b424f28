"""gen_elementwise.py — PyTorch reference for the element-wise ops (add, sub, mul, scale,
add_scalar, relu): forward values and gradients of a random probe L = sum(out * r).

Run with Debian's PyTorch:  /usr/bin/python3 tests/reference/gen_elementwise.py
Writes tests/fixtures/elementwise.synt.
"""
import os

import torch

import synt

torch.manual_seed(3)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    a0 = torch.randn(5, 7).float().double()
    b0 = torch.randn(5, 7).float().double()
    r = torch.randn(5, 7).float().double()
    out = {"a": a0, "b": b0, "r": r}
    ops = {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "scale": lambda a, b: -2.5 * a,
        "add_scalar": lambda a, b: a + 0.75,
        "relu": lambda a, b: torch.relu(a),
    }
    for name, fn in ops.items():
        a = a0.clone().requires_grad_()
        b = b0.clone().requires_grad_()
        y = fn(a, b)
        (y * r).sum().backward()
        out[name + ".y"] = y
        out[name + ".da"] = a.grad
        out[name + ".db"] = b.grad if b.grad is not None else torch.zeros_like(b0)
    synt.write(os.path.join(here, "..", "fixtures", "elementwise.synt"), out)


if __name__ == "__main__":
    main()

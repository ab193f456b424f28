"""gen_text_ops.py — PyTorch golden fixtures for the text decoder's ops: embedding (padding_idx),
layer norm, GELU (exact and tanh), scaled dot-product attention (causal, key padding, Tq != Tk,
fully masked rows) and cross-entropy with ignore_index.

Run from the repository root with Debian's PyTorch (1.13, which has no
F.scaled_dot_product_attention, so attention is written in plain torch ops):
    /usr/bin/python3 tests/reference/gen_text_ops.py
Writes tests/fixtures/text_{embedding,layernorm,gelu,attention,cross_entropy}.synt, read by
tests/test_text_ops.cpp. Inputs are drawn in float32 (so the stored values are exactly the ones
used) and the reference math runs in float64. Every fixture holds the inputs, the upstream
gradient, the outputs and every input gradient, one case per key prefix ("<case>.<name>").
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synt  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")


def rand(*shape, scale=1.0):
    """float32 normal draws promoted to float64 (exactly representable when stored back)."""
    return (torch.randn(tuple(shape), dtype=torch.float32) * scale).double()


def leaf(*shape, scale=1.0):
    return rand(*shape, scale=scale).requires_grad_()


def save(name, tensors, meta=None):
    path = os.path.join(OUT, name + ".synt")
    synt.write(path, tensors, meta)
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")


# ----------------------------------------------------------------------------- embedding

def gen_embedding():
    t, meta = {}, {}
    cases = {
        # repeated ids (gradients accumulate), padding id 0 present (its row gets no gradient)
        "pad0": (11, 6, torch.tensor([[3, 0, 3, 7, 10], [0, 0, 1, 3, 5], [10, 2, 2, 2, 0]]), 0),
        # no padding; negative padding_idx -1 means row V-1 in PyTorch
        "nopad": (5, 3, torch.tensor([[4, 1], [1, 4], [0, 4]]), None),
        "padneg": (7, 4, torch.tensor([[6, 2, 6, 1]]), -1),
    }
    for name, (V, D, ids, pad) in cases.items():
        w = leaf(V, D)
        y = F.embedding(ids, w, padding_idx=pad)
        dy = rand(*y.shape)
        y.backward(dy)
        t.update({name + ".weight": w, name + ".ids": ids.double(), name + ".y": y,
                  name + ".dy": dy, name + ".dweight": w.grad})
        meta[name + ".padding_idx"] = "none" if pad is None else pad
    save("text_embedding", t, meta)


# ---------------------------------------------------------------------------- layer norm

def gen_layernorm():
    t, meta = {}, {}
    cases = {
        "affine": ((4, 5, 7), True, True, 1e-5, 0.0),
        "noaffine": ((6, 33), False, False, 1e-5, 0.0),
        "weight_only": ((3, 8), True, False, 1e-3, 0.0),
        # a large common offset: E[x^2] - E[x]^2 would cancel catastrophically in fp32
        "offset": ((3, 16), True, True, 1e-5, 1000.0),
    }
    for name, (shape, w_on, b_on, eps, offset) in cases.items():
        # the offset is added in float32, so the stored x is exactly the x used
        x = (torch.randn(shape, dtype=torch.float32) + offset).double().requires_grad_()
        D = shape[-1]
        w = (1.0 + 0.5 * rand(D)).requires_grad_() if w_on else None
        b = (0.5 * rand(D)).requires_grad_() if b_on else None
        y = F.layer_norm(x, (D,), w, b, eps)
        dy = rand(*y.shape)
        y.backward(dy)
        t.update({name + ".x": x, name + ".y": y, name + ".dy": dy, name + ".dx": x.grad})
        if w_on:
            t.update({name + ".weight": w, name + ".dweight": w.grad})
        if b_on:
            t.update({name + ".bias": b, name + ".dbias": b.grad})
        meta[name + ".eps"] = repr(eps)
    save("text_layernorm", t, meta)


# ---------------------------------------------------------------------------------- GELU

def gen_gelu():
    t = {}
    base = torch.cat([torch.linspace(-8, 8, 33, dtype=torch.float32),
                      torch.tensor([-30.0, -5.5, 0.0, 1e-4, 5.5, 30.0]),
                      torch.randn(25, dtype=torch.float32) * 2]).double()
    for approx in ("none", "tanh"):
        x = base.clone().reshape(8, 8).requires_grad_()
        y = F.gelu(x, approximate=approx)
        dy = rand(*y.shape)
        y.backward(dy)
        t.update({approx + ".x": x, approx + ".y": y, approx + ".dy": dy, approx + ".dx": x.grad})
    save("text_gelu", t)


# ----------------------------------------------------------------------------- attention

def allowed_mask(B, Tq, Tk, pad, causal):
    """[B, 1, Tq, Tk] bool: which keys each query may see (our rules, attention.h)."""
    allowed = torch.ones(B, 1, Tq, Tk, dtype=torch.bool)
    if pad is not None:
        allowed &= ~pad[:, None, None, :]
    if causal:  # bottom-right aligned: query i sees keys j <= i + (Tk - Tq)
        i = torch.arange(Tq)[:, None]
        j = torch.arange(Tk)[None, :]
        allowed &= (j <= i + (Tk - Tq))[None, None]
    return allowed


def ref_attention(q, k, v, pad, causal, scale):
    """Softmax attention where a row that sees no key outputs zeros with zero gradients (PyTorch's
    softmax would give NaN there): such rows softmax a row of zeros, then every probability is
    multiplied by the (all-false) mask."""
    B, _, Tq, _ = q.shape
    Tk = k.shape[2]
    allowed = allowed_mask(B, Tq, Tk, pad, causal)
    s = (q @ k.transpose(-1, -2)) * scale
    s = s.masked_fill(~allowed, float("-inf"))
    any_key = allowed.any(-1, keepdim=True)
    s = torch.where(any_key, s, torch.zeros_like(s))
    p = torch.softmax(s, -1) * allowed
    return p @ v


def plain_attention(q, k, v, pad, causal, scale):
    """The textbook form (NaN on fully masked rows): cross-checks ref_attention elsewhere."""
    B, _, Tq, _ = q.shape
    allowed = allowed_mask(B, Tq, k.shape[2], pad, causal)
    s = ((q @ k.transpose(-1, -2)) * scale).masked_fill(~allowed, float("-inf"))
    return torch.softmax(s, -1) @ v


def gen_attention():
    t, meta = {}, {}

    def pad_from_lengths(lengths, Tk):
        return torch.arange(Tk)[None, :] >= torch.tensor(lengths)[:, None]

    cases = {
        # decoder self-attention: causal, right padding (item 1 has 4 real tokens of 7)
        "self_causal_pad": (2, 3, 7, 7, 5, True, pad_from_lengths([7, 4], 7), None),
        # cross-attention to a tag set: Tq != Tk, padding; item 2 has every key padded
        "cross_pad": (3, 2, 5, 3, 8, False,
                      torch.tensor([[False, False, False], [False, True, False],
                                    [True, True, True]]), None),
        # causal with Tq < Tk: the queries are the last Tq positions (a KV cache)
        "causal_tq_lt_tk": (1, 2, 3, 6, 4, True, None, None),
        # causal with Tq > Tk: the first Tq - Tk rows see no key (zeros)
        "causal_tq_gt_tk": (1, 2, 5, 3, 4, True, None, None),
        # head size above one warp (33), explicit scale, no mask; single query and key counts
        "odd_scaled": (2, 1, 9, 11, 33, False, None, 0.3),
        "tiny": (1, 1, 1, 1, 1, True, None, None),
    }
    for name, (B, H, Tq, Tk, D, causal, pad, scale) in cases.items():
        q, k, v = leaf(B, H, Tq, D), leaf(B, H, Tk, D), leaf(B, H, Tk, D)
        sc = scale if scale is not None else 1.0 / D ** 0.5
        out = ref_attention(q, k, v, pad, causal, sc)
        dout = rand(*out.shape)
        out.backward(dout)
        # Where every row sees a key, the textbook form must agree (values and gradients).
        allowed = allowed_mask(B, Tq, Tk, pad, causal)
        if bool(allowed.any(-1).all()):
            q2, k2, v2 = (x.detach().clone().requires_grad_() for x in (q, k, v))
            out2 = plain_attention(q2, k2, v2, pad, causal, sc)
            out2.backward(dout)
            for a, b in ((out, out2), (q.grad, q2.grad), (k.grad, k2.grad), (v.grad, v2.grad)):
                assert torch.allclose(a, b, atol=1e-12), name
        else:
            assert bool(torch.isfinite(q.grad).all()), name
        t.update({name + ".q": q, name + ".k": k, name + ".v": v, name + ".out": out,
                  name + ".dout": dout, name + ".dq": q.grad, name + ".dk": k.grad,
                  name + ".dv": v.grad})
        if pad is not None:
            t[name + ".key_padding"] = pad.double()
        meta[name + ".causal"] = int(causal)
        meta[name + ".scale"] = "0" if scale is None else repr(scale)
    save("text_attention", t, meta)


# ------------------------------------------------------------------ cross-entropy, ignore

def gen_cross_entropy():
    t, meta = {}, {}
    cases = {
        # padding token 0 as ignore_index: rows 1, 4, 5 carry no loss
        "pad0": (rand(7, 9, scale=2.0), torch.tensor([3, 0, 8, 1, 0, 0, 2]), 0),
        # PyTorch's default ignore_index (-100) marks rows 0 and 2
        "default": (rand(4, 6, scale=2.0), torch.tensor([-100, 5, -100, 0]), -100),
        # every row ignored: loss NaN (0/0), zero gradient
        "all_ignored": (rand(3, 4), torch.tensor([2, 2, 2]), 2),
    }
    for name, (x, tg, ignore) in cases.items():
        xl = x.clone().requires_grad_()
        loss = F.cross_entropy(xl, tg, ignore_index=ignore)
        loss.backward()
        t.update({name + ".logits": x, name + ".targets": tg.double(),
                  name + ".loss": loss.reshape(()), name + ".grad": xl.grad})
        meta[name + ".ignore_index"] = ignore
    save("text_cross_entropy", t, meta)


def main():
    torch.manual_seed(20240707)
    os.makedirs(OUT, exist_ok=True)
    gen_embedding()
    gen_layernorm()
    gen_gelu()
    gen_attention()
    gen_cross_entropy()


if __name__ == "__main__":
    main()

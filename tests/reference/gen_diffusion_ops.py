"""gen_diffusion_ops.py — PyTorch golden fixtures for the diffusion U-Net's ops: group norm,
SiLU, nearest upsampling, the sinusoidal timestep embedding, a stride-2 3x3 convolution (the
U-Net's downsampling), and spatial self-attention / text cross-attention written as
nn.MultiheadAttention over [B, H*W, C] tokens.

Run from the repository root with Debian's PyTorch:
    /usr/bin/python3 tests/reference/gen_diffusion_ops.py
Writes tests/fixtures/diff_*.synt (read by tests/test_diffusion_ops.cpp). Inputs are drawn in
float32 (so the stored values are exactly the ones used) and the reference math runs in float64.
Every fixture holds the inputs, the upstream gradient `dy`, the outputs and the input gradients.
"""
import math
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


def group_norm(name, shape, groups, eps, affine=True, offset=0.0):
    C = shape[1]
    x = (rand(*shape) + offset).float().double().requires_grad_()  # stored values exact
    w = (1.0 + 0.5 * rand(C)).requires_grad_() if affine else None
    b = (0.5 * rand(C)).requires_grad_() if affine else None
    y = F.group_norm(x, groups, w, b, eps)
    dy = rand(*y.shape)
    y.backward(dy)
    t = {"x": x, "y": y, "dy": dy, "dx": x.grad}
    if affine:
        t.update({"weight": w, "bias": b, "dweight": w.grad, "dbias": b.grad})
    save(name, t, {"groups": groups, "eps": repr(eps), "affine": int(affine)})


def silu(name):
    x = torch.cat([rand(60) * 3.0, torch.tensor([-100.0, -20.0, -1e-3, 0.0, 1e-3, 20.0, 100.0],
                                                dtype=torch.float64)]).requires_grad_()
    y = F.silu(x)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "y": y, "dy": dy, "dx": x.grad})


def upsample(name, shape, factor):
    x = leaf(*shape)
    y = F.interpolate(x, scale_factor=factor, mode="nearest")
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "y": y, "dy": dy, "dx": x.grad}, {"factor": factor})


def get_timestep_embedding(t, dim, flip_sin_to_cos, shift, scale, max_period):
    """diffusers' get_timestep_embedding (embeddings.py), in float64 instead of float32."""
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(0, half, dtype=torch.float64)
    exponent = exponent / (half - shift)
    emb = scale * (t[:, None] * torch.exp(exponent)[None, :])
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


def timestep(name, t, dim, flip=False, shift=1.0, scale=1.0, max_period=10000.0):
    t = torch.tensor(t, dtype=torch.float32).double()  # the float32 values the test reads
    emb = get_timestep_embedding(t, dim, flip, shift, scale, max_period)
    save(name, {"t": t, "emb": emb}, {"dim": dim, "flip": int(flip), "shift": repr(shift),
                                      "scale": repr(scale), "max_period": repr(max_period)})


def conv_down(name, xshape, cout):
    x = leaf(*xshape)
    w = (rand(cout, xshape[1], 3, 3) * 0.3).requires_grad_()
    b = leaf(cout)
    y = F.conv2d(x, w, b, stride=2, padding=1)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "weight": w, "bias": b, "y": y, "dy": dy, "dx": x.grad,
                "dweight": w.grad, "dbias": b.grad})


def tokens(x):
    """[B, C, H, W] -> [B, H*W, C] (row-major positions)."""
    B, C, H, W = x.shape
    return x.reshape(B, C, H * W).transpose(1, 2)


def spatial_self_attention(name, shape, heads):
    B, C, H, W = shape
    torch.manual_seed(11)
    mha = torch.nn.MultiheadAttention(C, heads, batch_first=True).double()
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(rand(*p.shape) * 0.4)
    x = leaf(*shape)
    t = tokens(x)
    o, _ = mha(t, t, t, need_weights=False)
    y = o.transpose(1, 2).reshape(B, C, H, W)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "in_proj_weight": mha.in_proj_weight, "in_proj_bias": mha.in_proj_bias,
                "out_proj_weight": mha.out_proj.weight, "out_proj_bias": mha.out_proj.bias,
                "y": y, "dy": dy, "dx": x.grad, "din_proj_weight": mha.in_proj_weight.grad},
         {"heads": heads})


def text_cross_attention(name, shape, T, Dtext, heads, lengths):
    B, C, H, W = shape
    mha = torch.nn.MultiheadAttention(C, heads, kdim=Dtext, vdim=Dtext, batch_first=True).double()
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(rand(*p.shape) * 0.4)
    x = leaf(*shape)
    ctx = leaf(B, T, Dtext)
    pad = torch.arange(T)[None, :] >= torch.tensor(lengths)[:, None]  # True = padding
    o, _ = mha(tokens(x), ctx, ctx, key_padding_mask=pad, need_weights=False)
    y = o.transpose(1, 2).reshape(B, C, H, W)
    dy = rand(*y.shape)
    y.backward(dy)
    save(name, {"x": x, "context": ctx, "key_padding": pad.double(),
                "q_proj_weight": mha.q_proj_weight, "k_proj_weight": mha.k_proj_weight,
                "v_proj_weight": mha.v_proj_weight, "in_proj_bias": mha.in_proj_bias,
                "out_proj_weight": mha.out_proj.weight, "out_proj_bias": mha.out_proj.bias,
                "y": y, "dy": dy, "dx": x.grad, "dcontext": ctx.grad}, {"heads": heads})


def main():
    torch.manual_seed(8)
    group_norm("diff_gn_g3", (2, 6, 5, 3), 3, 1e-5)
    group_norm("diff_gn_g1_1d", (2, 4, 7), 1, 1e-6)                 # groups = 1, [B, C, L]
    group_norm("diff_gn_gC", (3, 5, 2, 3), 5, 1e-3)                 # groups = C, odd sizes
    group_norm("diff_gn_noaffine_offset", (2, 4, 3, 3), 2, 1e-5, affine=False, offset=50.0)
    silu("diff_silu")
    upsample("diff_up2", (2, 3, 3, 5), 2)
    upsample("diff_up3", (1, 2, 2, 3), 3)
    timestep("diff_temb_default", [0, 1, 17, 250.5, 999], 32)
    timestep("diff_temb_sd_odd", [0, 3, 500, 999], 33, flip=True, shift=0.0)
    timestep("diff_temb_scaled", [0.25, 0.5, 0.999], 10, flip=False, shift=1.0, scale=1000.0,
             max_period=100.0)
    conv_down("diff_conv_down", (2, 3, 9, 8), 4)
    spatial_self_attention("diff_spatial_attn", (2, 8, 3, 5), 2)
    text_cross_attention("diff_cross_attn", (2, 8, 3, 4), 5, 6, 2, [5, 3])


if __name__ == "__main__":
    main()

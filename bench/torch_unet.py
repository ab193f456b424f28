"""torch_unet.py — PyTorch CPU reference timing for bench_unet (run by the bench, not by hand).

    /usr/bin/python3 bench/torch_unet.py --batch 32 --threads 1 --vocab 215 ...   (sizes: --help)

The PyTorch twin of models/text_to_image.h (prompt encoder + diffusion U-Net, models/unet.h), in
eager mode, fp32, with the sizes bench_unet passes from config/train_imagine.yaml. Same layers,
widths, attention placements, GroupNorm groups and zero-initialised residual outputs; attention is
written out (q·kᵀ/√d, key-padding mask, softmax, ·v) because torch 1.13 has no fused
scaled_dot_product_attention. The parameter counts are printed first; with --expect-params the
script stops right there when they differ from ours (bench_unet then fails, naming both).

Measurements, as bench_unet does them with our engine:
  train   one step of apps/train/imagine_trainer.cpp: a batch of B random images in [-1, 1]
          shifted by up to max_shift pixels (border = background), random prompts (1..4 words,
          p(subgroup) +2 words, p(drop) -> empty), t ~ U{0..T-1}, eps ~ N(0, I), x_t, eps_hat,
          MSE, loss.item(), backward, global-norm gradient clipping, AdamW step, zero_grad
          (keeping the gradient buffers unless --grads none), EMA update of the weights
          (warm-up rule (1+n)/(10+n)).
  sample  DDIM (eta = 0, "trailing" timesteps, x0 clipped to [-1, 1]) with classifier-free
          guidance: the conditional and unconditional prompts as one batch of 2N per step, from
          freshly initialised weights, N = --sample-batch images; the prompt encoder runs once.
Written the way a careful user writes it, so that it is PyTorch at its best: torch.set_num_threads
equal to our thread count (--threads), warm-up steps/sets before timing, zero_grad() keeping the
gradient buffers (set_to_none=False: backward accumulates into memory it already owns rather than
allocating fresh buffers each step; --grads none frees them, torch 2.x's default), sampling under
torch.no_grad(). Allocator: bench_unet starts the twin as a child process, so both sides run on
glibc malloc under the same environment (GLIBC_TUNABLES, MALLOC_* apply to both).
Prints (machine-readable; bench_unet parses them):
    PARAMS total unet text
    TRAIN step_ms last_loss            (median over --repeats after --warmup steps)
    SAMPLE set_ms mean_abs_x0          (median over --sample-repeats after --sample-warmup sets)
"""
import argparse
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def int_list(text):
    return [int(v) for v in text.split(",") if v.strip()]


def zero_(module):
    nn.init.zeros_(module.weight)
    if module.bias is not None:
        nn.init.zeros_(module.bias)
    return module


class Attention(nn.Module):
    """Multi-head (cross-)attention: separate q/k/v/out projections with bias, as ours."""

    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(context_dim, dim)
        self.v_proj = nn.Linear(context_dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, xq, xkv, key_padding=None):
        b, tq, c = xq.shape
        tk, h = xkv.shape[1], self.heads
        d = c // h
        q = self.q_proj(xq).view(b, tq, h, d).transpose(1, 2)
        k = self.k_proj(xkv).view(b, tk, h, d).transpose(1, 2)
        v = self.v_proj(xkv).view(b, tk, h, d).transpose(1, 2)
        s = torch.matmul(q, k.transpose(-1, -2)) * (d ** -0.5)
        if key_padding is not None:
            s = s.masked_fill(key_padding[:, None, None, :], float("-inf"))
        a = torch.matmul(s.softmax(-1), v)
        return self.out_proj(a.transpose(1, 2).reshape(b, tq, c))


class FeedForward(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class TransformerBlock(nn.Module):
    """Pre-LN: x += self_attn(LN x); x += cross_attn(LN x, context) (when cross); x += ff(LN x)."""

    def __init__(self, dim, context_dim, heads, ff_mult, cross):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.self_attn = Attention(dim, dim, heads)
        self.norm2 = nn.LayerNorm(dim) if cross else None
        self.cross_attn = Attention(dim, context_dim, heads) if cross else None
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim, dim * ff_mult)

    def forward(self, x, context=None, context_padding=None, self_padding=None):
        h = self.norm1(x)
        x = x + self.self_attn(h, h, self_padding)
        if self.cross_attn is not None:
            x = x + self.cross_attn(self.norm2(x), context, context_padding)
        return x + self.ff(self.norm3(x))


class PromptEncoder(nn.Module):
    def __init__(self, vocab, dim, heads, layers, ff_mult, max_len):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab, dim)
        self.pos_emb = nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList(
            [TransformerBlock(dim, dim, heads, ff_mult, False) for _ in range(layers)])
        self.final_norm = nn.LayerNorm(dim)

    def forward(self, ids, padding):
        x = self.tok_emb(ids) + self.pos_emb(torch.arange(ids.shape[1]))[None]
        for block in self.blocks:
            x = block(x, self_padding=padding)
        return self.final_norm(x)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = zero_(nn.Conv2d(cout, cout, 3, padding=1))
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb_act):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb_proj(temb_act)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.skip(x) if self.skip is not None else x) + h


class SpatialTransformer(nn.Module):
    def __init__(self, c, context_dim, heads, ff_mult, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, c)
        self.block = TransformerBlock(c, context_dim, heads, ff_mult, True)
        zero_(self.block.self_attn.out_proj)
        zero_(self.block.cross_attn.out_proj)
        zero_(self.block.ff.fc2)

    def forward(self, x, context, padding):
        b, c, h, w = x.shape
        tokens = self.norm(x).reshape(b, c, h * w).transpose(1, 2)
        tokens = self.block(tokens, context, padding)
        return x + tokens.transpose(1, 2).reshape(b, c, h, w)


class Stage(nn.Module):
    def __init__(self, cin, cout, temb, attn, a):
        super().__init__()
        self.res = ResBlock(cin, cout, temb, a.norm_groups)
        self.attn = (SpatialTransformer(cout, a.text_dim, a.heads, a.ff_mult, a.norm_groups)
                     if attn else None)

    def forward(self, h, temb_act, context, padding):
        h = self.res(h, temb_act)
        return self.attn(h, context, padding) if self.attn is not None else h


class UNet(nn.Module):
    """models/unet.h: conv_in, down levels (res_blocks stages + stride-2 conv but at the last),
    mid (ResBlock, SpatialTransformer, ResBlock), up levels (res_blocks + 1 stages on concat
    skips + nearest x2 and conv but at level 0), GroupNorm, SiLU, conv_out (zero)."""

    def __init__(self, a):
        super().__init__()
        mult, levels = int_list(a.channel_mult), int_list(a.attention_levels)
        k_levels, c = len(mult), a.base_channels
        temb = 4 * c
        self.base = c
        self.time_fc1 = nn.Linear(c, temb)
        self.time_fc2 = nn.Linear(temb, temb)
        self.conv_in = nn.Conv2d(3, c, 3, padding=1)
        skips, ch = [c], c
        self.down, self.downsample = nn.ModuleList(), nn.ModuleList()
        for k in range(k_levels):
            out, stages = c * mult[k], nn.ModuleList()
            for _ in range(a.res_blocks):
                stages.append(Stage(ch, out, temb, k in levels, a))
                ch = out
                skips.append(ch)
            self.down.append(stages)
            if k + 1 < k_levels:
                self.downsample.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
                skips.append(ch)
            else:
                self.downsample.append(nn.Identity())
        self.mid1 = ResBlock(ch, ch, temb, a.norm_groups)
        self.mid_attn = SpatialTransformer(ch, a.text_dim, a.heads, a.ff_mult, a.norm_groups)
        self.mid2 = ResBlock(ch, ch, temb, a.norm_groups)
        self.up, self.upsample = nn.ModuleList(), nn.ModuleList()  # in order K-1 .. 0
        for k in reversed(range(k_levels)):
            out, stages = c * mult[k], nn.ModuleList()
            for _ in range(a.res_blocks + 1):
                stages.append(Stage(ch + skips.pop(), out, temb, k in levels, a))
                ch = out
            self.up.append(stages)
            self.upsample.append(nn.Conv2d(ch, ch, 3, padding=1) if k > 0 else nn.Identity())
        self.norm_out = nn.GroupNorm(a.norm_groups, ch)
        self.conv_out = zero_(nn.Conv2d(ch, 3, 3, padding=1))

    def time_embedding(self, t):
        # Stable Diffusion's convention, as ours: cos first, freq_i = 10000^(-i/half).
        half = self.base // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        args = t[:, None].float() * freqs[None]
        return torch.cat([torch.cos(args), torch.sin(args)], dim=1)

    def forward(self, x, t, context, padding):
        temb = self.time_fc2(F.silu(self.time_fc1(self.time_embedding(t))))
        temb_act = F.silu(temb)
        h = self.conv_in(x)
        skips = [h]
        for stages, down in zip(self.down, self.downsample):
            for s in stages:
                h = s(h, temb_act, context, padding)
                skips.append(h)
            if not isinstance(down, nn.Identity):
                h = down(h)
                skips.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, temb_act), context, padding), temb_act)
        for stages, up in zip(self.up, self.upsample):
            for s in stages:
                h = s(torch.cat([h, skips.pop()], dim=1), temb_act, context, padding)
            if not isinstance(up, nn.Identity):
                h = up(F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


class TextToImageNet(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.text = PromptEncoder(a.vocab, a.text_dim, a.text_heads, a.text_layers,
                                  a.text_ff_mult, a.text_max_len)
        self.unet = UNet(a)

    def forward(self, x_t, t, ids, padding):
        return self.unet(x_t, t, self.text(ids, padding), padding)


def cosine_alphas_cumprod(T, s=0.008):
    f = lambda u: math.cos((u + s) / (1 + s) * math.pi / 2) ** 2
    out, prod = [], 1.0
    for t in range(T):
        prod *= 1.0 - min(1.0 - f((t + 1) / T) / f(t / T), 0.999)
        out.append(prod)
    return out


def linear_alphas_cumprod(T, lo=1e-4, hi=0.02):
    out, prod = [], 1.0
    for t in range(T):
        prod *= 1.0 - (lo if T == 1 else lo + (hi - lo) * t / (T - 1))
        out.append(prod)
    return out


def random_prompts(n, a, gen, drop=True):
    """Token ids [n, T] and key padding [n, T] (True = padding) of random prompts: <bos> + 1..4
    caption words, + subgroup words with p(subgroup), emptied with p(drop) (ours: the same)."""
    lengths = []
    for _ in range(n):
        words = int(torch.randint(1, a.caption_words + 1, (1,), generator=gen))
        if float(torch.rand(1, generator=gen)) < a.subgroup_prob:
            words += a.subgroup_words
        if drop and float(torch.rand(1, generator=gen)) < a.cond_drop_prob:
            words = 0
        lengths.append(min(1 + words, a.text_max_len))
    T = max(lengths)
    ids = torch.randint(3, a.vocab, (n, T), generator=gen)
    ids[:, 0] = 2  # <bos>
    padding = torch.arange(T)[None, :] >= torch.tensor(lengths)[:, None]
    return ids.masked_fill(padding, 0), padding


def shifted_batch(images, index, a, gen, background=1.0):
    """The trainer's augmentation: each image translated by up to max_shift pixels per axis."""
    s, m = images.shape[-1], a.max_shift
    out = torch.full((len(index), 3, s, s), background)
    for j, i in enumerate(index):
        dy, dx = (int(v) - m for v in torch.randint(0, 2 * m + 1, (2,), generator=gen))
        out[j, :, max(dy, 0):s + min(dy, 0), max(dx, 0):s + min(dx, 0)] = \
            images[i, :, max(-dy, 0):s + min(-dy, 0), max(-dx, 0):s + min(-dx, 0)]
    return out


def count(module):
    return sum(p.numel() for p in module.parameters())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sample-batch", type=int, default=8)
    ap.add_argument("--sample-steps", type=int, default=50)
    ap.add_argument("--sample-warmup", type=int, default=1)
    ap.add_argument("--sample-repeats", type=int, default=2)
    ap.add_argument("--guidance", type=float, default=3.0)
    ap.add_argument("--expect-params", default="", help="total,unet,text: stop when different")
    # sizes (bench_unet passes config/train_imagine.yaml's)
    ap.add_argument("--vocab", type=int, default=215)
    ap.add_argument("--image-size", type=int, default=32)
    ap.add_argument("--base-channels", dest="base_channels", type=int, default=32)
    ap.add_argument("--channel-mult", dest="channel_mult", default="1,2,2")
    ap.add_argument("--res-blocks", dest="res_blocks", type=int, default=1)
    ap.add_argument("--attention-levels", dest="attention_levels", default="2")
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--norm-groups", dest="norm_groups", type=int, default=8)
    ap.add_argument("--ff-mult", dest="ff_mult", type=int, default=2)
    ap.add_argument("--text-dim", dest="text_dim", type=int, default=128)
    ap.add_argument("--text-heads", dest="text_heads", type=int, default=4)
    ap.add_argument("--text-layers", dest="text_layers", type=int, default=2)
    ap.add_argument("--text-ff-mult", dest="text_ff_mult", type=int, default=2)
    ap.add_argument("--text-max-len", dest="text_max_len", type=int, default=16)
    ap.add_argument("--schedule", default="cosine")
    ap.add_argument("--timesteps", type=int, default=1000)
    # optimisation and data (the trainer's)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--beta1", type=float, default=0.9)
    ap.add_argument("--beta2", type=float, default=0.999)
    ap.add_argument("--weight-decay", dest="weight_decay", type=float, default=0.01)
    ap.add_argument("--grad-clip", dest="grad_clip", type=float, default=1.0)
    ap.add_argument("--ema-decay", dest="ema_decay", type=float, default=0.999)
    ap.add_argument("--max-shift", dest="max_shift", type=int, default=2)
    ap.add_argument("--subgroup-prob", dest="subgroup_prob", type=float, default=0.5)
    ap.add_argument("--cond-drop-prob", dest="cond_drop_prob", type=float, default=0.1)
    ap.add_argument("--caption-words", dest="caption_words", type=int, default=4)
    ap.add_argument("--subgroup-words", dest="subgroup_words", type=int, default=2)
    ap.add_argument("--images", type=int, default=209)
    ap.add_argument("--grads", choices=["keep", "none"], default="keep",
                    help="zero_grad keeps the gradient buffers (default) or frees them")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)

    net = TextToImageNet(a)
    print("PARAMS %d %d %d" % (count(net), count(net.unet), count(net.text)), flush=True)
    if a.expect_params and [int(v) for v in a.expect_params.split(",")] != \
            [count(net), count(net.unet), count(net.text)]:
        print("MISMATCH the parameter counts differ from ours (%s)" % a.expect_params, flush=True)
        return 1
    ab = (cosine_alphas_cumprod if a.schedule == "cosine" else linear_alphas_cumprod)(a.timesteps)
    ab_t = torch.tensor(ab, dtype=torch.float32)

    if a.repeats > 0:  # ---- training steps
        net.train()
        params = list(net.parameters())
        opt = torch.optim.AdamW(params, lr=a.lr, betas=(a.beta1, a.beta2),
                                weight_decay=a.weight_decay)
        shadow = [p.detach().clone() for p in params]
        images = torch.rand(a.images, 3, a.image_size, a.image_size, generator=gen) * 2 - 1
        times, loss_value = [], 0.0
        for it in range(a.warmup + a.repeats):
            t0 = time.perf_counter()
            index = torch.randint(0, a.images, (a.batch,), generator=gen).tolist()
            x0 = shifted_batch(images, index, a, gen)
            ids, padding = random_prompts(a.batch, a, gen)
            t = torch.randint(0, a.timesteps, (a.batch,), generator=gen)
            noise = torch.randn(x0.shape, generator=gen)
            abt = ab_t[t][:, None, None, None]
            x_t = abt.sqrt() * x0 + (1 - abt).sqrt() * noise
            loss = F.mse_loss(net(x_t, t.float(), ids, padding), noise)
            loss_value = loss.item()
            loss.backward()
            if a.grad_clip > 0:
                nn.utils.clip_grad_norm_(params, a.grad_clip)
            opt.step()
            opt.zero_grad(set_to_none=a.grads == "none")
            with torch.no_grad():  # EMA with the (1 + n) / (10 + n) warm-up
                d = min(a.ema_decay, (1 + it) / (10 + it))
                for s, p in zip(shadow, params):
                    s.mul_(d).add_(p, alpha=1 - d)
            del loss
            if it >= a.warmup:
                times.append((time.perf_counter() - t0) * 1e3)
        print("TRAIN %.3f %.6f" % (statistics.median(times), loss_value), flush=True)

    if a.sample_repeats > 0:  # ---- DDIM sampling with classifier-free guidance
        torch.manual_seed(1)
        net = TextToImageNet(a)  # fresh weights, as ours
        net.eval()
        n, T, steps = a.sample_batch, a.timesteps, a.sample_steps
        taus = [int(round(T - k * T / steps)) - 1 for k in range(steps)]
        times, mean_abs = [], 0.0
        for it in range(a.sample_warmup + a.sample_repeats):
            t0 = time.perf_counter()
            with torch.no_grad():
                ids_c, pad_c = random_prompts(n, a, gen, drop=False)
                ids = torch.zeros(2 * n, ids_c.shape[1], dtype=torch.long)
                ids[:n], ids[n:, 0] = ids_c, 2  # unconditional rows: <bos> alone
                padding = torch.ones(2 * n, ids_c.shape[1], dtype=torch.bool)
                padding[:n], padding[n:, 0] = pad_c, False
                context = net.text(ids, padding)
                x = torch.randn(n, 3, a.image_size, a.image_size, generator=gen)
                for k, tau in enumerate(taus):
                    tt = torch.full((2 * n,), float(tau))
                    e2 = net.unet(torch.cat([x, x]), tt, context, padding)
                    e = e2[n:] + a.guidance * (e2[:n] - e2[n:])
                    abar, abar_prev = ab[tau], (ab[taus[k + 1]] if k + 1 < steps else 1.0)
                    sa, sb = math.sqrt(abar), math.sqrt(1 - abar)
                    x0 = ((x - sb * e) / sa).clamp(-1, 1)
                    e = (x - sa * x0) / sb
                    x = math.sqrt(abar_prev) * x0 + math.sqrt(1 - abar_prev) * e
            if it >= a.sample_warmup:
                times.append((time.perf_counter() - t0) * 1e3)
            mean_abs = float(x.abs().mean())
        print("SAMPLE %.3f %.6f" % (statistics.median(times), mean_abs), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

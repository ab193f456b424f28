"""gen_loss.py — PyTorch reference for the normalisation and loss ops (engine/ops/loss.h):
l2_normalize, log_softmax, cross_entropy, bce_with_logits and nt_xent, forward and backward.

Run with Debian's PyTorch:  /usr/bin/python3 tests/reference/gen_loss.py
Writes tests/fixtures/loss_{l2_normalize,log_softmax,cross_entropy,bce,nt_xent}.synt.
The math runs in float64; the files store float32. Ops with a tensor output are differentiated
against a stored random upstream gradient `dy`; scalar losses with loss.backward().
Class-index targets are stored as floats (exact small integers).

NT-Xent is written from the definition used by CLMR (which takes NT_Xent from SimCLR's
simclr/modules/nt_xent.py): the (2N)x(2N) cosine-similarity matrix of z = cat(z_i, z_j)
(torch.nn.CosineSimilarity, eps 1e-8) divided by the temperature; for each row, logits =
[similarity to its positive (i + N mod 2N), similarities to the 2N - 2 others that are neither
itself nor its positive]; CrossEntropyLoss(reduction="sum") with label 0; divided by 2N.
The script also checks that number against the closed form
    mean_i ( -s_{i,pos} + logsumexp_{k != i} s_ik ).
"""
import os

import torch
import torch.nn.functional as F

import synt

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures")


def path(name):
    return os.path.join(OUT, name + ".synt")


def f32(t):
    """Rounds to float32 values (kept in float64), so the stored inputs are exactly the ones the
    reference used."""
    return t.float().double()


def leaf(t):
    return t.clone().detach().requires_grad_(True)


def gen_l2_normalize():
    x = f32(torch.randn(3, 4, 6))
    x[1, 2].zero_()  # a zero row: the eps clamp branch (y = 0, dx = dy / eps)
    x[2, 0] = f32(x[2, 0] * 1e-3)  # a small but unclamped row
    dy = f32(torch.randn(3, 4, 6))
    xl = leaf(x)
    y = F.normalize(xl, dim=-1, eps=1e-12)
    y.backward(dy)
    # eps = 0.2 with row norms 0.1 (clamped) and 0.5 (not clamped)
    x2 = torch.randn(2, 5)
    x2 = f32(x2 / x2.norm(dim=1, keepdim=True) * torch.tensor([[0.1], [0.5]]))
    x2l = leaf(x2)
    y2 = F.normalize(x2l, dim=-1, eps=0.2)
    dy2 = f32(torch.randn(2, 5))
    y2.backward(dy2)
    synt.write(path("loss_l2_normalize"),
               {"x": x, "dy": dy, "y": y, "dx": xl.grad,
                "x_big_eps": x2, "dy_big_eps": dy2, "y_big_eps": y2, "dx_big_eps": x2l.grad},
               {"eps": 1e-12, "big_eps": 0.2})


def gen_log_softmax():
    tensors = {}
    cases = {
        "normal": f32(torch.randn(4, 10) * 3),
        # extreme logits (+-50): log-probabilities down to -100 and softmax terms down to
        # e^-100; only the max-subtracted form keeps every value and gradient finite and exact
        "extreme": torch.tensor([[50., -50., 0., 49., -49.],
                                 [-50., -50., -50., -50., -50.],
                                 [50., 50., -50., 0., 10.]]),
        "rank3": f32(torch.randn(2, 3, 4)),
    }
    for name, x in cases.items():
        xl = leaf(x)
        y = F.log_softmax(xl, dim=-1)
        dy = f32(torch.randn_like(x))
        y.backward(dy)
        tensors.update({name + ".x": x, name + ".dy": dy, name + ".y": y, name + ".dx": xl.grad})
    synt.write(path("loss_log_softmax"), tensors)


def gen_cross_entropy():
    tensors = {}
    cases = {
        "normal": (f32(torch.randn(6, 5) * 2), torch.tensor([0, 4, 2, 2, 1, 3])),
        "extreme": (torch.tensor([[50., -50., 0., 49., -49.],
                                  [50., -50., 0., 49., -49.],
                                  [-50., -50., -50., -50., -50.],
                                  [50., 50., -50., 0., 10.]]),
                    torch.tensor([0, 1, 3, 2])),  # row 1: the target's logit is 100 below the max
        "one_class": (f32(torch.randn(3, 1)), torch.tensor([0, 0, 0])),
    }
    for name, (x, t) in cases.items():
        xl = leaf(x)
        loss = F.cross_entropy(xl, t)
        loss.backward()
        tensors.update({name + ".logits": x, name + ".targets": t.double(),
                        name + ".loss": loss.reshape(()), name + ".grad": xl.grad})
    synt.write(path("loss_cross_entropy"), tensors)


def gen_bce():
    tensors = {}
    cases = {
        "normal": (f32(torch.randn(4, 6) * 2),
                   f32(torch.cat([torch.randint(0, 2, (2, 6)).double(), torch.rand(2, 6)]))),
        "extreme": (torch.tensor([[50., -50., 50., -50., 50., -50.],
                                  [30., -30., 0., 1e-3, -1e-3, 20.]]),
                    torch.tensor([[0., 1., 1., 0., 0.5, 0.5],
                                  [0., 1., 0.5, 1., 0., 0.25]])),
        "vector": (f32(torch.randn(9)), f32(torch.rand(9))),
    }
    for name, (x, t) in cases.items():
        xl = leaf(x)
        loss = F.binary_cross_entropy_with_logits(xl, t)
        loss.backward()
        tensors.update({name + ".logits": x, name + ".targets": t,
                        name + ".loss": loss.reshape(()), name + ".grad": xl.grad})
    synt.write(path("loss_bce"), tensors)


def nt_xent_clmr(z, temperature):
    """CLMR / SimCLR NT_Xent, written from its definition (see the module docstring)."""
    m = z.shape[0]
    n = m // 2
    sim = F.cosine_similarity(z.unsqueeze(1), z.unsqueeze(0), dim=2, eps=1e-8) / temperature
    positives = torch.cat([torch.diagonal(sim, n), torch.diagonal(sim, -n)]).reshape(m, 1)
    keep = ~torch.eye(m, dtype=torch.bool)
    idx = torch.arange(n)
    keep[idx, idx + n] = False
    keep[idx + n, idx] = False
    negatives = sim[keep].reshape(m, -1)
    logits = torch.cat([positives, negatives], dim=1)
    labels = torch.zeros(m, dtype=torch.long)
    return F.cross_entropy(logits, labels, reduction="sum") / m


def nt_xent_closed_form(z, temperature):
    m = z.shape[0]
    u = z / z.norm(dim=1, keepdim=True).clamp_min(1e-8)
    s = u @ u.t() / temperature
    s = s.masked_fill(torch.eye(m, dtype=torch.bool), float("-inf"))
    pos = (torch.arange(m) + m // 2) % m
    return (torch.logsumexp(s, dim=1) - s[torch.arange(m), pos]).mean()


def gen_nt_xent():
    tensors, meta, names = {}, {}, []
    for n, d in [(4, 8), (6, 16)]:
        for t in (0.5, 0.1):
            names.append(("n%d_d%d_t%g" % (n, d, t), n, d, t))
    names.append(("n12_d64_t0.5", 12, 64, 0.5))
    for name, n, d, t in names:
        z = f32(torch.randn(2 * n, d) * 1.5)
        zl = leaf(z)
        loss = nt_xent_clmr(zl, t)
        loss.backward()
        closed = nt_xent_closed_form(z, t)
        assert abs(float(loss) - float(closed)) < 1e-12, (name, float(loss), float(closed))
        tensors.update({name + ".z": z, name + ".loss": loss.reshape(()), name + ".grad": zl.grad})
        meta[name + ".temperature"] = t
        print("nt_xent", name, float(loss))
    meta["cases"] = ",".join(c[0] for c in names)
    synt.write(path("loss_nt_xent"), tensors, meta)


def main():
    torch.manual_seed(0)
    gen_l2_normalize()
    gen_log_softmax()
    gen_cross_entropy()
    gen_bce()
    gen_nt_xent()
    print("wrote", OUT)


if __name__ == "__main__":
    main()

"""gen_optim.py — golden fixtures for engine/optim (Adam, AdamW, SGD, LARS, cosine schedule).

Run:  /usr/bin/python3 tests/reference/gen_optim.py     (torch 1.13 CPU, numpy)
Writes tests/fixtures/optim_<case>.synt, read by tests/test_optim.cpp.

A model-free problem: a few named parameters and, per step, a fixed random gradient. Initial
values and gradients are drawn in float64 and rounded to float32 (the C++ test sees exactly
those numbers); the reference then runs in float64. Per optimizer case the fixture holds
  init.<name>          initial parameter
  lr                   [STEPS] learning rate set before each step (varies: exercises set_lr)
  g<k>.<name>          gradient of step k (absent: that parameter has no gradient at step k)
  p<k>.<name>          parameter after step k
  s<k>.<buffer>.<name> optimizer state after step k, named as the C++ state_dict
                       (exp_avg / exp_avg_sq / momentum_buffer / momentum)
  meta: the hyper-parameters.
LARS has no PyTorch implementation: `lars_reference` below is written from the formulas in
engine/optim/lars.h (SimCLR's LARSOptimizer, classic momentum), not copied from any code.
The schedule fixture holds torch.optim.lr_scheduler.CosineAnnealingLR values (no warmup) and
SimCLR's warmup + cosine formula evaluated through torch's LambdaLR.
"""
import math
import os

import torch

import synt

STEPS = 5
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")

# name -> shape; "proj.weight" starts at zero (LARS: ||w|| = 0 gives trust ratio 1);
# "fc.bias" has no gradient at step NO_GRAD_STEP (every optimizer must skip it then).
SHAPES = {
    "conv.weight": (4, 2, 3),
    "conv.bias": (4,),
    "bn.weight": (4,),
    "bn.bias": (4,),
    "fc.weight": (3, 8),
    "fc.bias": (3,),
    "proj.weight": (2, 3),
}
NO_GRAD_STEP = 2
LRS = [0.01, 0.02, 0.015, 0.01, 0.005]


def f32(t):
    return t.float().double()


def make_problem(seed):
    g = torch.Generator().manual_seed(seed)
    init = {}
    for name, shape in SHAPES.items():
        if name == "proj.weight":
            init[name] = torch.zeros(shape, dtype=torch.float64)
        elif name == "bn.weight":
            init[name] = f32(1.0 + 0.1 * torch.randn(shape, generator=g, dtype=torch.float64))
        else:
            init[name] = f32(0.5 * torch.randn(shape, generator=g, dtype=torch.float64))
    grads = []
    for k in range(STEPS):
        step = {}
        for name, shape in SHAPES.items():
            if name == "fc.bias" and k == NO_GRAD_STEP:
                continue
            step[name] = f32(torch.randn(shape, generator=g, dtype=torch.float64))
        grads.append(step)
    return init, grads


def run_torch(make_opt, init, grads, lrs, state_names):
    """Runs a torch optimizer; returns params and state (renamed as ours) after each step."""
    params = {n: v.clone().requires_grad_(True) for n, v in init.items()}
    opt = make_opt(list(params.values()))
    after = []
    for k in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lrs[k]
        for n, p in params.items():
            p.grad = grads[k][n].clone() if n in grads[k] else None
        opt.step()
        snap = {"p%d.%s" % (k, n): p.detach().clone() for n, p in params.items()}
        for n, p in params.items():
            st = opt.state.get(p, {})
            for torch_key, ours in state_names.items():
                if torch_key in st:
                    snap["s%d.%s.%s" % (k, ours, n)] = st[torch_key].clone()
        after.append(snap)
    return after


def lars_excluded(name):
    """The default predicate of engine/optim/lars.h (lars_exclude_by_name)."""
    parts = name.lower().split(".")
    if parts[-1].endswith("bias"):
        return True
    return any(p.startswith("bn") or "norm" in p for p in parts)


def lars_reference(init, grads, lrs, momentum, weight_decay, eta, nesterov):
    """LARS as in SimCLR (classic momentum), float64, from the formulas in lars.h."""
    w = {n: v.clone() for n, v in init.items()}
    v = {n: torch.zeros_like(t) for n, t in init.items()}
    after = []
    for k in range(STEPS):
        lr = lrs[k]
        for n in w:
            if n not in grads[k]:
                continue
            excluded = lars_excluded(n)
            g = grads[k][n]
            if weight_decay != 0 and not excluded:
                g = g + weight_decay * w[n]
            trust = 1.0
            if not excluded:
                w_norm = torch.linalg.norm(w[n]).item()
                g_norm = torch.linalg.norm(g).item()
                if w_norm > 0 and g_norm > 0:
                    trust = eta * w_norm / g_norm
            scaled_lr = lr * trust
            v[n] = momentum * v[n] + scaled_lr * g
            update = momentum * v[n] + scaled_lr * g if nesterov else v[n]
            w[n] = w[n] - update
        snap = {"p%d.%s" % (k, n): t.clone() for n, t in w.items()}
        snap.update({"s%d.momentum.%s" % (k, n): t.clone() for n, t in v.items()})
        after.append(snap)
    return after


def save(case, init, grads, lrs, after, meta):
    tensors = {"init." + n: t for n, t in init.items()}
    tensors["lr"] = torch.tensor(lrs, dtype=torch.float64)
    for k in range(STEPS):
        tensors.update({"g%d.%s" % (k, n): t for n, t in grads[k].items()})
        tensors.update(after[k])
    meta = dict(meta, steps=STEPS)
    synt.write(os.path.join(OUT, "optim_%s.synt" % case), tensors, meta)


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    adam_state = {"exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq"}
    sgd_state = {"momentum_buffer": "momentum_buffer"}

    init, grads = make_problem(1)
    # eps = 0.1 (comparable to sqrt(v)) so that where eps is added is visible in the result.
    m = dict(beta1=0.8, beta2=0.95, eps=0.1, weight_decay=0.1)
    after = run_torch(lambda ps: torch.optim.Adam(ps, lr=LRS[0], betas=(m["beta1"], m["beta2"]),
                                                  eps=m["eps"], weight_decay=m["weight_decay"]),
                      init, grads, LRS, adam_state)
    save("adam", init, grads, LRS, after, m)

    init, grads = make_problem(2)
    m = dict(beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.5)
    after = run_torch(lambda ps: torch.optim.AdamW(ps, lr=LRS[0], betas=(m["beta1"], m["beta2"]),
                                                   eps=m["eps"], weight_decay=m["weight_decay"]),
                      init, grads, LRS, adam_state)
    save("adamw", init, grads, LRS, after, m)

    sgd_lrs = [10 * lr for lr in LRS]
    for case, seed, m in [
        ("sgd", 3, dict(momentum=0.9, dampening=0.0, weight_decay=0.05, nesterov=0)),
        ("sgd_nesterov", 4, dict(momentum=0.9, dampening=0.0, weight_decay=0.05, nesterov=1)),
        ("sgd_damp", 5, dict(momentum=0.8, dampening=0.3, weight_decay=0.02, nesterov=0)),
    ]:
        init, grads = make_problem(seed)
        after = run_torch(lambda ps: torch.optim.SGD(ps, lr=sgd_lrs[0], momentum=m["momentum"],
                                                     dampening=m["dampening"],
                                                     weight_decay=m["weight_decay"],
                                                     nesterov=bool(m["nesterov"])),
                          init, grads, sgd_lrs, sgd_state)
        save(case, init, grads, sgd_lrs, after, m)

    # A large eta so that each step moves the weights visibly (SimCLR's 1e-3 would make the
    # comparison of parameters insensitive to the update); the momentum buffer, compared too,
    # carries lr * trust * g' at full precision anyway.
    lars_lrs = [100 * lr for lr in LRS]
    for case, seed, m in [
        ("lars", 6, dict(momentum=0.9, weight_decay=0.01, eta=0.02, nesterov=0)),
        ("lars_nesterov", 7, dict(momentum=0.9, weight_decay=0.01, eta=0.02, nesterov=1)),
    ]:
        init, grads = make_problem(seed)
        after = lars_reference(init, grads, lars_lrs, m["momentum"], m["weight_decay"], m["eta"],
                               bool(m["nesterov"]))
        save(case, init, grads, lars_lrs, after, m)

    # Schedules. No warmup: torch's CosineAnnealingLR, lr before step s for s = 0..T.
    base, eta_min, total = 0.5, 0.01, 10
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=eta_min)
    cosine = []
    for _ in range(total + 1):
        cosine.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    # Warmup (SimCLR: lr = base * s / W, then cosine to 0 over T - W steps), s = 0..T+2.
    w_base, warmup, w_total = 0.3, 3, 12

    def simclr_factor(s):
        if s < warmup:
            return s / warmup
        if s >= w_total:
            return 0.0
        return 0.5 * (1 + math.cos(math.pi * (s - warmup) / (w_total - warmup)))

    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=w_base)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, simclr_factor)
    warm = []
    for _ in range(w_total + 3):
        warm.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    synt.write(os.path.join(OUT, "optim_schedule.synt"),
               {"cosine": torch.tensor(cosine, dtype=torch.float64),
                "warmup_cosine": torch.tensor(warm, dtype=torch.float64)},
               dict(cosine_base=base, cosine_min=eta_min, cosine_total=total,
                    warmup_base=w_base, warmup_steps=warmup, warmup_total=w_total))


if __name__ == "__main__":
    main()

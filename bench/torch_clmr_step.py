"""torch_clmr_step.py — PyTorch CPU reference timing for bench_clmr_step (run by the bench).

    /usr/bin/python3 bench/torch_clmr_step.py --batch 8 --threads 2 --warmup 2 --repeats 5
        [--grads keep|none]

One CLMR training step, as CLMR's SimCLR module does it: two random views [B, 1, 59049], each
through the full SampleCNN encoder in its own pass (train mode), the projector Linear(512, 512,
no bias) -> ReLU -> Linear(512, 64, no bias), NT-Xent (t = 0.5), loss.item(), backward,
Adam(lr 3e-4, weight_decay 1e-6) step, zero_grad. The model and loss mirror
tests/reference/gen_clmr.py at CLMR's full sizes, fp32.

Written the way a careful user writes it, so that it is PyTorch at its best: torch.set_num_threads
equal to our thread count (--threads), warm-up steps before timing, and zero_grad() keeping the
gradient buffers (--grads keep, the default: set_to_none=False, so backward accumulates into
memory it already owns instead of allocating and page-faulting fresh buffers every step; that was
1.6-1.8x faster than set_to_none=True on an AVX2 machine, issue #16). --grads none frees them
instead (torch 2.x's default). Allocator: the twin is started by the bench as a child process, so
both sides run on glibc malloc under the same environment (GLIBC_TUNABLES, MALLOC_* apply to
both); neither side installs another allocator.
Prints one line
    RESULT step_ms forward_ms backward_ms optimizer_ms last_loss
with the medians over the repeats after the warm-up (forward includes loss.item()). With --ops,
one more step runs under torch.autograd.profiler and the top ops by self CPU time follow as
    OP self_ms calls name
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SampleCNN(nn.Module):
    def __init__(self, first, hidden):
        super().__init__()
        layers = [nn.Sequential(nn.Conv1d(1, first, 3, stride=3, padding=0),
                                nn.BatchNorm1d(first), nn.ReLU())]
        c_in = first
        for c_out in hidden:
            layers.append(nn.Sequential(nn.Conv1d(c_in, c_out, 3, stride=1, padding=1),
                                        nn.BatchNorm1d(c_out), nn.ReLU(), nn.MaxPool1d(3, stride=3)))
            c_in = c_out
        layers.append(nn.Sequential(nn.Conv1d(c_in, c_in, 3, stride=1, padding=1),
                                    nn.BatchNorm1d(c_in), nn.ReLU()))
        self.sequential = nn.Sequential(*layers)

    def forward(self, x):
        out = self.sequential(x)
        return out.reshape(x.shape[0], out.size(1) * out.size(2))


class Clmr(nn.Module):
    def __init__(self, first, hidden, proj):
        super().__init__()
        self.encoder = SampleCNN(first, hidden)
        d = hidden[-1]
        self.projector = nn.Sequential(nn.Linear(d, d, bias=False), nn.ReLU(),
                                       nn.Linear(d, proj, bias=False))

    def forward(self, x_i, x_j):
        h_i, h_j = self.encoder(x_i), self.encoder(x_j)
        return self.projector(h_i), self.projector(h_j)


def nt_xent(z_i, z_j, temperature):
    n = z_i.shape[0]
    z = torch.cat([z_i, z_j], 0)
    sim = F.cosine_similarity(z.unsqueeze(1), z.unsqueeze(0), dim=2) / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(sim, positives, reduction="sum") / (2 * n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ops", action="store_true")
    ap.add_argument("--grads", choices=["keep", "none"], default="keep",
                    help="zero_grad keeps the gradient buffers (default) or frees them")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    hidden = [128, 128, 256, 256, 256, 256, 256, 256, 512]
    length = 3 ** (len(hidden) + 1)  # 59049
    model = Clmr(128, hidden, 64)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4, weight_decay=1e-6)
    x_i = torch.randn(args.batch, 1, length)
    x_j = torch.randn(args.batch, 1, length)

    def step():
        t0 = time.perf_counter()
        z_i, z_j = model(x_i, x_j)
        loss = nt_xent(z_i, z_j, 0.5)
        value = loss.item()
        t1 = time.perf_counter()
        loss.backward()
        del z_i, z_j, loss
        t2 = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=args.grads == "none")
        t3 = time.perf_counter()
        return value, t0, t1, t2, t3

    steps, fwd, bwd, upd = [], [], [], []
    loss_value = 0.0
    for it in range(args.warmup + args.repeats):
        loss_value, t0, t1, t2, t3 = step()
        if it >= args.warmup:
            fwd.append((t1 - t0) * 1e3)
            bwd.append((t2 - t1) * 1e3)
            upd.append((t3 - t2) * 1e3)
            steps.append((t3 - t0) * 1e3)
    med = statistics.median
    print("RESULT %.3f %.3f %.3f %.3f %.6f" % (med(steps), med(fwd), med(bwd), med(upd),
                                              loss_value), flush=True)
    if args.ops:
        with torch.autograd.profiler.profile() as prof:
            step()
        events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
        for e in events[:20]:
            print("OP %.3f %d %s" % (e.self_cpu_time_total / 1e3, e.count, e.key), flush=True)


if __name__ == "__main__":
    main()

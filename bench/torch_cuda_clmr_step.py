"""torch_cuda_clmr_step.py — PyTorch twin of bench_cuda_clmr_step: the CLMR training step on a GPU.

    python3 bench/torch_cuda_clmr_step.py [--batch 48] [--warmup 3] [--repeats 10] [--compile]
        [--grads keep|none]

SampleCNN (CLMR sizes) + projector 512-512-64 (no bias) + NT-Xent (t=0.5) + Adam (lr 3e-4,
weight decay 1e-6), two views of 59,049 samples, each view through the encoder separately as CLMR
does; fp32 (TF32 off for matmul and cuDNN, like our fp32 path). Written as a careful user would,
like the CPU twin: warm-up steps (which also let cudnn.benchmark pick its algorithms and the
caching allocator reach its steady state), zero_grad() keeping the gradient buffers
(--grads keep, the default; --grads none frees them). Prints one line per mode:
"mode <name> ms <median>".
"""
import argparse
import statistics
import time

import torch

from torch_clmr_step import Clmr, nt_xent


# The model and loss are torch_clmr_step.py's (the CPU twin), so both benchmarks time one definition.


def time_steps(step, warmup, repeats):
    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--grads", choices=["keep", "none"], default="keep",
                    help="zero_grad keeps the gradient buffers (default) or frees them")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    model = Clmr(128, [128, 128, 256, 256, 256, 256, 256, 256, 512], 64).cuda().train()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4, weight_decay=1e-6)
    x_i = torch.randn(a.batch, 1, 59049, device="cuda")
    x_j = torch.randn(a.batch, 1, 59049, device="cuda")

    def make_step(fn):
        def step():
            loss = nt_xent(*fn(x_i, x_j), 0.5)
            loss.item()
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=a.grads == "none")
        return step

    print("mode eager ms %.3f" % time_steps(make_step(model), a.warmup, a.repeats), flush=True)
    if a.compile:
        compiled = torch.compile(model)
        print("mode compile ms %.3f" % time_steps(make_step(compiled), a.warmup, a.repeats),
              flush=True)


if __name__ == "__main__":
    main()

"""torch_cuda_clmr_step.py — PyTorch twin of bench_cuda_clmr_step: the CLMR training step on a GPU.

    python3 bench/torch_cuda_clmr_step.py [--batch 48] [--warmup 3] [--repeats 10] [--compile]
        [--precision fp32|tf32|bf16] [--channels-last] [--grads keep|none]

SampleCNN (CLMR sizes) + projector 512-512-64 (no bias) + NT-Xent (t=0.5) + Adam (lr 3e-4,
weight decay 1e-6), two views of 59,049 samples, each view through the encoder separately as CLMR
does. --precision fp32 (default): TF32 off for matmul and cuDNN, like our fp32 path; tf32: TF32
on for both (PyTorch's default for cuDNN convolutions); bf16: autocast to bfloat16 (TF32 on for
what autocast leaves in fp32). --channels-last runs the same network as Conv2d/BatchNorm2d/
MaxPool2d over [B, C, 1, L] in channels-last memory (1-D tensors have no channels-last format),
the layout cuDNN's tensor-core kernels prefer. Written as a careful user would, like the CPU twin:
warm-up steps (which also let cudnn.benchmark pick its algorithms and the caching allocator reach
its steady state), zero_grad() keeping the gradient buffers (--grads keep, the default; --grads
none frees them). Prints one line per mode: "mode <name> ms <median>".
"""
import argparse
import statistics
import time

import torch

from torch import nn

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


class SampleCNN2d(nn.Module):
    """torch_clmr_step.SampleCNN as 2-D layers of height 1, for channels-last memory."""

    def __init__(self, first, hidden):
        super().__init__()
        layers = [nn.Sequential(nn.Conv2d(1, first, (1, 3), stride=(1, 3)),
                                nn.BatchNorm2d(first), nn.ReLU())]
        c_in = first
        for c_out in hidden:
            layers.append(nn.Sequential(nn.Conv2d(c_in, c_out, (1, 3), padding=(0, 1)),
                                        nn.BatchNorm2d(c_out), nn.ReLU(),
                                        nn.MaxPool2d((1, 3), stride=(1, 3))))
            c_in = c_out
        layers.append(nn.Sequential(nn.Conv2d(c_in, c_in, (1, 3), padding=(0, 1)),
                                    nn.BatchNorm2d(c_in), nn.ReLU()))
        self.sequential = nn.Sequential(*layers)

    def forward(self, x):
        x = x.unsqueeze(2).contiguous(memory_format=torch.channels_last)
        out = self.sequential(x)
        return out.reshape(x.shape[0], -1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--grads", choices=["keep", "none"], default="keep",
                    help="zero_grad keeps the gradient buffers (default) or frees them")
    a = ap.parse_args()
    tf32 = a.precision != "fp32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    hidden = [128, 128, 256, 256, 256, 256, 256, 256, 512]
    model = Clmr(128, hidden, 64)
    if a.channels_last:
        model.encoder = SampleCNN2d(128, hidden)
        model = model.to(memory_format=torch.channels_last)
    model = model.cuda().train()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4, weight_decay=1e-6)
    x_i = torch.randn(a.batch, 1, 59049, device="cuda")
    x_j = torch.randn(a.batch, 1, 59049, device="cuda")

    def make_step(fn):
        def step():
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
                loss = nt_xent(*fn(x_i, x_j), 0.5)
            loss.item()
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=a.grads == "none")
        return step

    tag = a.precision + ("-cl" if a.channels_last else "")
    print("mode eager-%s ms %.3f" % (tag, time_steps(make_step(model), a.warmup, a.repeats)),
          flush=True)
    if a.compile:
        compiled = torch.compile(model)
        print("mode compile-%s ms %.3f" % (tag, time_steps(make_step(compiled), a.warmup,
                                                            a.repeats)), flush=True)


if __name__ == "__main__":
    main()

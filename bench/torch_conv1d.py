"""torch_conv1d.py — PyTorch CPU reference timings for bench_conv1d (run by the bench binary).

    /usr/bin/python3 bench/torch_conv1d.py --threads 2 --warmup 3 --repeats 10 \
        B,Cin,Cout,L,K,stride,padding [...]

For each shape prints one line
    RESULT B Cin Cout L K stride padding fwd_ms fwdbwd_ms
with the median wall time of the forward conv1d and of forward + backward (gradients of the
input, the weight and the bias, upstream gradient of ones made once), fp32,
torch.set_num_threads(threads).
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F


def median_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("shapes", nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for spec in args.shapes:
        b, cin, cout, length, k, stride, pad = (int(v) for v in spec.split(","))
        x = torch.randn(b, cin, length, requires_grad=True)
        w = (torch.randn(cout, cin, k) / (cin * k) ** 0.5).requires_grad_()
        bias = torch.zeros(cout, requires_grad=True)
        lout = (length + 2 * pad - k) // stride + 1
        gy = torch.ones(b, cout, lout)

        def fwd():
            with torch.no_grad():
                F.conv1d(x, w, bias, stride=stride, padding=pad)

        def fwd_bwd():
            y = F.conv1d(x, w, bias, stride=stride, padding=pad)
            torch.autograd.grad(y, (x, w, bias), gy)

        f = median_ms(fwd, args.warmup, args.repeats)
        fb = median_ms(fwd_bwd, args.warmup, args.repeats)
        print("RESULT", b, cin, cout, length, k, stride, pad, "%.4f" % f, "%.4f" % fb, flush=True)


if __name__ == "__main__":
    main()

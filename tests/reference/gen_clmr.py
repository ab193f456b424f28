"""gen_clmr.py — PyTorch reference for the whole CLMR model: SampleCNN encoder + SimCLR projector
+ NT-Xent, forward and backward, given identical weights.

Run with Debian's PyTorch:  /usr/bin/python3 tests/reference/gen_clmr.py
Writes tests/fixtures/clmr_small.synt: every parameter and buffer under CLMR's names, the two
views, the loss, the features, every parameter gradient and the updated batch-norm running stats.

The encoder is CLMR's SampleCNN (clmr/models/sample_cnn.py) at reduced width and depth so the
fixture stays small: first conv 1→8 (k3, s3), blocks with channels [8, 16, 16] (conv k3 p1 + BN +
ReLU + maxpool 3), last conv 16→16 — input 3^4 = 81 samples. The structure and key names are the
full model's; only the sizes differ. NT-Xent is written from CLMR's definition: cosine
similarities of the 2N projections divided by the temperature, self-similarity masked out,
cross-entropy with the positive (i+N mod 2N) summed and divided by 2N.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

import synt

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


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
        return h_i, h_j, self.projector(h_i), self.projector(h_j)


def nt_xent(z_i, z_j, temperature):
    n = z_i.shape[0]
    z = torch.cat([z_i, z_j], 0)
    sim = F.cosine_similarity(z.unsqueeze(1), z.unsqueeze(0), dim=2) / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, positives, reduction="sum") / (2 * n)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "fixtures", "clmr_small.synt")
    model = Clmr(8, [8, 16, 16], 8)
    # Non-trivial batch-norm affine parameters, so their gradients are exercised.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    state = {k: v.clone() for k, v in model.state_dict().items() if "num_batches" not in k}
    n, length, temperature = 4, 81, 0.5
    x_i = torch.randn(n, 1, length)
    x_j = torch.randn(n, 1, length)
    model.train()
    h_i, h_j, z_i, z_j = model(x_i, x_j)
    loss = nt_xent(z_i, z_j, temperature)
    loss.backward()

    tensors = {"init." + k: v for k, v in state.items()}
    tensors.update({"x_i": x_i, "x_j": x_j, "loss": loss.reshape(()), "h_i": h_i, "z_j": z_j})
    for k, p in model.named_parameters():
        tensors["grad." + k] = p.grad
    for k, v in model.state_dict().items():
        if "running" in k:
            tensors["after." + k] = v
    synt.write(out, tensors, {"temperature": temperature, "first": 8, "hidden": "8,16,16",
                              "projection_dim": 8})
    print("wrote", out, "loss", float(loss))


if __name__ == "__main__":
    main()

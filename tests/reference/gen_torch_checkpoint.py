"""gen_torch_checkpoint.py — PyTorch checkpoint files, written by PyTorch itself, for the native
reader (engine/io/torch_checkpoint.h) and the CLMR weight loader (models/clmr_weights.h).

Run with Debian's PyTorch (1.13):  /usr/bin/python3 tests/reference/gen_torch_checkpoint.py
Writes into tests/fixtures/ (each well under 200 KB):

  torch_clmr_encoder_plain.pt       SimCLR(SampleCNN).state_dict() as CLMR v1 saved it:
                                    "encoder.sequential.N.M.*" + "projector.{0,2}.weight"
  torch_clmr_encoder_lightning.pt   a PyTorch Lightning checkpoint of CLMR's ContrastiveLearning
                                    module, as CLMR v2's clmr_checkpoint_10000.pt: {"epoch",
                                    "global_step", "pytorch-lightning_version", "state_dict":
                                    {"encoder.*", "model.encoder.*" (the same tensors, shared),
                                    "model.projector.*"}, "callbacks" (keyed by class),
                                    "optimizer_states" (Adam), "lr_schedulers", "hparams_name",
                                    "hyper_parameters" (a dict subclass holding a Namespace)};
                                    saved through a BytesIO as Lightning does ("archive/" prefix)
  torch_clmr_finetuner_lightning.pt a Lightning checkpoint of CLMR's LinearEvaluation module, as
                                    finetuner_checkpoint_200.pt: "encoder.*" + "model.0.{weight,bias}"
  torch_clmr_finetuner_mlp.pt       a plain state dict of the MLP head: "0.*", "2.*"
  torch_misc.pt, torch_misc_legacy.pt
                                    one dict of awkward tensors (transposed, permuted, sliced with
                                    an offset, strided, expanded, shared storage, fp16, bf16, fp64,
                                    int64, int32, bool, 0-d, empty, an nn.Parameter), in the zip
                                    format and in the legacy (pre-1.6) format
  torch_expected.synt               what PyTorch computes: every misc tensor as fp32, the input x,
                                    the encoder's features (eval mode), the linear and MLP heads'
                                    logits — in float64 from the same fp32 weights

The SampleCNN is CLMR's (clmr/models/sample_cnn.py) at reduced size: first conv 1→8 (k3, s3),
blocks with channels [8, 16, 16, 32], last conv 32→32; input 3^5 = 243 samples. Its fc is
replaced by Identity, as SimCLR does. Batch-norm running statistics are randomised so that
eval-mode normalisation is exercised.
"""
import argparse
import collections
import io
import os
import sys
import types

import torch
import torch.nn as nn

import synt

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures")


class SampleCNN(nn.Module):
    def __init__(self, first, hidden):
        super().__init__()
        layers = [nn.Sequential(nn.Conv1d(1, first, 3, stride=3, padding=0),
                                nn.BatchNorm1d(first), nn.ReLU())]
        c_in = first
        for c_out in hidden:
            layers.append(nn.Sequential(nn.Conv1d(c_in, c_out, 3, stride=1, padding=1),
                                        nn.BatchNorm1d(c_out), nn.ReLU(),
                                        nn.MaxPool1d(3, stride=3)))
            c_in = c_out
        layers.append(nn.Sequential(nn.Conv1d(c_in, c_in, 3, stride=1, padding=1),
                                    nn.BatchNorm1d(c_in), nn.ReLU()))
        self.sequential = nn.Sequential(*layers)
        self.fc = nn.Identity()  # SimCLR replaces CLMR's fc with Identity

    def forward(self, x):
        out = self.sequential(x)
        return self.fc(out.reshape(x.shape[0], out.size(1) * out.size(2)))


class SimCLR(nn.Module):  # spijkervet/SimCLR simclr/simclr.py
    def __init__(self, encoder, projection_dim, n_features):
        super().__init__()
        self.encoder = encoder
        self.projector = nn.Sequential(nn.Linear(n_features, n_features, bias=False), nn.ReLU(),
                                       nn.Linear(n_features, projection_dim, bias=False))


class ContrastiveLearning(nn.Module):  # clmr/modules/contrastive_learning.py (the nn part)
    def __init__(self, encoder, projection_dim, n_features):
        super().__init__()
        self.encoder = encoder
        self.model = SimCLR(encoder, projection_dim, n_features)


class LinearEvaluation(nn.Module):  # clmr/modules/linear_evaluation.py (the nn part)
    def __init__(self, encoder, hidden_dim, output_dim, mlp):
        super().__init__()
        self.encoder = encoder
        if mlp:
            self.model = nn.Sequential(nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                                       nn.Linear(hidden_dim, output_dim))
        else:
            self.model = nn.Sequential(nn.Linear(hidden_dim, output_dim))


# Stand-ins for the Lightning classes a real checkpoint names (pickle records them by module and
# name only, so the files look like Lightning's without Lightning installed).
def fake_module(name, **attrs):
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault(".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
    mod = sys.modules[name]
    for k, v in attrs.items():
        v.__module__ = name
        setattr(mod, k, v)


class AttributeDict(dict):
    pass


class EarlyStopping:
    pass


fake_module("pytorch_lightning.utilities.parsing", AttributeDict=AttributeDict)
fake_module("pytorch_lightning.callbacks.early_stopping", EarlyStopping=EarlyStopping)


def randomise_batchnorm(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(123)


def lightning_checkpoint(module, optimizer, epoch):
    hparams = AttributeDict(dataset="magnatagatune", batch_size=48, learning_rate=3e-4,
                            temperature=0.5, supervised=0, accelerator=None,
                            args=argparse.Namespace(seed=42, gpus=1, workers=8))
    return {
        "epoch": epoch,
        "global_step": epoch * 7,
        "pytorch-lightning_version": "1.2.10",
        "state_dict": module.state_dict(),
        "callbacks": {EarlyStopping: {"wait_count": 0, "stopped_epoch": 0,
                                      "best_score": torch.tensor(0.25), "patience": 10}},
        "optimizer_states": [optimizer.state_dict()],
        "lr_schedulers": [],
        "hparams_name": "args",
        "hyper_parameters": hparams,
    }


def save_like_lightning(obj, path):
    # pytorch_lightning.utilities.cloud_io.atomic_save: torch.save into a BytesIO, then write.
    buf = io.BytesIO()
    torch.save(obj, buf)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def adam_step(params):
    opt = torch.optim.Adam(params, lr=3e-4)
    for p in params:
        p.grad = torch.randn_like(p) * 0.01
    opt.step()
    return opt


def main():
    first, hidden, proj, tags = 8, [8, 16, 16, 32], 8, 5
    length = 3 ** (len(hidden) + 1)
    encoder = SampleCNN(first, hidden)
    randomise_batchnorm(encoder)
    d = hidden[-1]

    # 1. plain SimCLR state dict (CLMR v1 layout)
    simclr = SimCLR(encoder, proj, d)
    torch.save(simclr.state_dict(), os.path.join(OUT, "torch_clmr_encoder_plain.pt"))

    # 2. Lightning ContrastiveLearning checkpoint (CLMR v2 layout); the optimizer step is taken on
    # a copy so that the encoder's weights stay those of the plain file.
    cl = ContrastiveLearning(encoder, proj, d)
    shadow = [p.detach().clone().requires_grad_() for p in cl.model.parameters()]
    ckpt = lightning_checkpoint(cl, adam_step(shadow), 9999)
    save_like_lightning(ckpt, os.path.join(OUT, "torch_clmr_encoder_lightning.pt"))

    # 3. Lightning LinearEvaluation checkpoint (linear head) and a plain MLP head
    lin = LinearEvaluation(encoder, d, tags, mlp=False)
    ckpt = lightning_checkpoint(lin, adam_step([p.detach().clone().requires_grad_()
                                                for p in lin.model.parameters()]), 199)
    save_like_lightning(ckpt, os.path.join(OUT, "torch_clmr_finetuner_lightning.pt"))
    mlp = LinearEvaluation(encoder, d, tags, mlp=True)
    torch.save(mlp.model.state_dict(), os.path.join(OUT, "torch_clmr_finetuner_mlp.pt"))

    # 4. awkward tensors
    base = torch.randn(10)
    grid = torch.randn(3, 4)
    misc = collections.OrderedDict()
    misc["contiguous"] = torch.randn(2, 3)
    misc["transposed"] = grid.t()
    misc["permuted"] = torch.randn(2, 3, 4).permute(2, 0, 1)
    misc["sliced"] = base[3:7]              # storage offset 3
    misc["strided"] = base[1:9:2]           # offset 1, stride 2, same storage as "sliced"
    misc["row"] = grid[1]                   # offset 4 into grid's storage, shared with "transposed"
    misc["expanded"] = torch.randn(3, 1).expand(3, 4)  # stride 0
    misc["half"] = (torch.randn(6) * 100).half()
    misc["bfloat16"] = torch.randn(4).bfloat16()
    misc["double"] = torch.randn(2, 2).double() / 3
    misc["long"] = torch.tensor([-3, 0, 7, 2 ** 40], dtype=torch.int64)
    misc["int"] = torch.tensor([[1, -2], [3, 4]], dtype=torch.int32)
    misc["bool"] = torch.tensor([True, False, True])
    misc["scalar"] = torch.tensor(3.5)
    misc["empty"] = torch.zeros(0, 3)
    misc["param"] = nn.Parameter(torch.randn(3))
    torch.save(misc, os.path.join(OUT, "torch_misc.pt"))
    torch.save(misc, os.path.join(OUT, "torch_misc_legacy.pt"), _use_new_zipfile_serialization=False)

    # 5. what PyTorch computes with these weights (float64 from the same fp32 values)
    x = torch.randn(3, 1, length)
    enc64 = SampleCNN(first, hidden)
    enc64.load_state_dict(encoder.state_dict())
    enc64.double().eval()
    lin_head = lin.model.double().eval()
    mlp_head = mlp.model.double().eval()
    with torch.no_grad():
        features = enc64(x.double())
        logits = lin_head(features)
        mlp_logits = mlp_head(features)
    expected = {"misc." + k: v.detach().float().contiguous() for k, v in misc.items()}
    expected.update({"x": x, "features": features, "logits": logits, "mlp_logits": mlp_logits})
    synt.write(os.path.join(OUT, "torch_expected.synt"), expected,
               {"first": first, "hidden": ",".join(map(str, hidden)), "tags": tags,
                "length": length})
    for name in sorted(os.listdir(OUT)):
        if name.startswith("torch_"):
            print(name, os.path.getsize(os.path.join(OUT, name)), "bytes")


if __name__ == "__main__":
    main()

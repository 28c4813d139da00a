#!/usr/bin/python3
"""Train the small convolutional SNN of traces/fmnist_snn on Fashion-MNIST and export it;
with --network ann, the quantized ANN of the same shape (traces/fmnist_ann8, fmnist_ann4).

Network (direct input coding, T timesteps):
    conv1 3x3 1->16 pad 1, BN, LIF, maxpool 2
    conv2 3x3 16->32 pad 1, BN, LIF, maxpool 2
    flatten, linear 1568->10 (no neuron: its accumulations summed over timesteps are the logits)
--network ann --bits B: the same layers with a B-bit ReLU in place of each LIF and T = 1
(FORMAT.md section 8): activations fake-quantized to B unsigned bits, a = clamp(round(z/s),
0, 2^B - 1) * s, with a learnt clipping level alpha = s (2^B - 1) per layer (PACT, Choi et al.
2018) and a straight-through estimator for the rounding.

Quantization-aware: weights are fake-quantized to int8 (per output channel for the convs,
per tensor for the output linear) with a straight-through estimator; the LIF follows the
integer model of traces/FORMAT.md (v = 0.25 v + 0.75 x, threshold 1, soft reset), with
EfficientLIF-Net channel sharing C#n when --lif-share n > 1.

Run with Debian's interpreter (it sees python3-torch and python3-numpy):
    /usr/bin/python3 traces/tools/train.py --timesteps 4 --epochs 4 --lif-share 1 --seed 1 \
        --out traces/fmnist_snn
    /usr/bin/python3 traces/tools/train.py --network ann --bits 8 --epochs 5 --seed 1 --threads 1 \
        --out traces/fmnist_ann8
The trained float model is saved as <out>/../.ckpt_<name>.pt only if --ckpt is given; the
bundle itself (integer-exact reference outputs) is written by export.py, called at the end.
"""
import argparse
import gzip
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export  # noqa: E402

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def load_idx(name):
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_fmnist():
    xtr = load_idx("train-images-idx3-ubyte.gz")
    ytr = load_idx("train-labels-idx1-ubyte.gz")
    xte = load_idx("t10k-images-idx3-ubyte.gz")
    yte = load_idx("t10k-labels-idx1-ubyte.gz")
    return xtr, ytr, xte, yte


class SpikeFn(torch.autograd.Function):
    """Heaviside forward; derivative of a sigmoid (slope 4) as the surrogate gradient."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(4.0 * x)
        return g * 4.0 * s * (1 - s)


def fake_quant(w, per_channel):
    """int8 symmetric fake quantization with a straight-through estimator."""
    if per_channel:
        m = w.detach().abs().flatten(1).max(dim=1)[0].clamp(min=1e-8)
        s = (m / 127.0).view(-1, *([1] * (w.dim() - 1)))
    else:
        s = (w.detach().abs().max().clamp(min=1e-8) / 127.0)
    q = torch.clamp(torch.round(w / s), -127, 127) * s
    return w + (q - w).detach()


class QConv(nn.Conv2d):
    def forward(self, x):
        return F.conv2d(x, fake_quant(self.weight, True), None, self.stride, self.padding)


class QLinear(nn.Linear):
    def forward(self, x):
        return F.linear(x, fake_quant(self.weight, False), None)


def lif_seq(z, share, gain=0.75, leak=0.25):
    """LIF over time with C#n channel sharing. z: [T, B, C, H, W] input (BN output).

    The n channel groups are run through one membrane sequentially: the update order for a
    neuron position is (t=1, g=1), (1, 2), ..., (1, n), (2, 1), ...; each step is a full
    LIF update v = leak*v + gain*x, fire if v >= 1, soft reset v -= 1.
    """
    T, B, C = z.shape[0], z.shape[1], z.shape[2]
    cg = C // share
    v = torch.zeros((B, cg) + tuple(z.shape[3:]), dtype=z.dtype)
    out = []
    for t in range(T):
        groups = []
        for g in range(share):
            v = leak * v + gain * z[t, :, g * cg:(g + 1) * cg]
            s = SpikeFn.apply(v - 1.0)
            v = v - s
            groups.append(s)
        out.append(torch.cat(groups, dim=1))
    return torch.stack(out)


class ActQuant(nn.Module):
    """B-bit unsigned activation (ReLU + saturation + rounding), PACT clipping level alpha.

    Forward: clamp(z, 0, alpha) rounded to a multiple of s = alpha / (2^B - 1); the rounding
    passes the gradient straight through, the clamp sends it to alpha where z >= alpha."""

    def __init__(self, bits, alpha=4.0):
        super().__init__()
        self.bits = bits
        self.alpha = nn.Parameter(torch.tensor(float(alpha)))

    def step(self):
        return self.alpha.detach().abs().item() / (2 ** self.bits - 1)

    def forward(self, z):
        a = self.alpha.abs()
        y = torch.minimum(F.relu(z), a)
        s = a / (2 ** self.bits - 1)
        q = torch.round(y / s) * s
        return y + (q - y).detach()


class AnnNet(nn.Module):
    """The ANN of the same shape: conv-BN-ReLU(B bit)-pool x2, linear; T = 1."""

    network = "ann"

    def __init__(self, bits, c1=16, c2=32):
        super().__init__()
        self.T = 1
        self.share = 1
        self.bits = bits
        self.conv1 = QConv(1, c1, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.act1 = ActQuant(bits)
        self.conv2 = QConv(c1, c2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.act2 = ActQuant(bits)
        self.fc = QLinear(c2 * 7 * 7, 10, bias=False)

    def forward(self, x):
        """x: [B, 1, 28, 28] float in [0, 1]. Returns outputs [1, B, 10] and the fraction of
        non-zero activations of the two ReLU layers."""
        a1 = self.act1(self.bn1(self.conv1(x)))
        a2 = self.act2(self.bn2(self.conv2(F.max_pool2d(a1, 2))))
        out = self.fc(F.max_pool2d(a2, 2).flatten(1))
        return out.unsqueeze(0), ((a1 > 0).float().mean().item(), (a2 > 0).float().mean().item())


class Net(nn.Module):
    network = "snn"

    def __init__(self, timesteps, share, c1=16, c2=32):
        super().__init__()
        self.T = timesteps
        self.share = share
        self.conv1 = QConv(1, c1, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = QConv(c1, c2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.fc = QLinear(c2 * 7 * 7, 10, bias=False)

    def forward(self, x):
        """x: [B, 1, 28, 28] float in [0, 1]. Returns per-timestep outputs [T, B, 10] and
        the spike rates of the two LIF layers."""
        T, B = self.T, x.shape[0]
        z1 = self.bn1(self.conv1(x))                       # direct coding: same every t
        s1 = lif_seq(z1.unsqueeze(0).expand(T, *z1.shape), self.share)
        p1 = F.max_pool2d(s1.flatten(0, 1), 2)             # [T*B, c1, 14, 14]
        z2 = self.bn2(self.conv2(p1)).view(T, B, -1, 14, 14)
        s2 = lif_seq(z2, self.share)
        p2 = F.max_pool2d(s2.flatten(0, 1), 2)
        out = self.fc(p2.flatten(1)).view(T, B, -1)
        return out, (s1.mean().item(), s2.mean().item())


def evaluate(net, x, y, bs=1000):
    net.eval()
    correct = np.zeros(net.T)
    with torch.no_grad():
        for i in range(0, len(x), bs):
            xb = torch.from_numpy(x[i:i + bs]).float().div(255.0).unsqueeze(1)
            out, _ = net(xb)
            cum = out.cumsum(0)
            for t in range(net.T):
                correct[t] += (cum[t].argmax(1).numpy() == y[i:i + bs]).sum()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--network", choices=("snn", "ann"), default="snn",
                    help="ann: the B-bit quantized ANN of the same shape (T = 1)")
    ap.add_argument("--bits", type=int, default=8, help="activation bits of --network ann (2..8)")
    ap.add_argument("--timesteps", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lif-share", type=int, default=1, help="C#n channel sharing (1 = none)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--samples", type=int, default=1000, help="test images exported")
    ap.add_argument("--out", required=True, help="bundle directory to write")
    ap.add_argument("--ckpt", default=None, help="also save the float state_dict here")
    ap.add_argument("--limit", type=int, default=0, help="train on the first N images only (smoke test)")
    args = ap.parse_args()
    if args.network == "ann":
        if not 2 <= args.bits <= 8:
            ap.error("--bits: expected 2..8")
        if "--timesteps" in sys.argv[1:] and args.timesteps != 1:
            ap.error("--timesteps: an ANN runs one timestep")
        args.timesteps = 1

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    t0 = time.time()
    xtr, ytr, xte, yte = load_fmnist()
    if args.limit:
        xtr, ytr = xtr[:args.limit], ytr[:args.limit]
    net = AnnNet(args.bits) if args.network == "ann" else Net(args.timesteps, args.lif_share)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    steps = args.epochs * math.ceil(len(xtr) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    gen = np.random.default_rng(args.seed)
    for ep in range(args.epochs):
        net.train()
        perm = gen.permutation(len(xtr))
        tl, tc, n = 0.0, 0, 0
        for i in range(0, len(xtr), args.batch):
            idx = perm[i:i + args.batch]
            xb = torch.from_numpy(xtr[idx]).float().div(255.0).unsqueeze(1)
            yb = torch.from_numpy(ytr[idx].astype(np.int64))
            out, rates = net(xb)
            logits = out.mean(0)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tl += loss.item() * len(idx)
            tc += (logits.argmax(1) == yb).sum().item()
            n += len(idx)
        acc = evaluate(net, xte, yte)
        print(f"epoch {ep + 1}/{args.epochs}: loss {tl / n:.4f} train acc {tc / n:.4f} "
              f"test acc per t {np.round(acc, 4).tolist()} rates {rates[0]:.3f} {rates[1]:.3f} "
              f"({time.time() - t0:.0f} s)", flush=True)
    train_time = time.time() - t0
    float_acc_full = evaluate(net, xte, yte)
    float_acc_sub = evaluate(net, xte[:args.samples], yte[:args.samples])
    if args.ckpt:
        torch.save(net.state_dict(), args.ckpt)
    info = {
        "timesteps": args.timesteps, "epochs": args.epochs, "lif_share": args.lif_share,
        "network": args.network, "bits": args.bits if args.network == "ann" else None,
        "seed": args.seed, "batch": args.batch, "lr": args.lr, "threads": args.threads,
        "train_time_s": train_time,
        "float_acc_10k": float_acc_full.tolist(), "float_acc_subset": float_acc_sub.tolist(),
        "command": " ".join(["/usr/bin/python3", "traces/tools/train.py"] + sys.argv[1:]),
    }
    export.export(net, xte, yte, args.samples, args.out, info)
    print(f"total {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()

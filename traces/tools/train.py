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
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export  # noqa: E402  (export.py -> fmnist.py and the spiketlm library; never back here)
import fmnist  # noqa: E402
from fmnist import AnnNet, Net, evaluate, load_fmnist  # noqa: E402


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
    try:
        xtr, ytr, xte, yte = load_fmnist()
    except fmnist.DataError as e:
        sys.exit(f"train.py: {e}")
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

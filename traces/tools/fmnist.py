"""The Fashion-MNIST networks of the shipped functional bundles, their data and evaluation.

Net: the convolutional SNN of traces/fmnist_snn (conv-BN-LIF-pool x2, linear; C#n LIF sharing);
AnnNet: the B-bit quantized ANN of the same shape (traces/fmnist_ann8, fmnist_ann4). Used by
train.py (training) and export.py (re-export of a checkpoint); neither imports the other's
entry point. The data: the four gzipped idx files of Fashion-MNIST (the 60k/10k split) in
$SPIKETLM_FMNIST_DIR, default /usr/share/datasets/fashion-mnist. No Debian package ships
them: download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from the dataset's authors
(github.com/zalandoresearch/fashion-mnist, folder data/fashion) into that directory.
"""
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = os.environ.get("SPIKETLM_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


class DataError(Exception):
    """The dataset is missing or unreadable: one line naming the file and what is expected."""


def load_idx(name):
    path = os.path.join(DATA_DIR, name)
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise DataError(f"{path}: {reason}, expected the Fashion-MNIST idx files {', '.join(FILES)} in "
                        f"{DATA_DIR} (set SPIKETLM_FMNIST_DIR; download: github.com/zalandoresearch/"
                        f"fashion-mnist, data/fashion)") from None
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

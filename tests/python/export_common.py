"""Shared by the PyTorch export tests: generated data, a short training loop, the CLI."""
import json
import subprocess
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="python3-torch is not installed: the PyTorch export tests need it "
                                            "(.ci/setup installs it)")
import torch.nn.functional as F  # noqa: E402

import spiketlm.torch as st  # noqa: E402

T = 4


def make_data(n, classes=10, size=12, noise=0.5, seed=0):
    """Images [n, 1, size, size] in [0, 1] (multiples of 1/255): a random binary prototype per
    class plus Gaussian noise; labels [n]."""
    rng = np.random.default_rng(seed)
    protos = rng.random((classes, 1, size, size)) > 0.7
    y = rng.integers(0, classes, n)
    x = np.clip(protos[y] * 0.8 + rng.normal(0, noise, (n, 1, size, size)), 0, 1)
    x = np.round(x * 255) / 255
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


def train(model, x, y, epochs, batch=50, lr=5e-3, seed=0):
    """Quantization-aware training with the cross entropy of the outputs summed over T; returns
    the wall time."""
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    st.quantization_aware(model)
    opt = torch.optim.Adam(model.parameters(), lr)
    t0 = time.monotonic()
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            loss = F.cross_entropy(st.simulate(model, x[idx], T).sum(0), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return time.monotonic() - t0


def cli_json(paths, tmp_path, args):
    out = tmp_path / "cli.json"
    subprocess.run([paths.cli, "run", *args, "--json", str(out), "--quiet"], check=True)
    return json.loads(out.read_text())


def predictions(report):
    return np.array([row["prediction"] for row in report["tables"]["samples"]])

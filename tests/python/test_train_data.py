"""traces/tools/train.py's data step: a missing Fashion-MNIST is one line naming the file, what
is expected and where to get it (exit 1); with the idx files in $SPIKETLM_FMNIST_DIR (here a
tiny synthetic set in the real format) it trains, exports a bundle, and that bundle runs on
SATA with every sample equal to the integer reference export.py wrote."""
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch", reason="python3-torch is not installed")


def write_idx(path, arr):
    head = (0x0800 + arr.ndim).to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(head + arr.astype(np.uint8).tobytes())


def train(paths, data_dir, out, *extra):
    env = dict(os.environ, SPIKETLM_FMNIST_DIR=str(data_dir))
    return subprocess.run([sys.executable, os.path.join(paths.src, "traces", "tools", "train.py"), "--out", str(out),
                           "--threads", "1", *extra], capture_output=True, text=True, env=env)


def test_missing_dataset_is_one_line(paths, tmp_path):
    p = train(paths, tmp_path / "none", tmp_path / "b")
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0] == (f"train.py: {tmp_path / 'none'}/train-images-idx3-ubyte.gz: No such file or directory, expected "
                        "the Fashion-MNIST idx files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                        f"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz in {tmp_path / 'none'} (set "
                        "SPIKETLM_FMNIST_DIR; download: github.com/zalandoresearch/fashion-mnist, data/fashion)")
    assert not (tmp_path / "b").exists()


def test_trains_and_exports_a_bundle_that_runs_bit_exact(paths, tmp_path):
    rng = np.random.default_rng(0)
    d = tmp_path / "fm"
    d.mkdir()
    write_idx(d / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (64, 28, 28)))
    write_idx(d / "train-labels-idx1-ubyte.gz", rng.integers(0, 10, (64,)))
    write_idx(d / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (32, 28, 28)))
    write_idx(d / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, (32,)))
    out = tmp_path / "bundle"
    p = train(paths, d, out, "--epochs", "1", "--samples", "16")
    assert p.returncode == 0, p.stderr
    r = subprocess.run([paths.cli, "run", paths.sata, "--trace", str(out), "--quiet", "--json", "/dev/stdout"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["summary"]["reference_mismatch_samples"] == 0
    # export.py's integer model on the 16 shipped images, accuracy per timestep: the run's
    # accuracy is the last one.
    line = next(x for x in p.stdout.splitlines() if x.startswith("exported "))
    per_t = json.loads(line.split("int acc per t (subset) ")[1].split(" (10k)")[0])
    assert rep["summary"]["accuracy_pct"] == pytest.approx(100 * per_t[-1], abs=1e-9)

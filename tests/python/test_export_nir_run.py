"""End to end: a PyTorch model written by spiketlm.torch.export_nir runs with `spiketlm run
--nir` (traces/nir/README.md) on SATA and SpikeFlow, predicting what PyTorch predicts, and
spiketlm.run(nir=...) is that run (the run parameter run.nir)."""
import json
import subprocess

import numpy as np
import pytest

from export_common import T, make_data, st, torch, train

import spiketlm

DT = 1e-3


@pytest.fixture(scope="module")
def model():
    x, y = make_data(1200, classes=6, noise=0.6, seed=3)
    nn = torch.nn
    m = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, bias=True), st.LIF(leak=0.75, gain=0.5), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(8 * 6 * 6, 32, bias=True), st.IF(reset="hard"),
        nn.Linear(32, 6, bias=False))
    train(m, x[:1000], y[:1000], epochs=3)
    return m.eval(), x[1000:], y[1000:]


def run_nir(paths, tmp_path, platform, nir, *args):
    out = tmp_path / f"{platform}.json"
    p = subprocess.run([paths.cli, "run", getattr(paths, platform), "--nir", str(nir), "--json", str(out), "--quiet",
                        *map(str, args)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return json.loads(out.read_text())


def test_torch_model_runs_from_nir_on_both_platforms(paths, model, tmp_path):
    m, x, y = model
    nir = tmp_path / "m.nir"
    st.export_nir(m, str(nir), (1, 12, 12), dt=DT)
    np.save(tmp_path / "x.npy", x.numpy())
    torch_pred = st.predict(m, x, T).numpy()
    np.save(tmp_path / "y.npy", torch_pred.astype(np.int32))  # labels: PyTorch's classes
    args = ["--dt", DT, "--timesteps", T, "--inputs", tmp_path / "x.npy", "--labels", tmp_path / "y.npy",
            "--encoding", "direct", "--samples", 200]
    reports = [run_nir(paths, tmp_path, p, nir, *args) for p in ("sata", "spikeflow")]
    for r in reports:
        assert r["summary"]["reference_mismatch_samples"] == 0
        assert r["summary"]["accuracy_pct"] >= 95  # agreement with PyTorch's classes
    assert reports[0]["summary"]["accuracy_pct"] == reports[1]["summary"]["accuracy_pct"]
    assert (torch_pred == y.numpy()).mean() > 0.5


def test_output_bias_is_refused_with_the_node(paths, model, tmp_path):
    nn = torch.nn
    m = nn.Sequential(nn.Flatten(), nn.Linear(144, 16, bias=False), st.LIF(), nn.Linear(16, 4, bias=True))
    nir = tmp_path / "b.nir"
    names = st.export_nir(m, str(nir), (1, 12, 12))
    p = subprocess.run([paths.cli, "run", paths.sata, "--nir", str(nir), "--quiet"], capture_output=True, text=True)
    assert p.returncode == 1 and p.stderr.count("\n") == 1
    assert f"b.nir: node '{names[-2]}' (Affine)" in p.stderr and "a bias before the Output" in p.stderr


def test_module_nir_is_the_cli_run(paths, model, tmp_path):
    """spiketlm.run(nir=...) imports with the default options (dt 1e-4, generated inputs): the
    report is the CLI's `run --nir` without import options."""
    m, _, _ = model
    nir = tmp_path / "d.nir"
    st.export_nir(m, str(nir), (1, 12, 12))  # dt default 1e-4, the importer's
    r = spiketlm.run(paths.sata, nir=str(nir), samples=4)
    cli = run_nir(paths, tmp_path, "sata", nir, "--samples", 4)
    assert spiketlm.as_cli_json(r) == cli
    assert r["summary"]["reference_mismatch_samples"] == 0
    with pytest.raises(spiketlm.Error, match="nir: expected a NIR file or a trace, got both"):
        spiketlm.run(paths.sata, nir=str(nir), trace=paths.fmnist, samples=1)

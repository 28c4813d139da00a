"""End to end: a PyTorch model written by spiketlm.torch.export_nir runs with `spiketlm run
--nir` (traces/nir/README.md) on SATA and SpikeFlow, predicting what PyTorch predicts, and
spiketlm.run(nir=...) is that run (the run parameter run.nir)."""
import json
import subprocess

import numpy as np
import pytest
import yaml

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


def test_output_bias_runs_on_both_platforms(paths, tmp_path):
    """A bias on the last Affine (before the Output) is the output layer's bias (FORMAT.md 2,
    DESC_OUT_FX): imported, run bit-exactly, predicting PyTorch's classes."""
    x, y = make_data(1200, classes=6, noise=0.6, seed=5)
    nn = torch.nn
    m = nn.Sequential(nn.Flatten(), nn.Linear(144, 32, bias=True), st.LIF(), nn.Linear(32, 6, bias=True))
    train(m, x[:1000], y[:1000], epochs=3)
    with torch.no_grad():  # a bias large enough to decide some samples
        m[-1].bias.copy_(torch.linspace(-1.5, 1.5, 6))
    m.eval()
    x = x[1000:]
    nir = tmp_path / "b.nir"
    st.export_nir(m, str(nir), (1, 12, 12), dt=DT)
    np.save(tmp_path / "x.npy", x.numpy())
    torch_pred = st.predict(m, x, T).numpy()
    with torch.no_grad():
        m[-1].bias.zero_()
    unbiased = st.predict(m, x, T).numpy()
    assert (unbiased != torch_pred).mean() > 0.02  # the premise: the bias changes classes
    np.save(tmp_path / "y.npy", torch_pred.astype(np.int32))
    args = ["--dt", DT, "--timesteps", T, "--inputs", tmp_path / "x.npy", "--labels", tmp_path / "y.npy",
            "--encoding", "direct", "--samples", 200]
    p = subprocess.run([paths.cli, "import", str(nir), "-o", str(tmp_path / "bundle"), *map(str, args)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    last = yaml.safe_load((tmp_path / "bundle" / "trace.yaml").read_text())["layers"][-1]
    assert last["neuron"] == "none" and "bias" in last
    reports = [run_nir(paths, tmp_path, pl, nir, *args) for pl in ("sata", "spikeflow")]
    for r in reports:
        assert r["summary"]["reference_mismatch_samples"] == 0
        assert r["summary"]["accuracy_pct"] >= 95  # agreement with PyTorch's classes


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

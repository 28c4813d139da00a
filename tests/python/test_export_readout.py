"""A PyTorch SNN ending in a leaky-integrator readout (spiketlm.torch.LI after the output layer,
snnTorch's non-spiking Leaky output), trained here: exported as a bundle and as NIR, it runs
bit-exactly on SATA and SpikeFlow and predicts the argmax of the leaky membrane, as PyTorch does
(FORMAT.md 2.2)."""
import json
import subprocess

import numpy as np
import pytest
import yaml

from export_common import T, make_data, predictions, st, torch, train

import spiketlm
from spiketlm import intmodel

LEAK = 0.25
DT = 1e-3


@pytest.fixture(scope="module")
def model():
    x, y = make_data(2200, classes=6, noise=0.7, seed=11)
    nn = torch.nn
    m = nn.Sequential(nn.Flatten(), nn.Linear(144, 48, bias=True), st.LIF(),
                      nn.Linear(48, 6, bias=True), st.LI(leak=LEAK))
    train(m, x[:1000], y[:1000], epochs=3)
    return m.eval(), x[1000:], y[1000:]


def test_li_readout_exports_and_runs_as_pytorch_predicts(model, paths, tmp_path):
    m, x, y = model
    # Spikes drawn per timestep: the outputs change from step to step, so the leak decides some
    # samples (about 1.5 % here), which the plain sum would class otherwise.
    spikes = (torch.rand((len(x), T) + tuple(x.shape[1:]), generator=torch.Generator().manual_seed(1))
              < x.unsqueeze(1)).float()
    out = str(tmp_path / "li")
    res = st.export_bundle(m, spikes, out, timesteps=T, labels=y, encoding="spikes")
    last = yaml.safe_load(open(f"{out}/trace.yaml"))["layers"][-1]
    assert last["readout"] == {"model": "li", "leak_num": 1, "leak_shift": 2}   # 0.25 = 1/2^2
    # PyTorch: argmax of the last membrane, which is not the sum's argmax on every sample.
    outs = st.simulate(m, spikes, T, encoding="spikes").detach()
    assert (st.predict(m, spikes, T, encoding="spikes").numpy() == outs[-1].argmax(1).numpy()).all()
    assert (res.float_predictions == outs[-1].argmax(1).numpy()).all()
    assert (res.int_predictions != res.int_outputs.astype(np.int64).sum(1).argmax(1)).any()
    assert res.float_accuracy > 0.5
    for platform in ("sata", "spikeflow"):
        r = spiketlm.run(getattr(paths, platform), trace=out, samples=len(x), per_sample=True)
        assert r["summary"]["reference_mismatch_samples"] == 0, platform
        assert (predictions(r) == res.int_predictions).all(), platform
        assert (predictions(r) == res.float_predictions).mean() >= 0.99, platform
        acc = intmodel.accuracy_per_t(res.int_outputs, y.numpy(), {"leak_num": 1, "leak_shift": 2})
        assert [row["accuracy_pct"] for row in r["tables"]["accuracy"]] == pytest.approx([100 * a for a in acc])


def test_li_readout_through_nir(model, paths, tmp_path):
    """export_nir writes the readout as an LI node (tau = dt / (1 - leak), r = 1 / (1 - leak));
    `spiketlm import` maps it back to the same readout leak, and the run predicts PyTorch's classes."""
    m, x, _ = model
    x = x[:200]
    nir = tmp_path / "m.nir"
    names = st.export_nir(m, str(nir), (1, 12, 12), dt=DT)
    assert names[-2].endswith("_li")
    np.save(tmp_path / "x.npy", x.numpy())
    torch_pred = st.predict(m, x, T).numpy()
    np.save(tmp_path / "y.npy", torch_pred.astype(np.int32))
    p = subprocess.run([paths.cli, "import", str(nir), "-o", str(tmp_path / "b"), "--dt", str(DT), "--timesteps", str(T),
                        "--inputs", str(tmp_path / "x.npy"), "--labels", str(tmp_path / "y.npy"), "--encoding", "direct",
                        "--samples", "200", "--quiet"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    last = yaml.safe_load((tmp_path / "b" / "trace.yaml").read_text())["layers"][-1]
    assert last["readout"] == {"model": "li", "leak_num": 1, "leak_shift": 2}
    out = tmp_path / "r.json"
    p = subprocess.run([paths.cli, "run", paths.sata, "--trace", str(tmp_path / "b"), "--json", str(out), "--quiet",
                        "--samples", "200"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    r = json.loads(out.read_text())
    assert r["summary"]["reference_mismatch_samples"] == 0
    assert r["summary"]["accuracy_pct"] >= 97   # agreement with PyTorch's classes


def test_li_only_after_the_output_layer(tmp_path):
    nn = torch.nn
    m = nn.Sequential(nn.Flatten(), nn.Linear(144, 8), st.LI(0.5), nn.Linear(8, 4))
    with pytest.raises(st.ExportError, match=r"^2: LI: expected it only after the output layer"):
        st.export_bundle(m, torch.zeros(2, 1, 12, 12), str(tmp_path / "x"), timesteps=T)

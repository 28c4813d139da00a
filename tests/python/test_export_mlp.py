"""A small spiking MLP trained here for a few seconds, exported with spiketlm.torch, run through
spiketlm.run: the simulator predicts what PyTorch predicts."""
import os

import numpy as np
import pytest

from export_common import T, cli_json, make_data, predictions, st, torch, train

import spiketlm


@pytest.fixture(scope="module")
def mlp():
    x, y = make_data(1300, noise=0.9)
    model = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(144, 64, bias=True), st.LIF(),          # a bias without BatchNorm
        torch.nn.Linear(64, 32, bias=True), torch.nn.BatchNorm1d(32), st.IF(reset="hard"),
        torch.nn.Linear(32, 10, bias=True))                     # the output layer's bias (FORMAT.md 2)
    secs = train(model, x[:1000], y[:1000], epochs=4)
    return model.eval(), x[1000:], y[1000:], secs


def test_mlp_runs_as_pytorch_predicts(mlp, paths, tmp_path):
    model, x, y, secs = mlp
    out = str(tmp_path / "mlp")
    res = st.export_bundle(model, x, out, timesteps=T, labels=y)
    print(res, f"(trained in {secs:.1f} s)")
    torch_pred = st.predict(model, x, T).numpy()       # x holds multiples of 1/255: exported exactly
    assert (torch_pred == res.float_predictions).all()
    assert res.float_accuracy > 0.5 and len(set(torch_pred)) >= 8, "the model must have learnt something"
    assert (np.load(os.path.join(out, "fc6.bias.npy")) == model[6].bias.detach().numpy()).all()
    r = spiketlm.run(paths.sata, trace=out, samples=len(x), per_sample=True)
    sim = predictions(r)
    assert r["summary"]["reference_mismatch_samples"] == 0      # C++ golden/SATA == the numpy integer model
    assert (sim == res.int_predictions).all()
    assert (sim == torch_pred).mean() >= 0.99
    assert r["summary"]["accuracy_pct"] == pytest.approx(100 * (sim == y.numpy()).mean())
    assert spiketlm.as_cli_json(r) == cli_json(paths, tmp_path, [paths.sata, "--trace", out, "--samples", str(len(x)), "--per-sample"])


def test_mlp_on_spikeflow_and_spike_input(mlp, paths, tmp_path):
    model, x, y, _ = mlp
    spikes = (torch.rand((len(x), T) + tuple(x.shape[1:]), generator=torch.Generator().manual_seed(1))
              < x.unsqueeze(1)).float()
    out = str(tmp_path / "mlp_spikes")
    res = st.export_bundle(model, spikes, out, timesteps=T, encoding="spikes")   # labels: PyTorch's predictions
    assert (res.labels == st.predict(model, spikes, T, encoding="spikes").numpy()).all()
    assert np.load(os.path.join(out, "inputs.npy")).shape == (len(x), T, 1, 12, 12)
    r = spiketlm.run(paths.spikeflow, trace=out, samples=len(x), per_sample=True)
    assert r["summary"]["reference_mismatch_samples"] == 0
    assert (predictions(r) == res.int_predictions).all()
    assert r["summary"]["accuracy_pct"] / 100 == pytest.approx(res.agreement) and res.agreement >= 0.99


@pytest.mark.parametrize("encoding", ["poisson", "rate"])
def test_mlp_with_spikes_made_in_the_simulator(mlp, paths, tmp_path, encoding):
    model, x, y, _ = mlp
    out = str(tmp_path / encoding)
    res = st.export_bundle(model, x, out, timesteps=T, encoding=encoding, seed=7, labels=y)
    text = open(os.path.join(out, "trace.yaml")).read()
    assert f"encoding: {encoding}\n  dtype: uint8\n  seed: 7\n" in text and "scale:" not in text.split("layers:")[0]
    assert np.load(os.path.join(out, "inputs.npy")).shape == (len(x), 1, 12, 12)
    r = spiketlm.run(paths.sata, trace=out, samples=len(x), per_sample=True)
    assert r["summary"]["reference_mismatch_samples"] == 0     # the simulator's encoder made the spikes spiketlm.encode made
    assert (predictions(r) == res.int_predictions).all()
    assert (predictions(r) == res.float_predictions).mean() >= 0.99

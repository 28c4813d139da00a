"""A small convolutional SNN trained here for a few seconds, exported with spiketlm.torch, run
through spiketlm.run on SATA and SpikeFlow: the simulator predicts what PyTorch predicts."""
import numpy as np
import pytest

from export_common import T, cli_json, make_data, predictions, st, torch, train

import spiketlm


@pytest.fixture(scope="module")
def conv():
    x, y = make_data(1200, classes=6, noise=0.6, seed=2)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), st.LIF(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, bias=True), nn.BatchNorm2d(16), st.LIF(leak=0.5, gain=0.5, reset="hard"),
        nn.AvgPool2d(2),
        nn.Flatten(), nn.Dropout(0.1),
        nn.Linear(16 * 3 * 3, 6, bias=False))
    secs = train(model, x[:1000], y[:1000], epochs=3)
    return model.eval(), x[1000:], y[1000:], secs


def test_conv_runs_as_pytorch_predicts(conv, paths, tmp_path):
    model, x, y, secs = conv
    out = str(tmp_path / "conv")
    res = st.export_bundle(model, x, out, timesteps=T, labels=y)
    print(res, f"(trained in {secs:.1f} s)")
    torch_pred = st.predict(model, x, T).numpy()
    assert (torch_pred == res.float_predictions).all()
    assert res.float_accuracy > 0.5 and len(set(torch_pred)) == 6, "the model must have learnt something"
    for config in (paths.sata, paths.spikeflow):
        r = spiketlm.run(config, trace=out, samples=len(x), per_sample=True)
        sim = predictions(r)
        assert r["summary"]["reference_mismatch_samples"] == 0, config
        assert (sim == res.int_predictions).all(), config
        assert (sim == torch_pred).mean() >= 0.99, config
    assert spiketlm.as_cli_json(r) == cli_json(paths, tmp_path, [paths.spikeflow, "--trace", out, "--samples", str(len(x)), "--per-sample"])


def test_conv_bundle_holds_the_recipe(conv, tmp_path):
    model, x, y, _ = conv
    res = st.export_bundle(model, x[:20], str(tmp_path / "c"), timesteps=T, labels=y[:20])
    text = (tmp_path / "c" / "trace.yaml").read_text()
    # conv with bias + BN: the bias is the layer's `bias` (FORMAT.md 4.3), the BN as trained;
    # LIF(leak 0.5, gain 0.5, hard) as integers
    assert (np.load(tmp_path / "c" / "conv4.bias.npy") == model[4].bias.detach().numpy()).all()
    assert (np.load(tmp_path / "c" / "conv4.bn.running_mean.npy") == model[5].running_mean.numpy()).all()
    assert "conv0.bias.npy" not in text and not (tmp_path / "c" / "conv0.bias.npy").exists()
    assert "leak_num: 1\n      leak_shift: 1\n      reset: hard" in text
    assert "threshold: 4096\n      gain: 0.5\n" in text
    assert "type: avgpool2d" in text and "type: maxpool2d" in text and "Dropout" not in text
    w = np.load(tmp_path / "c" / "fc10.weight.npy")
    assert w.dtype == np.int8 and np.abs(w).max() == 127
    assert res.input_scale == 1 / 255

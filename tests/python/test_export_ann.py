"""A small ReLU ANN (conv + BN + avgpool + linear with biases) trained here for a few seconds in
plain PyTorch, exported with spiketlm.torch.export_ann as an ANN bundle (FORMAT.md 8), run on
SATA and SpikeFlow: the logits are bit-exact against an integer forward pass written here from
the bundle's files, and the predictions agree with the float model."""
import os

import numpy as np
import pytest
import yaml

from export_common import make_data, predictions, st, torch

import spiketlm


def _conv(x, w, stride, pad):
    n, c, h, wd = x.shape
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    out = np.zeros((n, w.shape[0], oh, ow), np.int64)
    for ky in range(k):
        for kx in range(k):
            patch = xp[:, :, ky:ky + stride * oh:stride, kx:kx + stride * ow:stride]
            out += np.einsum("nchw,kc->nkhw", patch, w[:, :, ky, kx].astype(np.int64))
    return out


def reference_logits(path):
    """The integer forward pass of FORMAT.md 8.2 from the bundle's stored integers (independent of
    spiketlm.intmodel): accumulate, (acc * multiplier + offset) >> shift, clamp to [0, 2^B - 1]; the
    output layer adds its bias in accumulation units, round(bias / (weight_scale x input scale))
    (FORMAT.md 2), the input scale following the ReLU scales and average pools."""
    y = yaml.safe_load(open(os.path.join(path, "trace.yaml")))
    load = lambda f: np.load(os.path.join(path, f))  # noqa: E731
    x = load(y["input"]["data"]).astype(np.int64)
    scale = float(y["input"]["scale"])
    for L in y["layers"]:
        if L["type"] == "avgpool2d":
            k = L["kernel"]
            scale /= k * k
            n, c, h, w = x.shape
            x = x[:, :, :h // k * k, :w // k * k].reshape(n, c, h // k, k, w // k, k).sum((3, 5))
            continue
        if L["type"] == "flatten":
            x = x.reshape(len(x), -1, 1, 1)
            continue
        w = load(L["weight"])
        acc = (_conv(x, w, L.get("stride", 1), L.get("padding", 0)) if L["type"] == "conv2d"
               else (x.reshape(len(x), -1) @ w.astype(np.int64).T)[:, :, None, None])
        if L["neuron"] == "none":
            if "bias" in L:
                ws = load(L["weight_scale"]).astype(np.float64)
                acc = acc + np.rint(load(L["bias"]).astype(np.float64) / (ws * scale)).astype(np.int64)[None, :, None, None]
            return acc.reshape(len(x), -1)
        fx = L["fixed_point"]
        m, o = load(fx["multiplier"]).astype(np.int64), load(fx["offset"]).astype(np.int64)
        cur = (acc * m[None, :, None, None] + o[None, :, None, None]) >> int(fx["shift"])
        x = np.clip(cur, 0, (1 << L["neuron"]["bits"]) - 1)
        scale = float(L["neuron"]["scale"])
    raise AssertionError("no output layer")


@pytest.fixture(scope="module")
def ann():
    x, y = make_data(1300, noise=0.9)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, bias=True), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.AvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(8 * 5 * 5, 32, bias=True), torch.nn.ReLU(),
        torch.nn.Linear(32, 10, bias=True))  # the output layer's bias (FORMAT.md 2)
    opt = torch.optim.Adam(model.parameters(), 5e-3)
    model.train()
    for _ in range(3):
        perm = torch.randperm(1000)
        for i in range(0, 1000, 50):
            idx = perm[i:i + 50]
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval(), x[1000:], y[1000:]


@pytest.mark.parametrize("bits", [8, 4])
def test_ann_runs_bit_exact_on_both_platforms(ann, paths, tmp_path, bits):
    model, x, y = ann
    out = str(tmp_path / f"ann{bits}")
    res = st.export_ann(model, x, out, bits=bits, labels=y)
    print(res)
    with torch.no_grad():
        torch_pred = model(x).argmax(1).numpy()        # x holds multiples of 1/255: exported exactly
    assert (torch_pred == res.float_predictions).all()
    assert res.float_accuracy > 0.5 and len(set(torch_pred)) >= 8, "the model must have learnt something"
    ref = reference_logits(out)
    assert (ref == res.int_outputs[:, 0]).all()          # intmodel == the forward pass written above
    assert (ref.argmax(1) == torch_pred).mean() >= (0.97 if bits == 8 else 0.8)
    for pl in (paths.sata, paths.spikeflow):
        r = spiketlm.run(pl, trace=out, samples=len(x), per_sample=True)
        assert r["summary"]["reference_mismatch_samples"] == 0, pl     # the platform's logits == ref
        assert (predictions(r) == ref.argmax(1)).all(), pl


def test_ann_export_errors(ann, tmp_path):
    model, x, _ = ann
    with pytest.raises(st.ExportError, match="bits: expected an integer in \\[2, 8\\], got 9"):
        st.export_ann(model, x, str(tmp_path / "a"), bits=9)
    with pytest.raises(st.ExportError, match="scales: expected 2 positive values"):
        st.export_ann(model, x, str(tmp_path / "b"), scales=[0.1])
    snn = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(144, 16), st.LIF(), torch.nn.Linear(16, 10, bias=False))
    with pytest.raises(st.ExportError, match="expected ReLU in an ANN"):
        st.export_ann(snn, x, str(tmp_path / "c"))
    with pytest.raises(st.ExportError, match="ReLU: an SNN bundle has LIF/IF neurons"):
        st.export_bundle(model, x, str(tmp_path / "d"), timesteps=2)
    assert not os.path.exists(tmp_path / "a") and not os.path.exists(tmp_path / "d")

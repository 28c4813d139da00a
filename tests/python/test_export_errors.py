"""spiketlm.torch.export_bundle on models and inputs it cannot export: one-line errors naming the
module, nothing written; and the small pieces of the recipe."""
import os
import warnings

import numpy as np
import pytest

from export_common import st, torch

nn = torch.nn


def lin(i, o, bias=False):
    return nn.Linear(i, o, bias=bias)


@pytest.mark.parametrize("layers,message", [
    ([lin(4, 3), nn.ReLU(), lin(3, 2)], "1: ReLU: an SNN bundle has LIF/IF neurons; export a ReLU network with spiketlm.torch.export_ann"),
    ([lin(4, 3), st.LIF(), st.LIF(), lin(3, 2)], "2: LIF: expected it right after a Conv2d or Linear"),
    ([lin(4, 3), st.LIF(), lin(3, 2), st.LIF()], "2: expected the last Conv2d/Linear to be the output layer"),
    ([lin(4, 3), lin(3, 2)], "0: expected a LIF or IF after this hidden layer"),
    ([lin(4, 3), st.LIF(), lin(3, 2), nn.BatchNorm1d(2)], "2: BatchNorm after the output layer"),
    ([nn.MaxPool2d(2), lin(4, 2)], "expected a Conv2d or Linear first"),
    ([lin(5, 3), st.LIF(), lin(3, 2)], "0: expected 5 input features, got 4"),
    ([nn.Conv2d(1, 2, 3, dilation=2, bias=False), st.LIF(), nn.Flatten(), lin(2, 2)], "0: expected groups 1, dilation 1"),
    ([lin(4, 3), st.LIF(leak=1.5), lin(3, 2)], "1: leak: expected a value in [0, 1], got 1.5"),
])
def test_unexportable_models_name_the_module(layers, message, tmp_path):
    model = nn.Sequential(*layers)
    out = tmp_path / "b"
    with pytest.raises(st.ExportError) as e:
        st.export_bundle(model, torch.rand(3, 4), str(out), timesteps=2)
    assert message in str(e.value) and "\n" not in str(e.value)
    assert not out.exists() and os.listdir(tmp_path) == []


def test_not_a_sequential(tmp_path):
    with pytest.raises(st.ExportError, match="model: expected an nn.Sequential"):
        st.export_bundle(nn.Linear(4, 2), torch.rand(3, 4), str(tmp_path / "b"), timesteps=2)


def test_bad_inputs(tmp_path):
    model = nn.Sequential(lin(4, 3), st.LIF(), lin(3, 2))
    with pytest.raises(st.ExportError, match=r"expected 0/1 spikes \[N, T=2, \.\.\.\]"):
        st.export_bundle(model, torch.rand(3, 2, 4), str(tmp_path / "b"), timesteps=2, encoding="spikes")
    with pytest.raises(st.ExportError, match="encoding: expected 'direct', 'spikes', 'poisson' or 'rate', got 'morse'"):
        st.export_bundle(model, torch.rand(3, 4), str(tmp_path / "b"), timesteps=2, encoding="morse")
    with pytest.raises(st.ExportError, match=r"seed: expected an integer in \[0, 2\^62\] for encoding 'poisson', got None"):
        st.export_bundle(model, torch.rand(3, 4), str(tmp_path / "b"), timesteps=2, encoding="poisson")
    with pytest.raises(st.ExportError, match=r"expected values in \[0, 1\] for encoding 'rate'"):
        st.export_bundle(model, torch.rand(3, 4) * 2, str(tmp_path / "b"), timesteps=2, encoding="rate", seed=1)
    assert os.listdir(tmp_path) == []


def test_a_directory_that_is_not_a_bundle_is_not_replaced(tmp_path):
    model = nn.Sequential(lin(4, 3), st.LIF(), lin(3, 2))
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("precious")
    with pytest.raises(FileExistsError, match="not replacing it"):
        st.export_bundle(model, torch.rand(3, 4), str(keep), timesteps=2)
    assert os.listdir(keep) == ["notes.txt"] and sorted(os.listdir(tmp_path)) == ["mine"]
    b = tmp_path / "b"
    st.export_bundle(model, torch.rand(3, 4), str(b), timesteps=2)
    first = (b / "inputs.npy").read_bytes()
    st.export_bundle(model, torch.rand(5, 4), str(b), timesteps=2)       # a bundle is replaced whole
    assert (b / "inputs.npy").read_bytes() != first and sorted(os.listdir(tmp_path)) == ["b", "mine"]


def test_hardware_leak():
    assert st.hardware_leak(0.25) == (1, 2)
    assert st.hardware_leak(0.75) == (3, 2)
    assert st.hardware_leak(1.0) == (1, 0) and st.hardware_leak(0.0) == (0, 0)
    assert st.hardware_leak(1 - 1 / 64) == (63, 6)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert st.hardware_leak(0.9) == (58982, 16)        # round(0.9 * 65536) = 58982.4 -> 58982
    assert "0.9 is not k/2^n" in str(w[0].message)


def test_quantize_input():
    q, s = st.quantize_input(np.array([0.0, 1 / 255, 0.5, 1.0]))
    assert s == 1 / 255 and q.dtype == np.uint8 and q.tolist() == [0, 1, 128, 255]   # 127.5 -> 128
    q, s = st.quantize_input(np.array([0.0, 2.0, 4.0]))
    assert s == 4.0 / 255 and q.tolist() == [0, 128, 255]
    q, s = st.quantize_input(np.array([-1.0, 0.5, 0.25]))
    assert s == 1.0 / 127 and q.dtype == np.int8 and q.tolist() == [-127, 64, 32]       # 63.5 -> 64
    q, s = st.quantize_input(np.array([0.1, 0.2]), scale=0.1)
    assert s == 0.1 and q.tolist() == [1, 2]


def test_lif_neuron_steps():
    lif = st.LIF(leak=0.5, gain=1.0, threshold=1.0, reset="soft")
    x = torch.tensor([[0.6, 1.2, -0.5]])
    # v1 = [0.6, 1.2 -> fires, -0.5]; soft reset: [0.6, 0.2, -0.5]; v2 = 0.5 v1 + x = [0.9, 1.3 -> fires, -0.75]
    assert lif(x).tolist() == [[0.0, 1.0, 0.0]]
    assert lif(x).tolist() == [[0.0, 1.0, 0.0]]
    assert torch.allclose(lif.v, torch.tensor([[0.9, 0.3, -0.75]]))
    hard = st.LIF(leak=0.5, gain=1.0, reset="hard")
    hard(torch.tensor([[1.5]]))
    assert hard.v.tolist() == [[0.0]]
    shared = st.LIF(leak=1.0, gain=1.0, share=2)     # C#2: channel 1 updates the membrane channel 0 left
    assert shared(torch.tensor([[0.6, 0.6]])).tolist() == [[0.0, 1.0]]
    st.reset_state(nn.Sequential(shared))
    assert shared.v is None

"""spiketlm.torch.export_nir: the file has the NIR layout (read back with h5py as the spec
lays it out), and an independent numpy simulation of the NIR graph (forward Euler, the spec's
neuron equations) predicts what the PyTorch model predicts."""
import h5py
import numpy as np
import pytest

from export_common import T, make_data, st, torch, train

F = torch.nn.functional
DT = 1e-3


def read_nir(path):
    with h5py.File(path, "r") as f:
        version = f["version"][()].decode()
        assert f["node/type"][()] == b"NIRGraph"
        edges = [(a.decode(), b.decode()) for a, b in f["node/edges"][()]]
        nodes = {}
        for name, g in f["node/nodes"].items():
            d = {k: (v[()].decode() if isinstance(v[()], bytes) else v[()]) for k, v in g.items() if k != "metadata"}
            d["metadata"] = {k: v[()].decode() for k, v in g["metadata"].items()} if "metadata" in g else {}
            nodes[name] = d
    return version, nodes, edges


def chain(edges):
    nxt = dict(edges)
    order = ["input"]
    while order[-1] in nxt:
        order.append(nxt[order[-1]])
    assert len(order) == len(edges) + 1 and order[-1] == "output"
    return order


def simulate(nodes, order, x, steps):
    """The NIR graph in numpy (convolutions and pools through torch.nn.functional on the file's
    arrays): per step, Euler for LIF (tau dv/dt = v_leak - v + r I) and IF (dv/dt = r I),
    fire on v > v_threshold, reset to v_reset ('zero') or by subtraction ('subtract')."""
    v, total = {}, 0
    for _ in range(steps):
        h = x.astype(np.float64)
        for name in order[1:-1]:
            n = nodes[name]
            if n["type"] == "Conv2d":
                h = F.conv2d(torch.tensor(h), torch.tensor(n["weight"], dtype=torch.float64),
                             torch.tensor(n["bias"], dtype=torch.float64), tuple(n["stride"]),
                             tuple(n["padding"])).numpy()
            elif n["type"] in ("Affine", "Linear"):
                h = h @ n["weight"].T.astype(np.float64) + (n["bias"] if n["type"] == "Affine" else 0)
            elif n["type"] == "AvgPool2d":
                h = F.avg_pool2d(torch.tensor(h), tuple(n["kernel_size"]), tuple(n["stride"]),
                                 tuple(n["padding"])).numpy()
            elif n["type"] == "Flatten":
                assert list(h.shape[1:]) == list(n["input_type"])
                h = h.reshape(h.shape[0], -1)
            elif n["type"] in ("LIF", "IF"):
                u = v.get(name, np.zeros_like(h))
                if n["type"] == "LIF":
                    u = u + DT / n["tau"] * (n["v_leak"] - u + n["r"] * h)
                else:
                    u = u + DT * n["r"] * h
                z = u > n["v_threshold"]
                u = np.where(z, n["v_reset"], u) if n["metadata"]["reset"] == "zero" else u - z * n["v_threshold"]
                v[name], h = u, z.astype(np.float64)
            else:
                raise AssertionError(n["type"])
        total = total + h
    return total.argmax(1)


@pytest.fixture(scope="module")
def conv():
    x, y = make_data(1200, classes=6, noise=0.6, seed=3)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, bias=True), nn.BatchNorm2d(8), st.LIF(leak=0.75, gain=0.5),
        nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(8 * 6 * 6, 32, bias=False), st.IF(reset="hard"),
        nn.Linear(32, 6, bias=True))
    train(model, x[:1000], y[:1000], epochs=3)
    return model.eval(), x[1000:], y[1000:]


def test_nir_layout_and_semantics(conv, tmp_path):
    model, x, y = conv
    path = str(tmp_path / "conv.nir")
    names = st.export_nir(model, path, (1, 12, 12), dt=DT)
    version, nodes, edges = read_nir(path)
    assert version == st.nir.NIR_VERSION
    order = chain(edges)
    assert order == names
    assert [nodes[n]["type"] for n in order] == ["Input", "Conv2d", "LIF", "AvgPool2d", "Flatten", "Linear", "IF",
                                                 "Affine", "Output"]
    assert list(nodes["input"]["shape"]) == [1, 12, 12] and list(nodes["output"]["shape"]) == [6]
    lif = nodes[order[2]]
    assert lif["tau"].shape == (8, 12, 12) and np.allclose(lif["tau"], DT / 0.25) and np.allclose(lif["r"], 2.0)
    assert lif["metadata"]["reset"] == "subtract" and nodes[order[6]]["metadata"]["reset"] == "zero"
    assert np.allclose(nodes[order[6]]["r"], 1 / DT)
    conv_node = nodes[order[1]]
    assert list(conv_node["input_shape"]) == [12, 12] and conv_node["groups"] == 1
    torch_pred = st.predict(model, x, T).numpy()
    nir_pred = simulate(nodes, order, x.numpy(), T)
    assert (torch_pred == y.numpy()).mean() > 0.5
    assert (nir_pred == torch_pred).mean() >= 0.99


def test_nir_refuses_what_it_cannot_say(tmp_path):
    nn = torch.nn
    with pytest.raises(st.ExportError, match="2: MaxPool2d: NIR has no max pooling"):
        st.export_nir(nn.Sequential(nn.Conv2d(1, 2, 3, bias=False), st.LIF(), nn.MaxPool2d(2), nn.Flatten(),
                                    nn.Linear(2 * 5 * 5, 3, bias=False)), str(tmp_path / "a.nir"), (1, 12, 12))
    with pytest.raises(st.ExportError, match="share=2: NIR has no channel-shared neurons"):
        st.export_nir(nn.Sequential(nn.Linear(4, 4, bias=False), st.LIF(share=2), nn.Linear(4, 2, bias=False)),
                      str(tmp_path / "b.nir"), (4,))
    assert not (tmp_path / "a.nir").exists() and not (tmp_path / "b.nir").exists()

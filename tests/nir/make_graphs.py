"""NIR graphs for the importer's tests, written with h5py in the layout of the NIR
specification's serialisation (neuromorphs/NIR, nir/serialization.py): a string dataset
`version`, a group `node` with `type` = "NIRGraph", `nodes/<name>/` groups holding `type` and
the node's fields (arrays gzip-compressed as the reference writer does), and `edges`, an [E, 2]
array of node names. Weights are drawn with a fixed seed and scaled so that every layer fires.

usage: make_graphs.py OUT_DIR [NAME...]   (default: every graph)
"""
import sys

import h5py
import numpy as np

DT = 1e-4          # the importer's default step: LIF tau 1e-3 -> leak 0.9, r = tau / dt -> gain 1
VERSION = "1.0.7"


def write(path, nodes, edges, version=VERSION, graph_metadata=None):
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data=version, dtype=h5py.string_dtype())
        g = f.create_group("node")
        g.create_dataset("type", data="NIRGraph", dtype=h5py.string_dtype())
        ns = g.create_group("nodes")
        for name, fields in nodes.items():
            n = ns.create_group(name)
            for k, v in fields.items():
                if k == "metadata":
                    m = n.create_group("metadata")
                    for mk, mv in v.items():
                        m.create_dataset(mk, data=mv, dtype=h5py.string_dtype())
                elif isinstance(v, str):
                    n.create_dataset(k, data=v, dtype=h5py.string_dtype())
                elif isinstance(v, np.ndarray) and v.ndim > 0:
                    n.create_dataset(k, data=v, dtype=v.dtype, compression="gzip")
                else:
                    n.create_dataset(k, data=v)
        g.create_dataset("edges", data=np.array(edges, dtype=object), dtype=h5py.string_dtype())
        if graph_metadata:
            m = g.create_group("metadata")
            for k, v in graph_metadata.items():
                m.create_dataset(k, data=v)


def chain(names):
    return [(a, b) for a, b in zip(names[:-1], names[1:])]


def lif(shape, tau=1e-3, thr=1.0, v_leak=0.0, v_reset=0.0):
    f = lambda v: np.full(shape, v, np.float32)  # noqa: E731
    return {"type": "LIF", "tau": f(tau), "r": f(tau / DT), "v_leak": f(v_leak), "v_threshold": f(thr), "v_reset": f(v_reset)}


def if_(shape, thr=1.0):
    return {"type": "IF", "r": np.full(shape, 1.0 / DT, np.float32), "v_threshold": np.full(shape, thr, np.float32)}


def conv2d(rng, cout, cin, k, hw, stride=1, pad=1, dil=1, groups=1, gain=1.0, bias=0.05):
    w = rng.normal(0.0, gain / np.sqrt(cin // groups * k * k), (cout, cin // groups, k, k)).astype(np.float32)
    return {"type": "Conv2d", "weight": w, "bias": rng.normal(bias, 0.05, cout).astype(np.float32),
            "stride": np.array([stride, stride]), "padding": np.array([pad, pad]), "dilation": np.array([dil, dil]),
            "groups": groups, "input_shape": np.array(hw)}


def affine(rng, out, inp, gain=1.0, bias=0.05):
    return {"type": "Affine", "weight": rng.normal(0.0, gain / np.sqrt(inp), (out, inp)).astype(np.float32),
            "bias": rng.normal(bias, 0.05, out).astype(np.float32)}


def conv_if_sumpool(path):
    """A conv SNN with IF neurons and sum pooling (as Sinabs exports them), spike readout."""
    rng = np.random.default_rng(1)
    nodes = {
        "input": {"type": "Input", "shape": np.array([2, 16, 16])},
        "conv1": conv2d(rng, 8, 2, 3, [16, 16], gain=2.5),
        "if1": if_((8, 16, 16)),
        "pool1": {"type": "SumPool2d", "kernel_size": np.array([2, 2]), "stride": np.array([2, 2]), "padding": np.array([0, 0])},
        "conv2": conv2d(rng, 16, 8, 3, [8, 8], stride=2, groups=2, gain=0.9),
        "if2": if_((16, 4, 4)),
        "flat": {"type": "Flatten", "start_dim": 0, "end_dim": -1, "input_type": np.array([16, 4, 4])},
        "fc": affine(rng, 10, 256, gain=3.0),
        "if3": if_((10,)),
        "output": {"type": "Output", "shape": np.array([10])},
    }
    write(path, nodes, chain(list(nodes)))


def linear_lif(path):
    """Linear + LIF layers (as snnTorch exports Leaky), spike readout."""
    rng = np.random.default_rng(2)
    nodes = {
        "input": {"type": "Input", "shape": np.array([64])},
        "fc1": {"type": "Linear", "weight": rng.normal(0.0, 2.0 / 8, (48, 64)).astype(np.float32)},
        "lif1": lif((48,)),
        "fc2": affine(rng, 10, 48, gain=4.0),
        "lif2": lif((10,), tau=2e-3),
        "output": {"type": "Output", "shape": np.array([10])},
    }
    write(path, nodes, chain(list(nodes)))


def cubalif(path):
    """CubaLIF layers whose synaptic time constant is the step (tau_syn = dt: the current is the
    step's input); w_in and v_leak != 0."""
    rng = np.random.default_rng(3)
    f = lambda shape, v: np.full(shape, v, np.float32)  # noqa: E731

    def cuba(n):
        return {"type": "CubaLIF", "tau_syn": f(n, DT), "tau_mem": f(n, 5e-4), "r": f(n, 5.0), "v_leak": f(n, 0.05),
                "v_threshold": f(n, 1.0), "v_reset": f(n, 0.0), "w_in": f(n, 1.5)}
    nodes = {
        "input": {"type": "Input", "shape": np.array([40])},
        "fc1": affine(rng, 32, 40, gain=1.2),
        "cuba1": cuba(32),
        "fc2": affine(rng, 6, 32, gain=2.0),
        "cuba2": cuba(6),
        "output": {"type": "Output", "shape": np.array([6])},
    }
    write(path, nodes, chain(list(nodes)))


def residual(path):
    """A residual block: conv_b's currents plus lif_a's spikes summed into lif_sum."""
    rng = np.random.default_rng(4)
    nodes = {
        "input": {"type": "Input", "shape": np.array([2, 8, 8])},
        "conv_a": conv2d(rng, 6, 2, 3, [8, 8], gain=2.5),
        "lif_a": lif((6, 8, 8)),
        "conv_b": conv2d(rng, 6, 6, 3, [8, 8], gain=1.5),
        "lif_b": lif((6, 8, 8)),
        "conv_c": conv2d(rng, 6, 6, 3, [8, 8], gain=1.0),
        "lif_sum": lif((6, 8, 8), v_leak=0.02),
        "flat": {"type": "Flatten", "start_dim": 0, "end_dim": -1, "input_type": np.array([6, 8, 8])},
        "fc": affine(rng, 10, 384, gain=3.0),
        "lif_out": lif((10,)),
        "output": {"type": "Output", "shape": np.array([10])},
    }
    edges = chain(["input", "conv_a", "lif_a", "conv_b", "lif_b", "conv_c", "lif_sum", "flat", "fc", "lif_out", "output"])
    edges.append(("lif_a", "lif_sum"))
    write(path, nodes, edges)


def mixed(path):
    """The other node types: Scale (folded both ways), Conv1d (stride, padding, dilation,
    groups), Threshold, AvgPool2d on a conv map, Linear, and an Integrator (I) readout."""
    rng = np.random.default_rng(5)
    nodes = {
        "input": {"type": "Input", "shape": np.array([4, 24])},
        "in_scale": {"type": "Scale", "scale": np.full((4, 24), 1.5, np.float32)},
        "c1": {"type": "Conv1d", "weight": rng.normal(0.0, 1.2, (6, 2, 3)).astype(np.float32),
               "bias": rng.normal(0.05, 0.05, 6).astype(np.float32), "stride": 1, "padding": 2, "dilation": 2,
               "groups": 2, "input_shape": 24},
        "th1": {"type": "Threshold", "threshold": np.full((6, 24), 0.5, np.float32)},
        "flat": {"type": "Flatten", "start_dim": 0, "end_dim": -1, "input_type": np.array([6, 24])},
        "fc": {"type": "Linear", "weight": rng.normal(0.0, 0.3, (5, 144)).astype(np.float32)},
        "sc": {"type": "Scale", "scale": np.array([1.0, 2.0, 0.5, 1.0, 1.5], np.float32)},
        "integ": {"type": "I", "r": np.full(5, 1.0 / DT, np.float32)},
        "output": {"type": "Output", "shape": np.array([5])},
    }
    write(path, nodes, chain(list(nodes)))


def avgpool(path):
    """Average pooling of spikes into a second convolution (non-square: 1 x 3 kernel), current
    readout (the last Affine straight into the Output)."""
    rng = np.random.default_rng(6)
    c2 = conv2d(rng, 8, 6, 3, [6, 6], gain=4.0)
    c2["weight"] = c2["weight"][:, :, 1:2, :].copy()   # 1 x 3
    c2["padding"] = np.array([0, 1])
    nodes = {
        "input": {"type": "Input", "shape": np.array([1, 12, 12])},
        "c1": conv2d(rng, 6, 1, 3, [12, 12], gain=2.0),
        "l1": lif((6, 12, 12), tau=5e-4),
        "pool": {"type": "AvgPool2d", "kernel_size": np.array([2, 2]), "stride": np.array([2, 2]), "padding": np.array([0, 0])},
        "c2": c2,
        "l2": lif((8, 6, 6)),
        "flat": {"type": "Flatten", "start_dim": 0, "end_dim": -1, "input_type": np.array([8, 6, 6])},
        "fc": {"type": "Linear", "weight": rng.normal(0.0, 0.2, (4, 288)).astype(np.float32)},
        "output": {"type": "Output", "shape": np.array([4])},
    }
    write(path, nodes, chain(list(nodes)))


def li_readout(path):
    """Linear + LIF, then an Affine into a leaky integrator (LI) readout (snnTorch's and Norse's
    non-spiking output): tau 1.25e-4 at dt 1e-4 is a leak of 0.2 per step, r = 2 and v_leak 0.1 fold
    into the output weights and bias; the class is the argmax of the last membrane."""
    rng = np.random.default_rng(7)
    f = lambda v: np.full(10, v, np.float32)  # noqa: E731
    nodes = {
        "input": {"type": "Input", "shape": np.array([64])},
        "fc1": {"type": "Linear", "weight": rng.normal(0.0, 2.0 / 8, (48, 64)).astype(np.float32)},
        "lif1": lif((48,)),
        "fc2": affine(rng, 10, 48, gain=2.0),
        "li": {"type": "LI", "tau": f(1.25e-4), "r": f(2.0), "v_leak": f(0.1)},
        "output": {"type": "Output", "shape": np.array([10])},
    }
    write(path, nodes, chain(list(nodes)))


GRAPHS = {"conv_if_sumpool": conv_if_sumpool, "linear_lif": linear_lif, "cubalif": cubalif, "residual": residual,
          "mixed": mixed, "avgpool": avgpool, "li_readout": li_readout}

if __name__ == "__main__":
    out = sys.argv[1]
    for name in sys.argv[2:] or GRAPHS:
        GRAPHS[name](f"{out}/{name}.nir")

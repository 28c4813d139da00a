"""export_nir: a Sequential-style PyTorch SNN (the models export_bundle takes, without MaxPool2d)
as a NIR graph file (Neuromorphic Intermediate Representation, HDF5), written with h5py as the
NIR specification lays it out, for `spiketlm import` / `spiketlm run --nir` and other NIR tools.

Layout: a string dataset `version`, a group `node` with `type` = "NIRGraph", a group `nodes`
holding one group per node (`type` and the node's fields as datasets) and `edges`, an [E, 2]
array of node names. Nodes, in order: `input` (Input, shape [C, H, W] or [F]), one per layer,
`output` (Output, shape [classes]). Float weights as trained: the quantization is the importer's.

Mapping (forward Euler with step dt, the discretisation a NIR simulator applies):
  Conv2d / Linear + BatchNorm  -> Conv2d / Affine with BN folded: w' = w g / sqrt(var + eps),
                                  b' = (b - mean) g / sqrt(var + eps) + beta (Linear without bias
                                  and BN -> Linear)
  LIF(leak, gain, threshold)   -> LIF: tau dv/dt = (v_leak - v) + r I with tau = dt / (1 - leak),
                                  r = gain / (1 - leak), v_leak 0, v_threshold = threshold,
                                  v_reset 0; one Euler step is v = leak v + gain I
  IF(threshold)                -> IF: dv/dt = r I with r = gain / dt
  LI(leak) after the output    -> LI: tau = dt / (1 - leak), r = 1 / (1 - leak), v_leak 0 (one
                                  Euler step is v = leak v + I); leak 1 -> I with r = 1 / dt
  AvgPool2d -> AvgPool2d; Flatten -> Flatten (start_dim 0 of the unbatched shape)
NIR neurons reset to v_reset (hard reset). A soft (subtractive) reset has no NIR field: the
node gets `metadata/reset` = "subtract" (hard-reset neurons get "zero"), which a plain NIR reader
ignores. Every parameter array has the neuron layer's shape.
"""
import numpy as np

from .plan import ExportError, plan

__all__ = ["export_nir", "NIR_VERSION"]

NIR_VERSION = "1.0.7"   # the NIR release whose layout (nir/serialization.py) this writes


def _f32(t):
    return t.detach().cpu().numpy().astype(np.float32)


def _affine(ly):
    m, bn = ly["module"], ly["bn"]
    w = _f32(m.weight).astype(np.float64)
    b = _f32(m.bias).astype(np.float64) if m.bias is not None else np.zeros(w.shape[0])
    if bn is not None:
        g = (_f32(bn.weight) if bn.affine else np.ones(w.shape[0], np.float32)).astype(np.float64)
        beta = (_f32(bn.bias) if bn.affine else np.zeros(w.shape[0], np.float32)).astype(np.float64)
        r = g / np.sqrt(_f32(bn.running_var).astype(np.float64) + float(bn.eps))
        w = w * r.reshape(-1, *([1] * (w.ndim - 1)))
        b = (b - _f32(bn.running_mean)) * r + beta
    return w.astype(np.float32), b.astype(np.float32), (m.bias is not None or bn is not None)


def _leaky(kind, shape, leak, gain, dt):
    """A leaky NIR node (LIF, LI) whose forward-Euler step of length dt is v = leak v + gain I:
    tau = dt / (1 - leak), r = gain / (1 - leak), v_leak 0."""
    full = lambda v: np.full(shape, v, np.float32)  # noqa: E731
    return {"type": kind, "tau": full(dt / (1.0 - leak)), "r": full(gain / (1.0 - leak)), "v_leak": full(0.0)}


def _neuron_node(nr, shape, dt, name):
    full = lambda v: np.full(shape, v, np.float32)  # noqa: E731
    meta = {"reset": "subtract" if nr.reset == "soft" else "zero"}
    if nr.share != 1:
        raise ExportError(f"{name}: share={nr.share}: NIR has no channel-shared neurons")
    if nr.model == "if" or nr.leak == 1.0:
        return {"type": "IF", "r": full(nr.gain / dt), "v_threshold": full(nr.threshold), "v_reset": full(0.0),
                "metadata": meta}
    if not 0.0 <= nr.leak < 1.0:
        raise ExportError(f"{name}: leak: expected a value in [0, 1], got {nr.leak}")
    return {**_leaky("LIF", shape, nr.leak, nr.gain, dt), "v_threshold": full(nr.threshold), "v_reset": full(0.0),
            "metadata": meta}


def graph(model, input_shape, dt):
    """(nodes, edges): the NIR graph of `model` as dicts of numpy arrays / ints / strings."""
    feat = tuple(int(d) for d in input_shape)
    shape3 = feat if len(feat) == 3 else (feat[0], 1, 1)
    nodes = {"input": {"type": "Input", "shape": np.array(feat, np.int64)}}
    order = ["input"]
    cur = feat
    for ly in plan(model, shape3):
        name, t = ly["name"], ly["type"]
        if t == "maxpool2d":
            raise ExportError(f"{ly['torch_name']}: MaxPool2d: NIR has no max pooling node (use AvgPool2d)")
        if t in ("conv2d", "linear"):
            w, b, biased = _affine(ly)
            if t == "conv2d":
                k = ly["kernel"]
                nodes[name] = {"type": "Conv2d", "input_shape": np.array(cur[1:], np.int64), "weight": w,
                               "bias": b, "stride": np.array([ly["stride"]] * 2, np.int64),
                               "padding": np.array([ly["padding"]] * 2, np.int64),
                               "dilation": np.array([1, 1], np.int64), "groups": 1}
                H = (cur[1] + 2 * ly["padding"] - k) // ly["stride"] + 1
                W = (cur[2] + 2 * ly["padding"] - k) // ly["stride"] + 1
                cur = (w.shape[0], H, W)
            else:
                if len(cur) != 1:   # a bundle's linear flattens its input; NIR needs the node
                    nodes[name + "_flatten"] = {"type": "Flatten", "start_dim": 0, "end_dim": -1,
                                                "input_type": np.array(cur, np.int64)}
                    order.append(name + "_flatten")
                    cur = (int(np.prod(cur)),)
                nodes[name] = ({"type": "Affine", "weight": w, "bias": b} if biased else
                               {"type": "Linear", "weight": w})
                cur = (w.shape[0],)
            order.append(name)
            if ly["firing"]:
                nodes[ly["neuron_name"].replace(".", "_") + "_" + ly["neuron"].model] = _neuron_node(
                    ly["neuron"], cur, dt, ly["neuron_name"])
                order.append(ly["neuron_name"].replace(".", "_") + "_" + ly["neuron"].model)
            if ly.get("readout") is not None:   # LI readout: v = leak v + I (an Integrator when leak is 1)
                lk, rn = ly["readout"].leak, ly["readout_name"].replace(".", "_") + "_li"
                nodes[rn] = ({"type": "I", "r": np.full(cur, 1.0 / dt, np.float32)} if lk == 1.0 else
                             _leaky("LI", cur, lk, 1.0, dt))
                order.append(rn)
        elif t == "avgpool2d":
            k, s, p = ly["kernel"], ly["stride"], ly["padding"]
            nodes[name] = {"type": "AvgPool2d", "kernel_size": np.array([k, k], np.int64),
                           "stride": np.array([s, s], np.int64), "padding": np.array([p, p], np.int64)}
            cur = (cur[0], (cur[1] + 2 * p - k) // s + 1, (cur[2] + 2 * p - k) // s + 1)
            order.append(name)
        elif t == "flatten":
            if len(cur) != 1:
                nodes[name] = {"type": "Flatten", "start_dim": 0, "end_dim": -1, "input_type": np.array(cur, np.int64)}
                order.append(name)
                cur = (int(np.prod(cur)),)
    nodes["output"] = {"type": "Output", "shape": np.array([int(np.prod(cur))], np.int64)}
    order.append("output")
    return nodes, list(zip(order[:-1], order[1:]))


def _write_group(h5py, group, node):
    for k, v in node.items():
        if isinstance(v, dict):
            _write_group(h5py, group.create_group(k), v)
        elif isinstance(v, str):
            group.create_dataset(k, data=v, dtype=h5py.string_dtype())
        else:
            group.create_dataset(k, data=v)


def export_nir(model, path, input_shape, dt=1e-4):
    """Write `model` as the NIR file `path` (HDF5). input_shape: [C, H, W] or [F] of one sample
    (no batch, no time); dt: the time step the importer will use (`spiketlm import --dt`), which
    sets tau and r (module docstring). Returns the node names in execution order."""
    import h5py
    if not dt > 0:
        raise ExportError(f"dt: expected a positive time step, got {dt!r}")
    nodes, edges = graph(model, input_shape, float(dt))
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data=NIR_VERSION, dtype=h5py.string_dtype())
        g = f.create_group("node")
        g.create_dataset("type", data="NIRGraph", dtype=h5py.string_dtype())
        _write_group(h5py, g.create_group("nodes"), nodes)
        g.create_dataset("edges", data=np.array(edges, dtype=object), dtype=h5py.string_dtype())
    return [e[0] for e in edges] + ["output"]

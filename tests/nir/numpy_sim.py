"""An independent numpy simulation of a NIR graph (the tests' check of spiketlm's importer):
reads the file with h5py and runs it with forward Euler of step dt, the discretisation
traces/nir/README.md documents (LIF v += dt/tau (v_leak - v + r I), fire when v > v_threshold,
reset to v_reset; IF v += dt r I; CubaLIF i += dt/tau_syn (w_in I - i) first; LI, I; Threshold;
spiking neurons start at v_reset). Inputs are summed where several edges meet.

usage: numpy_sim.py MODEL.nir INPUTS.npy DT OUT.npz
  INPUTS [N, T, *shape] (spikes or values per timestep); OUT: `outputs` [N, T, K] and `pred` [N]
  (argmax of the summed outputs, or of the last one for an LI / I readout; ties to the lowest).
"""
import sys

import h5py
import numpy as np


def read(path):
    def s(x):
        x = x[()]
        return x.decode() if isinstance(x, bytes) else x
    with h5py.File(path, "r") as f:
        nodes = {}
        for name, g in f["node/nodes"].items():
            nodes[name] = {k: s(v) for k, v in g.items() if isinstance(v, h5py.Dataset)}
            if "metadata" in g:
                nodes[name]["metadata"] = {k: s(v) for k, v in g["metadata"].items()}
        edges = [(a.decode(), b.decode()) for a, b in f["node/edges"][()]]
    return nodes, edges


def pair(v):
    v = np.atleast_1d(np.asarray(v)).astype(int)
    return (int(v[0]), int(v[-1]))


def conv(x, n, one_d):
    w = np.asarray(n["weight"], np.float64)
    if one_d:
        x, w = x[:, None, :], w[:, :, None, :]
    s, d, g = pair(n["stride"]), pair(n["dilation"]), int(n["groups"])
    p = pair(n["padding"])
    if one_d:
        s, d, p = (1, s[0]), (1, d[0]), (0, p[0])
    C, H, W = x.shape
    K, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (p[0], p[0]), (p[1], p[1])))
    OH = (H + 2 * p[0] - d[0] * (kh - 1) - 1) // s[0] + 1
    OW = (W + 2 * p[1] - d[1] * (kw - 1) - 1) // s[1] + 1
    out = np.zeros((K, OH, OW))
    kg = K // g
    for k in range(K):
        grp = k // kg
        for c in range(cg):
            for i in range(kh):
                for j in range(kw):
                    patch = xp[grp * cg + c, i * d[0]: i * d[0] + s[0] * (OH - 1) + 1: s[0],
                               j * d[1]: j * d[1] + s[1] * (OW - 1) + 1: s[1]]
                    out[k] += w[k, c, i, j] * patch
        out[k] += np.asarray(n["bias"], np.float64)[k]
    return out[:, 0, :] if one_d else out


def pool(x, n, mean):
    k, s, p = pair(n["kernel_size"]), pair(n["stride"]), pair(n["padding"])
    C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (p[0], p[0]), (p[1], p[1])))
    OH, OW = (H + 2 * p[0] - k[0]) // s[0] + 1, (W + 2 * p[1] - k[1]) // s[1] + 1
    out = np.zeros((C, OH, OW))
    for i in range(k[0]):
        for j in range(k[1]):
            out += xp[:, i: i + s[0] * (OH - 1) + 1: s[0], j: j + s[1] * (OW - 1) + 1: s[1]]
    return out / (k[0] * k[1]) if mean else out


def order(nodes, edges):
    indeg = {n: 0 for n in nodes}
    for _, b in edges:
        indeg[b] += 1
    ready = sorted(n for n, d in indeg.items() if d == 0)
    out = []
    while ready:
        n = ready.pop(0)
        out.append(n)
        for a, b in edges:
            if a == n:
                indeg[b] -= 1
                if indeg[b] == 0:
                    ready.append(b)
    return out


def f64(n, k, shape, default=None):
    if k not in n:
        return np.full(shape, default, np.float64)
    return np.broadcast_to(np.asarray(n[k], np.float64), shape)


def step(n, x, st, dt):
    t = n["type"]
    if t in ("Affine", "Linear"):
        return np.asarray(n["weight"], np.float64) @ x + (np.asarray(n["bias"], np.float64) if t == "Affine" else 0)
    if t == "Scale":
        return x * np.asarray(n["scale"], np.float64)
    if t in ("Conv1d", "Conv2d"):
        return conv(x, n, t == "Conv1d")
    if t in ("SumPool2d", "AvgPool2d"):
        return pool(x, n, t == "AvgPool2d")
    if t in ("Input", "Output"):
        return x
    if t == "Flatten":
        sd, ed = int(n["start_dim"]), int(n["end_dim"])
        ed = ed + x.ndim if ed < 0 else ed
        return x.reshape(x.shape[:sd] + (-1,) + x.shape[ed + 1:])
    if t == "Threshold":
        return (x > f64(n, "threshold", x.shape)).astype(np.float64)
    r = f64(n, "r", x.shape)
    reset = f64(n, "v_reset", x.shape, 0.0)
    if "v" not in st:
        st["v"] = reset.copy() if t in ("LIF", "IF", "CubaLIF") else np.zeros(x.shape)
        st["i"] = np.zeros(x.shape)
    v = st["v"]
    if t in ("LIF", "LI"):
        tau = f64(n, "tau", x.shape)
        v = v + dt / tau * (f64(n, "v_leak", x.shape) - v + r * x)
    elif t in ("IF", "I"):
        v = v + dt * r * x
    elif t == "CubaLIF":
        st["i"] = st["i"] + dt / f64(n, "tau_syn", x.shape) * (f64(n, "w_in", x.shape, 1.0) * x - st["i"])
        v = v + dt / f64(n, "tau_mem", x.shape) * (f64(n, "v_leak", x.shape) - v + r * st["i"])
    if t in ("LI", "I"):
        st["v"] = v
        return v
    thr = f64(n, "v_threshold", x.shape)
    z = v > thr
    sub = n.get("metadata", {}).get("reset") == "subtract"
    st["v"] = np.where(z, v - (thr - reset) if sub else reset, v)
    return z.astype(np.float64)


def simulate(nodes, edges, x, dt):
    seq = order(nodes, edges)
    ins = {n: [a for a, b in edges if b == n] for n in nodes}
    out_node = [n for n in nodes if nodes[n]["type"] == "Output"][0]
    states = {n: {} for n in nodes}
    res = []
    for xt in x:
        y = {}
        for n in seq:
            v = xt.astype(np.float64) if nodes[n]["type"] == "Input" else sum(y[a] for a in ins[n])
            y[n] = step(nodes[n], v, states[n], dt)
        res.append(np.asarray(y[out_node], np.float64).reshape(-1))
    return np.array(res)


def main():
    path, inputs, dt, out = sys.argv[1], np.load(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    nodes, edges = read(path)
    out_node = [n for n in nodes if nodes[n]["type"] == "Output"][0]
    last = nodes[[a for a, b in edges if b == out_node][0]]["type"]
    outs = np.array([simulate(nodes, edges, x, dt) for x in inputs])
    score = outs[:, -1] if last in ("LI", "I") else outs.sum(1)
    np.savez(out, outputs=outs, pred=score.argmax(1))


if __name__ == "__main__":
    main()

"""Integer-exact model of a functional trace (numpy only), as specified in traces/FORMAT.md.

This is the Python twin of traces/src/golden.cpp: same fixed-point derivation (float64 with
explicit round-half-away-from-zero), same integer LIF, same pooling. The exporters
(spiketlm.torch, traces/tools/export.py) use it to compute the reference outputs stored in a
bundle. Chains only (no residual `add` layers).
"""
import math

import numpy as np

MULT_MAX = 32767          # |multiplier| fits a signed 16-bit register
OFFSET_MAX = 2**31 - 1    # stored offset (rounding term included) fits int32


def round_half_away(x):
    """Round a float64 to the nearest integer, ties away from zero (exact, like C's round)."""
    r = math.trunc(x)
    f = x - r  # exact for IEEE doubles
    if f >= 0.5:
        r += 1
    elif f <= -0.5:
        r -= 1
    return int(r)


def relu_gain(scale):
    """The gain of a relu neuron's fixed-point transform: 1 / scale (one float64 division),
    with threshold 1, so that derive_fixed_point gives the activation in units of scale."""
    return 1.0 / float(scale)


def derive_fixed_point(w_scale, in_scale, bn, gain, threshold, bias=None, channels=None):
    """Per-channel (multiplier, offset, shift) of a firing layer, FORMAT.md section 4.

    w_scale: float32 array [C] or [1]; in_scale: float; bn: None or dict with float32 arrays
    weight, bias, running_mean, running_var and float eps; gain: float; threshold: int;
    bias: None or the layer's float32 bias [C] (FORMAT.md 4.3). Returns (int list multiplier,
    int list offset, int shift)."""
    k = float(gain) * float(threshold)
    C = channels
    if C is None:
        C = len(bn["weight"]) if bn is not None else (len(bias) if bias is not None else len(w_scale))
    a, b = [], []
    for c in range(C):
        s = float(w_scale[c] if len(w_scale) > 1 else w_scale[0]) * float(in_scale)
        bc = float(bias[c]) if bias is not None else 0.0
        if bn is not None:
            inv = 1.0 / math.sqrt(float(bn["running_var"][c]) + float(bn["eps"]))
            g = float(bn["weight"][c]) * inv
            a.append((k * g) * s)
            b.append(k * (float(bn["bias"][c]) - g * (float(bn["running_mean"][c]) - bc)))
        else:
            a.append(k * s)
            b.append(k * bc)
    for shift in range(31, -1, -1):
        half = (1 << (shift - 1)) if shift > 0 else 0
        m = [round_half_away(math.ldexp(x, shift)) for x in a]
        o = [round_half_away(math.ldexp(x, shift)) + half for x in b]
        if all(abs(v) <= MULT_MAX for v in m) and all(abs(v) <= OFFSET_MAX for v in o):
            return m, o, shift
    raise ValueError("no shift in [0, 31] fits the multiplier and offset ranges")


def output_bias(bias, w_scale, in_scale):
    """The output layer's bias in units of its accumulation (FORMAT.md 2): round half to even of
    bias / (weight_scale x input scale), int64 per class, as the bundle reader derives it."""
    bias = np.asarray(bias, np.float64)
    ws = np.broadcast_to(np.asarray(w_scale, np.float32).astype(np.float64), bias.shape)
    return np.rint(bias / (ws * float(in_scale))).astype(np.int64)


def _pad(x, p, value=0):
    if p == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=value)


def _windows(x, k, s):
    """x [B, C, H, W] -> view [B, C, OH, OW, k, k]."""
    B, C, H, W = x.shape
    OH, OW = (H - k) // s + 1, (W - k) // s + 1
    sb, sc, sh, sw = x.strides
    return np.lib.stride_tricks.as_strided(x, (B, C, OH, OW, k, k), (sb, sc, sh * s, sw * s, sh, sw))


def conv2d(x, w, stride, padding):
    """Integer convolution, exact: x int [B, C, H, W], w int8 [K, C, kh, kw] -> int64 [B, K, OH, OW].

    Computed as a float64 matrix product: every product and partial sum is an integer below
    2^53, hence exact whatever the summation order."""
    K, C, kh, kw = w.shape
    assert kh == kw
    xp = _pad(x.astype(np.float64), padding)
    win = _windows(np.ascontiguousarray(xp), kh, stride)           # B C OH OW k k
    B, _, OH, OW = win.shape[:4]
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(B * OH * OW, C * kh * kw)
    out = cols @ w.reshape(K, -1).astype(np.float64).T
    return np.rint(out).astype(np.int64).reshape(B, OH, OW, K).transpose(0, 3, 1, 2)


def linear(x, w):
    out = x.reshape(x.shape[0], -1).astype(np.float64) @ w.astype(np.float64).T
    return np.rint(out).astype(np.int64)


def maxpool(x, k, s, p):
    return _windows(np.ascontiguousarray(_pad(x, p, 0)), k, s).max(axis=(4, 5))


def avgpool(x, k, s, p):
    """Window sum (the 1/k^2 goes into the next layer's input scale)."""
    return _windows(np.ascontiguousarray(_pad(x, p, 0)), k, s).sum(axis=(4, 5), dtype=np.int64)


def saturate(v, bits):
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.clip(v, lo, hi)


def run(layers, inputs, T, membrane_bits=32, chunk=500, encoding="direct"):
    """Run the integer model.

    layers: list of dicts (type, params, tensors as numpy arrays, and for firing layers
    'fx' = (mult, offset, shift) and 'neuron' dict); inputs uint8/int8 [N, C, H, W] (direct)
    or 0/1 uint8 [N, T, C, H, W] (encoding "spikes").
    Returns (outputs int32 [N, T, classes], spike_counts int32 [N, T, F]).
    A 'relu' neuron (ANN, FORMAT.md section 8; T = 1) outputs clamp(current, 0, 2^bits - 1)
    and its count is the number of non-zero activations."""
    N = inputs.shape[0]
    outs, counts = [], []
    for i0 in range(0, N, chunk):
        x0 = inputs[i0:i0 + chunk].astype(np.int64)
        B = x0.shape[0]
        state = {}
        out_t, cnt_t = [], []
        cache = {}
        direct = encoding == "direct"
        for t in range(T):
            x = x0 if direct else x0[:, t]
            cnt = []
            for li, L in enumerate(layers):
                ty = L["type"]
                if ty in ("conv2d", "linear"):
                    key = li
                    if direct and li == 0 and key in cache:   # direct coding: the same input every t
                        psum = cache[key]
                    else:
                        if ty == "conv2d":
                            psum = conv2d(x, L["weight"], L["stride"], L["padding"])
                        else:
                            psum = linear(x, L["weight"])
                        if li == 0:
                            cache[key] = psum
                    if L.get("neuron") is None:
                        if L.get("out_bias") is not None:   # the output layer's bias (FORMAT.md 2)
                            psum = psum + np.asarray(L["out_bias"], np.int64).reshape((1, -1) + (1,) * (psum.ndim - 2))
                        out_t.append(psum.astype(np.int32))
                        x = psum
                        continue
                    mult, off, sh = L["fx"]
                    shp = (1, -1) + (1,) * (psum.ndim - 2)
                    cur = (psum * np.asarray(mult, np.int64).reshape(shp)
                           + np.asarray(off, np.int64).reshape(shp)) >> sh
                    nr = L["neuron"]
                    if nr["model"] == "relu":   # ANN (FORMAT.md section 8): ReLU + saturation
                        x = np.clip(cur, 0, (1 << nr["bits"]) - 1)
                        cnt.append((x != 0).reshape(B, -1).sum(1))
                        continue
                    n = nr["share"]
                    C = cur.shape[1]
                    cg = C // n
                    if li not in state:
                        state[li] = np.zeros((B, cg) + cur.shape[2:], np.int64)
                    v = state[li]
                    spikes = np.zeros(cur.shape, np.int64)
                    th = nr["threshold"]
                    for g in range(n):
                        v = saturate(((v * nr["leak_num"]) >> nr["leak_shift"]) + cur[:, g * cg:(g + 1) * cg],
                                     membrane_bits)
                        s = v >= th
                        if nr["reset"] == "soft":
                            v = np.where(s, v - th, v)
                        else:
                            v = np.where(s, 0, v)
                        spikes[:, g * cg:(g + 1) * cg] = s
                    state[li] = v
                    cnt.append(spikes.reshape(B, -1).sum(1))
                    x = spikes
                elif ty == "maxpool2d":
                    x = maxpool(x, L["kernel"], L["stride"], L["padding"])
                elif ty == "avgpool2d":
                    x = avgpool(x, L["kernel"], L["stride"], L["padding"])
                elif ty == "flatten":
                    x = x.reshape(B, -1)
                else:
                    raise ValueError(ty)
            cnt_t.append(np.stack(cnt, 1) if cnt else np.zeros((B, 0), np.int64))
        outs.append(np.stack(out_t, 1))
        counts.append(np.stack(cnt_t, 1).astype(np.int32))
    return np.concatenate(outs).astype(np.int32), np.concatenate(counts)


def readout_membranes(outputs, readout=None):
    """[N, T, classes] readout membranes z after each timestep (FORMAT.md 2.2): the cumulative
    sum, or with readout {leak_num, leak_shift} z = ((z * leak_num) >> leak_shift) + out."""
    o = outputs.astype(np.int64).reshape(outputs.shape[0], outputs.shape[1], -1)
    if readout is None:
        return np.cumsum(o, axis=1)
    z, zs = np.zeros((o.shape[0], o.shape[2]), np.int64), []
    for t in range(o.shape[1]):
        z = ((z * int(readout["leak_num"])) >> int(readout["leak_shift"])) + o[:, t]
        zs.append(z)
    return np.stack(zs, 1)


def predictions(outputs, readout=None):
    """The class after the last timestep: argmax of the readout membrane, ties to the lowest."""
    return readout_membranes(outputs, readout)[:, -1].argmax(1)


def accuracy_per_t(outputs, labels, readout=None):
    """Predicted class at t = argmax of the readout membrane after t, ties to the lowest index."""
    z = readout_membranes(outputs, readout)
    return [(z[:, t].argmax(1) == labels).mean() for t in range(outputs.shape[1])]


def load_bundle(path):
    """A chain bundle (no add layers) as (layers, inputs, T, membrane_bits, encoding) for run():
    the tensors read with numpy, the fixed point derived here (FORMAT.md 4.3) from the floats,
    the spikes of a poisson / rate encoding generated by spiketlm.encode (encoding "spikes")."""
    import os
    import yaml
    from . import encode
    with open(os.path.join(path, "trace.yaml")) as f:
        y = yaml.safe_load(f)
    T = y["timesteps"]
    inp = y["input"]
    data = np.load(os.path.join(path, inp["data"]))
    enc = inp["encoding"]
    if enc in ("poisson", "rate"):
        data, enc = encode.encode(data, T, enc, int(inp["seed"])), "spikes"
    in_scale = float(inp.get("scale", 1.0)) if enc == "direct" else 1.0
    layers = []
    for L in y["layers"]:
        if L["type"] == "add":
            raise ValueError("load_bundle: add layers are not implemented here (FORMAT.md 2.1)")
        pool = L["type"] in ("maxpool2d", "avgpool2d")
        d = {"type": L["type"], "kernel": L.get("kernel", 1),
             "stride": L.get("stride", L.get("kernel", 1) if pool else 1), "padding": L.get("padding", 0)}
        if L["type"] in ("conv2d", "linear"):
            d["weight"] = np.load(os.path.join(path, L["weight"]))
            d["neuron"] = None
            nr = L.get("neuron")
            if not isinstance(nr, dict) and "bias" in L:   # the output layer's bias, in accumulation units
                d["out_bias"] = output_bias(np.load(os.path.join(path, L["bias"])),
                                            np.load(os.path.join(path, L["weight_scale"])), in_scale)
            if isinstance(nr, dict):
                d["neuron"] = _neuron_defaults(nr)
                bias = np.load(os.path.join(path, L["bias"])) if "bias" in L else None
                bn = None
                if "bn" in L:
                    bn = {k: np.load(os.path.join(path, L["bn"][k])) for k in ("weight", "bias", "running_mean", "running_var")}
                    bn["eps"] = float(L["bn"]["eps"])
                ws = np.load(os.path.join(path, L["weight_scale"]))
                d["fx"] = derive_fixed_point(ws, in_scale, bn, float(d["neuron"]["gain"]), int(d["neuron"]["threshold"]),
                                             bias, d["weight"].shape[0])
                in_scale = 1.0
        elif L["type"] == "avgpool2d":
            in_scale = in_scale / float(L["kernel"] * L["kernel"])
        layers.append(d)
    return layers, data, T, int(y["reference"].get("membrane_bits", 32)), enc


def _neuron_defaults(nr):
    """A LIF/IF neuron map with FORMAT.md 4.4's defaults filled in."""
    nr = dict(nr)
    model = nr.setdefault("model", "lif")
    nr.setdefault("threshold", 256)
    nr.setdefault("gain", 1.0 if model == "if" else 0.75)
    nr.setdefault("leak_num", 1)
    nr.setdefault("leak_shift", 0 if model == "if" else 2)
    nr.setdefault("reset", "soft")
    nr.setdefault("share", 1)
    return nr

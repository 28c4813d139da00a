"""Read a Sequential-style PyTorch model into the layer list of a bundle (traces/FORMAT.md).

plan(model, input_shape) walks the modules in order and groups them into bundle layers:
    Conv2d | Linear  [+ BatchNorm2d | BatchNorm1d]  [+ LIF | IF | ReLU]  one compute layer
    MaxPool2d, AvgPool2d, Flatten                                      one layer each
    Dropout, Identity                                                  nothing (inference)
A compute layer followed by a neuron fires; the last compute layer, with no neuron and nothing
but Flatten/Identity/Dropout after it, is the output layer (its accumulations summed over the
timesteps are the logits). Anything else is an error naming the module. A leading Flatten in
front of a Linear is dropped (a bundle's linear layer flattens its input itself).
"""
import re

import torch.nn as nn

from .neuron import LI, LIF

_SKIP = (nn.Dropout, nn.Identity)
def _bn_type(m):
    return nn.BatchNorm2d if isinstance(m, nn.Conv2d) else nn.BatchNorm1d


class ExportError(ValueError):
    """The model cannot be exported as it is: the message names the module and the reason."""


def flatten_modules(model):
    """(name, module) in execution order; nested nn.Sequential containers are expanded."""
    if not isinstance(model, nn.Sequential):
        raise ExportError(f"model: expected an nn.Sequential (layers in execution order), got {type(model).__name__}")
    out = []
    for name, m in model.named_children():
        if isinstance(m, nn.Sequential):
            out += [(f"{name}.{n}", c) for n, c in flatten_modules(m)]
        else:
            out.append((name, m))
    return out


def _pair(v, what, name):
    if isinstance(v, (tuple, list)):
        if len(set(v)) != 1:
            raise ExportError(f"{name}: {what}: expected the same value for height and width, got {tuple(v)}")
        return int(v[0])
    return int(v)


def _layer_name(name, kind, used):
    base = name.replace(".", "_") if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) else f"{kind}{name.replace('.', '_')}"
    n, i = base, 1
    while n in used:
        i += 1
        n = f"{base}_{i}"
    used.add(n)
    return n


def _conv(name, m, shape):
    if m.groups != 1 or _pair(m.dilation, "dilation", name) != 1 or m.padding_mode != "zeros":
        raise ExportError(f"{name}: expected groups 1, dilation 1 and zero padding, got groups {m.groups}, "
                          f"dilation {m.dilation}, padding_mode {m.padding_mode!r}")
    if isinstance(m.padding, str):
        raise ExportError(f"{name}: padding: expected an integer, got {m.padding!r}")
    k, s, p = _pair(m.kernel_size, "kernel_size", name), _pair(m.stride, "stride", name), _pair(m.padding, "padding", name)
    C, H, W = shape
    if C != m.in_channels:
        raise ExportError(f"{name}: expected {m.in_channels} input channels, got {C}")
    OH, OW = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    ly = {"type": "conv2d", "in_channels": C, "out_channels": m.out_channels, "kernel": k, "stride": s, "padding": p}
    return ly, (m.out_channels, OH, OW)


def _linear(name, m, shape):
    n = shape[0] * shape[1] * shape[2]
    if n != m.in_features:
        raise ExportError(f"{name}: expected {m.in_features} input features, got {n} ({'x'.join(map(str, shape))})")
    return {"type": "linear", "in_features": n, "out_features": m.out_features}, (m.out_features, 1, 1)


def _pool(name, m, shape):
    avg = isinstance(m, nn.AvgPool2d)
    if m.ceil_mode or (avg and (not m.count_include_pad or m.divisor_override is not None)) or \
            (not avg and _pair(m.dilation, "dilation", name) != 1):
        raise ExportError(f"{name}: expected ceil_mode False" + (", count_include_pad True and no divisor_override"
                                                                  if avg else " and dilation 1"))
    k = _pair(m.kernel_size, "kernel_size", name)
    s = _pair(m.stride if m.stride is not None else m.kernel_size, "stride", name)
    p = _pair(m.padding, "padding", name)
    C, H, W = shape
    ly = {"type": "avgpool2d" if avg else "maxpool2d", "kernel": k, "stride": s, "padding": p}
    return ly, (C, (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1)


def plan(model, input_shape):
    """The bundle layers of `model` for an input of shape [C, H, W] (without the batch), as dicts
    with the FORMAT.md keys plus "module", "bn" and "neuron" (the torch modules, or None),
    "firing" and "in_shape". Raises ExportError."""
    mods = [(n, m) for n, m in flatten_modules(model) if not isinstance(m, _SKIP)]
    shape, layers, used, i = tuple(input_shape), [], set(), 0
    while i < len(mods) and isinstance(mods[i][1], nn.Flatten) and i + 1 < len(mods) and isinstance(mods[i + 1][1], nn.Linear):
        i += 1
    if i >= len(mods) or not isinstance(mods[i][1], (nn.Conv2d, nn.Linear)):
        what = type(mods[i][1]).__name__ if i < len(mods) else "nothing"
        raise ExportError(f"model: expected a Conv2d or Linear first (it reads the input), got {what}")
    while i < len(mods):
        name, m = mods[i]
        i += 1
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            ly, out = (_conv if isinstance(m, nn.Conv2d) else _linear)(name, m, shape)
            ly.update(module=m, bn=None, neuron=None, in_shape=shape)
            if i < len(mods) and isinstance(mods[i][1], _bn_type(m)):
                ly["bn"] = mods[i][1]
                i += 1
            if i < len(mods) and isinstance(mods[i][1], (LIF, nn.ReLU)):
                ly["neuron_name"], ly["neuron"] = mods[i]
                i += 1
            ly["readout"] = None
            if ly["neuron"] is None and i < len(mods) and isinstance(mods[i][1], LI):
                ly["readout_name"], ly["readout"] = mods[i]
                i += 1
            ly["firing"] = ly["neuron"] is not None
            kind = "conv" if ly["type"] == "conv2d" else "fc"
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            ly, out = _pool(name, m, shape)
            kind = "pool"
        elif isinstance(m, nn.Flatten):
            if m.start_dim != 1 or m.end_dim != -1:
                raise ExportError(f"{name}: Flatten: expected start_dim 1 and end_dim -1, got {m.start_dim}, {m.end_dim}")
            ly, out = {"type": "flatten"}, (shape[0] * shape[1] * shape[2], 1, 1)
            kind = "flatten"
        elif isinstance(m, LI):
            raise ExportError(f"{name}: LI: expected it right after the output layer (the last Conv2d/Linear), "
                              "got it after a " + (layers[-1]["type"] if layers else "the input"))
        elif isinstance(m, (LIF, nn.ReLU)):
            raise ExportError(f"{name}: {type(m).__name__}: expected it right after a Conv2d or Linear "
                              "(and its BatchNorm), got it after a " + (layers[-1]["type"] if layers else "the input"))
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            raise ExportError(f"{name}: {type(m).__name__}: expected it right after a Conv2d (BatchNorm2d) "
                              "or Linear (BatchNorm1d)")
        else:
            raise ExportError(f"{name}: {type(m).__name__}: not exportable (supported: Conv2d, Linear, BatchNorm1d/2d, "
                              "LIF, IF, ReLU (export_ann), MaxPool2d, AvgPool2d, Flatten, Dropout, Identity)")
        ly["name"] = _layer_name(name, kind, used)
        ly["torch_name"] = name
        layers.append(ly)
        shape = out
    compute = [ly for ly in layers if ly["type"] in ("conv2d", "linear")]
    last = compute[-1]
    if last["firing"]:
        raise ExportError(f"{last['torch_name']}: expected the last Conv2d/Linear to be the output layer without a "
                          f"neuron (its accumulations are the logits), got it followed by {type(last['neuron']).__name__}")
    for ly in compute[:-1]:
        if ly["readout"] is not None:
            raise ExportError(f"{ly['readout_name']}: LI: expected it only after the output layer (the last "
                              "Conv2d/Linear), got it after a hidden layer")
        if not ly["firing"]:
            raise ExportError(f"{ly['torch_name']}: expected a LIF or IF after this hidden layer (only the last "
                              "Conv2d/Linear may be without a neuron)")
    if last["bn"] is not None:
        raise ExportError(f"{last['torch_name']}: BatchNorm after the output layer: expected none (fold it into the "
                          "output layer's weights)")
    tail = layers[layers.index(last) + 1:]
    if any(ly["type"] != "flatten" for ly in tail):
        raise ExportError(f"{tail[0]['torch_name']}: expected nothing but Flatten after the output layer, "
                          f"got {tail[0]['type']}")
    return layers[:layers.index(last) + 1]

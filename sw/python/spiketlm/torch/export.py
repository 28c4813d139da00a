"""export_bundle: a trained PyTorch SNN (Sequential-style, spiketlm.torch.LIF/IF neurons) as a
functional trace bundle that spiketlm runs bit-exactly. The float-to-integer recipe (the guide,
traces/EXPORT.md, explains it step by step):

1. Input. Direct coding: values into the first layer at every timestep, stored as uint8 (all
   values >= 0) or int8 with a scale: given, else 1/255 when the values lie in [0, 1], else
   max|x| / 255 (uint8) or max|x| / 127 (int8); q = clip(round(x / scale)). The float model is
   compared on the dequantized input q * scale. Spike coding: 0/1 maps [N, T, ...], as they are.
   Poisson / rate coding (computed in the simulator from uint8 images and a seed, FORMAT.md 3.1):
   values in [0, 1] stored as round(255 x); the model sees the spikes spiketlm.encode makes.
2. Weights. int8, symmetric: scale = max|w| / 127, q = clip(round(w / scale), -127, 127), per
   output channel for the hidden (firing) layers, one per tensor for the output layer (so that a
   per-channel scale cannot change the argmax of its raw accumulations).
3. Neuron input. BatchNorm (running statistics) and the weight and input scales fold into one
   per-channel fixed-point multiply, add and shift (FORMAT.md 4.3), derived exactly as the
   simulator's reader derives it; a hidden Conv/Linear's bias is stored as the layer's `bias`
   (FORMAT.md 4.3: added before the BatchNorm, folded into the offset). The membrane counts in units of threshold / threshold_units
   (4096: the threshold is the integer 4096), so the LIF's gain is stored as gain / threshold.
4. Leak. leak = leak_num / 2^leak_shift exactly when it is k / 2^n with n <= 16, else the nearest
   such value with n = 16 (a warning says so).
5. Output. The output layer's int32 accumulations per timestep; the prediction is the argmax of
   their sum over timesteps, as for the float model's outputs; with an LI readout after the
   output layer, of the leaky membrane z = ((z * leak_num) >> leak_shift) + out (FORMAT.md 2.2),
   its leak as in step 4.
The integer reference outputs stored in the bundle come from spiketlm.intmodel (numpy), which
the simulator's golden model reproduces bit for bit.
"""
import dataclasses
import os
import warnings

import numpy as np
import torch

from .. import encode, intmodel
from ..bundle import quantize, write_bundle
from .neuron import predict
from .plan import ExportError, plan

__all__ = ["export_bundle", "ExportResult", "ExportError", "quantize_input", "hardware_leak"]


@dataclasses.dataclass
class ExportResult:
    """What export_bundle wrote and how the integer model compares with the float one."""
    path: str                       # the bundle directory
    timesteps: int
    input_scale: float              # real value of one input unit (1 for spikes)
    labels: np.ndarray              # [N] the bundle's labels (given, or the float model's predictions)
    float_predictions: np.ndarray   # [N] the PyTorch model on the (dequantized) exported inputs
    int_predictions: np.ndarray     # [N] the integer model (= what spiketlm predicts on the bundle)
    int_outputs: np.ndarray         # [N, T, classes] int32, the bundle's reference outputs
    agreement: float                # fraction of samples where both predict the same class
    float_accuracy: float           # against labels (1.0 when labels were the float predictions)
    int_accuracy: float

    def __str__(self):
        return (f"{self.path}: {len(self.labels)} samples, T = {self.timesteps}; accuracy float "
                f"{100 * self.float_accuracy:.2f} %, integer {100 * self.int_accuracy:.2f} %; the two agree on "
                f"{100 * self.agreement:.2f} % of samples")


def quantize_input(x, scale=None):
    """(integers, scale) of a direct-coded input (recipe step 1); x a float array."""
    x = np.asarray(x, np.float64)
    signed = bool((x < 0).any())
    top = 127 if signed else 255
    if scale is None:
        m = float(np.abs(x).max()) if x.size else 0.0
        scale = 1.0 / 255.0 if (not signed and m <= 1.0) else max(m, 1e-12) / top
    scale = float(scale)
    if not scale > 0:
        raise ExportError(f"input_scale: expected a positive number, got {scale!r}")
    q = np.clip(np.round(x / scale), -127 if signed else 0, top)
    return q.astype(np.int8 if signed else np.uint8), scale


def hardware_leak(leak, name="LIF"):
    """(leak_num, leak_shift) with leak_num / 2^leak_shift = leak (recipe step 4)."""
    if not 0.0 <= leak <= 1.0:
        raise ExportError(f"{name}: leak: expected a value in [0, 1], got {leak}")
    for shift in range(17):
        num = leak * (1 << shift)
        if num == int(num):
            return int(num), shift
    num = int(round(leak * (1 << 16)))
    warnings.warn(f"{name}: leak {leak} is not k/2^n; exported as {num}/65536 = {num / 65536}")
    return num, 16


def _bn_arrays(bn):
    if not bn.track_running_stats or bn.running_mean is None:
        raise ExportError("BatchNorm: expected running statistics (track_running_stats=True)")
    K = bn.num_features
    f32 = lambda t: t.detach().cpu().numpy().astype(np.float32)  # noqa: E731
    mean = f32(bn.running_mean)
    return {"eps": float(bn.eps), "weight": f32(bn.weight) if bn.affine else np.ones(K, np.float32),
            "bias": f32(bn.bias) if bn.affine else np.zeros(K, np.float32),
            "running_mean": mean, "running_var": f32(bn.running_var)}


def _neuron(nr, name, threshold_units):
    leak_num, leak_shift = (1, 0) if nr.model == "if" else hardware_leak(nr.leak, name)
    return {"model": nr.model, "threshold": int(threshold_units), "gain": nr.gain / nr.threshold,
            "leak_num": leak_num, "leak_shift": leak_shift, "reset": nr.reset, "share": nr.share}


def _compute_layer(ly, in_scale, threshold_units):
    """Quantize one Conv2d/Linear (+BN +neuron) into the bundle layer dict (recipe steps 2-4)."""
    m, name = ly["module"], ly["torch_name"]
    if isinstance(ly["neuron"], torch.nn.ReLU):
        raise ExportError(f"{ly['neuron_name']}: ReLU: an SNN bundle has LIF/IF neurons; export a ReLU network with "
                          "spiketlm.torch.export_ann")
    q, s = quantize(m.weight.detach().cpu().numpy(), per_channel=ly["firing"])
    bias = None if m.bias is None else m.bias.detach().cpu().numpy().astype(np.float32)
    if bias is not None and not bias.any():
        bias = None
    out = {k: v for k, v in ly.items() if k in ("name", "type", "in_channels", "out_channels", "kernel", "stride",
                                                  "padding", "in_features", "out_features")}
    out.update(weight=q, weight_scale=s, bias=bias, bn=None, neuron=None, in_scale=in_scale)
    if bias is not None and not ly["firing"]:   # the output layer's bias (FORMAT.md 2)
        out["out_bias"] = intmodel.output_bias(bias, s, in_scale)
    if ly.get("readout") is not None:           # an LI readout (FORMAT.md 2.2)
        num, shift = hardware_leak(ly["readout"].leak, ly["readout_name"])
        out["readout"] = {"leak_num": num, "leak_shift": shift}
    if ly["bn"] is not None:
        out["bn"] = _bn_arrays(ly["bn"])
    if ly["firing"]:
        out["neuron"] = _neuron(ly["neuron"], ly["neuron_name"], threshold_units)
        out["fx"] = intmodel.derive_fixed_point(s, in_scale, out["bn"], out["neuron"]["gain"], threshold_units,
                                                bias=bias, channels=q.shape[0])
    return out


def bundle_layers(model, input_shape, input_scale, threshold_units=4096):
    """The quantized bundle layers of `model` (dicts for spiketlm.bundle.write_bundle)."""
    layers, s_in = [], input_scale
    for ly in plan(model, input_shape):
        if ly["type"] in ("conv2d", "linear"):
            layers.append(_compute_layer(ly, s_in, threshold_units))
            s_in = 1.0 if ly["firing"] else s_in
        else:
            layers.append({k: v for k, v in ly.items() if k in ("name", "type", "kernel", "stride", "padding")})
            if ly["type"] == "avgpool2d":
                s_in = s_in / (ly["kernel"] * ly["kernel"])
    return layers


def _inputs(sample_inputs, timesteps, encoding, input_scale, seed):
    """(integers as stored, scale, [C, H, W], stored array, model input) of the samples."""
    x = sample_inputs.detach().cpu().numpy() if torch.is_tensor(sample_inputs) else np.asarray(sample_inputs)
    if encoding in ("poisson", "rate"):
        if x.size and (x.min() < 0 or x.max() > 1):
            raise ExportError(f"sample_inputs: expected values in [0, 1] for encoding {encoding!r} (spike "
                              f"probability or rate per timestep), got [{x.min()}, {x.max()}]")
        if seed is None or not 0 <= int(seed) <= 1 << 62:
            raise ExportError(f"seed: expected an integer in [0, 2^62] for encoding {encoding!r}, got {seed!r}")
        q = np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)
        feat = x.shape[1:]
        shape3 = tuple(feat) if len(feat) == 3 else (feat[0], 1, 1)
        spikes = encode.encode(q.reshape((q.shape[0],) + shape3), timesteps, encoding, int(seed))
        model_in = spikes.reshape((q.shape[0], timesteps) + tuple(feat)).astype(np.float32)
        return q, 1.0, shape3, q.reshape((q.shape[0],) + shape3), model_in, spikes
    if encoding == "spikes":
        if x.ndim < 3 or x.shape[1] != timesteps or not np.isin(x, (0, 1)).all():
            raise ExportError(f"sample_inputs: expected 0/1 spikes [N, T={timesteps}, ...], got shape {x.shape}")
        q, scale, feat = x.astype(np.uint8), 1.0, x.shape[2:]
    elif encoding == "direct":
        q, scale = quantize_input(x, input_scale)
        feat = x.shape[1:]
    else:
        raise ExportError(f"encoding: expected 'direct', 'spikes', 'poisson' or 'rate', got {encoding!r}")
    if len(feat) not in (1, 3):
        raise ExportError(f"sample_inputs: expected [N, C, H, W] or [N, F] per timestep, got {x.shape}")
    shape3 = tuple(feat) if len(feat) == 3 else (feat[0], 1, 1)
    stored = q.reshape(q.shape[:q.ndim - len(feat)] + shape3)
    model_in = q.astype(np.float32) * np.float32(scale) if encoding == "direct" else q.astype(np.float32)
    return q, scale, shape3, stored, model_in, stored


def export_bundle(model, sample_inputs, out_dir, timesteps, labels=None, encoding="direct", input_scale=None,
                  name=None, description=None, threshold_units=4096, membrane_bits=32, seed=None):
    """Export `model` with `sample_inputs` as the bundle's samples; return an ExportResult.

    model: an nn.Sequential of Conv2d, Linear, BatchNorm1d/2d, spiketlm.torch.LIF/IF, MaxPool2d,
    AvgPool2d, Flatten (Dropout, Identity ignored), the last Conv2d/Linear without a neuron (the
    output). sample_inputs: [N, C, H, W] or [N, F] values (encoding "direct"), 0/1 spikes
    [N, T, ...] ("spikes"), or values in [0, 1] that the simulator turns into spikes itself
    ("poisson": a Bernoulli draw per step with probability round(255 x) / 255; "rate": a regular
    train of that rate; FORMAT.md 3.1) with `seed`; the PyTorch model is compared on the same
    spikes (spiketlm.encode, the numpy twin of the simulator's encoder). labels: [N] class indices; None stores the float model's predictions,
    so that the simulator's accuracy is its agreement with PyTorch. The recipe: module docstring."""
    T = int(timesteps)
    q, scale, shape3, stored, model_in, int_in = _inputs(sample_inputs, T, encoding, input_scale, seed)
    layers = bundle_layers(model, shape3, scale, threshold_units)
    direct = encoding == "direct"
    outputs, counts = intmodel.run(layers, int_in, T, membrane_bits, encoding="direct" if direct else "spikes")
    fpred = predict(model, torch.from_numpy(model_in), T, "direct" if direct else "spikes").numpy()
    ipred = intmodel.predictions(outputs, layers[-1].get("readout"))
    y = fpred if labels is None else np.asarray(labels.cpu() if torch.is_tensor(labels) else labels).astype(np.int64)
    name = name or os.path.basename(os.path.normpath(out_dir))
    desc = description or (f"exported from PyTorch by spiketlm.torch.export_bundle, T={T}, "
                           + ("labels = the float model's predictions" if labels is None else "labels given"))
    path = write_bundle(layers, stored, y, T, outputs, counts, out_dir, name, desc, encoding=encoding,
                        input_scale=scale, membrane_bits=membrane_bits, seed=seed)
    return ExportResult(path=path, timesteps=T, input_scale=scale, labels=y, float_predictions=fpred,
                        int_predictions=ipred, int_outputs=outputs, agreement=float((fpred == ipred).mean()),
                        float_accuracy=float((fpred == y).mean()), int_accuracy=float((ipred == y).mean()))

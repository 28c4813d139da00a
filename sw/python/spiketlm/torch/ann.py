"""export_ann: a trained PyTorch ReLU network (Sequential-style: Conv2d/Linear [+ BatchNorm] + ReLU
hidden layers, pooling, Flatten, a last Conv2d/Linear without activation) as a functional ANN
bundle (traces/FORMAT.md section 8, `network: ann`, T = 1) that spiketlm runs bit-exactly.

The recipe (the SNN recipe of spiketlm.torch.export for input, weights and BatchNorm):
1. Input: direct coding, uint8/int8 with a scale (quantize_input).
2. Weights: int8 symmetric, per output channel for hidden layers, per tensor for the output.
3. Activations: each ReLU's output in `bits`-bit unsigned units of `scale`, calibrated on the
   sample inputs: scale = (largest float pre-activation over the samples) / (2^bits - 1), as
   float32 (a given `scales` list overrides it). The hardware computes
   clamp(round-half-up(BN(s x acc + bias) / scale), 0, 2^bits - 1) (FORMAT.md 8.2), and the
   next layer's input scale is that `scale`.
4. Output: the output layer's int32 accumulations are the logits; prediction = their argmax.
"""
import os

import numpy as np
import torch

from .. import intmodel
from ..bundle import quantize, write_bundle
from .export import ExportResult, _bn_arrays, quantize_input
from .plan import ExportError, plan

__all__ = ["export_ann"]


def _pre_activation_peaks(model, x):
    """The largest float input of every ReLU of `model` over the samples x, in module order."""
    peaks, hooks = [], []
    for m in model.modules():
        if isinstance(m, torch.nn.ReLU):
            peaks.append(0.0)
            k = len(peaks) - 1
            hooks.append(m.register_forward_hook(
                lambda mod, inp, out, k=k: peaks.__setitem__(k, max(peaks[k], float(inp[0].max())))))
    try:
        with torch.no_grad():
            logits = model(x)
    finally:
        for h in hooks:
            h.remove()
    return peaks, logits


def _layer(ly, in_scale, bits, act_scale):
    m = ly["module"]
    q, s = quantize(m.weight.detach().cpu().numpy(), per_channel=ly["firing"])
    bias = None if m.bias is None else m.bias.detach().cpu().numpy().astype(np.float32)
    out = {k: v for k, v in ly.items() if k in ("name", "type", "in_channels", "out_channels", "kernel", "stride",
                                                  "padding", "in_features", "out_features")}
    out.update(weight=q, weight_scale=s, bias=bias if bias is not None and bias.any() else None, bn=None,
               neuron=None, in_scale=in_scale)
    if out["bias"] is not None and not ly["firing"]:   # the output layer's bias (FORMAT.md 2)
        out["out_bias"] = intmodel.output_bias(out["bias"], s, in_scale)
    if ly["bn"] is not None:
        out["bn"] = _bn_arrays(ly["bn"])
    if ly["firing"]:
        out["neuron"] = {"model": "relu", "bits": int(bits), "scale": float(act_scale)}
        out["fx"] = intmodel.derive_fixed_point(s, in_scale, out["bn"], intmodel.relu_gain(float(act_scale)), 1,
                                                bias=out["bias"], channels=q.shape[0])
    return out


def ann_layers(model, input_shape, input_scale, bits, act_scales):
    """The quantized ANN bundle layers of `model` (act_scales: one per ReLU, in order)."""
    layers, s_in, k = [], input_scale, 0
    for ly in plan(model, input_shape):
        if ly["type"] in ("conv2d", "linear"):
            if ly["firing"] and not isinstance(ly["neuron"], torch.nn.ReLU):
                raise ExportError(f"{ly['neuron_name']}: {type(ly['neuron']).__name__}: expected ReLU in an ANN "
                                  "(export an SNN with spiketlm.torch.export_bundle)")
            scale = act_scales[k] if ly["firing"] else None
            layers.append(_layer(ly, s_in, bits, scale))
            if ly["firing"]:
                s_in, k = float(np.float32(scale)), k + 1
        else:
            layers.append({key: v for key, v in ly.items() if key in ("name", "type", "kernel", "stride", "padding")})
            if ly["type"] == "avgpool2d":
                s_in = s_in / (ly["kernel"] * ly["kernel"])
    return layers


def export_ann(model, sample_inputs, out_dir, bits=8, labels=None, input_scale=None, scales=None, name=None,
               description=None):
    """Export the ReLU network `model` with `sample_inputs` ([N, C, H, W] or [N, F] values) as an
    ANN bundle in out_dir; return an ExportResult (timesteps 1). bits: activation width (2..8);
    scales: the real value of one activation unit per ReLU (None: calibrated on the samples);
    labels: [N] class indices (None: the float model's predictions)."""
    if not 2 <= int(bits) <= 8:
        raise ExportError(f"bits: expected an integer in [2, 8], got {bits!r}")
    x = sample_inputs.detach().cpu().numpy() if torch.is_tensor(sample_inputs) else np.asarray(sample_inputs)
    if x.ndim not in (2, 4):
        raise ExportError(f"sample_inputs: expected [N, C, H, W] or [N, F], got shape {x.shape}")
    q, scale = quantize_input(x, input_scale)
    shape3 = tuple(x.shape[1:]) if x.ndim == 4 else (x.shape[1], 1, 1)
    model_in = torch.from_numpy(q.astype(np.float32) * np.float32(scale))
    model.eval()
    peaks, logits = _pre_activation_peaks(model, model_in)
    if scales is None:
        scales = [float(np.float32(max(p, 1e-6) / ((1 << int(bits)) - 1))) for p in peaks]
    if len(scales) != len(peaks) or any(not s > 0 for s in scales):
        raise ExportError(f"scales: expected {len(peaks)} positive values (one per ReLU), got {scales!r}")
    layers = ann_layers(model, shape3, scale, bits, [float(np.float32(s)) for s in scales])
    stored = q.reshape((q.shape[0],) + shape3)
    outputs, counts = intmodel.run(layers, stored, 1)
    fpred = logits.reshape(len(x), -1).argmax(1).numpy()
    ipred = outputs.astype(np.int64)[:, 0].argmax(1)
    y = fpred if labels is None else np.asarray(labels.cpu() if torch.is_tensor(labels) else labels).astype(np.int64)
    name = name or os.path.basename(os.path.normpath(out_dir))
    desc = description or (f"ReLU ANN ({bits}-bit activations) exported from PyTorch by spiketlm.torch.export_ann, "
                           + ("labels = the float model's predictions" if labels is None else "labels given"))
    path = write_bundle(layers, stored, y, 1, outputs, counts, out_dir, name, desc, network="ann",
                        encoding="direct", input_scale=scale)
    return ExportResult(path=path, timesteps=1, input_scale=scale, labels=y, float_predictions=fpred,
                        int_predictions=ipred, int_outputs=outputs, agreement=float((fpred == ipred).mean()),
                        float_accuracy=float((fpred == y).mean()), int_accuracy=float((ipred == y).mean()))

"""Quantization-aware training: make a model compute with the int8 weights export_bundle will
store, so that training sees (and compensates) the quantization.

quantization_aware(model) fake-quantizes the weight of every Conv2d/Linear of an exportable model
in place (torch.nn.utils.parametrize): forward uses q * scale with export_bundle's recipe (per
output channel for hidden layers, per tensor for the output layer), backward passes the gradient
straight through the rounding. export_bundle then quantizes these weights to the same integers.
"""
import torch
import torch.nn as nn
from torch.nn.utils import parametrize

from .plan import flatten_modules, plan

__all__ = ["quantization_aware"]


class FakeQuant(nn.Module):
    def __init__(self, per_channel):
        super().__init__()
        self.per_channel = per_channel

    def forward(self, w):
        if self.per_channel:
            m = w.detach().abs().flatten(1).max(dim=1)[0].clamp(min=1e-8)
            s = (m / 127.0).view(-1, *([1] * (w.dim() - 1)))
        else:
            s = w.detach().abs().max().clamp(min=1e-8) / 127.0
        q = torch.clamp(torch.round(w / s), -127, 127) * s
        return w + (q - w).detach()


def quantization_aware(model, input_shape=None):
    """Fake-quantize the weights of `model` in place and return it. input_shape ([C, H, W] or
    [F]) lets the model be checked as export_bundle will; without it the last Conv2d/Linear is
    taken as the output layer."""
    if input_shape is not None:
        shape = tuple(input_shape) if len(input_shape) == 3 else (input_shape[0], 1, 1)
        compute = [(ly["module"], ly["firing"]) for ly in plan(model, shape) if ly["type"] in ("conv2d", "linear")]
    else:
        mods = [m for _, m in flatten_modules(model) if isinstance(m, (nn.Conv2d, nn.Linear))]
        compute = [(m, i + 1 < len(mods)) for i, m in enumerate(mods)]
    for m, firing in compute:
        if not parametrize.is_parametrized(m, "weight"):
            parametrize.register_parametrization(m, "weight", FakeQuant(per_channel=firing))
    return model

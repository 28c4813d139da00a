"""The spiking neurons a spiketlm-exportable PyTorch model uses, and running such a model over time.

LIF is the hardware neuron of traces/FORMAT.md section 4.4 in float: one call is one timestep,
the membrane is kept in the module between calls (reset_state() clears it):

    v = leak * v + gain * x          (x: the layer's output, after BatchNorm if any)
    s = 1 if v >= threshold else 0
    v = v - threshold * s            (reset "soft")   or   v = 0 where s = 1   (reset "hard")

IF is LIF with leak 1 and gain 1. The backward pass of the step uses the derivative of
sigmoid(slope * (v - threshold)) (a surrogate gradient), so the model trains with plain autograd.

Other frameworks' neurons, written as this one (the mapping export_bundle expects; train or
fine-tune with these modules, or copy the parameters across):
  snnTorch  snn.Leaky(beta, threshold=th, reset_mechanism="subtract", reset_delay=False)
            -> LIF(leak=beta, gain=1, threshold=th, reset="soft");
            reset_mechanism="zero" (either reset_delay) -> reset="hard".
            snnTorch fires on mem > th, this on v >= th (they differ only when v equals th).
            With reset_mechanism="subtract" and the default reset_delay=True snnTorch subtracts
            the threshold one step late and unleaked (mem = beta mem + x - th s[t-1]): that is not
            this neuron unless beta = 1 (then it is IF).
  SpikingJelly  neuron.LIFNode(tau, decay_input=True, v_threshold=th, v_reset=0.)
            -> LIF(leak=1 - 1/tau, gain=1/tau, threshold=th, reset="hard");
            decay_input=False -> gain=1; v_reset=None -> reset="soft"; another v_reset is not
            supported (the hardware resets to 0). neuron.IFNode(v_threshold=th, v_reset=0. or None)
            -> IF(threshold=th, reset="hard" or "soft"). Both fire on v >= th, as this one does.
The hardware leak is an integer multiply and shift (leak_num / 2^leak_shift): a leak that is not
k / 2^n (n <= 16) is exported as the nearest such value (export_bundle warns).
"""
import torch
import torch.nn as nn

__all__ = ["LIF", "IF", "LI", "reset_state", "simulate", "predict"]


class _Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(ctx.slope * x)
        return g * ctx.slope * s * (1 - s), None


class LIF(nn.Module):
    """Leaky integrate-and-fire neuron, one timestep per call (see the module docstring).

    leak, gain: floats; threshold: float > 0; reset: "soft" or "hard"; share: C#n channel
    sharing (EfficientLIF-Net, FORMAT.md 4.5: n contiguous channel groups updated in turn through
    one membrane; 1 = none); slope: steepness of the surrogate gradient."""

    model = "lif"

    def __init__(self, leak=0.25, gain=0.75, threshold=1.0, reset="soft", share=1, slope=4.0):
        super().__init__()
        if reset not in ("soft", "hard"):
            raise ValueError(f"reset: expected 'soft' or 'hard', got {reset!r}")
        if not threshold > 0:
            raise ValueError(f"threshold: expected a positive number, got {threshold!r}")
        if int(share) < 1:
            raise ValueError(f"share: expected an integer >= 1, got {share!r}")
        self.leak, self.gain, self.threshold = float(leak), float(gain), float(threshold)
        self.reset, self.share, self.slope = reset, int(share), float(slope)
        self.v = None

    def extra_repr(self):
        return (f"leak={self.leak}, gain={self.gain}, threshold={self.threshold}, reset={self.reset!r}"
                + (f", share={self.share}" if self.share != 1 else ""))

    def reset_state(self):
        self.v = None

    def _update(self, v, x):
        v = self.leak * v + self.gain * x
        s = _Spike.apply(v - self.threshold, self.slope)
        v = v - self.threshold * s if self.reset == "soft" else v * (1 - s)
        return v, s

    def forward(self, x):
        C = x.shape[1]
        if C % self.share:
            raise ValueError(f"LIF share={self.share}: expected it to divide the {C} channels of its input")
        cg = C // self.share
        state_shape = (x.shape[0], cg) + tuple(x.shape[2:])
        v = self.v if self.v is not None and tuple(self.v.shape) == state_shape else x.new_zeros(state_shape)
        out = []
        for g in range(self.share):
            v, s = self._update(v, x[:, g * cg:(g + 1) * cg])
            out.append(s)
        self.v = v
        return out[0] if self.share == 1 else torch.cat(out, 1)


class IF(LIF):
    """Integrate-and-fire: LIF with leak 1 and gain 1."""

    model = "if"

    def __init__(self, threshold=1.0, reset="soft", share=1, slope=4.0):
        super().__init__(leak=1.0, gain=1.0, threshold=threshold, reset=reset, share=share, slope=slope)


class LI(nn.Module):
    """Leaky integrator readout (a non-spiking output neuron), one timestep per call: v = leak * v + x,
    returns v. Only after the output layer (the last Conv2d/Linear): the class is the argmax of v
    after the last step (FORMAT.md 2.2), in the hardware a leak on the argmax unit's per-class
    registers. snnTorch: snn.Leaky(beta, reset_mechanism="none", output=True) read on its
    membrane -> LI(leak=beta); Norse LICell: leak = 1 - dt/tau_mem with the input scaled by
    dt/tau_mem (fold that into the output layer). The leak becomes leak_num / 2^leak_shift as
    LIF's does (hardware_leak)."""

    model = "li"

    def __init__(self, leak=0.5):
        super().__init__()
        if not 0.0 <= float(leak) <= 1.0:
            raise ValueError(f"leak: expected a value in [0, 1], got {leak!r}")
        self.leak = float(leak)
        self.v = None

    def extra_repr(self):
        return f"leak={self.leak}"

    def reset_state(self):
        self.v = None

    def forward(self, x):
        v = self.v if self.v is not None and self.v.shape == x.shape else torch.zeros_like(x)
        self.v = self.leak * v + x
        return self.v


def reset_state(model):
    """Clear the membranes of every LIF/IF/LI in `model` (call before each new input)."""
    for m in model.modules():
        if isinstance(m, (LIF, LI)):
            m.reset_state()


def _has_readout(model):
    return any(isinstance(m, LI) for m in model.modules())


def simulate(model, x, timesteps, encoding="direct"):
    """Run `model` for `timesteps` steps on a batch and return its outputs per step, [T, N, ...].

    encoding "direct": x [N, ...] is the input at every step; "spikes": x [N, T, ...] holds one
    input per step. Membranes start at 0 (reset_state) and are left as the last step left them."""
    reset_state(model)
    outs = []
    for t in range(timesteps):
        outs.append(model(x if encoding == "direct" else x[:, t]))
    return torch.stack(outs)


def predict(model, x, timesteps, encoding="direct", batch=1000):
    """The class each sample gets: argmax over classes of the outputs summed over all timesteps,
    or, when the model ends in an LI readout, of its membrane after the last step (FORMAT.md 2.2
    and section 3; ties to the lowest class). Runs in eval mode without gradients."""
    was = model.training
    model.eval()
    preds = []
    try:
        with torch.no_grad():
            for i in range(0, x.shape[0], batch):
                outs = simulate(model, x[i:i + batch], timesteps, encoding)
                out = outs[-1] if _has_readout(model) else outs.sum(0)
                preds.append(out.reshape(out.shape[0], -1).argmax(1))
    finally:
        model.train(was)
    return torch.cat(preds)

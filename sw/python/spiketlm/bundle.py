"""Write functional trace bundles (traces/FORMAT.md) from numpy arrays; pure Python + numpy.

The one bundle writer of the Python side: spiketlm.torch.export_bundle and the tools that made
the shipped bundles (traces/tools/export.py) both call write_bundle(). A layer is a dict:

    {"name", "type": conv2d|linear|maxpool2d|avgpool2d|flatten,
     conv2d: in_channels, out_channels, kernel, stride, padding; linear: in_features, out_features;
     pools: kernel, stride, padding;
     conv2d/linear: weight (int8), weight_scale (float32 [K] or [1]), bias (None or float32 [K],
       firing layers), bn (None or {eps, weight,
       bias, running_mean, running_var}), neuron (None for the output layer, else
       {model: lif|if, threshold, gain, leak_num, leak_shift, reset, share} or
       {model: relu, bits, scale}), fx = (multiplier, offset, shift) for firing layers;
       the output layer: readout (None or {leak_num, leak_shift}, FORMAT.md 2.2)}

Other keys are ignored. Reference outputs come from spiketlm.intmodel.run on the same dicts.
"""
import os
import shutil
import tempfile

import numpy as np


def quantize(w, per_channel):
    """int8 symmetric quantization, scale = max|w| / 127 (float32), q = clamp(round(w/s))."""
    w = w.astype(np.float32)
    if per_channel:
        m = np.abs(w.reshape(w.shape[0], -1)).max(1)
        s = np.maximum(m, np.float32(1e-8)) / np.float32(127.0)
        q = np.round(w / s.reshape(-1, *([1] * (w.ndim - 1))))
    else:
        s = np.array([max(np.abs(w).max(), np.float32(1e-8)) / np.float32(127.0)], np.float32)
        q = np.round(w / s[0])
    return np.clip(q, -127, 127).astype(np.int8), s.astype(np.float32)


def yaml_float(x):
    """A float64 as YAML text that reads back to the same double."""
    return repr(float(x))


def _quoted(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _input_lines(inputs, encoding, input_scale, seed):
    shape = inputs.shape[2:] if encoding == "spikes" else inputs.shape[1:]
    L = ["input:", f"  shape: [{', '.join(str(int(d)) for d in shape)}]", f"  encoding: {encoding}",
         f"  dtype: {np.dtype(inputs.dtype).name}"]
    if encoding == "direct":
        L.append(f"  scale: {yaml_float(input_scale)}")
    if encoding in ("poisson", "rate"):
        L.append(f"  seed: {int(seed)}")
    L.append("  data: inputs.npy")
    return L


def _layer_lines(ly, out):
    n = ly["name"]
    L = [f"  - name: {n}", f"    type: {ly['type']}"]
    keys = {"conv2d": ("in_channels", "out_channels", "kernel", "stride", "padding"),
            "linear": ("in_features", "out_features"),
            "maxpool2d": ("kernel", "stride", "padding"), "avgpool2d": ("kernel", "stride", "padding")}
    for k in keys.get(ly["type"], ()):
        L.append(f"    {k}: {ly[k]}")
    if ly["type"] not in ("conv2d", "linear"):
        return L
    np.save(os.path.join(out, f"{n}.weight.npy"), ly["weight"])
    np.save(os.path.join(out, f"{n}.weight_scale.npy"), ly["weight_scale"])
    L.append(f"    weight: {n}.weight.npy")
    L.append(f"    weight_scale: {n}.weight_scale.npy")
    if ly.get("bias") is not None:
        np.save(os.path.join(out, f"{n}.bias.npy"), np.asarray(ly["bias"], np.float32))
        L.append(f"    bias: {n}.bias.npy")
    if ly.get("bn") is not None:
        L.append("    bn:")
        L.append(f"      eps: {yaml_float(ly['bn']['eps'])}")
        for k in ("weight", "bias", "running_mean", "running_var"):
            np.save(os.path.join(out, f"{n}.bn.{k}.npy"), ly["bn"][k].astype(np.float32))
            L.append(f"      {k}: {n}.bn.{k}.npy")
    if ly.get("neuron") is None:
        L.append("    neuron: none")
        ro = ly.get("readout")
        if ro is not None and ro["leak_num"] != 1 << ro["leak_shift"]:   # FORMAT.md 2.2
            L.append(f"    readout: {{model: li, leak_num: {int(ro['leak_num'])}, leak_shift: {int(ro['leak_shift'])}}}")
        return L
    nr = ly["neuron"]
    L.append("    neuron:")
    keys = (("model", "bits", "scale") if nr["model"] == "relu" else
            ("model", "threshold", "gain", "leak_num", "leak_shift", "reset", "share"))
    for k in keys:
        val = yaml_float(nr[k]) if k in ("gain", "scale") else nr[k]
        L.append(f"      {k}: {val}")
    m, o, sh = ly["fx"]
    np.save(os.path.join(out, f"{n}.fx.multiplier.npy"), np.array(m, np.int32))
    np.save(os.path.join(out, f"{n}.fx.offset.npy"), np.array(o, np.int32))
    L += ["    fixed_point:", f"      multiplier: {n}.fx.multiplier.npy", f"      offset: {n}.fx.offset.npy",
          f"      shift: {sh}"]
    return L


def _write(out, layers, inputs, labels, T, outputs, counts, name, description, network, encoding,
           input_scale, membrane_bits, seed):
    L = ["# spiketlm trace bundle, see traces/FORMAT.md", "format: spiketlm-trace", "version: 1",
         "kind: functional"]
    if network == "ann":
        L.append("network: ann")
    L += [f"name: {name}", f"description: {_quoted(description)}", f"timesteps: {T}",
          f"classes: {outputs.shape[2]}", f"samples: {inputs.shape[0]}"]
    L += _input_lines(inputs, encoding, input_scale, seed)
    L.append("labels: labels.npy")
    np.save(os.path.join(out, "inputs.npy"), np.ascontiguousarray(inputs))
    np.save(os.path.join(out, "labels.npy"), np.asarray(labels).astype(np.int32))
    L.append("layers:")
    for ly in layers:
        L += _layer_lines(ly, out)
    L.append("reference:")
    if network == "ann":
        L += ["  outputs: ref_outputs.npy", "  nonzero_counts: ref_nonzero_counts.npy"]
        np.save(os.path.join(out, "ref_nonzero_counts.npy"), counts.astype(np.int32))
    else:
        L += [f"  membrane_bits: {membrane_bits}", "  outputs: ref_outputs.npy", "  spike_counts: ref_spike_counts.npy"]
        np.save(os.path.join(out, "ref_spike_counts.npy"), counts.astype(np.int32))
    np.save(os.path.join(out, "ref_outputs.npy"), outputs.astype(np.int32))
    with open(os.path.join(out, "trace.yaml"), "w") as f:
        f.write("\n".join(L) + "\n")


def _umask():
    try:  # read without setting it (os.umask would change it for every thread for a moment)
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def write_bundle(layers, inputs, labels, T, outputs, counts, out, name, description, network="snn",
                 encoding="direct", input_scale=1.0 / 255.0, membrane_bits=32, seed=None):
    """Write the bundle directory `out` (FORMAT.md sections 1-3).

    inputs: direct uint8/int8 [N, C, H, W], spikes uint8 0/1 [N, T, C, H, W], or for the
    encodings computed in the simulation (poisson, rate; FORMAT.md 3.1) uint8 images [N, C, H, W]
    with `seed`; labels [N];
    outputs int32 [N, T, classes] and counts [N, T, F] from spiketlm.intmodel.run. The bundle is
    written to a temporary directory beside `out` and renamed into place; an existing `out` is
    replaced only if it is a bundle (holds trace.yaml) or empty, so no other directory is lost."""
    out = os.path.normpath(out)
    if os.path.exists(out):
        if not os.path.isdir(out) or (os.listdir(out) and not os.path.exists(os.path.join(out, "trace.yaml"))):
            raise FileExistsError(f"{out}: expected a bundle directory (with trace.yaml) or nothing there, "
                                  "got something else: not replacing it")
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(out) + ".", dir=parent)
    try:
        _write(tmp, layers, inputs, labels, T, outputs, counts, name, description, network, encoding,
               input_scale, membrane_bits, seed)
        os.chmod(tmp, 0o777 & ~_umask())   # as os.makedirs would have made it (mkdtemp: 0700)
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix="." + os.path.basename(out) + ".old.", dir=parent)
            os.rename(out, os.path.join(old, "b"))
            os.rename(tmp, out)
            shutil.rmtree(old)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out

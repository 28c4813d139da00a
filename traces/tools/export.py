"""Export a trained fmnist.Net / fmnist.AnnNet as a functional trace bundle (traces/FORMAT.md).

Called by train.py at the end of training. Standalone use re-exports a saved checkpoint:
    /usr/bin/python3 traces/tools/export.py --ckpt model.pt --timesteps 4 --lif-share 1 --out DIR
    /usr/bin/python3 traces/tools/export.py --ckpt model.pt --network ann --bits 8 --out DIR
An ANN (fmnist.AnnNet) is exported as a `network: ann` bundle (FORMAT.md section 8): relu
neurons with the activation step `scale` of each layer, the same fixed-point fold.
The quantization, the integer model and the bundle writer are the spiketlm library's
(sw/python/spiketlm: bundle.py, intmodel.py), the same that spiketlm.torch uses for any model.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "sw", "python"))   # the spiketlm library (pure Python)
from spiketlm import intmodel  # noqa: E402
from spiketlm.bundle import quantize, write_bundle as _write_bundle  # noqa: E402

THRESHOLD = 256      # integer membrane units per threshold (threshold 1.0 of the float model)
GAIN = 0.75          # LIF input gain (v = 0.25 v + 0.75 x)
LEAK_NUM, LEAK_SHIFT = 1, 2
MEMBRANE_BITS = 32


def is_ann(net):
    return getattr(net, "network", "snn") == "ann"


def relu_neuron(net, i):
    """The relu neuron of hidden layer i of an ANN: bits and the activation step as float32."""
    act = (net.act1, net.act2)[i]
    return {"model": "relu", "bits": net.bits, "scale": float(np.float32(act.step()))}


def build_layers(net):
    sd = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    share = net.share
    layers = []
    in_scale = 1.0 / 255.0
    neuron = {"model": "lif", "threshold": THRESHOLD, "gain": GAIN, "leak_num": LEAK_NUM,
              "leak_shift": LEAK_SHIFT, "reset": "soft", "share": share}
    ann = is_ann(net)
    for i, (name, cin, cout, hw) in enumerate([("conv1", 1, net.conv1.out_channels, 28),
                                                ("conv2", net.conv1.out_channels, net.conv2.out_channels, 14)]):
        q, s = quantize(sd[f"{name}.weight"], True)
        bn = {"weight": sd[f"bn{i + 1}.weight"].astype(np.float32),
              "bias": sd[f"bn{i + 1}.bias"].astype(np.float32),
              "running_mean": sd[f"bn{i + 1}.running_mean"].astype(np.float32),
              "running_var": sd[f"bn{i + 1}.running_var"].astype(np.float32),
              "eps": 1e-5}
        nr = relu_neuron(net, i) if ann else dict(neuron)
        if ann:
            fx = intmodel.derive_fixed_point(s, in_scale, bn, intmodel.relu_gain(nr["scale"]), 1)
        else:
            fx = intmodel.derive_fixed_point(s, in_scale, bn, GAIN, THRESHOLD)
        layers.append({"name": name, "type": "conv2d", "in_channels": cin, "out_channels": cout,
                       "kernel": 3, "stride": 1, "padding": 1, "weight": q, "weight_scale": s,
                       "bn": bn, "neuron": nr, "fx": fx, "in_scale": in_scale, "hw": hw})
        layers.append({"name": f"pool{i + 1}", "type": "maxpool2d", "kernel": 2, "stride": 2, "padding": 0})
        in_scale = nr["scale"] if ann else 1.0
    layers.append({"name": "flatten", "type": "flatten"})
    q, s = quantize(sd["fc.weight"], False)
    layers.append({"name": "fc", "type": "linear", "in_features": q.shape[1], "out_features": q.shape[0],
                   "weight": q, "weight_scale": s, "neuron": None})
    return layers


def write_bundle(layers, x, y, T, outputs, counts, out, name, description, network="snn"):
    """x: the images [N, 28, 28] uint8 (one channel, direct coding, scale 1/255)."""
    _write_bundle(layers, x.reshape(x.shape[0], 1, x.shape[1], x.shape[2]).astype(np.uint8), y, T, outputs,
                  counts, out, name, description, network=network, encoding="direct", input_scale=1.0 / 255.0,
                  membrane_bits=MEMBRANE_BITS)


def export(net, xte, yte, samples, out, info):
    t0 = time.time()
    net.eval()
    T = net.T
    layers = build_layers(net)
    name = os.path.basename(os.path.normpath(out))
    # Integer accuracy on the whole test set (10k) and the exported subset.
    outs_all, counts_all = intmodel.run(layers, xte.reshape(-1, 1, 28, 28), T, MEMBRANE_BITS)
    int_acc_10k = intmodel.accuracy_per_t(outs_all, yte)
    outputs, counts = outs_all[:samples], counts_all[:samples]
    int_acc_sub = intmodel.accuracy_per_t(outputs, yte[:samples])
    fire = [ly for ly in layers if ly.get("neuron") is not None]
    neurons = [ly["out_channels"] * ly["hw"] * ly["hw"] for ly in fire]
    rates = counts.astype(np.float64).sum(0) / (samples * np.array(neurons))  # [T, F]
    if is_ann(net):
        desc = (f"Fashion-MNIST conv ANN of fmnist_snn's shape, {net.bits}-bit ReLU activations, int8 weights; "
                f"first {samples} test images")
    else:
        desc = (f"Fashion-MNIST conv SNN, T={T}, LIF C#{net.share}, int8 weights, integer membrane; "
                f"first {samples} test images")
    write_bundle(layers, xte[:samples], yte[:samples], T, outputs, counts, out, name, desc,
                 "ann" if is_ann(net) else "snn")
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    info = dict(info)
    cmd = info["command"].split()
    if "--ckpt" in cmd:  # the checkpoint is not needed to reproduce the bundle
        i = cmd.index("--ckpt")
        del cmd[i:i + 2]
    info["command"] = " ".join(cmd)
    info.update({"int_acc_10k": int_acc_10k, "int_acc_subset": int_acc_sub, "rates": rates,
                 "fire": [ly["name"] for ly in fire], "neurons": neurons,
                 "export_time_s": time.time() - t0, "size": size, "samples": samples,
                 "fx": {ly["name"]: ly["fx"][2] for ly in fire},
                 "act_scale": {ly["name"]: ly["neuron"].get("scale") for ly in fire}})
    if is_ann(net):
        info["bits"] = net.bits
        write_readme_ann(out, name, info)
    else:
        write_readme(out, name, info, T)
    print(f"exported {out} ({size / 1e6:.2f} MB) int acc per t (subset) {np.round(int_acc_sub, 4).tolist()} "
          f"(10k) {np.round(int_acc_10k, 4).tolist()} rates {np.round(rates, 4).tolist()}")


def write_readme(out, name, info, T):
    pct = lambda v: " | ".join(f"{100 * a:.2f}" for a in v)  # noqa: E731
    hdr = " | ".join(f"t={t + 1}" for t in range(T))
    sep = "|".join(["---"] * (T + 1))
    r = []
    r.append(f"# {name}: Fashion-MNIST convolutional SNN (functional trace)")
    r.append("")
    r.append("Format: `traces/FORMAT.md`. Produced by `traces/tools/train.py` (training + export);")
    r.append("the reference outputs come from the integer-exact numpy model `sw/python/spiketlm/intmodel.py`,")
    r.append("reproduced bit for bit by the C++ golden model (`traces/src/golden.h`).")
    r.append("")
    r.append("## Network")
    r.append("input 1x28x28 uint8, direct coding (pixel values into conv1 at every timestep), scale 1/255")
    r.append("")
    r.append("conv1 3x3 1->16 pad 1 + BN + LIF -> maxpool 2 -> conv2 3x3 16->32 pad 1 + BN + LIF -> maxpool 2 ->")
    r.append("flatten -> linear 1568->10 (output accumulations, no neuron)")
    r.append("")
    r.append(f"int8 weights (per-output-channel scale for the convs, per-tensor for the linear); LIF")
    r.append(f"v = floor(v/4) + I, threshold {THRESHOLD}, soft reset, input gain 0.75 folded with BN into a")
    r.append(f"per-channel fixed-point multiplier (shifts: {info['fx']}); LIF channel sharing C#{info['lif_share']};")
    r.append(f"membrane {MEMBRANE_BITS} bit; T = {T}.")
    r.append("")
    r.append("## Accuracy (%) at every timestep (prediction = argmax of the cumulative output, ties to the lowest class)")
    r.append("")
    r.append(f"| model | samples | {hdr} |")
    r.append(f"|{sep}|---|")
    r.append(f"| integer (this bundle's reference outputs) | first {info['samples']} | {pct(info['int_acc_subset'])} |")
    r.append(f"| integer | all 10000 | {pct(info['int_acc_10k'])} |")
    r.append(f"| float (QAT, fake-quantized weights) | first {info['samples']} | {pct(info['float_acc_subset'])} |")
    r.append(f"| float (QAT, fake-quantized weights) | all 10000 | {pct(info['float_acc_10k'])} |")
    r.append("")
    r.append(f"## Spike rates (fraction of a layer's LIF outputs that fire, first {info['samples']} samples)")
    r.append("")
    r.append(f"| layer | neurons | {hdr} | mean |")
    r.append(f"|---|---|{sep}|")
    for i, n in enumerate(info["fire"]):
        col = info["rates"][:, i]
        r.append(f"| {n} | {info['neurons'][i]} | " + " | ".join(f"{c:.4f}" for c in col) + f" | {col.mean():.4f} |")
    r.append("")
    r.append("## Reproduce")
    r.append("")
    r.append("```")
    r.append(info["command"])
    r.append("```")
    r.append("")
    r.append(f"Training took {info['train_time_s']:.0f} s (wall clock, on a 2-core machine shared with parallel "
             f"compiles; expect less on an idle one) and export {info['export_time_s']:.0f} s "
             f"({info['threads']} CPU thread{'s' if info['threads'] != 1 else ''}, {info['epochs']} epochs, batch {info['batch']}, "
             f"lr {info['lr']}, seed {info['seed']}). Bundle size {info['size'] / 1e6:.2f} MB.")
    r.append("torch CPU kernels are deterministic for a given seed and thread count, but results can")
    r.append("differ slightly across torch versions or thread counts; this bundle was made with Debian's")
    r.append("python3-torch 1.13.1 and python3-numpy 1.24.2.")
    r.append("")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(r))


def write_readme_ann(out, name, info):
    B = info["bits"]
    pct = lambda v: f"{100 * v[0]:.2f}"  # noqa: E731
    r = []
    r.append(f"# {name}: Fashion-MNIST convolutional ANN, {B}-bit activations (functional trace)")
    r.append("")
    r.append("Format: `traces/FORMAT.md` (section 8, `network: ann`). Produced by `traces/tools/train.py "
             "--network ann` (training + export);")
    r.append("the reference outputs come from the integer-exact numpy model `sw/python/spiketlm/intmodel.py`,")
    r.append("reproduced bit for bit by the C++ golden model (`traces/src/golden.h`).")
    r.append("")
    r.append("## Network")
    r.append("The shape of `traces/fmnist_snn` with a quantized ReLU in place of each LIF, one timestep:")
    r.append("input 1x28x28 uint8 (the same first 1000 test images as fmnist_snn), scale 1/255")
    r.append("")
    r.append(f"conv1 3x3 1->16 pad 1 + BN + ReLU{B} -> maxpool 2 -> conv2 3x3 16->32 pad 1 + BN + ReLU{B} -> maxpool 2 ->")
    r.append("flatten -> linear 1568->10 (output accumulations = logits, no neuron)")
    r.append("")
    r.append("int8 weights (per-output-channel scale for the convs, per-tensor for the linear); activations")
    r.append(f"unsigned {B} bit: out = clamp((acc * multiplier + offset) >> shift, 0, {2 ** B - 1}), BN and the")
    r.append(f"scales folded into the per-channel fixed-point multiplier (shifts: {info['fx']}); activation")
    r.append(f"steps (real value of one unit, learnt PACT clipping level / {2 ** B - 1}): "
             + ", ".join(f"{k} {v:.6g}" for k, v in info["act_scale"].items()) + ".")
    r.append("")
    r.append("## Accuracy (%) (prediction = argmax of the output accumulations, ties to the lowest class)")
    r.append("")
    r.append("| model | samples | t=1 |")
    r.append("|---|---|---|")
    r.append(f"| integer (this bundle's reference outputs) | first {info['samples']} | {pct(info['int_acc_subset'])} |")
    r.append(f"| integer | all 10000 | {pct(info['int_acc_10k'])} |")
    r.append(f"| float (QAT, fake-quantized weights and activations) | first {info['samples']} | "
             f"{pct(info['float_acc_subset'])} |")
    r.append(f"| float (QAT, fake-quantized weights and activations) | all 10000 | {pct(info['float_acc_10k'])} |")
    r.append("")
    r.append(f"## Activation density (fraction of a layer's ReLU outputs that are non-zero, first {info['samples']} "
             "samples, before pooling)")
    r.append("")
    r.append("| layer | outputs | density |")
    r.append("|---|---|---|")
    for i, n in enumerate(info["fire"]):
        r.append(f"| {n} | {info['neurons'][i]} | {info['rates'][0, i]:.4f} |")
    r.append("")
    r.append("## Reproduce")
    r.append("")
    r.append("```")
    r.append(info["command"])
    r.append("```")
    r.append("")
    r.append(f"Training took {info['train_time_s']:.0f} s (wall clock, on a 2-core machine shared with parallel "
             f"compiles; expect less on an idle one) and export {info['export_time_s']:.0f} s "
             f"({info['threads']} CPU thread{'s' if info['threads'] != 1 else ''}, {info['epochs']} epochs, batch "
             f"{info['batch']}, lr {info['lr']}, seed {info['seed']}). Bundle size {info['size'] / 1e6:.2f} MB.")
    r.append("torch CPU kernels are deterministic for a given seed and thread count, but results can")
    r.append("differ slightly across torch versions or thread counts; this bundle was made with Debian's")
    r.append("python3-torch 1.13.1 and python3-numpy 1.24.2.")
    r.append("")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(r))


def main():
    import torch
    sys.path.insert(0, HERE)
    import fmnist
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--network", choices=("snn", "ann"), default="snn")
    ap.add_argument("--bits", type=int, default=8)
    ap.add_argument("--timesteps", type=int, default=4)
    ap.add_argument("--lif-share", type=int, default=1)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    net = fmnist.AnnNet(args.bits) if args.network == "ann" else fmnist.Net(args.timesteps, args.lif_share)
    net.load_state_dict(torch.load(args.ckpt))
    _, _, xte, yte = fmnist.load_fmnist()
    fa = fmnist.evaluate(net, xte, yte)
    fs = fmnist.evaluate(net, xte[:args.samples], yte[:args.samples])
    info = {"timesteps": args.timesteps, "epochs": 0, "lif_share": args.lif_share, "seed": 0, "batch": 0,
            "lr": 0, "threads": torch.get_num_threads(), "train_time_s": 0, "float_acc_10k": fa.tolist(),
            "float_acc_subset": fs.tolist(),
            "command": " ".join(["/usr/bin/python3", "traces/tools/export.py"] + sys.argv[1:])}
    export(net, xte, yte, args.samples, args.out, info)


if __name__ == "__main__":
    main()

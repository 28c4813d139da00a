#!/usr/bin/python3
"""Write the workload bundles under traces/workloads/ (traces/FORMAT.md section 6).

Plain Python 3, no dependencies:
    python3 traces/tools/make_workloads.py [--out traces/workloads]

Layer shapes
  VGG9: the VGG9 of SpikeSim's public code (Intelligent-Computing-Lab-Yale/SpikeSim,
    SNN_train_infer_quantization_ela/model.py, VGG9_Direct and ela_spikesim.py): conv3x3
    64, 64, pool, 128, 128, pool, 256, 256, 256, pool, fc 1024, fc classes; no biases.
    SpikeSim pools with 2x2 average pooling; here the pools are 2x2 max pooling (OR on
    spikes) so that every layer after the first receives a spike map (an average-pooled
    spike map is multi-bit and would need a multi-bit datapath). Work counts are the same.
  vgg9_spikesim: exactly the layer list of SpikeSim's ELA example (ela_spikesim.py: in_ch,
    out_ch, in_dim, out_dim of seven 3x3 convolutions, time_steps 5), which folds the pools into
    out_dim: here those convolutions have stride 2, so each computes the outputs the script counts.
  VGG16: the standard VGG16 configuration (13 conv3x3, 5 max pools: 64 64 M 128 128 M 256x3 M
    512x3 M 512x3 M), at 64x64 the last map is 2x2x512 = 2048; classifier fc 4096, fc 4096,
    fc classes (the usual VGG16 head, without the 7x7 adaptive pooling of the 224x224 version).
  ResNet-50: torchvision's resnet50 (v1.5, stride on the 3x3 conv of a bottleneck) at 224x224:
    conv7x7/2 + maxpool 3x3/2 (padding 1), bottleneck stages 3-4-6-3 of widths 64-128-256-512
    (x4 out), projection shortcut conv1x1 in each stage's first block, avgpool 7x7, fc 1000.
  ResNet18: the BasicBlock ResNet18 (2-2-2-2 blocks, 64-128-256-512 channels) with the
    small-image stem used by SATA_Sim's ResNet workloads (RuokaiYin/SATA_Sim,
    inference-energy-cal/workloads/tt-snn/workload_tt_baseline.yaml: conv3x3 stride 1,
    no max pool); stages at 64, 32, 16, 8 pixels for a 64x64 input; global average pool
    8x8 and fc 200. Each block: convA (3x3, stride s, LIF) -> convB (3x3, no neuron) +
    shortcut (identity, or conv1x1 stride s without neuron when the shape changes) -> add
    (the LIF of the block fires on the sum).

Spike rates
  No public per-layer spike-rate table exists for these networks as far as we know. The
  rates are SATA_Sim's: its workload files (inference-energy-cal/workloads/*.yaml, e.g.
  workloads/tt-snn/workload_tt_baseline.yaml for a ResNet at T = 4, and
  workloads/icassp/workload_direct.yaml) give one global "sparsity: 0.9", i.e. 10 % of
  the inputs of every layer are spikes at every timestep. We use input_rate 0.1 for every
  layer whose input is a spike map, constant over timesteps. This is an assumption taken
  from a public tool, not a measurement; replace it with measured rates when available.
"""
import argparse
import os

RATE = 0.1
SOURCE = ("SATA_Sim (RuokaiYin/SATA_Sim) inference-energy-cal/workloads: one global sparsity 0.9 "
          "for every layer, i.e. input spike rate 0.1 at every layer and timestep (an assumption "
          "from a public tool, not a per-layer measurement)")


def conv(name, cin, cout, k=3, stride=1, pad=1, neuron="lif", rate=RATE, inp=None):
    d = {"name": name, "type": "conv2d", "in_channels": cin, "out_channels": cout, "kernel": k,
         "stride": stride, "padding": pad}
    if inp:
        d["input"] = inp
    if rate is not None:
        d["input_rate"] = rate
    d["neuron"] = neuron
    return d


def fc(name, nin, nout, neuron="lif", rate=RATE):
    d = {"name": name, "type": "linear", "in_features": nin, "out_features": nout}
    if rate is not None:
        d["input_rate"] = rate
    d["neuron"] = neuron
    return d


def pool(name, kind="maxpool2d", k=2):
    return {"name": name, "type": kind, "kernel": k, "stride": k}


def vgg9(size, classes):
    L = [conv("conv1", 3, 64, rate=None), conv("conv2", 64, 64), pool("pool1"),
         conv("conv3", 64, 128), conv("conv4", 128, 128), pool("pool2"),
         conv("conv5", 128, 256), conv("conv6", 256, 256), conv("conv7", 256, 256), pool("pool3"),
         {"name": "flatten", "type": "flatten"}]
    s = size // 8
    L += [fc("fc1", 256 * s * s, 1024), fc("fc2", 1024, classes, neuron="none")]
    return L


def vgg9_spikesim():
    # ela_spikesim.py's own layer list: in_ch, out_ch, in_dim, out_dim of seven 3x3 convolutions.
    # Where out_dim is half of in_dim (the pools folded into the list) the conv has stride 2, so
    # every layer computes exactly the out_dim x out_dim outputs the script counts. The last conv
    # is the output layer (no neuron): a bundle ends in one; the script's area counts no
    # membrane for it either (its first five layers only).
    ins, outs = [3, 64, 64, 128, 128, 256, 256], [64, 64, 128, 128, 256, 256, 256]
    in_dim, out_dim = [32, 32, 16, 16, 8, 8, 8], [32, 16, 16, 8, 8, 8, 4]
    L = []
    for i in range(7):
        L.append(conv(f"conv{i + 1}", ins[i], outs[i], stride=in_dim[i] // out_dim[i], rate=None if i == 0 else RATE,
                      neuron="none" if i == 6 else "lif"))
    return L


def vgg16(size, classes):
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    L, cin, i, p = [], 3, 1, 1
    for v in cfg:
        if v == "M":
            L.append(pool(f"pool{p}"))
            p += 1
        else:
            L.append(conv(f"conv{i}", cin, v, rate=None if i == 1 else RATE))
            cin = v
            i += 1
    s = size // 32
    L += [{"name": "flatten", "type": "flatten"}, fc("fc1", 512 * s * s, 4096), fc("fc2", 4096, 4096),
          fc("fc3", 4096, classes, neuron="none")]
    return L


def resnet18(size, classes):
    L = [conv("conv1", 3, 64, rate=None)]
    prev, cin = "conv1", 64
    for stage, (cout, stride) in enumerate([(64, 1), (128, 2), (256, 2), (512, 2)], start=1):
        for blk in range(2):
            s = stride if blk == 0 else 1
            b = f"layer{stage}.{blk}"
            L.append(conv(f"{b}.conv_a", cin, cout, stride=s, inp=prev))
            L.append(conv(f"{b}.conv_b", cout, cout, neuron="none"))
            if s != 1 or cin != cout:
                L.append(conv(f"{b}.shortcut", cin, cout, k=1, stride=s, pad=0, neuron="none", inp=prev))
                short = f"{b}.shortcut"
            else:
                short = prev
            L.append({"name": f"{b}.add", "type": "add", "inputs": [f"{b}.conv_b", short], "neuron": "lif"})
            prev, cin = f"{b}.add", cout
    s = size // 8
    L += [pool("avgpool", "avgpool2d", s), {"name": "flatten", "type": "flatten"},
          fc("fc", 512, classes, neuron="none", rate=None)]
    return L


def resnet50(size, classes):
    """ResNet-50 (torchvision resnet50, v1.5: stride on the 3x3 of a bottleneck) at 224x224."""
    L = [conv("conv1", 3, 64, k=7, stride=2, pad=3, rate=None),
         {"name": "maxpool", "type": "maxpool2d", "kernel": 3, "stride": 2, "padding": 1}]
    prev, cin = "maxpool", 64
    for stage, (width, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=1):
        for blk in range(blocks):
            s = stride if blk == 0 else 1
            b = f"layer{stage}.{blk}"
            L.append(conv(f"{b}.conv_a", cin, width, k=1, pad=0, inp=prev))
            L.append(conv(f"{b}.conv_b", width, width, stride=s))
            L.append(conv(f"{b}.conv_c", width, 4 * width, k=1, pad=0, neuron="none"))
            if blk == 0:
                L.append(conv(f"{b}.shortcut", cin, 4 * width, k=1, stride=s, pad=0, neuron="none", inp=prev))
                short = f"{b}.shortcut"
            else:
                short = prev
            L.append({"name": f"{b}.add", "type": "add", "inputs": [f"{b}.conv_c", short], "neuron": "lif"})
            prev, cin = f"{b}.add", 4 * width
    L += [pool("avgpool", "avgpool2d", size // 32), {"name": "flatten", "type": "flatten"},
          fc("fc", 2048, classes, neuron="none", rate=None)]
    return L


STEMS_SOURCE = ("STEMS (sjoks93/STEMS) inputs/workload/SEW-RESNET/7PLIF.py: input rates 0.29, 0.124 and 0.19 of "
                "the first three convolutions (its comments); the others read measured spike maps that are not "
                "public, so they take SATA_Sim's global 0.1 (an assumption, as for the other workloads)")


def sew_resnet_dvs(classes):
    """SEW-ResNet 7B-Net on DVS-Gesture-sized input as STEMS maps it (7PLIF.py: T = 16,
    2 x 128 x 128 events): conv1x1 2->64, then blocks of conv3x3 -> conv3x3 added to the first
    conv's spikes (SEW ADD; see the trace header for the form used here), each followed by a
    2x2 max pool; 64 channels at 128,
    64, 32, 16 pixels, conv1x1 64->128 at 8, 128 channels at 8, 4, 2; fc 128->classes (STEMS
    leaves the classifier out)."""
    L = [conv("conv0", 2, 64, k=1, pad=0, rate=0.29)]
    prev, cin, size, rates = "conv0", 64, 128, [0.124, 0.19]
    for i, (cout, pre) in enumerate([(64, None), (64, None), (64, None), (64, None), (128, "1x1"), (128, None),
                                     (128, None)], start=1):
        if pre:
            L.append(conv(f"conv_up{i}", cin, cout, k=1, pad=0, inp=prev))
            prev, cin = f"conv_up{i}", cout
        a, b = f"block{i}.conv_a", f"block{i}.conv_b"
        L.append(conv(a, cin, cout, inp=prev, rate=rates.pop(0) if rates else RATE))
        L.append(conv(b, cout, cout, neuron="none", rate=rates.pop(0) if rates else RATE))
        L.append({"name": f"block{i}.add", "type": "add", "inputs": [b, a], "neuron": "lif"})
        L.append(pool(f"block{i}.pool"))
        prev, cin, size = f"block{i}.pool", cout, size // 2
    L += [{"name": "flatten", "type": "flatten"}, fc("fc", 128, classes, neuron="none")]
    return L


RED_SOURCE = ("STEMS (sjoks93/STEMS) inputs/workload/RED_LIF_T.py: input rate 0.608 of the first convolution and "
              "0.295, 0.103, 0.105, 0.087, 0.085 of the last five (its comments); the feature extractor's other "
              "inputs are 4-bit activations there (no spike rate), so they take SATA_Sim's global 0.1 (an assumption)")


def red_1mpx():
    """RED's feature extractor as STEMS maps it (RED_LIF_T.py: T = 12, a 6-bin event volume of
    360 x 640, 4-bit weights), in its all-spiking form (RED_ALLLIF.py; RED_LIF_T.py keeps the first
    twelve layers non-spiking, which a bundle cannot mix): conv7x7/2 6->32; conv3x3 32->64; a
    residual stage at 90 x 160 (conv3x3/2 64->64 plus a conv3x3/2 32->64 shortcut from the first
    layer), one identity block of 64 channels, one block to 128 channels with a conv3x3 shortcut;
    then five conv3x3/2 256-channel layers down to 3 x 5. STEMS stops there (no detection head), so
    the bundle's outputs are the last feature map (256 x 3 x 5 = 3840 values), the accumulations of
    the last layer, which has no neuron here (a bundle's output layer has none; STEMS' has a LIF)."""
    L = [conv("conv0", 6, 32, k=7, stride=2, pad=3, rate=0.608),
         conv("conv1", 32, 64, inp="conv0"),
         conv("stage1.conv_a", 64, 64, stride=2, inp="conv1"),
         conv("stage1.shortcut", 32, 64, stride=2, neuron="none", inp="conv0"),
         {"name": "stage1.add", "type": "add", "inputs": ["stage1.shortcut", "stage1.conv_a"], "neuron": "lif"},
         conv("block2.conv_a", 64, 64, inp="stage1.add"),
         conv("block2.conv_b", 64, 64, neuron="none"),
         {"name": "block2.add", "type": "add", "inputs": ["block2.conv_b", "stage1.add"], "neuron": "lif"},
         conv("block3.conv_a", 64, 128, inp="block2.add"),
         conv("block3.conv_b", 128, 128),
         conv("block3.shortcut", 64, 128, neuron="none", inp="block2.add"),
         {"name": "block3.add", "type": "add", "inputs": ["block3.shortcut", "block3.conv_b"], "neuron": "lif"}]
    prev, cin = "block3.add", 128
    for i, rate in enumerate([0.295, 0.103, 0.105, 0.087, 0.085], start=1):
        L.append(conv(f"down{i}", cin, 256, stride=2, inp=prev, rate=rate, neuron="lif" if i < 5 else "none"))
        prev, cin = f"down{i}", 256
    return L


def emit(layers):
    out = []
    for l in layers:
        parts = []
        for k, v in l.items():
            if k == "neuron":
                v = "{model: lif, share: 1}" if v == "lif" else "none"
            elif isinstance(v, list):
                v = "[" + ", ".join(v) + "]"
            parts.append(f"{k}: {v}")
        out.append("  - {" + ", ".join(parts) + "}")
    return "\n".join(out)


def write(outdir, name, desc, size, classes, layers, notes, timesteps=4, input_shape=None, encoding="direct",
          source=SOURCE):
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    text = f"""# spiketlm workload trace, see traces/FORMAT.md section 6. Generated by
# traces/tools/make_workloads.py; shapes and rates: see that script's docstring.
{notes}
format: spiketlm-trace
version: 1
kind: workload
name: {name}
description: "{desc}"
timesteps: {timesteps}
classes: {classes}
input: {{shape: [{", ".join(str(x) for x in (input_shape or [3, size, size]))}], encoding: {encoding}}}
spike_rates:
  source: "{source}"
  seed: 1
layers:
{emit(layers)}
"""
    with open(os.path.join(d, "trace.yaml"), "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workloads"))
    a = ap.parse_args()
    vgg9_note = ("# Shapes: SpikeSim's VGG9_Direct (Intelligent-Computing-Lab-Yale/SpikeSim); its 2x2 average\n"
                 "# pools are max pools here so every layer after conv1 takes spikes.")
    write(a.out, "vgg9_tinyimagenet", "VGG9 (SpikeSim) on Tiny ImageNet 64x64x3, 200 classes", 64, 200,
          vgg9(64, 200), vgg9_note)
    write(a.out, "vgg9_cifar10", "VGG9 (SpikeSim) on CIFAR10 32x32x3, 10 classes", 32, 10, vgg9(32, 10), vgg9_note)
    write(a.out, "vgg9_spikesim", "SpikeSim's example VGG9 exactly (ela_spikesim.py's layer list, T = 5; "
          "outputs: conv7's 256x4x4 map)", 32, 4096, vgg9_spikesim(),
          "# Shapes and T: Intelligent-Computing-Lab-Yale/SpikeSim SNN_train_infer_quantization_ela/ela_spikesim.py,\n"
          "# its in_ch/out_ch/in_dim/out_dim lists and time_steps = 5: seven 3x3 convolutions, stride 2 where its\n"
          "# out_dim halves (the list folds the pools into out_dim), no FC layers. For comparing SpikeFlow's\n"
          "# SpikeSim mode (spikeflow_spikesim.yaml -c spikeflow.area_rule=spikesim) like with like.",
          timesteps=5)
    write(a.out, "vgg16_tinyimagenet", "VGG16 on Tiny ImageNet 64x64x3, 200 classes", 64, 200, vgg16(64, 200),
          "# Shapes: the standard VGG16 configuration (13 conv3x3 + 3 fc) at 64x64 input.")
    write(a.out, "resnet18_tinyimagenet", "ResNet18 (BasicBlock, small-image stem) on Tiny ImageNet 64x64x3, 200 classes",
          64, 200, resnet18(64, 200),
          "# Shapes: ResNet18 BasicBlocks with SATA_Sim's small-image stem (conv3x3 s1, no max pool);\n"
          "# residual adds are 'add' layers: the block's LIF fires on conv_b + shortcut.")
    write(a.out, "resnet50_imagenet", "ResNet-50 (torchvision v1.5 bottlenecks) on ImageNet 224x224x3, 1000 classes",
          224, 1000, resnet50(224, 1000),
          "# Shapes: torchvision's resnet50 (He et al. 2016, stride on the 3x3 conv: v1.5): conv7x7/2, maxpool\n"
          "# 3x3/2, bottlenecks 3-4-6-3 (1x1, 3x3, 1x1 x4 + projection shortcut in each stage's first block),\n"
          "# avgpool 7x7, fc 2048->1000; 25.5 M weights. Residual adds as in FORMAT.md 2.1 (conv_c has no\n"
          "# neuron, the add fires). Run it as the ANN of NorthPole's ResNet-50 with --ann BITS.")
    write(a.out, "sew_resnet_dvsgesture", "SEW-ResNet 7B-Net (STEMS' SNN benchmark) on DVS-Gesture-sized 2x128x128 "
          "events, T = 16, 11 classes", 128, 11, sew_resnet_dvs(11),
          "# Shapes and T: STEMS (sjoks93/STEMS) inputs/workload/SEW-RESNET/7PLIF.py. Its SEW ADD adds the\n"
          "# spikes of conv_b (LIF) to those of conv_a; the accelerators' add takes int32 accumulations as\n"
          "# operand 1 (register map, OP_ADD), so here conv_b has no neuron and the add's LIF fires on\n"
          "# conv_b + conv_a spikes: as many neuron states, conv_b's output 32 bits per element instead of\n"
          "# 1. Its input is a 4-bit event frame; here\n"
          "# binary event spikes at STEMS' first-layer rate 0.29. fc 128->11 added (STEMS omits it).",
          timesteps=16, input_shape=[2, 128, 128], encoding="spikes", source=STEMS_SOURCE)

    write(a.out, "red_1mpx", "RED feature extractor (STEMS' second event-vision benchmark), all-spiking, on a "
          "6-bin 360x640 event volume, T = 12; outputs: the last feature map (256x3x5)", 640, 3840, red_1mpx(),
          "# Shapes and T: STEMS (sjoks93/STEMS) inputs/workload/RED_LIF_T.py (strides, 7x7 first layer,\n"
          "# T = 12) in the all-spiking form of RED_ALLLIF.py. Residual adds as in FORMAT.md 2.1: the branch\n"
          "# without a neuron is operand 1 and the add's LIF fires on the sum. STEMS' input is a 4-bit\n"
          "# event volume; here binary events at its first-layer rate 0.608. No detection head (STEMS has none);\n"
          "# the output layer down5 has no neuron (bundle outputs are accumulations; STEMS' is a LIF).",
          timesteps=12, input_shape=[6, 360, 640], encoding="spikes", source=RED_SOURCE)


if __name__ == "__main__":
    main()

"""The paper's own accounting of Table II (arXiv 2309.03388), as its authors' public code does it
(sw/tools/table2.md). Every constant comes from the data file (sw/doc/table2/methods.yaml), where
each names its source file in RuokaiYin/SATA_Sim or SpikeSim.

- flops(): SATA_Sim's related-work-estimate.py: E = accumulates x T x (1 - sparsity) x P(adder 8b +
  register 8b) / 250 MHz for the SNN, MACs x P(adder + multiplier + register, 8b) / 250 MHz for
  its ANN; and the Horowitz 0.9 pJ per AC / 4.6 pJ per MAC form the methods themselves quote.
- sata_sim(): SATA_Sim's energy-cal.py as it produced the paper's results (inference-energy-cal/
  results/<m>/): compute = gated power x operations + (ungated power + leakage) x cycles x PEs
  for the spike-MAC, the PE register files (spad) and the LIF; memory = one CACTI access energy
  per counted DRAM / global-buffer access (its committed results charge every access at 8-bit
  precision and the ofmap writes once, not per timestep) + buffer leakage x cycles. The ANN
  baseline is the same workload for ann_timesteps timesteps at sparsity 0.5 (what
  results/<m>/baseline holds).
- spikesim(): SpikeSim's dense ELA accounting: PEs per layer x output pixels x 828.5 pJ x T; the
  paper's ANN on SpikeSim is the same network for ann_timesteps (Table II's SpikeSim column is
  exactly ann_timesteps / T for every method)."""
import math

HOROWITZ_AC_PJ = 0.9   # FACTS.md s4 / s6: Horowitz ISSCC 2014, 45 nm, 32-bit FP add (what the methods quote)
HOROWITZ_MAC_PJ = 4.6  # same: 32-bit FP add + multiply


def work(net, timesteps, sparsity, fc_pixels):
    """SATA_Sim's extract_workload: (accumulates, LIF updates) of a run, truncated to integers.
    An fc layer counts fc_pixels outputs per neuron (the paper-time script treats it as a padded
    1x1 convolution on a 1x1 map: 3 x 3 outputs)."""
    mac = lif = 0.0
    for kind, cin, cout, out in _layers(net):
        taps, pixels = (9 * cin, out * out) if kind == "conv" else (cin, fc_pixels)
        mac += cout * pixels * taps * timesteps * (1 - sparsity)
        lif += cout * pixels * timesteps
    return int(mac), int(lif)


def _layers(net):
    from table2_data import layers
    return layers(net)


def dense_macs(net):
    """MACs of one dense pass (the ANN's, and the SNN's before T and sparsity)."""
    return sum(cout * out * out * (9 * cin if kind == "conv" else cin) for kind, cin, cout, out in _layers(net))


def flops(m, k):
    """The FLOPs-based estimates (a): SATA_Sim kernels (nJ) and Horowitz (pJ ratios)."""
    n, T, s = dense_macs(m["network"]), m["timesteps"], m["sparsity"]
    snn = n * k["acc_8bit_mw"] * T * (1 - s) / k["estimate_clock_mhz"]
    ann = n * k["mac_8bit_mw"] / k["estimate_clock_mhz"]
    return {"dense_macs": n, "snn_nj": snn, "ann_nj": ann, "ratio": snn / ann,
            "horowitz_ratio": HOROWITZ_AC_PJ * T * (1 - s) / HOROWITZ_MAC_PJ}


def sata_sim_run(net, timesteps, sparsity, k):
    """One SATA_Sim energy-cal evaluation: {component: nJ} for a run of `net`."""
    c = net["scalesim"]
    cycles = c["ofmap_cycles"] * timesteps + c["filter_cycles"]
    nj = 1e6 / (k["clock_mhz"] * 1e6)  # mW x cycles -> nJ (energy-cal.py: power x cycles x 1/f x 1e6)
    mac, lif = work(net, timesteps, sparsity, k["fc_output_pixels"])
    e = {}
    for unit, ops in (("spike_mac", mac), ("spad", mac), ("lif", lif)):
        e[unit + "_op"] = k[unit + "_gated_mw"] * ops * nj
        e[unit + "_ungated"] = k[unit + "_ungated_mw"] * cycles * nj * k["pes"]
        e[unit + "_leak"] = k[unit + "_leak_mw"] * cycles * nj * k["pes"]
    e["dram"] = k["dram_access_nj"] * (c["dram_ifmap_reads"] + c["dram_filter_reads"] + c["dram_ofmap_writes"])
    e["glb_dynamic"] = (k["glb_ifmap_read_nj"] * c["sram_ifmap_reads"] + k["glb_weight_read_nj"] * c["sram_filter_reads"]
                        + k["glb_ofmap_write_nj"] * c["sram_ofmap_writes"])
    e["glb_leak"] = (k["glb_ifmap_leak_mw"] + k["glb_ofmap_leak_mw"] + k["glb_weight_leak_mw"]) * cycles * nj
    return {"cycles": cycles, "accumulates": mac, "lif_updates": lif, "nj": e, "total_nj": math.fsum(e.values())}


def group(e):
    """SATA_Sim's components folded into the groups the verdict is explained by."""
    return {"leakage (buffers + PEs)": e["glb_leak"] + e["spike_mac_leak"] + e["spad_leak"] + e["lif_leak"],
            "LIF (always-on + updates)": e["lif_ungated"] + e["lif_op"],
            "PE always-on (MAC + register files)": e["spike_mac_ungated"] + e["spad_ungated"],
            "accumulates (MAC + register files)": e["spike_mac_op"] + e["spad_op"],
            "buffer reads/writes": e["glb_dynamic"], "DRAM": e["dram"]}


def sata_sim(m, k):
    """(b) paper mode: the SNN and the paper's ANN baseline under SATA_Sim's accounting."""
    snn = sata_sim_run(m["network"], m["timesteps"], m["sparsity"], k)
    ann = sata_sim_run(m["network"], m["ann_timesteps"], k["ann_sparsity"], k)
    return {"snn": snn, "ann": ann, "ratio": snn["total_nj"] / ann["total_nj"],
            "groups_snn": group(snn["nj"]), "groups_ann": group(ann["nj"])}


def spikesim_pass_pj(net, k):
    """SpikeSim ELA: one timestep of a network, dense: ceil(Cin/64) ceil(Cout/64) PEs per output pixel."""
    x = k["xbar"]
    return sum(math.ceil(cin / x) * math.ceil(cout / x) * out * out
               for _, cin, cout, out in _layers(net)) * k["pe_cycle_pj"]


def spikesim(m, k):
    """(c) paper mode: SNN for T timesteps, the paper's ANN for ann_timesteps, both dense."""
    one = spikesim_pass_pj(m["network"], k)
    snn, ann = one * m["timesteps"], one * m["ann_timesteps"]
    return {"snn_uj": snn * 1e-6, "ann_uj": ann * 1e-6, "ratio": snn / ann}


def paper_row(m, k):
    """All paper-mode figures of one method."""
    return {"flops": flops(m, k), "sata_sim": sata_sim(m, k), "spikesim": spikesim(m, k)}

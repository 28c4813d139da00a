"""The Table II data file (sw/doc/table2/methods.yaml): loading, checking, layer shapes.

Every bad value is a DataError whose text is one line: `spiketlm: <file>:<key>: <what>,
expected <what>`. Used by sw/tools/table2.py (sw/tools/table2.md)."""
import math

import yaml

SATA_KEYS = ("clock_mhz", "pes", "spike_mac_gated_mw", "spike_mac_ungated_mw", "spike_mac_leak_mw",
             "lif_gated_mw", "lif_ungated_mw", "lif_leak_mw", "spad_gated_mw", "spad_ungated_mw", "spad_leak_mw",
             "dram_access_nj", "glb_ifmap_read_nj", "glb_ofmap_write_nj", "glb_weight_read_nj",
             "glb_ifmap_leak_mw", "glb_ofmap_leak_mw", "glb_weight_leak_mw", "ann_sparsity", "acc_8bit_mw",
             "mac_8bit_mw", "estimate_clock_mhz", "fc_output_pixels")
SPIKESIM_KEYS = ("pe_cycle_pj", "xbar")
COUNT_KEYS = ("ofmap_cycles", "filter_cycles", "sram_ifmap_reads", "sram_filter_reads", "sram_ofmap_writes",
              "dram_ifmap_reads", "dram_filter_reads", "dram_ofmap_writes")


class ToolError(Exception):
    """An error of sw/tools/table2.py: its text is the one line printed."""


class DataError(ToolError):
    """One line: spiketlm: FILE:KEY: WHAT, expected WHAT."""


class Checker:
    """Reads typed values out of the parsed file, naming the key of anything wrong."""

    def __init__(self, path):
        self.path = path

    def fail(self, key, what, expected):
        raise DataError(f"spiketlm: {self.path}:{key}: {what}, expected {expected}")

    def node(self, parent, name, key, kind=dict):
        if not isinstance(parent, dict) or name not in parent:
            self.fail(key, "missing", "a " + ("mapping" if kind is dict else "list" if kind is list else "value"))
        v = parent[name]
        if kind in (dict, list) and not isinstance(v, kind):
            self.fail(key, f"{type(v).__name__} {v!r}", "a mapping" if kind is dict else "a list")
        return v

    def number(self, v, key, lo=None, hi=None, integer=False):
        ok = isinstance(v, int) if integer else isinstance(v, (int, float))
        if isinstance(v, bool) or not ok or (isinstance(v, float) and not math.isfinite(v)):
            self.fail(key, f"{v!r}", "an integer" if integer else "a number")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
            self.fail(key, f"{v}", f"{'an integer' if integer else 'a number'} {rng}")
        return v

    def sourced(self, parent, name, key, **limits):
        """A {value: V, source: S} entry: its value, checked."""
        n = self.node(parent, name, key)
        s = n.get("source")
        if not isinstance(s, str) or not s.strip():
            self.fail(key + ".source", "missing" if s is None else f"{s!r}", "a non-empty text naming where the value comes from")
        return self.number(n.get("value"), key + ".value", **limits)

    def text(self, parent, name, key):
        v = self.node(parent, name, key, kind=str)
        if not isinstance(v, str) or not v.strip():
            self.fail(key, f"{v!r}", "a non-empty text")
        return v


def conv_out(size, stride):
    """Output size of a 3x3 convolution with padding 1 (SATA_Sim's extract_workload convention)."""
    return (size + 2 - 3) // stride + 1


def check_shapes(c, items, key, form):
    """Each item a list of positive integers with as many entries as `form` names."""
    for i, l in enumerate(items):
        if not isinstance(l, list) or len(l) != form.count(",") + 1:
            c.fail(f"{key}[{i}]", f"{l!r}", form)
        for j, v in enumerate(l):
            c.number(v, f"{key}[{i}][{j}]", lo=1, integer=True)


def check_network(c, nets, name):
    key = f"networks.{name}"
    n = c.node(nets, name, key)
    c.text(n, "source", key + ".source")
    convs = c.node(n, "conv", key + ".conv", kind=list)
    fcs = c.node(n, "fc", key + ".fc", kind=list)
    if not convs:
        c.fail(key + ".conv", "an empty list", "at least one convolution")
    check_shapes(c, convs, key + ".conv", "[input size, in channels, out channels, stride]")
    check_shapes(c, fcs, key + ".fc", "[in features, out features]")
    counts = c.node(n, "scalesim", key + ".scalesim")
    c.text(counts, "source", key + ".scalesim.source")
    out = {k: c.number(counts.get(k), f"{key}.scalesim.{k}", lo=0, integer=True) for k in COUNT_KEYS}
    return {"name": name, "source": n["source"], "conv": convs, "fc": fcs, "scalesim": out}


def check_method(c, m, i, nets):
    key = f"methods[{i}]"
    if not isinstance(m, dict):
        c.fail(key, f"{m!r}", "a mapping")
    name = c.text(m, "name", key + ".name")
    net = c.text(m, "network", key + ".network")
    if net not in nets:
        c.fail(key + ".network", f"{net!r}", "one of " + ", ".join(sorted(nets)))
    row = {"name": name, "network": nets[net],
           "timesteps": c.sourced(m, "timesteps", key + ".timesteps", lo=1, integer=True),
           "sparsity": c.sourced(m, "sparsity", key + ".sparsity", lo=0, hi=0.999999),
           "claimed": c.sourced(m, "claimed", key + ".claimed", lo=0),
           "ann_timesteps": c.sourced(m, "ann_timesteps", key + ".ann_timesteps", lo=1, integer=True)}
    pub = c.node(m, "published", key + ".published")
    c.text(pub, "source", key + ".published.source")
    row["published"] = {p: c.number(pub.get(p), f"{key}.published.{p}", lo=0) for p in ("sata", "spikesim")}
    row["sources"] = {k: m[k]["source"] for k in ("timesteps", "sparsity", "claimed", "ann_timesteps", "published")}
    return row


def load(path):
    """The checked data file: {'sata_sim': {...}, 'spikesim': {...}, 'methods': [...]}."""
    c = Checker(path)
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise DataError(f"spiketlm: {path}: cannot read ({e.strerror}), expected a readable YAML file")
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise DataError(f"spiketlm: {path}:{where}: not valid YAML ({getattr(e, 'problem', e)}), expected YAML")
    if not isinstance(doc, dict):
        c.fail("(top)", f"{type(doc).__name__}", "a mapping with sata_sim, spikesim, networks, methods")
    c.text(doc, "source", "source")
    sata = c.node(doc, "sata_sim", "sata_sim")
    spike = c.node(doc, "spikesim", "spikesim")
    consts = {k: c.sourced(sata, k, f"sata_sim.{k}", lo=0) for k in SATA_KEYS}
    consts.update({k: c.sourced(spike, k, f"spikesim.{k}", lo=1e-12) for k in SPIKESIM_KEYS})
    nets_doc = c.node(doc, "networks", "networks")
    nets = {n: check_network(c, nets_doc, n) for n in nets_doc}
    methods = c.node(doc, "methods", "methods", kind=list)
    if not methods:
        c.fail("methods", "an empty list", "at least one method")
    rows = [check_method(c, m, i, nets) for i, m in enumerate(methods)]
    return {"constants": consts, "methods": rows}


def layers(net):
    """[(kind, cin, cout, out_size)] of a network: convs then fcs (out_size 1 for fc)."""
    out = [("conv", cin, cout, conv_out(size, s)) for size, cin, cout, s in net["conv"]]
    return out + [("fc", i, o, 1) for i, o in net["fc"]]

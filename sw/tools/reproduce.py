#!/usr/bin/python3
"""The reproduction report: plots and REPRODUCTION.md from the runs of sw/tools/reproduce.sh.

Usage: /usr/bin/python3 sw/tools/reproduce.py STAGE --md FILE [--link PREFIX] [--root DIR]

STAGE/data/ holds what reproduce.sh left: data/meta.txt (machine, date, commit, sample counts,
wall times), data/timing/<step> (seconds per step) and data/<experiment>/<run>.json (the CLI's
JSON report) or <run>.na (the CLI's error line: a feature this build does not have). The plots
(PNG) and one CSV per experiment (the plotted numbers) are written into STAGE, the report to
FILE (images linked as PREFIX<name>.png), and every JSON report is trimmed in place to the
sections the report reads. Every number in the report comes from those files; the paper's
numbers are quoted from FACTS.md section 4. A missing result file is a one-line error (exit 1)
and nothing is written.

Each experiment is one function `exp_<id>(data)` returning an Experiment (summary rows, a
detail section, plots); add a new one to EXPERIMENTS.
"""
import argparse
import csv
import glob
import json
import os
import sys
import time


class Fail(Exception):
    """A one-line error."""


class NA:
    """A run whose feature is not in this build: the CLI's reason."""

    def __init__(self, reason):
        self.reason = reason.strip() or "the run failed without a message"

    def __str__(self):
        return "not available in this build: " + self.reason


def na_of(*items):
    """The first NA among items, or None."""
    for x in items:
        if isinstance(x, NA):
            return x
    return None


# ------------------------------------------------------------------------------------ runs
class Run:
    """One JSON report of `spiketlm run`."""

    def __init__(self, path, j):
        self.path = path
        self.j = j

    def s(self, key, default=None):
        """A scalar of the report (schema v1: keys are unique across its sections)."""
        for name, sec in self.j.items():
            if isinstance(sec, dict) and name not in ("units", "tables", "table_info") and key in sec:
                if sec[key] is not None:
                    return sec[key]
        if default is None:
            raise Fail(f"{self.path}: {key} missing")
        return default

    def run(self, key, default=None):
        return self.j.get("run", {}).get(key, default)

    def section(self, name):
        return self.j.get(name)

    def table(self, tid):
        t = self.j.get("tables", {}).get(tid)
        if t is None:
            raise Fail(f"{self.path}: table {tid} missing")
        return t

    def rows(self, tid):
        return self.table(tid)

    def comp(self, name, default=None):
        """energy_by_component: uJ per sample."""
        for r in self.rows("energy_by_component"):
            if r["component"] == name:
                return r["energy_uj"]
        if default is not None:
            return default
        raise Fail(f"{self.path}: energy_by_component has no '{name}'")

    def components(self):
        return [(r["component"], r["energy_uj"]) for r in self.rows("energy_by_component")]

    def area_part(self, name):
        for r in self.rows("area_by_component"):
            if r["component"] == name:
                return r["area_um2"]
        raise Fail(f"{self.path}: area_by_component has no '{name}'")

    def area_module(self, name):
        for r in self.rows("area_by_module"):
            if r["module"] == name:
                return r["area_um2"]
        raise Fail(f"{self.path}: area_by_module has no '{name}'")

    def samples(self):
        n = self.run("samples")
        if not n:
            raise Fail(f"{self.path}: run.samples missing")
        return n

    def actions(self):
        return self.rows("energy_by_action")

    def action(self, module_suffix, action, component_prefix=""):
        """(count, pJ) of one action summed over the modules ending in module_suffix, per sample."""
        n = self.samples()
        cnt = e = 0.0
        for r in self.actions():
            if (r["module"].endswith(module_suffix) and r["action"] == action and
                    r["component"].startswith(component_prefix)):
                cnt += r["count"] or 0
                e += r["energy_pj"] or 0
        return cnt / n, e / n

    def pj_per(self, module_suffix, component, action):
        for r in self.actions():
            if r["module"].endswith(module_suffix) and r["component"] == component and r["action"] == action:
                return r["pj_per_action"]
        raise Fail(f"{self.path}: energy_by_action has no {module_suffix} {component} {action}")

    def sata_memory_dynamic(self):
        """SATA memory-movement energy without leakage: DRAM + GLB + PE scratchpad accesses, uJ/sample."""
        e = 0.0
        for r in self.actions():
            if r["action"] == "leakage":
                continue
            leaf = r["module"].split(".")[-1]
            if leaf == "dram" or leaf.startswith("glb") or r["component"].startswith("spad"):
                e += r["energy_pj"] or 0
        return e / self.samples() / 1e6


class Data:
    def __init__(self, stage):
        self.dir = os.path.join(stage, "data")
        if not os.path.isdir(self.dir):
            raise Fail(f"{self.dir}: no data directory (run sw/tools/reproduce.sh)")
        self.meta = self._meta()
        self.loaded = {}

    def _meta(self):
        p = os.path.join(self.dir, "meta.txt")
        if not os.path.isfile(p):
            raise Fail(f"missing result file {p}")
        m = {"ni_case": []}
        with open(p) as f:
            for i, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line:
                    continue
                if "=" not in line:
                    raise Fail(f"{p}: line {i}: expected key=value, got '{line}'")
                k, v = line.split("=", 1)
                if k == "ni_case":
                    if "|" not in v:
                        raise Fail(f"{p}: line {i}: ni_case: expected id|label")
                    m[k].append(tuple(v.split("|", 1)))
                else:
                    m[k] = v
        for k in ("date", "commit", "machine", "t_start", "t_build", "t_experiments", "N", "GN", "NI_N",
                  "NI_CAL", "TS_A", "TS_D", "THS", "WIDTHS"):
            if k not in m:
                raise Fail(f"{p}: field {k} missing")
        return m

    def ints(self, key):
        try:
            return [int(x) for x in self.meta[key].split()]
        except ValueError:
            raise Fail(f"{self.dir}/meta.txt: {key}: expected integers, got '{self.meta[key]}'")

    def floats(self, key):
        try:
            return [float(x) for x in self.meta[key].split()]
        except ValueError:
            raise Fail(f"{self.dir}/meta.txt: {key}: expected numbers, got '{self.meta[key]}'")

    def strs(self, key):
        return self.meta[key].split()

    def get(self, exp, name):
        """The run's report, NA (feature not in this build) or a one-line error if neither exists."""
        p = os.path.join(self.dir, exp, name + ".json")
        if os.path.isfile(p):
            if p not in self.loaded:
                try:
                    with open(p) as f:
                        self.loaded[p] = Run(os.path.relpath(p, os.path.dirname(self.dir)), json.load(f))
                except (OSError, ValueError) as e:
                    raise Fail(f"{p}: not a JSON report ({e})")
            return self.loaded[p]
        q = os.path.join(self.dir, exp, name + ".na")
        if os.path.isfile(q):
            with open(q) as f:
                return NA(f.read().splitlines()[0] if os.path.getsize(q) else "")
        raise Fail(f"missing result file {p}")


# ------------------------------------------------------------------------------------ output
class Experiment:
    def __init__(self, eid, title):
        self.id = eid
        self.title = title
        self.rows = []       # (experiment, paper, ours, why)
        self.text = []       # markdown lines of the detail section
        self.plots = []      # file names
        self.csv = None      # (columns, rows)

    def row(self, experiment, paper, ours, why):
        self.rows.append((experiment, paper, ours, why))


def cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def md_table(head, rows):
    out = ["| " + " | ".join(cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        out.append("| " + " | ".join(cell(x) for x in r) + " |")
    return out


def f1(x):
    return f"{x:.1f}"


def pct(x, digits=1):
    return f"{x:.{digits}f} %"


def change(new, old):
    """Relative change in %."""
    return 100.0 * (new / old - 1.0) if old else float("nan")


def th_label(th):
    return "static" if th == 0 else f"{th:g}"


# ------------------------------------------------------------------------------------ plots
_plt = None


def plt():
    global _plt
    if _plt is None:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as p
        p.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "font.size": 9, "axes.titlesize": 10,
                           "axes.grid": True, "grid.alpha": 0.3, "legend.fontsize": 8})
        _plt = p
    return _plt


def na_panel(ax, what, reason):
    ax.set_axis_off()
    import textwrap
    ax.text(0.5, 0.5, what + "\n\n" + "\n".join(textwrap.wrap(str(reason), 48)), ha="center", va="center",
            transform=ax.transAxes, fontsize=9, color="0.35")


def save(fig, stage, name, exp):
    fig.tight_layout()
    fig.savefig(os.path.join(stage, name))
    plt().close(fig)
    exp.plots.append(name)


# ------------------------------------------------------------------------------------ experiments
def exp_a_dataflow(d, stage):
    """SATA: memory energy of tick-batch vs output-stationary over T, VGG9 Tiny ImageNet."""
    e = Experiment("a_dataflow", "a. SATA: memory energy, tick-batch vs output-stationary, over T")
    Ts = d.ints("TS_A")
    rows, csv_rows = [], []
    res = {}
    for T in Ts:
        os_, tb, os8, tb8 = (d.get("a_dataflow", f"{k}_T{T}") for k in ("os", "tb", "os_m8", "tb_m8"))
        bad = na_of(os_, tb, os8, tb8)
        if bad:
            raise Fail(f"a_dataflow: T = {T}: {bad}")
        r = dict(T=T, os=os_.sata_memory_dynamic(), tb=tb.sata_memory_dynamic(),
                 os8=os8.sata_memory_dynamic(), tb8=tb8.sata_memory_dynamic(),
                 osl=os_.s("memory_energy_uj"), tbl=tb.s("memory_energy_uj"),
                 lat_os=os_.s("latency_us"), lat_tb=tb.s("latency_us"), edp_os=os_.s("edp_j_s"), edp_tb=tb.s("edp_j_s"),
                 run_os=os_, run_tb=tb)
        r["sav"] = 100 * (1 - r["tb"] / r["os"])
        r["sav8"] = 100 * (1 - r["tb8"] / r["os8"])
        r["savl"] = 100 * (1 - r["tbl"] / r["osl"])
        res[T] = r
        rows.append([T, f1(r["os"]), f1(r["tb"]), "**" + pct(r["sav"]) + "**", f1(r["os8"]), f1(r["tb8"]),
                     pct(r["sav8"]), f1(r["osl"]), f1(r["tbl"]), pct(r["savl"]),
                     f"{r['lat_os']:.0f} / {r['lat_tb']:.0f}"])
        csv_rows.append([T, r["os"], r["tb"], r["sav"], r["os8"], r["tb8"], r["sav8"], r["osl"], r["tbl"], r["savl"],
                         r["lat_os"], r["lat_tb"]])
    e.csv = (["T", "os_dynamic_uj", "tb_dynamic_uj", "saving_pct", "os_m8_dynamic_uj", "tb_m8_dynamic_uj",
              "saving_m8_pct", "os_with_leakage_uj", "tb_with_leakage_uj", "saving_with_leakage_pct",
              "latency_os_us", "latency_tb_us"], csv_rows)
    T4 = 4 if 4 in res else Ts[-1]
    r4 = res[T4]
    ifr_os, _ = r4["run_os"].action("glb_ifmap", "read")
    ifr_tb, _ = r4["run_tb"].action("glb_ifmap", "read")
    wr_os, _ = r4["run_os"].action("glb_weight", "read")
    wr_tb, _ = r4["run_tb"].action("glb_weight", "read")
    dr_os, _ = r4["run_os"].action("dram", "read")
    dr_tb, _ = r4["run_tb"].action("dram", "read")
    sp_os = sum(r4["run_os"].action("pe_array", a, "spad")[1] for a in ("read", "write")) / 1e6
    sp_tb = sum(r4["run_tb"].action("pe_array", a, "spad")[1] for a in ("read", "write")) / 1e6
    spl_os = r4["run_os"].action("pe_array", "leakage", "spad")[1] / 1e6
    spl_tb = r4["run_tb"].action("pe_array", "leakage", "spad")[1] / 1e6
    span = ", ".join(f"T = {T}: {pct(res[T]['sav'])}" for T in Ts)
    e.row("a. SATA memory-movement energy, tick-batch vs output-stationary (VGG9 Tiny ImageNet)",
          "62.5 % less at T = 4, growing with T (FACTS.md s4)",
          f"{pct(r4['sav'])} less at T = {T4} (dynamic DRAM + GLB + scratchpad energy); {span}; "
          f"{pct(r4['sav8'])} at T = {T4} with SATA's 8-bit membranes; {pct(r4['savl'])} with buffer leakage",
          "Grows with T as in the paper, but smaller: the GLB-to-PE spike stream is the same in both dataflows "
          "(tick-batch saves the weight side only) and tick-batch's 8 KB ifmap GLB re-stages inputs from DRAM "
          "once per filter tile (details below).")
    e.text += [
        "`traces/workloads/vgg9_tinyimagenet` (spike rate 0.1 at every layer, SATA_Sim's global sparsity), "
        "1 sample, `--timesteps T`; OS = `platforms/sata/sata.yaml`, TB = `platforms/sata/sata_tick_batch.yaml` "
        "(physical accounting, the default). "
        "Memory-movement energy = DRAM + the three GLBs + PE scratchpads; *dynamic* counts accesses only "
        "(energy_by_action without leakage), *with leakage* adds the buffers' leakage over the run "
        "(breakdown.memory_energy_uj). Energies in uJ per inference; 8-bit = `-c sata.lif.membrane_bits=8`.", ""]
    e.text += md_table(["T", "OS dynamic", "TB dynamic", "saving", "OS dyn. 8-bit membranes", "TB dyn. 8-bit",
                        "saving 8-bit", "OS with leakage", "TB with leakage", "saving", "latency OS / TB (us)"], rows)
    e.text += ["", f"Why ours differs (T = {T4}, per inference):",
               f"- The spike stream from the ifmap GLB to the PEs is the same in both dataflows "
               f"({ifr_os / 1e6:.2f} M vs {ifr_tb / 1e6:.2f} M ifmap-GLB reads): every filter tile streams every "
               f"receptive field at every timestep (SCALE-Sim's ifmap reads). Tick-batch saves the weight side "
               f"({wr_os / 1e6:.2f} M vs {wr_tb / 1e6:.2f} M weight-GLB reads).",
               f"- Tick-batch's 8 KB ifmap GLB (FACTS.md s1) cannot hold a layer's input for all timesteps, so "
               f"inputs are re-staged from DRAM once per filter tile (DRAM reads {dr_os / 1e6:.3f} M vs "
               f"{dr_tb / 1e6:.3f} M accesses of 128 B, weights and membranes included). At T = {Ts[0]} tick-batch "
               + (f"costs {pct(-res[Ts[0]]['sav'])} more." if res[Ts[0]]["sav"] < 0 else
                  f"saves {pct(res[Ts[0]]['sav'])}."),
               f"- PE scratchpads: accesses {sp_os:.1f} uJ (OS) vs {sp_tb:.1f} uJ (TB); leakage {spl_os:.1f} vs "
               f"{spl_tb:.1f} uJ (tick-batch's 288-B weight and 64-B psum scratchpads against 9 B and 8 B, held "
               f"over the whole run).",
               "- With 32-bit membranes (what the bundled trace needs to be bit-exact) OS moves membranes through "
               "DRAM every timestep; SATA's 8-bit membranes (column '8-bit') shrink that traffic.",
               "- With leakage the saving is smaller: the GLBs leak over the whole run and both dataflows take "
               "about as long (the array is compute-bound at a 10 % spike rate).", ""]
    P = plt()
    fig, (ax1, ax2) = P.subplots(1, 2, figsize=(10, 3.8))
    ax1.plot(Ts, [res[T]["os"] for T in Ts], "o-", color="C0", label="output-stationary, 32-bit membranes")
    ax1.plot(Ts, [res[T]["tb"] for T in Ts], "s-", color="C1", label="tick-batch, 32-bit membranes")
    ax1.plot(Ts, [res[T]["os8"] for T in Ts], "o--", color="C0", alpha=0.6, label="output-stationary, 8-bit")
    ax1.plot(Ts, [res[T]["tb8"] for T in Ts], "s--", color="C1", alpha=0.6, label="tick-batch, 8-bit")
    ax1.set_xscale("log", base=2)
    ax1.set_xticks(Ts)
    ax1.set_xticklabels([str(T) for T in Ts])
    ax1.set_xlabel("timesteps T")
    ax1.set_ylabel("memory energy (uJ / inference)")
    ax1.set_title("SATA, VGG9 Tiny ImageNet: DRAM + GLB + scratchpad\n(dynamic) energy")
    ax1.legend()
    ax2.plot(Ts, [res[T]["sav"] for T in Ts], "o-", color="C2", label="ours, dynamic, 32-bit membranes")
    ax2.plot(Ts, [res[T]["sav8"] for T in Ts], "o--", color="C2", alpha=0.6, label="ours, dynamic, 8-bit")
    ax2.plot(Ts, [res[T]["savl"] for T in Ts], "^:", color="C4", label="ours, with buffer leakage")
    ax2.plot([4], [62.5], "*", color="C3", markersize=14, label="paper: 62.5 % at T = 4")
    ax2.axhline(0, color="0.3", linewidth=0.8)
    ax2.set_xscale("log", base=2)
    ax2.set_xticks(Ts)
    ax2.set_xticklabels([str(T) for T in Ts])
    ax2.set_xlabel("timesteps T")
    ax2.set_ylabel("memory-energy saving of tick-batch (%)")
    ax2.set_title("Tick-batch saving over output-stationary")
    ax2.legend()
    save(fig, stage, "a_dataflow.png", e)
    return e


def exp_b_lif_share(d, stage):
    e = Experiment("b_lif_share", "b. LIF share of compute energy")
    names = [("sata_vgg9_os", "OS\nVGG9 T=4"), ("sata_vgg9_tb", "tick-batch\nVGG9 T=4"),
             ("sata_fmnist_os", "OS\nF-MNIST"), ("sata_fmnist_tb", "tick-batch\nF-MNIST")]
    runs = [d.get("b_lif_share", n) for n, _ in names]
    sf = d.get("b_lif_share", "spikeflow_fmnist")
    bad = na_of(*runs, sf)
    if bad:
        raise Fail(f"b_lif_share: {bad}")
    shares = [r.s("lif_share_of_compute_pct") for r in runs]
    sf_share = sf.s("neuron_share_of_imc_pct")
    r0 = runs[0]
    lif_cyc = r0.pj_per("lif", "lif", "cycle") * 1e3
    pe_cyc = r0.pj_per("pe_array", "pe_acc", "cycle") * 1e3
    acc = r0.pj_per("pe_array", "pe_acc", "accumulate") * 1e3
    dense = 100 * lif_cyc / (lif_cyc + pe_cyc + acc)
    e.row("b. LIF share of the compute units (SATA)",
          "up to about 60 % of the compute-unit power (FACTS.md s4)",
          f"{pct(shares[0])} of compute energy (VGG9 Tiny ImageNet, T = 4, OS); {pct(shares[1])} tick-batch; "
          f"{pct(shares[2])} Fashion-MNIST OS. SpikeFlow: neurons {pct(sf_share)} of the IMC energy",
          f"SATA's model (which we follow, FACTS.md s1) clocks every LIF unit's comparator + subtractor every "
          f"cycle ({lif_cyc:.0f} fJ) against the PE's always-on {pe_cyc:.0f} fJ plus {acc:.1f} fJ per non-zero "
          f"accumulate; at the bundles' low spike rates accumulates are few. With a spike on every input the "
          f"share would be {dense:.0f} %, the paper's regime. The difference is the spike rate, not a constant.")
    comps = ["dram", "glb_weight", "glb_ifmap", "glb_ofmap", "scratchpads", "accumulate", "lif", "control"]
    table, csv_rows = [], []
    for (n, lab), r in zip(names, runs):
        tot = r.s("energy_uj")
        vals = [r.comp(c, 0.0) for c in comps]
        table.append(["SATA " + lab.replace("\n", ", ").replace("F-MNIST", "Fashion-MNIST")] + [f"{v:.4g}" for v in vals] + [f"{tot:.4g}", pct(r.s("lif_share_of_compute_pct"))])
        csv_rows.append([n] + vals + [tot, r.s("lif_share_of_compute_pct")])
    e.csv = (["config"] + [c + "_uj" for c in comps] + ["total_uj", "lif_share_of_compute_pct"], csv_rows)
    e.text += [f"Energy by component (uJ per inference; Fashion-MNIST over {d.meta['GN']} samples, VGG9 Tiny "
               f"ImageNet one sample at T = 4); physical accounting, OS = `platforms/sata/sata.yaml`, tick-batch = "
               f"`platforms/sata/sata_tick_batch.yaml`. LIF share = LIF / (accumulate + LIF).", ""]
    e.text += md_table(["config"] + comps + ["total", "LIF share of compute"], table)
    e.text += ["", f"SpikeFlow (Fashion-MNIST, physical counting, `platforms/spikeflow/spikeflow.yaml`): the IMC neurons are {pct(sf_share)} of the IMC "
               f"energy: SpikeSim charges a neuron per update (FACTS.md s2), not per clock, and the crossbars, ADCs "
               f"and the tile buffer dominate.", ""]
    P = plt()
    fig, (ax1, ax2) = P.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [3, 2]})
    labels = [lab for _, lab in names]
    bottom = [0.0] * len(runs)
    colors = {"dram": "#4c72b0", "glb_weight": "#55a868", "glb_ifmap": "#8fd19e", "glb_ofmap": "#c4e8c4",
              "scratchpads": "#dd8452", "accumulate": "#8172b3", "lif": "#c44e52", "control": "#937860"}
    for c in comps:
        vals = [100 * r.comp(c, 0.0) / r.s("energy_uj") for r in runs]
        ax1.bar(labels, vals, bottom=bottom, color=colors[c], label=c, width=0.6)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax1.set_ylabel("share of inference energy (%)")
    ax1.set_title("SATA: energy by component")
    h, l = ax1.get_legend_handles_labels()
    ax1.legend(h[::-1], l[::-1], loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax1.set_ylim(0, 100)
    lab2 = ["SATA\n" + x for x in labels] + ["SpikeFlow\nF-MNIST"]
    lif = shares + [sf_share]
    ax2.bar(lab2, lif, color="#c44e52", width=0.6, label="LIF / neurons")
    ax2.bar(lab2, [100 - x for x in lif], bottom=lif, color="#8172b3", width=0.6,
            label="accumulate (SATA) / rest of IMC (SpikeFlow)")
    for i, x in enumerate(lif):
        ax2.text(i, max(x / 2, 4), f"{x:.1f} %", ha="center", va="center", color="white" if x > 8 else "k", fontsize=8)
    ax2.axhline(60, color="k", linestyle="--", linewidth=1, label="paper: LIF up to ~60 % (SATA)")
    ax2.set_ylabel("share of compute energy (%)")
    ax2.set_title("LIF share of compute energy")
    ax2.set_ylim(0, 100)
    ax2.tick_params(axis="x", labelsize=7)
    ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7)
    save(fig, stage, "b_lif_share.png", e)
    return e


def exp_c_lif_sharing(d, stage):
    e = Experiment("c_lif_sharing", "c. LIF sharing C#n")
    N = d.meta["N"]
    sata = [d.get("c_lif_sharing", f"sata_c{n}") for n in (1, 2, 4)]
    if na_of(*sata):
        raise Fail(f"c_lif_sharing: {na_of(*sata)}")
    sf = [d.get("c_lif_sharing", f"spikeflow_c{n}") for n in (1, 2, 4)]
    if isinstance(sf[0], NA):
        raise Fail(f"c_lif_sharing: spikeflow_c1: {sf[0]}")

    def sata_vals(r):
        E = r.comp("lif")
        lat = r.s("latency_us")
        return dict(acc=r.s("accuracy_pct"), E=E, P=E / lat * 1e3, A=r.area_module("sata.lif"), lat=lat,
                    share=r.s("lif_share_of_compute_pct"))

    def sf_vals(r):
        if isinstance(r, NA):
            return None
        E = r.comp("neuron")
        lat = r.s("latency_us")
        A = r.area_part("membrane_memory") + r.s("lif_circuit_area_um2", 0.0)
        return dict(acc=r.s("accuracy_pct"), E=E, P=E / lat * 1e3, A=A, lat=lat)

    sv = [sata_vals(r) for r in sata]
    fv = [sf_vals(r) for r in sf]
    rows, csv_rows = [], []
    for n, v in zip((1, 2, 4), sv):
        rows.append([f"SATA C#{n}", pct(v["acc"]), f"{v['E']:.3f}", pct(change(v["E"], sv[0]["E"])),
                     f"{v['P']:.2f}", pct(change(v["P"], sv[0]["P"])), f"{v['A']:.0f}", pct(change(v["A"], sv[0]["A"])),
                     f"{v['lat']:.1f}"])
        csv_rows.append(["sata", n, v["acc"], v["E"], v["P"], v["A"], v["lat"]])
    for n, v, r in zip((1, 2, 4), fv, sf):
        if v is None:
            rows.append([f"SpikeFlow C#{n}", str(r), "", "", "", "", "", "", ""])
            continue
        rows.append([f"SpikeFlow C#{n}", pct(v["acc"]), f"{v['E']:.3f}", pct(change(v["E"], fv[0]["E"])),
                     f"{v['P']:.2f}", pct(change(v["P"], fv[0]["P"])), f"{v['A']:.0f}", pct(change(v["A"], fv[0]["A"])),
                     f"{v['lat']:.1f}"])
        csv_rows.append(["spikeflow", n, v["acc"], v["E"], v["P"], v["A"], v["lat"]])
    e.csv = (["platform", "share", "accuracy_pct", "lif_energy_uj", "lif_power_mw", "lif_area_um2", "latency_us"], csv_rows)
    s4 = sv[2]
    e.row("c. LIF sharing C#4 (SATA, Fashion-MNIST C#n networks)",
          "C#4: -75.1 % LIF power (FACTS.md s4)",
          f"C#4: LIF power {pct(change(s4['P'], sv[0]['P']))}, LIF energy {pct(change(s4['E'], sv[0]['E']))}, "
          f"LIF area {pct(change(s4['A'], sv[0]['A']))}; accuracy {sv[0]['acc']:.1f} / {sv[1]['acc']:.1f} / "
          f"{s4['acc']:.1f} % (C#1 / C#2 / C#4)",
          f"The always-on part falls with the number of circuits (128 -> 32); the run is "
          f"{s4['lat'] / sv[0]['lat']:.2f}x as long (each circuit serves 4 channels in turn, a shared membrane goes "
          f"through DRAM between groups), so the remaining circuits are clocked for more cycles. The C#n networks "
          f"are separately trained (their spike counts differ).")
    if fv[2] is None:
        e.row("c. LIF sharing C#4 (SpikeFlow)", "no SpikeFlow figure in FACTS.md", str(na_of(*sf)), "")
    else:
        f4 = fv[2]
        dE = change(f4["E"], fv[0]["E"])
        why = ("SpikeSim charges one neuron update per neuron per timestep (FACTS.md s2), which sharing does not "
               "remove; what sharing saves is membrane memory (one membrane per n channels)."
               if abs(dE) < 5 else "See platforms/spikeflow/README.md.")
        e.row("c. LIF sharing C#4 (SpikeFlow)", "no SpikeFlow figure in FACTS.md (the paper's C#n result is SATA's)",
              f"C#4: neuron energy {pct(dE)}, neuron power {pct(change(f4['P'], fv[0]['P']))}, LIF + membrane area "
              f"{pct(change(f4['A'], fv[0]['A']))}; accuracy {fv[0]['acc']:.1f} / "
              f"{fv[1]['acc'] if fv[1] else float('nan'):.1f} / {f4['acc']:.1f} %", why)
    e.text += [f"Each C#n network (traces/fmnist_snn, _c2, _c4) on its own hardware (`platforms/sata/sata.yaml` with "
               f"`-c sata.lif.kind=lif.shared -c sata.lif.share=n`, `platforms/spikeflow/spikeflow.yaml` with "
               f"`-c spikeflow.tile.lif.kind=neuron.imc.shared -c spikeflow.tile.lif.share=n`; physical accounting), "
               f"{N} samples, output-stationary SATA. LIF power = LIF energy / latency. "
               f"SpikeFlow's LIF area = membrane memory + LIF circuits (area_by_component membrane_memory + lif_circuit_area_um2).", ""]
    e.text += md_table(["config", "accuracy", "LIF energy (uJ)", "vs C#1", "LIF power (mW)", "vs C#1",
                        "LIF area (um^2)", "vs C#1", "latency (us)"], rows)
    e.text.append("")
    P = plt()
    fig, axes = P.subplots(1, 2, figsize=(10, 3.8))
    for ax, vals, name, runs in ((axes[0], sv, "SATA", sata), (axes[1], fv, "SpikeFlow", sf)):
        avail = [v for v in vals if v is not None]
        if len(avail) < 2:
            na_panel(ax, f"{name}: C#2 / C#4", na_of(*runs))
            continue
        xs = [i for i, v in enumerate(vals) if v is not None]
        width = 0.26
        for k, (key, lab, col) in enumerate((("E", "LIF energy", "C0"), ("P", "LIF power", "C3"), ("A", "LIF area", "C2"))):
            ax.bar([x + (k - 1) * width for x in xs], [100 * vals[x][key] / vals[0][key] for x in xs], width,
                   label=lab, color=col)
        ax.set_xticks(xs)
        ax.set_xticklabels([f"C#{(1, 2, 4)[x]}\nacc. {vals[x]['acc']:.1f} %" for x in xs])
        ax.set_ylabel("% of C#1")
        ax.set_ylim(0, 130)
        if name == "SATA":
            ax.axhline(24.9, color="k", linestyle="--", linewidth=1, label="paper: C#4 LIF power -75.1 %")
        ax.set_title(f"{name}: LIF sharing (Fashion-MNIST)")
        ax.legend(loc="upper right", fontsize=7)
    save(fig, stage, "c_lif_sharing.png", e)
    return e


def exp_d_edp(d, stage):
    e = Experiment("d_edp", "d. SpikeFlow: EDP over T")
    Ts = d.ints("TS_D")
    res = {}
    for T in Ts:
        for mode in ("physical", "dense"):
            r = d.get("d_edp", f"{mode}_T{T}")
            if isinstance(r, NA):
                raise Fail(f"d_edp: {mode}_T{T}: {r}")
            lat = r.s("latency_us") / 1e3
            res[mode, T] = dict(lat=lat, imc=r.s("imc_energy_uj"), tot=r.s("energy_uj"))
    rows, csv_rows = [], []
    for T in Ts:
        for mode, lab in (("physical", "physical"), ("dense", "dense (SpikeSim)")):
            v = res[mode, T]
            v["edp_imc"] = v["imc"] * v["lat"]
            v["edp_tot"] = v["tot"] * v["lat"]
    for T in Ts:
        for mode, lab in (("physical", "physical"), ("dense", "dense (SpikeSim)")):
            v, v1 = res[mode, T], res[mode, Ts[0]]
            rows.append([T, lab, f"{v['lat']:.3f}", f1(v["imc"]), f1(v["tot"]), f1(v["edp_imc"]), f1(v["edp_tot"]),
                         f"{v['edp_imc'] / v1['edp_imc']:.2f}"])
            csv_rows.append([T, mode, v["lat"], v["imc"], v["tot"], v["edp_imc"], v["edp_tot"]])
    e.csv = (["T", "mode", "latency_ms", "imc_energy_uj", "total_energy_uj", "edp_imc_uj_ms", "edp_total_uj_ms"], csv_rows)
    Tn, T1 = Ts[-1], Ts[0]
    rp = res["physical", Tn]["edp_imc"] / res["physical", T1]["edp_imc"]
    rd = res["dense", Tn]["edp_imc"] / res["dense", T1]["edp_imc"]
    # SATA beside it (VGG9 Tiny ImageNet, experiment a): EDP from its summary
    ta = [T for T in d.ints("TS_A")]
    sata = {}
    for T in ta:
        for k in ("os", "tb"):
            r = d.get("a_dataflow", f"{k}_T{T}")
            if isinstance(r, NA):
                raise Fail(f"a_dataflow: {k}_T{T}: {r}")
            sata[k, T] = r.s("edp_j_s")
    sata_txt = ""
    if len(ta) > 1:
        sata_txt = (f"; SATA (VGG9, experiment a) EDP({ta[-1]})/EDP({ta[0]}) = "
                    f"{sata['os', ta[-1]] / sata['os', ta[0]]:.1f} (OS), {sata['tb', ta[-1]] / sata['tb', ta[0]]:.1f} "
                    f"(tick-batch)")
    e.row("d. SpikeFlow: EDP over T (VGG16 Tiny ImageNet)",
          "energy and latency grow steeply with T on SpikeSim (FACTS.md s4; no number given)",
          f"EDP({Tn})/EDP({T1}) = {rp:.1f} (physical, IMC energy), {rd:.1f} (SpikeSim's dense counting); "
          f"(T{Tn}/T{T1})^2 = {(Tn / T1) ** 2:.0f}{sata_txt}",
          "Same shape: energy and latency are both linear in T (the crossbars are re-read for every output pixel "
          "every timestep, every neuron updates every timestep, and SpikeSim's pipeline serialises a layer's T "
          "timesteps), so EDP grows as T^2; nothing is amortised across timesteps.")
    e.text += ["`traces/workloads/vgg16_tinyimagenet` (spike rate 0.1), one inference per T; physical = "
               "`platforms/spikeflow/spikeflow.yaml`, dense = `spikeflow_spikesim.yaml` (SpikeSim's formulas). "
               "EDP = energy x latency (uJ x ms). 'Total energy' includes the LPDDR4 background power over the "
               "latency, which SpikeSim does not model; compare IMC energies with SpikeSim.", ""]
    e.text += md_table(["T", "mode", "latency (ms)", "IMC energy (uJ)", "total energy (uJ)", "EDP IMC (uJ ms)",
                        "EDP total (uJ ms)", f"EDP IMC / EDP(T={T1})"], rows)
    e.text.append("")
    P = plt()
    fig, (ax1, ax2, ax3) = P.subplots(1, 3, figsize=(13, 3.9))
    for mode, lab, st in (("physical", "SpikeFlow physical", "o-"), ("dense", "SpikeFlow dense (SpikeSim)", "s-")):
        ax1.plot(Ts, [res[mode, T]["edp_imc"] / res[mode, T1]["edp_imc"] for T in Ts], st, label=lab + ", IMC energy")
        ax1.plot(Ts, [res[mode, T]["edp_tot"] / res[mode, T1]["edp_tot"] for T in Ts], st.replace("-", ":"),
                 label=lab + ", total energy")
    if len(ta) > 1:
        for k, lab in (("os", "SATA OS (VGG9)"), ("tb", "SATA tick-batch (VGG9)")):
            ax1.plot(ta, [sata[k, T] / sata[k, ta[0]] for T in ta], "^--", alpha=0.7, label=lab)
    ax1.plot(Ts, [(T / T1) ** 2 for T in Ts], "k--", linewidth=0.8, label="T^2")
    ax1.set_xlabel("timesteps T")
    ax1.set_xticks(sorted(set(Ts) | set(ta)))
    ax2.set_xticks(Ts)
    ax3.set_xticks(Ts)
    ax1.set_ylabel(f"EDP(T) / EDP(T={T1})")
    ax1.set_title("EDP growth with T")
    ax1.legend(fontsize=7)
    for mode, lab, st in (("physical", "physical", "o-"), ("dense", "dense (SpikeSim)", "s-")):
        ax2.plot(Ts, [res[mode, T]["imc"] for T in Ts], st, label=lab)
        ax3.plot(Ts, [res[mode, T]["lat"] for T in Ts], st, label=lab)
    ax2.set_xlabel("timesteps T")
    ax2.set_ylabel("IMC energy (uJ / inference)")
    ax2.set_title("SpikeFlow, VGG16 Tiny ImageNet: IMC energy")
    ax2.legend()
    ax3.set_yscale("log")
    ax3.set_xlabel("timesteps T")
    ax3.set_ylabel("latency (ms / inference, log)")
    ax3.set_title("SpikeFlow, VGG16 Tiny ImageNet: latency")
    ax3.legend()
    save(fig, stage, "d_edp.png", e)
    return e


def exp_e_dtsnn(d, stage):
    e = Experiment("e_dtsnn", "e. DT-SNN: accuracy vs average T vs EDP")
    ths = d.floats("THS")
    N = d.meta["N"]
    if ths[0] != 0:
        raise Fail(f"{d.dir}/meta.txt: THS: the first threshold must be 0 (static T), got {ths[0]:g}")
    plats = {}
    for p in ("sata", "spikeflow"):
        runs = [d.get("e_dtsnn", f"{p}_th{d.strs('THS')[i]}") for i in range(len(ths))]
        bad = na_of(*runs)
        if bad:
            plats[p] = bad
            continue
        # A build that accepts --exit-threshold but never exits early has no DT-SNN.
        if all(r.s("average_timesteps") == runs[0].s("average_timesteps") for r in runs) and len(runs) > 1:
            plats[p] = NA("--exit-threshold is accepted but no sample exits early (average T is "
                          f"{runs[0].s('average_timesteps'):g} at every threshold)")
            continue
        plats[p] = [dict(th=th, acc=r.s("accuracy_pct"), T=r.s("average_timesteps"), E=r.s("energy_uj"),
                         lat=r.s("latency_us"), edp=r.s("edp_j_s")) for th, r in zip(ths, runs)]
    table, csv_rows = [], []
    for p, lab in (("sata", "SATA"), ("spikeflow", "SpikeFlow")):
        v = plats[p]
        if isinstance(v, NA):
            table.append([lab, str(v), "", "", "", "", "", ""])
            continue
        for x in v:
            table.append([lab, th_label(x["th"]), pct(x["acc"], 2), f"{x['T']:.3f}", f"{x['E']:.3f}", f"{x['lat']:.1f}",
                          "-" if x["th"] == 0 else pct(change(x["E"], v[0]["E"])), f"{x['edp']:.3g}"])
            csv_rows.append([p, x["th"], x["acc"], x["T"], x["E"], x["lat"], x["edp"]])
    e.csv = (["platform", "threshold", "accuracy_pct", "average_timesteps", "energy_uj", "latency_us", "edp_j_s"], csv_rows)
    head = 0.9 if 0.9 in ths else ths[-1]

    def summary(v):
        s = v[0]
        h = next(x for x in v if x["th"] == head)
        keep = [x for x in v[1:] if x["acc"] >= s["acc"]]
        txt = (f"theta = {head:g}: energy {pct(change(h['E'], s['E']))}, EDP {pct(change(h['edp'], s['edp']))}, "
               f"average T {h['T']:.2f}, accuracy {h['acc']:.2f} % vs {s['acc']:.2f} % static T = {s['T']:g}")
        if keep:
            k = min(keep, key=lambda x: x["E"])
            txt += (f"; lowest energy at no accuracy loss: theta = {k['th']:g} (average T {k['T']:.2f}, energy "
                    f"{pct(change(k['E'], s['E']))})")
        return txt, h, s

    sv = plats["sata"]
    paper = ("46.5 % lower total inference energy than static T = 4 (SATA, VGG9 CIFAR10; FACTS.md s4); DT-SNN: "
             "static-T accuracy at 1.46 average timesteps (s5)")
    if isinstance(sv, NA):
        e.row("e. DT-SNN exit on SATA", paper, str(sv), "")
    else:
        txt, h, s = summary(sv)
        e.row("e. DT-SNN exit on SATA", paper, txt + f" (Fashion-MNIST SNN, {N} samples, OS)",
              "No trained VGG9/CIFAR10 here (the workload bundle has no real logits), so the Fashion-MNIST SNN: "
              "easier, more samples are confident after one timestep. On the output-stationary dataflow every cost "
              f"scales with the timesteps run (energy ratio {h['E'] / s['E']:.2f} for a timestep ratio "
              f"{h['T'] / s['T']:.2f}), so energy falls almost 1:1 with the average T.")
    fv = plats["spikeflow"]
    if isinstance(fv, NA):
        e.row("e. DT-SNN exit on SpikeFlow", "no SpikeFlow figure in FACTS.md", str(fv), "")
    else:
        txt, h, s = summary(fv)
        e.row("e. DT-SNN exit on SpikeFlow", "no SpikeFlow figure in FACTS.md (the paper's DT-SNN result is SATA's)",
              txt + f" (Fashion-MNIST SNN, {N} samples)",
              f"Energy ratio {h['E'] / s['E']:.2f} for a timestep ratio {h['T'] / s['T']:.2f}: the crossbar and neuron "
              f"work scale with the timesteps run; the inference energy also carries the DRAM background power over "
              f"the latency.")
    e.text += [f"Fashion-MNIST SNN (traces/fmnist_snn), {N} samples, T = 4, `--exit-threshold THETA` (exit when "
               f"1 - H > theta, FACTS.md s5); 'static' = no exit. SATA = `platforms/sata/sata.yaml` (output-stationary), "
               f"SpikeFlow = `platforms/spikeflow/spikeflow.yaml`; physical accounting. Energy in uJ and latency in us per inference; "
               f"EDP in J s.", ""]
    e.text += md_table(["platform", "threshold", "accuracy", "average T", "energy (uJ)", "latency (us)",
                        "energy vs static", "EDP (J s)"], table)
    e.text.append("")
    P = plt()
    fig, axes = P.subplots(1, 2, figsize=(11, 4.6))
    for ax, (p, lab) in zip(axes, (("sata", "SATA (output-stationary)"), ("spikeflow", "SpikeFlow"))):
        v = plats[p]
        if isinstance(v, NA):
            na_panel(ax, f"{lab}: DT-SNN", v)
            continue
        v = sorted(v, key=lambda x: x["T"])
        xs = [x["T"] for x in v]
        l1, = ax.plot(xs, [x["acc"] for x in v], "o-", color="C0", label="accuracy")
        st = next(x for x in v if x["th"] == 0)
        l0 = ax.axhline(st["acc"], color="C0", linestyle=":", linewidth=1, label="static T accuracy")
        # Accuracy in the upper band, EDP in the lower one, so that the theta labels (the last
        # one, "static", to the left of its point at the right edge) overlap neither curve.
        for x in v:
            last = x is v[-1]
            ax.annotate(th_label(x["th"]), (x["T"], x["acc"]), textcoords="offset points", xytext=(-5, 5) if last else (4, 4),
                        ha="right" if last else "left", fontsize=7)
        accs = [x["acc"] for x in v]
        span = max(max(accs) - min(accs), 0.5)
        ax.set_ylim(min(accs) - 0.9 * span, max(accs) + 0.2 * span)
        ax.set_xlabel("average timesteps")
        ax.set_ylabel("accuracy (%)", color="C0")
        ax2 = ax.twinx()
        ax2.grid(False)
        l2, = ax2.plot(xs, [x["edp"] for x in v], "s--", color="C3", label="EDP")
        ax2.set_ylim(0, 2.2 * max(x["edp"] for x in v))
        ax2.set_ylabel("EDP (J s / inference)", color="C3")
        ax.set_title(f"{lab}, Fashion-MNIST:\nDT-SNN exit thresholds (labels: theta)")
        ax.legend(handles=[l1, l0, l2], loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
    save(fig, stage, "e_dtsnn.png", e)
    return e


def exp_f_nonideal(d, stage):
    e = Experiment("f_nonideal", "f. Accuracy under non-idealities, with the remedies (SpikeFlow)")
    NIN, NCAL = int(d.meta["NI_N"]), d.meta["NI_CAL"]
    ideal = d.get("f_nonideal", "ideal")
    if isinstance(ideal, NA):
        raise Fail(f"f_nonideal: ideal: {ideal}")
    a_id = ideal.s("accuracy_pct")
    variants = [("offset", "offset (SpikeSim)"), ("flip", "flip"), ("differential", "differential"),
                ("offset_bn", "offset + BN adaptation"), ("differential_bn", "differential + BN adaptation")]
    cases = d.meta["ni_case"]
    if not cases:
        raise Fail(f"{d.dir}/meta.txt: no ni_case lines")
    res = {}
    for cid, lab in cases:
        for v, _ in variants:
            r = d.get("f_nonideal", f"{cid}_{v}")
            if isinstance(r, NA):
                raise Fail(f"f_nonideal: {cid}_{v}: {r}")
            res[cid, v] = (r.s("accuracy_pct"), r.s("hrs_share_pct"))
    table = [["ideal", pct(a_id), "", "", "", "", f1(ideal.s("hrs_share_pct"))]]
    csv_rows = [["ideal", "offset", a_id, ideal.s("hrs_share_pct")]]
    for cid, lab in cases:
        table.append([lab] + [f1(res[cid, v][0]) for v, _ in variants] +
                     [" / ".join(f1(res[cid, v][1]) for v in ("offset", "flip", "differential"))])
        csv_rows += [[cid, v, res[cid, v][0], res[cid, v][1]] for v, _ in variants]
    e.csv = (["case", "variant", "accuracy_pct", "hrs_share_pct"], csv_rows)
    gains = "; ".join(f"{lab}: {res[c, 'differential'][0] - res[c, 'offset'][0]:+.1f}" for c, lab in cases)
    left = "; ".join(f"{lab}: {a_id - res[c, 'differential_bn'][0]:.1f}" for c, lab in cases)
    c0 = cases[0][0]
    e.row("f. Non-idealities: non-ideality-aware encoding, then BN adaptation (SpikeFlow, Fashion-MNIST)",
          "encoding recovers +40.13 points; with BN adaptation on top 1.22 points of loss remain (FACTS.md s4)",
          f"differential vs offset encoding (points): {gains}. Loss left with differential + BN adaptation "
          f"(points below the ideal {a_id:.1f} %): {left}. {NIN} samples (1 sample = {100 / NIN:.2g} points)",
          f"Same size of effect, same mechanism: the offset encoding stores small negative weights as codes near "
          f"2^7 (all parallel cells on), so only {res[c0, 'offset'][1]:.1f} % of the unit cells are in the high-"
          f"resistance state vs {res[c0, 'differential'][1]:.1f} % with the differential encoding, and the column "
          f"currents (variation error, IR drop) are larger. The paper's encoding, device and baseline are not "
          f"given in FACTS.md, so +40.13 is not the same experiment.")
    e.text += [f"traces/fmnist_snn on `platforms/spikeflow/spikeflow.yaml` with "
               f"`spikeflow.tile.pe.column.kind=imc.column.nonideal`: accuracy (%) after T = 4 on the first {NIN} "
               f"samples; BN adaptation (`spiketlm calibrate`) on the last {NCAL} samples (disjoint). Cases are a "
               f"subset of `platforms/spikeflow/nonideal_sweep.sh` (its README table has all of them); NICE device, "
               f"seed 1.", ""]
    e.text += md_table(["non-ideality"] + [lab for _, lab in variants] + ["HRS share offset / flip / diff (%)"], table)
    e.text += ["", "BN adaptation re-estimates each channel's batch-norm statistics: it corrects a per-channel "
               "affine error, which is what remains after the differential encoding. The offset encoding's IR-drop "
               "error depends on how many negative-weight inputs are active (not affine), so BN adaptation on it can "
               "make IR drop worse (platforms/spikeflow/README.md).", ""]
    P = plt()
    fig, ax = P.subplots(figsize=(10, 4))
    width = 0.16
    xs = list(range(len(cases)))
    for k, (v, lab) in enumerate(variants):
        ax.bar([x + (k - 2) * width for x in xs], [res[c, v][0] for c, _ in cases], width, label=lab)
    ax.axhline(a_id, color="k", linestyle="--", linewidth=1, label=f"ideal crossbars ({a_id:.1f} %)")
    ax.set_xticks(xs)
    ax.set_xticklabels([lab for _, lab in cases], fontsize=8)
    ax.set_ylabel(f"accuracy after T = 4 (%, {NIN} samples)")
    ax.set_ylim(0, 105)
    ax.set_title("SpikeFlow, Fashion-MNIST: accuracy under crossbar non-idealities, with the remedies")
    ax.legend(loc="lower left", fontsize=7, ncol=2)
    save(fig, stage, "f_nonideal.png", e)
    return e


def exp_g_ann(d, stage):
    e = Experiment("g_ann", "g. SNN vs ANN vs FLOP estimate")
    GN = d.meta["GN"]
    nets = (("fmnist", "Fashion-MNIST"), ("vgg9", "VGG9 Tiny ImageNet, T = 4"))
    P = plt()
    fig, axes = P.subplots(2, 2, figsize=(11, 7.8))
    csv_rows, table = [], []

    def flops(r):
        f = r.section("flop_estimate")
        if not f or "flop_energy_uj" not in f or "ann_flop_energy_uj" not in f:
            return NA("the report has no flop_estimate section (flop_energy_uj, ann_flop_energy_uj)")
        return f

    for pi, (p, plab) in enumerate((("sata", "SATA"), ("spikeflow", "SpikeFlow"))):

        def parts(r):
            tot = r.s("energy_uj")
            return tot, r.s("memory_energy_uj"), r.s("compute_energy_uj") if p == "sata" else r.s("imc_energy_uj")

        ann_txt, flop_txt, mem_txt, mem_share, ann_mem = [], [], [], [], []
        for ni, (net, nlab) in enumerate(nets):
            snn = d.get("g_ann", f"{p}_{net}_snn")
            if isinstance(snn, NA):
                raise Fail(f"g_ann: {p}_{net}_snn: {snn}")
            anns = {b: d.get("g_ann", f"{p}_{net}_ann{b}") for b in (8, 4)}
            functional = snn.run("trace_kind") == "functional"
            acc = (lambda r: f", accuracy {r.s('accuracy_pct'):.1f} %") if functional else (lambda r: "")
            fl = flops(snn)
            t, m, c = parts(snn)
            bars = [("SNN\nmodelled", t, m, c, None)]   # (label, total, memory, compute, NA)
            runs_of = {"SNN\nmodelled": snn, "ANN 8-bit\nmodelled": anns[8], "ANN 4-bit\nmodelled": anns[4]}
            for b in (8, 4):
                a = anns[b]
                bars.append((f"ANN {b}-bit\nmodelled",) + ((None, None, None, a) if isinstance(a, NA) else parts(a) + (None,)))
            if isinstance(fl, NA):
                bars += [("SNN FLOP est.\n0.9 pJ/AC", None, None, None, fl), ("ANN FLOP est.\n4.6 pJ/MAC", None, None, None, fl)]
            else:
                bars += [("SNN FLOP est.\n0.9 pJ/AC", fl["flop_energy_uj"], None, None, None),
                         ("ANN FLOP est.\n4.6 pJ/MAC", fl["ann_flop_energy_uj"], None, None, None)]
            for lab, tot, mem, comp, bad in bars:
                lab1 = lab.replace("\n", " ")
                csv_rows.append([p, net, lab1, "" if tot is None else tot, "" if mem is None else mem,
                                 "" if comp is None else comp, str(bad) if bad else ""])
                rr = runs_of.get(lab)
                table.append([plab, nlab, lab1, str(bad) if bad else f"{tot:.4g}", "" if mem is None else f"{mem:.4g}",
                              "" if comp is None else f"{comp:.4g}",
                              "" if bad or comp is None else pct(100 * mem / tot, 0),
                              pct(rr.s("accuracy_pct")) if functional and isinstance(rr, Run) else ""])
            # summary text
            short = nlab.split(",")[0]
            mem_txt.append(f"{short} {100 * m / t:.0f} %")
            s = f"{short}: SNN {t:.4g} uJ{acc(snn)}"
            for b in (8, 4):
                if isinstance(anns[b], NA):
                    s += f"; ANN {b}-bit {anns[b]}"
                else:
                    ta, ma, _ = parts(anns[b])
                    s += f"; ANN {b}-bit {ta:.4g} uJ ({ta / t:.2f}x the SNN{acc(anns[b])})"
                    ann_mem.append(f"{short} ANN {b}-bit {100 * ma / ta:.0f} % (SNN {100 * m / t:.0f} %)")
            ann_txt.append(s)
            mem_share.append(m / t)
            if isinstance(fl, NA):
                flop_txt.append(f"{short}: {fl}")
            else:
                flop_txt.append(f"{short}: FLOP estimate {fl['flop_energy_uj']:.4g} uJ vs modelled {t:.4g} uJ "
                                f"({t / fl['flop_energy_uj']:.1f}x); same-shape ANN by FLOPs {fl['ann_flop_energy_uj']:.4g} uJ")
            # the panel
            ax = axes[pi][ni]
            xs = list(range(len(bars)))
            ymax = max(b[1] for b in bars if b[1] is not None)
            for x, (lab, tot, mem, comp, bad) in zip(xs, bars):
                if bad is not None:
                    ax.text(x, ymax * 0.02, "n/a", ha="center", va="bottom", color="0.4", fontsize=8)
                    continue
                if mem is None:
                    ax.bar(x, tot, 0.6, color="0.6", label="FLOP estimate" if x == 3 else None)
                else:
                    other = max(tot - mem - comp, 0.0)
                    ax.bar(x, mem, 0.6, color="#4c72b0", label="memory" if x == 0 else None)
                    ax.bar(x, comp, 0.6, bottom=mem, color="#c44e52", label="compute" if x == 0 else None)
                    if other > 1e-3 * tot:
                        ax.bar(x, other, 0.6, bottom=mem + comp, color="#dd8452", label="other" if x == 0 else None)
                ax.text(x, tot, f"{tot:.4g}", ha="center", va="bottom", fontsize=7)
            ax.set_xticks(xs)
            ax.set_xticklabels([b[0] for b in bars], fontsize=7)
            ax.set_xlim(-0.6, len(bars) - 0.4)
            ax.set_ylabel("energy (uJ / inference)")
            ax.set_title(f"{plab}: {nlab}")
            ax.set_ylim(0, ymax * 1.15)
            ax.legend(fontsize=7, loc="best")
        e.row(f"g. SNN vs same-shape ANN, modelled ({plab})",
              "no number in FACTS.md (the paper's question: does the SNN beat the ANN once the hardware is counted?)",
              "; ".join(ann_txt),
              " ".join(x for x in (
                  (("Same chip model and tech tables for both; the SNN moves its data once per timestep, the ANN once "
                    "with multi-bit activations. " if p == "sata" else
                    "Same crossbars, ADCs, buffers and tech table for both; weights stay in the crossbars, so the cost "
                    "follows PE cycles (the tile buffer, 397 pJ per active PE cycle (FACTS.md s2), is about 90 % of the IMC energy): a "
                    "hidden layer takes T one-bit passes in the SNN and B bit-plane passes in the ANN, and the SNN "
                    "runs its direct-coded 8-plane first layer every timestep (SpikeSim's pipeline), 4x the ANN's PE "
                    "cycles there, which sets the latency and with it the LPDDR4 background power. ") +
                   "Memory share of the energy: " + ", ".join(ann_mem) + "."
                   if ann_mem else ""),
                  ("Some ANN runs are not in this build (the ANN mode: multi-bit activations through the same arrays)."
                   if any("not available" in x for x in ann_txt) else "")) if x))
        if len(set(x.split(": ", 1)[1] for x in flop_txt)) == 1 and "not available" in flop_txt[0]:
            flop_txt = ["FLOP estimate: " + flop_txt[0].split(": ", 1)[1]]
        e.row(f"g. FLOP estimate vs modelled energy ({plab})",
              "the FLOP estimate (0.9 pJ per AC, 4.6 pJ per MAC, Horowitz 45 nm) is far from the hardware figure; memory "
              "energy is at least as large as compute in every case (FACTS.md s4, s6)",
              "; ".join(flop_txt) + f". Memory share of the modelled SNN energy: {', '.join(mem_txt)}",
              "The FLOP estimate counts arithmetic only; the modelled energy adds DRAM, buffers and the neurons" +
              (", and memory is the larger part here too" if min(mem_share) >= 0.5 else
               ", and memory is not the larger part in every case here") + (" (SpikeFlow's includes the LPDDR4 background power over the "
                                                      "latency)" if p == "spikeflow" else "") + ".")
    e.csv = (["platform", "network", "bar", "energy_uj", "memory_uj", "compute_uj", "not_available"], csv_rows)
    e.text += [f"Energy per inference (uJ), physical accounting: SATA = `platforms/sata/sata.yaml` (output-stationary), "
               f"SpikeFlow = `platforms/spikeflow/spikeflow.yaml`. Fashion-MNIST: `traces/fmnist_snn` and its ANN bundles "
               f"`traces/fmnist_ann8`, `fmnist_ann4` (same shape, ReLU, one timestep), {GN} samples. VGG9 Tiny "
               f"ImageNet: the workload bundle at T = 4, its ANN with `--ann BITS`. Memory = DRAM + buffers (with "
               f"leakage / DRAM background power); compute = PE accumulate + LIF (SATA) or all IMC actions "
               f"(SpikeFlow). FLOP estimate: the report's `flop_estimate` section (`flop_energy_uj`: the SNN's counted "
               f"accumulates x 0.9 pJ, direct-coded layers as MACs; `ann_flop_energy_uj`: dense MACs x 4.6 pJ; Horowitz 45 nm as the paper uses them, FACTS.md s4). The "
               f"workload ANN's activation maps have an assumed non-zero density (`traces/src/to_ann.h`), not a "
               f"measured one; the Fashion-MNIST ANNs are trained networks.", ""]
    e.text += md_table(["platform", "network", "", "energy (uJ)", "memory (uJ)", "compute (uJ)", "memory share",
                        "accuracy"], table)
    e.text.append("")
    save(fig, stage, "g_ann.png", e)
    return e


def exp_h_membrane(d, stage):
    e = Experiment("h_membrane", "h. Membrane widths")
    W = d.ints("WIDTHS")
    N = d.meta["N"]
    sata, sf = {}, {}
    for b in W:
        r = d.get("h_membrane", f"sata_m{b}")
        q = d.get("h_membrane", f"spikeflow_m{b}")
        bad = na_of(r, q)
        if bad:
            raise Fail(f"h_membrane: {b} bit: {bad}")
        sata[b] = dict(acc=r.s("accuracy_pct"), lif=r.comp("lif"), dram=r.comp("dram"), area=r.area_module("sata.lif"),
                       req=r.run("requantized_layers", 0))
        sf[b] = dict(acc=q.s("accuracy_pct"), share=q.s("lif_membrane_area_share_pct"), area=q.area_part("membrane_memory"))
    table, csv_rows = [], []
    for b in W:
        s, f = sata[b], sf[b]
        table.append([f"{b} bit", pct(s["acc"]), pct(f["acc"]), f"{s['lif']:.3f}", f"{s['dram']:.2f}", f"{s['area']:.0f}",
                      pct(f["share"]), s["req"]])
        csv_rows.append([b, s["acc"], f["acc"], s["lif"], s["dram"], s["area"], f["share"], s["req"]])
    e.csv = (["membrane_bits", "sata_accuracy_pct", "spikeflow_accuracy_pct", "sata_lif_energy_uj", "sata_dram_energy_uj",
              "sata_lif_area_um2", "spikeflow_lif_membrane_area_share_pct", "requantized_layers"], csv_rows)
    wmax, wmin = max(W), min(W)
    ref = 8 if 8 in W else wmin
    same = all(abs(sata[b]["acc"] - sf[b]["acc"]) < 1e-9 for b in W)
    e.row("h. Membrane width (SATA; SpikeFlow area)",
          "no figure in FACTS.md s4 (SATA's published membrane is 8 bit, s1)",
          "accuracy " + ", ".join(f"{b} bit {sata[b]['acc']:.1f} %" for b in W) +
          f" ({'SATA = SpikeFlow' if same else 'SATA; SpikeFlow differs, see below'}); SATA at {ref} vs {wmax} bit: "
          f"LIF energy {pct(change(sata[ref]['lif'], sata[wmax]['lif']))}, LIF area "
          f"{pct(change(sata[ref]['area'], sata[wmax]['area']))}, DRAM energy "
          f"{pct(change(sata[ref]['dram'], sata[wmax]['dram']))}; SpikeFlow LIF/membrane area share "
          f"{sf[wmax]['share']:.1f} -> {sf[wmin]['share']:.1f} %",
          "Register energy and area follow the published 4/8/16-bit registers (FACTS.md s1; 6 bit uses 8-bit "
          "registers), stored membranes take ceil(B/8) bytes in DRAM. Where the trace's threshold leaves no "
          "headroom the neurons are refitted to the width (traces/src/requantize.h), so each width is its own "
          "network; its accuracy can be above or below 32 bit.")
    e.text += [f"traces/fmnist_snn, {N} samples, `-c sata.lif.membrane_bits=B` / `-c spikeflow.tile.lif.membrane_bits=B`."
               f" `platforms/sata/sata.yaml` and `platforms/spikeflow/spikeflow.yaml`, physical accounting."
               f" Energies in uJ per inference (SATA, output-stationary).", ""]
    e.text += md_table(["membrane", "accuracy SATA", "accuracy SpikeFlow", "SATA LIF energy (uJ)",
                        "SATA DRAM energy (uJ)", "SATA LIF area (um^2)", "SpikeFlow LIF/membrane area share",
                        "requantized layers"], table)
    e.text.append("")
    P = plt()
    fig, (ax1, ax2, ax3) = P.subplots(1, 3, figsize=(13, 3.8))
    ax1.plot(W, [sata[b]["acc"] for b in W], "o-", label="SATA")
    ax1.plot(W, [sf[b]["acc"] for b in W], "x--", markersize=9, label="SpikeFlow")
    ax1.set_xlabel("membrane width (bit)")
    ax1.set_ylabel("accuracy (%)")
    ax1.set_title("Accuracy (Fashion-MNIST)")
    ax1.legend()
    ax2.plot(W, [sata[b]["lif"] for b in W], "o-", color="C3", label="LIF")
    ax2.plot(W, [sata[b]["dram"] for b in W], "s-", color="C0", label="DRAM")
    ax2.set_xlabel("membrane width (bit)")
    ax2.set_ylabel("energy (uJ / inference)")
    ax2.set_title("SATA: LIF and DRAM energy")
    ax2.legend()
    ax3.plot(W, [sata[b]["area"] / 1e3 for b in W], "o-", color="C2", label="SATA LIF area")
    ax3.set_xlabel("membrane width (bit)")
    ax3.set_ylabel("SATA LIF area (10^3 um^2)", color="C2")
    ax4 = ax3.twinx()
    ax4.grid(False)
    ax4.plot(W, [sf[b]["share"] for b in W], "s--", color="C4", label="SpikeFlow LIF/membrane area share")
    ax4.set_ylabel("SpikeFlow LIF/membrane share of area (%)", color="C4")
    ax3.set_title("Area")
    h1, l1 = ax3.get_legend_handles_labels()
    h2, l2 = ax4.get_legend_handles_labels()
    ax3.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left")
    for ax in (ax1, ax2, ax3):
        ax.set_xscale("log", base=2)
        ax.set_xticks(W)
        ax.set_xticklabels([str(b) for b in W])
        ax.minorticks_off()
    save(fig, stage, "h_membrane.png", e)
    return e


def exp_i_verdict(d, stage):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import reproduce_verdict
    return reproduce_verdict.exp_i_verdict(d, stage, Experiment, NA, Fail, md_table)


def exp_j_table2(d, stage):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import reproduce_table2
    return reproduce_table2.exp_j_table2(d, stage, Experiment, Fail)


EXPERIMENTS = [exp_a_dataflow, exp_b_lif_share, exp_c_lif_sharing, exp_d_edp, exp_e_dtsnn, exp_f_nonideal,
               exp_g_ann, exp_h_membrane, exp_i_verdict, exp_j_table2]

# Which step of reproduce.sh belongs to which experiment (for the wall-time table).
STEP_EXPERIMENT = {"a_dataflow": "a", "b_lif_share": "b", "c_lif_sharing": "c", "d_edp": "d", "e_dtsnn_sata": "e",
                   "e_dtsnn_spikeflow": "e", "f_ideal": "f", "f_sigma02": "f", "f_ir5": "f", "f_combo": "f",
                   "g_ann": "g", "h_membrane_sata": "h", "h_membrane_spikeflow": "h", "i_verdict": "i",
                   "j_table2": "j"}


# ------------------------------------------------------------------------------------ trimming
# The tables each experiment reads (everything else is dropped from the stored reports).
KEEP_TABLES = {"a_dataflow": {"energy_by_action"}, "b_lif_share": {"energy_by_component", "energy_by_action"},
               "c_lif_sharing": {"energy_by_component", "area_by_module", "area_by_component"},
               "h_membrane": {"energy_by_component", "area_by_module", "area_by_component"},
               "i_verdict": {"energy_by_component"}}


def trim(path, exp):
    """Keep the report's run, summary and other scalar sections and the tables the report reads."""
    with open(path) as f:
        j = json.load(f)
    keep = KEEP_TABLES.get(exp, set())
    j.pop("units", None)
    j.pop("table_info", None)
    j["tables"] = {k: v for k, v in j.get("tables", {}).items() if k in keep}
    if "energy_by_action" in j["tables"]:
        j["tables"]["energy_by_action"] = [r for r in j["tables"]["energy_by_action"] if r["energy_pj"]]   # drop actions with no energy
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(j, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)


BUILD_NOTE = {"fresh": " from scratch", "incremental": " incremental (the build directory existed)"}


def fmt_secs(s):
    s = float(s)
    return f"{int(s // 60)} min {s % 60:.0f} s" if s >= 60 else f"{s:.0f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stage")
    ap.add_argument("--md", required=True)
    ap.add_argument("--link", default="")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    a = ap.parse_args()
    try:
        d = Data(a.stage)
        exps = [f(d, a.stage) for f in EXPERIMENTS]
        # timings
        tdir = os.path.join(d.dir, "timing")
        steps = {}
        for p in sorted(glob.glob(os.path.join(tdir, "*"))):
            if p.endswith(".FAILED"):
                continue
            with open(p) as f:
                try:
                    steps[os.path.basename(p)] = float(f.read().strip())
                except ValueError:
                    raise Fail(f"{p}: expected seconds")
        m = d.meta
        total = time.time() - float(m["t_start"]) / 1e3
        # csv files and trimmed reports
        for x in exps:
            if x.csv:
                cols, rows = x.csv
                with open(os.path.join(a.stage, x.id + ".csv"), "w", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(cols)
                    for r in rows:
                        w.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in r])
        for p in glob.glob(os.path.join(d.dir, "*", "*.json")):
            if os.path.basename(os.path.dirname(p)) != "j_table2":   # table2.py's result, not a run report
                trim(p, os.path.basename(os.path.dirname(p)))
        # the report
        L = ["# Reproduction report", "",
             "Every experiment of Bhattacharjee, Yin, Moitra, Panda, *Are SNNs Truly Energy-efficient? - A Hardware "
             "Perspective* (arXiv 2309.03388, ICASSP 2024) run on our models, beside the paper's numbers as "
             "FACTS.md section 4 quotes them. Generated by `sw/tools/reproduce.sh` (plots and data in "
             f"`{a.link or './'}`); do not edit by hand.", "",
             "Mode and source of every figure: 'ours' and the sections' tables are spiketlm's physical accounting "
             "(the platforms' default: `platforms/sata/sata.yaml`, `platforms/sata/sata_tick_batch.yaml`, "
             "`platforms/spikeflow/spikeflow.yaml`) unless marked SpikeSim dense mode "
             "(`platforms/spikeflow/spikeflow_spikesim.yaml`) or paper accounting (`sw/tools/table2.py --mode paper`), "
             "measured by the runs of `sw/tools/reproduce.sh` at the date, commit and machine below (each section "
             "names its configurations and options; the reports are in "
             f"`{a.link or './'}data/`). 'paper' quotes FACTS.md (the section named in each row) or, for Table II, "
             "`sw/doc/table2/methods.yaml` (Table II is not in FACTS.md).", ""]
        if m.get("quick") == "1":
            L += ["**Quick run (`--quick`): tiny sample counts, a smoke test; the numbers are not the report's.**", ""]
        dirty = int(m.get("dirty_files", "0") or 0)
        L += md_table(["", ""], [
            ["date", m["date"]],
            ["commit", m["commit"] + (f" plus uncommitted changes in {dirty} files" if dirty else "")],
            ["machine", m["machine"] + (f"; {m['os']}" if m.get("os") else "")],
            ["total wall time", f"{fmt_secs(total)} ("
                                + ("build skipped (--no-build)" if m.get("build_kind") == "skipped" else
                                   f"build {fmt_secs(m['t_build'])}{BUILD_NOTE.get(m.get('build_kind', ''), '')}")
                                + ", experiments "
                                f"{fmt_secs(m['t_experiments'])} with {m.get('jobs', '2')} at a time, report and plots)"],
            ["samples", f"Fashion-MNIST: {m['N']} (LIF sharing, DT-SNN, membrane widths), {m['GN']} (energy "
                        f"breakdowns, SNN vs ANN); non-idealities: {m['NI_N']} evaluated, {m['NI_CAL']} for BN "
                        f"adaptation; workloads (VGG9 / VGG16 Tiny ImageNet): one inference per point, T = "
                        f"{', '.join(m['TS_A'].split())} (SATA) and {', '.join(m['TS_D'].split())} (SpikeFlow)"],
        ])
        L += ["", "## Summary", ""]
        rows = [r for x in exps for r in x.rows]
        L += md_table(["experiment", "paper", "ours", "why they differ"], rows)
        L += ["", "## Wall time per experiment", ""]
        per = {}
        for s, t in steps.items():
            per.setdefault(STEP_EXPERIMENT.get(s, s), []).append((s, t))
        trows = []
        for x in exps:
            k = x.id[0]
            items = per.get(k, [])
            trows.append([x.title, fmt_secs(sum(t for _, t in items)),
                          ", ".join(f"{s} {t:.0f} s" for s, t in sorted(items))])
        L += md_table(["experiment", "wall time (sum of its steps)", "steps"], trows)
        L += [""]
        for x in exps:
            L += [f"## {x.title}", ""] + x.text
            for p in x.plots:
                L += [f"![{x.title}]({a.link}{p})", ""]
            if x.csv:
                L += [f"Data: [`{a.link}{x.id}.csv`]({a.link}{x.id}.csv); the runs' reports: `{a.link}data/{x.id}/`.", ""]
        tmp = a.md + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(L).rstrip() + "\n")
        os.replace(tmp, a.md)
    except Fail as e:
        print(f"reproduce.py: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"reproduce.py: error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

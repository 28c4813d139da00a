#!/usr/bin/python3
"""Table II of arXiv 2309.03388 reproduced: SNN vs ANN energy per published SNN training method,
in the paper's own accounting and in spiketlm's physical model (sw/tools/table2.md).

Usage: sw/tools/table2.py [--mode paper|physical|both] [--data FILE] [--spiketlm BIN]
                          [--work DIR] [--only NAME[,NAME...]] [--json FILE]
  --mode      paper: the FLOPs estimate, SATA_Sim's and SpikeSim's accounting (instant);
              physical: spiketlm runs of each method's network, SNN and --ann 8, on SATA and
              SpikeFlow (a few seconds to a minute a method); both (default)
  --data      the methods file (default sw/doc/table2/methods.yaml)
  --spiketlm  the CLI for physical mode (default build/spiketlm)
  --work      where physical mode writes its bundles and run reports (default a temporary dir)
  --only      physical mode for these methods only (paper mode always prints every method)
  --json      write every figure as JSON (what sw/tools/reproduce.py reads)
Errors are one line on stderr, exit 1: `spiketlm: <file>:<key>: <what>, expected <what>`."""
import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import table2_data  # noqa: E402
import table2_paper  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


def md(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return out + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]


def g(x, digits=3):
    return f"{x:.{digits}g}"


def paper_table(methods):
    """Paper mode: SNN/ANN energy ratios (< 1: the SNN wins) beside Table II's (1 / its N x)."""
    head = ["method", "T", "spike rate", "FLOPs, SATA_Sim kernels", "FLOPs, 0.9/4.6 pJ", "claimed (1/N)",
            "SATA_Sim", "Table II SATA", "SpikeSim", "Table II SpikeSim"]
    body, inferred = [], []
    for m in methods:
        r, pub = m["paper"], m["published"]
        mark = " *" if m["sources"]["ann_timesteps"].startswith("not published") else ""
        if mark:
            inferred.append(m["name"])
        body.append([m["name"], m["timesteps"], g(1 - m["sparsity"], 3), g(r["flops"]["ratio"]),
                     g(r["flops"]["horowitz_ratio"]), g(1 / m["claimed"]) if m["claimed"] else "-",
                     f"{r['sata_sim']['ratio']:.3f} ({1 / r['sata_sim']['ratio']:.2f}x){mark}",
                     f"{1 / pub['sata']:.3f} ({g(pub['sata'], 2)}x)" if pub["sata"] else "-",
                     f"{r['spikesim']['ratio']:.3f} ({1 / r['spikesim']['ratio']:.2f}x){mark}",
                     f"{1 / pub['spikesim']:.3f} ({g(pub['spikesim'], 2)}x)" if pub["spikesim"] else "-"])
    note = ([f"\n* {', '.join(inferred)}: the paper's ANN baseline (ann_timesteps) is not published; it is inferred "
             "from Table II's SpikeSim figure (= T / ann_timesteps), so that column agrees by construction and "
             "only the SATA_Sim figure is a check."] if inferred else [])
    return md(head, body) + note


def breakdown_table(methods):
    """Paper-mode SATA_Sim: each component group's share of the SNN energy and SNN - ANN."""
    groups = list(methods[0]["paper"]["sata_sim"]["groups_snn"])
    body = []
    for m in methods:
        r = m["paper"]["sata_sim"]
        s, a, tot = r["groups_snn"], r["groups_ann"], r["snn"]["total_nj"]
        body.append([m["name"]] + [f"{100 * s[k] / tot:.0f} % ({(s[k] - a[k]) / 1e3:+.4g})" for k in groups])
    return md(["method"] + groups, body)


def physical_table(methods):
    head = ["method", "T", "platform", "SNN / ANN-8 (uJ)", "ratio", "dynamic ratio", "SNN leakage share",
            "moves it (SNN - ANN, uJ)"]
    body = []
    for m in methods:
        for p in ("sata", "spikeflow") if m.get("physical") else ():
            r = m["physical"][p]
            mv = "; ".join(f"{x['component']} {x['diff_uj']:+.4g}" + (f" (leakage {x['leakage_diff_uj']:+.4g})"
                                                                    if abs(x["leakage_diff_uj"]) > 1e-9 else "")
                           for x in r["movers"])
            body.append([m["name"], m["timesteps"], p, f"{g(r['snn']['energy_uj'], 4)} / {g(r['ann']['energy_uj'], 4)}",
                         f"{r['ratio']:.2f}", f"{r['dynamic_ratio']:.2f}",
                         f"{100 * r['snn']['leakage_energy_uj'] / r['snn']['energy_uj']:.0f} %", mv])
    return md(head, body)


def flips(methods):
    """Per method and platform, what the numbers say would flip the physical verdict."""
    out = []
    for m in methods:
        for p in ("sata", "spikeflow") if m.get("physical") else ():
            r = m["physical"][p]
            if r["ratio"] < 1:
                why = "the SNN already wins"
            elif r["dynamic_ratio"] < 1:
                why = (f"static power decides it: without leakage / DRAM background the SNN wins "
                       f"({r['dynamic_ratio']:.2f})")
            else:
                why = (f"the ANN wins even on dynamic energy ({r['dynamic_ratio']:.2f}): power gating alone would "
                       "not flip it; fewer timesteps or less traffic per timestep would")
            out.append(f"- {m['name']} on {p}: {r['ratio']:.2f}; {why}.")
    return out


def render(doc):
    """The tables of a result document (the CLI prints them; reproduce.py puts them in its report)."""
    L, ms = [], doc["methods"]
    if doc["mode"] != "physical":
        L += ["Paper mode: SNN / ANN energy (< 1: the SNN wins; N x = ANN / SNN)", ""] + paper_table(ms)
        L += ["", "SATA_Sim accounting, share of the SNN energy by component (SNN - ANN in uJ)", ""]
        L += breakdown_table(ms)
    if doc["mode"] != "paper":
        L += ["", "Physical mode: spiketlm, one inference, SNN vs its 8-bit ANN twin (--ann 8)", ""]
        L += physical_table(ms) + [""] + flips(ms)
    return L


def run_physical(d, a):
    import table2_physical  # imports the report reader; only physical mode needs it
    only = set(a.only.split(",")) if a.only else None
    if only:
        unknown = only - {m["name"] for m in d["methods"]}
        if unknown:
            raise table2_data.DataError(f"spiketlm: {a.data}:methods: no method {sorted(unknown)[0]!r} (--only), "
                                        f"expected one of {', '.join(m['name'] for m in d['methods'])}")
    if not os.access(a.spiketlm, os.X_OK):
        raise table2_data.DataError(f"spiketlm: {a.spiketlm}: not an executable, expected the spiketlm CLI (--spiketlm)")
    work = a.work or tempfile.mkdtemp(prefix="table2.")
    out = {}
    for m in d["methods"]:
        if only is None or m["name"] in only:
            out[m["name"]] = table2_physical.physical_row(m, os.path.abspath(a.spiketlm), os.path.abspath(work))
    return out


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=("paper", "physical", "both"), default="both")
    ap.add_argument("--data", default=os.path.join(ROOT, "sw", "doc", "table2", "methods.yaml"))
    ap.add_argument("--spiketlm", default=os.path.join(ROOT, "build", "spiketlm"))
    ap.add_argument("--work")
    ap.add_argument("--only")
    ap.add_argument("--json")
    return ap.parse_args()


def main():
    a = parse()
    try:
        d = table2_data.load(a.data)
        rows = [table2_paper.paper_row(m, d["constants"]) for m in d["methods"]]
        phys = run_physical(d, a) if a.mode != "paper" else {}
    except table2_data.ToolError as e:   # a bad data file or option, a failed spiketlm run: one line
        print(e, file=sys.stderr)
        return 1
    doc = {"data": os.path.relpath(os.path.abspath(a.data), ROOT), "mode": a.mode, "methods": [
        {"name": m["name"], "timesteps": m["timesteps"], "sparsity": m["sparsity"], "claimed": m["claimed"],
         "published": m["published"], "ann_timesteps": m["ann_timesteps"], "sources": m["sources"],
         "paper": r, "physical": phys.get(m["name"])} for m, r in zip(d["methods"], rows)]}
    print("\n".join(render(doc)))
    if a.json:   # written whole, then renamed: never a partial file
        with open(a.json + ".tmp", "w") as f:
            json.dump(doc, f, indent=1)
        os.replace(a.json + ".tmp", a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""spiketlm sweep: plot a sweep's results (results.csv) -- y against x, coloured by a third
metric, Pareto points marked (and joined when the front is over x and y alone). Written into each sweep folder by `spiketlm sweep`;
rerun it by hand to restyle:
    python3 plot.py results.csv pareto.png --x latency_us --y energy_uj --color accuracy_pct
Needs matplotlib (Debian: python3-matplotlib)."""
import argparse
import csv
import math
import sys


def number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("png")
    ap.add_argument("--x", default="latency_us")
    ap.add_argument("--y", default="energy_uj")
    ap.add_argument("--color", default="accuracy_pct")
    ap.add_argument("--xlabel")
    ap.add_argument("--ylabel")
    ap.add_argument("--clabel")
    ap.add_argument("--title", default="")
    ap.add_argument("--join", action="store_true", help="also join the Pareto points (the front is over x and y)")
    a = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        sys.exit("plot.py: expected matplotlib (Debian python3-matplotlib), got: %s" % e)
    with open(a.csv, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("state") == "done"]
    for col in (a.x, a.y):
        if rows and col not in rows[0]:
            sys.exit("plot.py: %s: expected a column '%s' (columns: %s)" % (a.csv, col, ", ".join(rows[0])))
    pts = [(number(r[a.x]), number(r[a.y]), number(r.get(a.color)), r.get("pareto") == "1", r["point"])
           for r in rows]
    pts = [p for p in pts if p[0] is not None and p[1] is not None]
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=100)
    coloured = [p for p in pts if p[2] is not None]
    if coloured:
        sc = ax.scatter([p[0] for p in coloured], [p[1] for p in coloured], c=[p[2] for p in coloured],
                        cmap="viridis", s=36, zorder=2)
        fig.colorbar(sc, ax=ax, label=a.clabel or a.color)
    plain = [p for p in pts if p[2] is None]
    if plain:
        ax.scatter([p[0] for p in plain], [p[1] for p in plain], color="grey", s=36, zorder=2)
    front = sorted((p for p in pts if p[3]), key=lambda p: (p[0], p[1]))
    if front:
        if a.join:
            ax.plot([p[0] for p in front], [p[1] for p in front], color="red", lw=1, zorder=1)
        ax.scatter([p[0] for p in front], [p[1] for p in front], s=110, facecolors="none",
                   edgecolors="red", linewidths=1.5, zorder=3, label="Pareto front (%d)" % len(front))
        ax.legend(loc="best", fontsize=8)
    for axis, vals in (("x", [p[0] for p in pts]), ("y", [p[1] for p in pts])):
        if vals and min(vals) > 0 and max(vals) / min(vals) > 100:
            (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    ax.set_xlabel(a.xlabel or a.x)
    ax.set_ylabel(a.ylabel or a.y)
    ax.set_title(a.title or "%d points" % len(pts), fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(a.png)


if __name__ == "__main__":
    main()

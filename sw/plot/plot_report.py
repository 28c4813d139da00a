#!/usr/bin/env python3
"""spiketlm plot: figures and a self-contained HTML page from one run's JSON report.
Run by `spiketlm plot` (sw/plot/README.md), which checks the report and puts the outputs in
place; by hand:
    python3 plot_report.py run.json OUT_DIR [--html page.html]
Figures (PNG, OUT_DIR): energy_by_component.png (dynamic and leakage energy per component),
layers.png (latency and energy per layer), memory_traffic.png (bytes read and written per
memory level), pareto.png (a sweep's results.json: energy against latency of every point,
coloured by accuracy, Pareto points circled), each only when the report has its table. Needs matplotlib (Debian:
python3-matplotlib)."""
import argparse
import base64
import html
import json
import os
import sys

FIGURES = [("energy_by_component", "Energy by component per inference, dynamic and leakage"),
           ("layers", "Latency and energy per layer, per inference"),
           ("memory_traffic", "Memory traffic per inference, by level"),
           ("pareto", "Sweep: energy against latency of every point, coloured by accuracy, Pareto points circled")]


def rows(report, table):
    return report.get("tables", {}).get(table) or []


def save(plt, fig, png):
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return True


def energy_by_component(plt, report, png):
    r = sorted(rows(report, "energy_by_component"), key=lambda x: x.get("energy_uj", 0))
    if not r:
        return False
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(r) + 1.6))
    names = [x["component"] for x in r]
    dyn = [x.get("dynamic_uj", 0) for x in r]
    leak = [x.get("leakage_uj", 0) for x in r]
    ax.barh(names, dyn, color="#3b7dd8", label="dynamic")
    ax.barh(names, leak, left=dyn, color="#e8a33d", label="leakage")
    total = report.get("summary", {}).get("energy_uj")
    ax.set_xlabel("energy (uJ per inference)")
    ax.set_title("Energy by component" + ("" if total is None else " (total %.4g uJ)" % total))
    ax.legend(loc="lower right")
    return save(plt, fig, png)


def layers(plt, report, png):
    r = rows(report, "layers")
    if not r:
        return False
    panels = [c for c in ("latency_us", "energy_uj") if c in r[0]]
    fig, axes = plt.subplots(len(panels), 1, figsize=(max(6, 0.5 * len(r) + 2), 2.8 * len(panels)), squeeze=False)
    names = [str(x.get("layer", x.get("index"))) for x in r]
    units = {"latency_us": "latency (us)", "energy_uj": "energy (uJ)"}
    for ax, col in zip(axes[:, 0], panels):
        ax.bar(range(len(r)), [x.get(col) or 0 for x in r], color="#3b7dd8" if col == "latency_us" else "#5aa469")
        ax.set_ylabel(units[col])
        ax.set_xticks(range(len(r)))
        ax.set_xticklabels(names, rotation=45 if len(r) > 8 else 0, ha="right" if len(r) > 8 else "center")
    axes[0, 0].set_title("Per layer (per inference)")
    return save(plt, fig, png)


def memory_traffic(plt, report, png):
    r = rows(report, "memory_traffic")
    if not r:
        return False
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(r) + 1.6))
    names = [x["level"] for x in r]
    y = list(range(len(r)))
    ax.barh([v + 0.2 for v in y], [x.get("read_bytes", 0) for x in r], height=0.4, color="#3b7dd8", label="read")
    ax.barh([v - 0.2 for v in y], [x.get("written_bytes", 0) for x in r], height=0.4, color="#d8503b", label="written")
    ax.set_yticks(y)
    ax.set_yticklabels(names)
    ax.set_xlabel("bytes per inference")
    ax.set_title("Memory traffic by level")
    ax.legend(loc="lower right")
    return save(plt, fig, png)


def pareto(plt, report, png):
    """A sweep's results.json: every done point's energy against latency, coloured by accuracy."""
    pts = [p for p in rows(report, "points") if p.get("state") == "done" and p.get("latency_us") is not None
           and p.get("energy_uj") is not None]
    if not pts:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.8))
    acc = [p.get("accuracy_pct") or 0 for p in pts]
    sc = ax.scatter([p["latency_us"] for p in pts], [p["energy_uj"] for p in pts], c=acc, cmap="viridis", s=36)
    front = [p for p in pts if str(p.get("pareto")).lower() in ("1", "true", "yes")]
    ax.scatter([p["latency_us"] for p in front], [p["energy_uj"] for p in front], s=150, facecolors="none",
               edgecolors="#d8503b", linewidths=1.5, label="Pareto (%d of %d)" % (len(front), len(pts)))
    fig.colorbar(sc, ax=ax, label="accuracy (%)")
    ax.set_xlabel("latency (us per inference)")
    ax.set_ylabel("energy (uJ per inference)")
    ax.set_title("Sweep %s" % report.get("sweep", {}).get("name", ""))
    ax.legend(loc="upper left")
    return save(plt, fig, png)


def cell(v):
    if isinstance(v, float):
        return "%.6g" % v
    return "" if v is None else str(v)


def table_html(title, columns, data, units=None):
    head = "".join("<th>%s</th>" % html.escape(c + (" (%s)" % units[c] if units and c in units else "")) for c in columns)
    body = "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % html.escape(cell(r.get(c))) for c in columns) for r in data)
    return "<h2>%s</h2>\n<table><tr>%s</tr>\n%s</table>\n" % (html.escape(title), head, body)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%(title)s</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin-bottom:1.5em}
td,th{border:1px solid #bbb;padding:0.2em 0.6em;text-align:right}th{background:#eee}td:first-child{text-align:left}
img{max-width:100%%;display:block;margin-bottom:1.5em}.warn{color:#a40}</style>
<script>
window.spiketlmErrors = 0;
window.addEventListener("error", function () { window.spiketlmErrors++; }, true);
(function () { var e = console.error; console.error = function () { window.spiketlmErrors++; e.apply(console, arguments); }; })();
window.addEventListener("load", function () {
  var imgs = document.querySelectorAll("img.figure"), ok = 0;
  for (var i = 0; i < imgs.length; i++) if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;
  document.body.setAttribute("data-figures", imgs.length);
  document.body.setAttribute("data-figures-rendered", ok);
  document.body.setAttribute("data-errors", window.spiketlmErrors);
});
</script></head>
<body>
<h1>%(title)s</h1>
%(body)s
</body></html>
"""


def page(report, figures):
    units = report.get("units", {})
    parts = [table_html("Run", ["key", "value"], [{"key": k, "value": v} for k, v in report.get("run", {}).items()])]
    summary = [{"quantity": k, "value": v, "unit": units.get(k, "")} for k, v in report.get("summary", {}).items()]
    parts.append(table_html("Summary (per inference)", ["quantity", "value", "unit"], summary))
    for w in report.get("warnings", []):
        parts.append('<p class="warn">warning: %s</p>' % html.escape(str(w)))
    for name, alt, png in figures:
        data = base64.b64encode(open(png, "rb").read()).decode()
        parts.append('<img class="figure" id="%s" alt="%s" src="data:image/png;base64,%s">' % (name, html.escape(alt), data))
    info = report.get("table_info", {})
    for t, meta in info.items():
        if (meta.get("group") != "detail" or t == "pareto") and rows(report, t):
            parts.append(table_html(meta.get("title", t), meta.get("columns", list(rows(report, t)[0])), rows(report, t)))
    return PAGE % {"title": html.escape(report.get("title", "spiketlm report")), "body": "\n".join(parts)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("out_dir")
    ap.add_argument("--html")
    a = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        sys.exit("plot_report.py: expected matplotlib (Debian python3-matplotlib), got: %s" % e)
    report = json.load(open(a.json))
    drawers = {"energy_by_component": energy_by_component, "layers": layers, "memory_traffic": memory_traffic,
               "pareto": pareto}
    figures = []
    for name, alt in FIGURES:
        png = os.path.join(a.out_dir, name + ".png")
        if drawers[name](plt, report, png):
            figures.append((name, alt, png))
    if a.html:
        with open(a.html, "w", encoding="utf-8") as f:
            f.write(page(report, figures))


if __name__ == "__main__":
    main()

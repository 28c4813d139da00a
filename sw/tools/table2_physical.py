"""Physical mode of the Table II reproduction (sw/tools/table2.md): each method's network as a
workload bundle (traces/FORMAT.md section 6; written by traces/tools/make_workloads.py's writer)
with its published timesteps and spike rate, run on spiketlm's full models as the SNN and as its
8-bit ANN twin (`--ann 8`); the ratio is the two runs' reported energies."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "traces", "tools"))
import make_workloads as mw  # noqa: E402  (the bundle writer every workload under traces/workloads uses)
from reproduce import Run  # noqa: E402
from reproduce_verdict import movers  # noqa: E402
from table2_data import ToolError  # noqa: E402

PLATFORMS = (("sata", "platforms/sata/sata.yaml"), ("spikeflow", "platforms/spikeflow/spikeflow.yaml"))


class RunError(ToolError):
    """A spiketlm run that failed: one line."""


def bundle_layers(net, rate):
    """The layers of a network in bundle form: a 2x2 max pool wherever the size halves."""
    L, size, chans = [], None, None
    for i, (insize, cin, cout, stride) in enumerate(net["conv"]):
        if size is not None and insize * 2 == size:
            L.append(mw.pool(f"pool{len(L)}"))
        L.append(mw.conv(f"conv{i + 1}", cin, cout, stride=stride, rate=None if i == 0 else rate))
        size, chans = (insize + 2 - 3) // stride + 1, cout
    if net["fc"] and chans * size * size != net["fc"][0][0] and chans * (size // 2) ** 2 == net["fc"][0][0]:
        L.append(mw.pool(f"pool{len(L)}"))
    L.append({"name": "flatten", "type": "flatten"})
    for j, (nin, nout) in enumerate(net["fc"]):
        last = j == len(net["fc"]) - 1
        L.append(mw.fc(f"fc{j + 1}", nin, nout, neuron="none" if last else "lif", rate=rate))
    return L


def write_bundle(m, outdir):
    """A workload bundle of method m under outdir; returns its path."""
    net, rate = m["network"], round(1 - m["sparsity"], 6)
    name = "table2_" + "".join(ch if ch.isalnum() else "_" for ch in m["name"].lower())
    source = f"sw/doc/table2/methods.yaml: {m['name']}: sparsity {m['sparsity']} ({m['sources']['sparsity']})"
    mw.write(outdir, name, f"{m['name']} (arXiv 2309.03388 Table II): network {net['name']}",
             net["conv"][0][0], net["fc"][-1][1], bundle_layers(net, rate),
             f"# Written by sw/tools/table2.py from sw/doc/table2/methods.yaml ({net['source']}).",
             timesteps=m["timesteps"], source=source.replace('"', "'"))
    return os.path.join(outdir, name)


def spiketlm(binary, args, json_path):
    """Run the CLI; its JSON report as a Run, or RunError with its first error line."""
    p = subprocess.run([binary] + args + ["--quiet", "--json", json_path], cwd=ROOT,
                       capture_output=True, text=True)
    if p.returncode != 0:
        line = next((l for l in p.stderr.splitlines() if l.strip()), f"exit code {p.returncode}")
        raise RunError(f"spiketlm: table2: spiketlm {' '.join(args)}: {line}")
    with open(json_path) as f:
        return Run(json_path, json.load(f))


def energies(run):
    return {"energy_uj": run.s("energy_uj"), "dynamic_energy_uj": run.s("dynamic_energy_uj"),
            "leakage_energy_uj": run.s("leakage_energy_uj"), "latency_us": run.s("latency_us")}


def physical_row(m, binary, workdir):
    """Both platforms for one method: SNN and --ann 8 energies, ratios and the movers."""
    b = write_bundle(m, os.path.join(workdir, "bundles"))
    os.makedirs(os.path.join(workdir, "runs"), exist_ok=True)
    out = {"bundle": os.path.relpath(b, workdir)}
    for p, cfg in PLATFORMS:
        stem = os.path.join(workdir, "runs", f"{os.path.basename(b)}_{p}")
        snn = spiketlm(binary, ["run", cfg, "--trace", b, "--samples", "1"], stem + "_snn.json")
        ann = spiketlm(binary, ["run", cfg, "--trace", b, "--samples", "1", "--ann", "8"], stem + "_ann8.json")
        es, ea = energies(snn), energies(ann)
        out[p] = {"snn": es, "ann": ea, "ratio": es["energy_uj"] / ea["energy_uj"],
                  "dynamic_ratio": es["dynamic_energy_uj"] / ea["dynamic_energy_uj"],
                  "reports": [os.path.relpath(stem + s, workdir) for s in ("_snn.json", "_ann8.json")],
                  "movers": [{"component": c, "diff_uj": d, "leakage_diff_uj": l} for d, l, c in movers(snn, ann)]}
    return out

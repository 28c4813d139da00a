"""sw/tools/table2.py (Table II of arXiv 2309.03388, sw/tools/table2.md): the paper-mode arithmetic
against SATA_Sim's own outputs and hand calculations, one-line errors for a bad data file, and
the physical ratio of a small row against two runs of the CLI made here."""
import copy
import json
import math
import os
import subprocess
import sys

import pytest
import yaml

from conftest import BIN, SRC

TOOL = os.path.join(SRC, "sw", "tools", "table2.py")
DATA = os.path.join(SRC, "sw", "doc", "table2", "methods.yaml")
sys.path.insert(0, os.path.join(SRC, "sw", "tools"))
import table2_data  # noqa: E402
import table2_paper  # noqa: E402


def tool(*args):
    return subprocess.run([sys.executable, TOOL] + list(args), capture_output=True, text=True)


def method(name):
    d = table2_data.load(DATA)
    return next(m for m in d["methods"] if m["name"] == name), d["constants"]


# SATA_Sim's own outputs for the paper (RuokaiYin/SATA_Sim d447058, inference-energy-cal/results/<m>/
# computation-energy.yaml total + memory-energy.yaml dram_total + sram_total, nJ): what its
# energy-cal.py printed for the SNN and for results/<m>/baseline, the ANN.
SATA_SIM_OUTPUT_NJ = {
    "BNTT": (1794284.19299184 + 2065736.1627419998 + 1934607.5112578,
             7961698.754312642 + 2065736.1627419998 + 6779511.6184058),
    "TDBN": (7855354.56405956 + 36171574.406100005 + 10377704.5661222,
             183483862.28817058 + 36171574.406100005 + 149001369.1891622),
}


@pytest.mark.parametrize("name", ["BNTT", "TDBN"])
def test_sata_sim_mode_equals_sata_sims_own_output(name):
    m, k = method(name)
    r = table2_paper.sata_sim(m, k)
    snn, ann = SATA_SIM_OUTPUT_NJ[name]
    assert r["snn"]["total_nj"] == pytest.approx(snn, rel=1e-12)
    assert r["ann"]["total_nj"] == pytest.approx(ann, rel=1e-12)
    assert r["ratio"] == pytest.approx(snn / ann, rel=1e-12)


def test_bntt_by_hand():
    m, k = method("BNTT")
    # vgg_bntt, 3x3 convs with padding 1 (outputs = input size); fc layers count 3 x 3 outputs each
    # (SATA_Sim's Sep 2023 extract_workload): K x pixels x taps per timestep
    dense = (64 * 32 * 32 * 27 + 64 * 32 * 32 * 576 + 128 * 16 * 16 * 576 + 128 * 8 * 8 * 1152
             + 256 * 4 * 4 * 1152 + 2 * 256 * 4 * 4 * 2304 + 1024 * 9 * 1024 + 512 * 9 * 1024)
    lif = 64 * 1024 * 2 + 128 * 256 + 128 * 64 + 3 * 256 * 16 + (1024 + 512) * 9
    cycles = 863023 * 20 + 1466003
    ns = 2.5  # 400 MHz
    macs = int(dense * 20 * (1 - 0.91))
    compute = (0.02511 + 0.11241) * macs * ns * 1e-3 + 0.01886 * lif * 20 * ns * 1e-3 \
        + (0.01924 + 6.2e-05 + 0.21233 + 0.000523 + 0.05625 + 8.4e-05) * 128 * cycles * ns * 1e-3
    memory = 0.468762 * (950066 + 3307200 + 149525) + 0.0110295 * 7745376 + 0.0286315 * 3307200 \
        + 0.012772 * 184448 + (6.25862 * 2 + 24.9086) * cycles * ns * 1e-3
    r = table2_paper.sata_sim_run(m["network"], 20, 0.91, k)
    assert r["cycles"] == cycles and r["accumulates"] == macs and r["lif_updates"] == lif * 20
    assert r["total_nj"] == pytest.approx(compute + memory, rel=1e-12)
    # FLOPs estimate (related-work-estimate.py): acc = adder 8b + register 8b, mac adds a multiplier
    acc, mac = (7.62e-3 + 9.27e-3) + (2.19e-3 + 1.03e-2), (7.62e-3 + 9.27e-3) + (2.19e-3 + 1.03e-2) + (4.82e-2 + 3.39e-2)
    f = table2_paper.flops(m, k)
    assert f["ratio"] == pytest.approx(acc * 20 * 0.09 / mac, rel=1e-3)  # the data file rounds to 4 digits
    assert f["horowitz_ratio"] == pytest.approx(0.9 * 20 * 0.09 / 4.6, rel=1e-12)


def test_tdbn_spikesim_by_hand():
    m, k = method("TDBN")
    # ceil(Cin/64) ceil(Cout/64) PEs per output pixel, 828.5 pJ per PE cycle, per timestep
    pes = (1 * 2 * 1024 + 6 * 2 * 2 * 1024 + 2 * 4 * 256 + 5 * 4 * 4 * 256 + 4 * 8 * 64 + 3 * 8 * 8 * 64
           + 128 * 4 * 1)
    s = table2_paper.spikesim(m, k)
    assert s["snn_uj"] == pytest.approx(pes * 828.5 * 4 * 1e-6, rel=1e-12)
    assert s["ratio"] == pytest.approx(4 / 100, rel=1e-12)
    assert table2_paper.flops(m, k)["horowitz_ratio"] == pytest.approx(0.9 * 4 * 0.15 / 4.6, rel=1e-12)


def bad_file(tmp_path, edit):
    doc = yaml.safe_load(open(DATA))
    edit(doc)
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(doc))
    return str(p)


@pytest.mark.parametrize("edit,key,tail", [
    (lambda d: d["methods"][1]["timesteps"].update(value=-3), "methods[1].timesteps.value", "-3, expected an integer >= 1"),
    (lambda d: d["methods"][0]["sparsity"].update(value=1.5), "methods[0].sparsity.value", "1.5, expected a number in [0, 0.999999]"),
    (lambda d: d["methods"][2]["claimed"].pop("source"), "methods[2].claimed.source", "missing, expected a non-empty text naming where the value comes from"),
    (lambda d: d["methods"][3].update(network="vgg99"), "methods[3].network", "'vgg99', expected one of cifarnet, resnet19_plain, vgg_bntt"),
    (lambda d: d["networks"]["cifarnet"]["scalesim"].pop("dram_ifmap_reads"), "networks.cifarnet.scalesim.dram_ifmap_reads", "None, expected an integer"),
    (lambda d: d["networks"]["vgg_bntt"]["conv"].__setitem__(2, [16, 64]), "networks.vgg_bntt.conv[2]", "[16, 64], expected [input size, in channels, out channels, stride]"),
    (lambda d: d["sata_sim"]["dram_access_nj"].update(value="cheap"), "sata_sim.dram_access_nj.value", "'cheap', expected a number"),
    (lambda d: d.pop("methods"), "methods", "missing, expected a list"),
])
def test_bad_data_is_one_line_naming_file_and_field(tmp_path, edit, key, tail):
    p = bad_file(tmp_path, edit)
    r = tool("--mode", "paper", "--data", p)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == f"spiketlm: {p}:{key}: {tail}\n"


def test_unreadable_and_invalid_yaml(tmp_path):
    r = tool("--mode", "paper", "--data", str(tmp_path / "none.yaml"))
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"spiketlm: {tmp_path / 'none.yaml'}: cannot read")
    p = tmp_path / "broken.yaml"
    p.write_text("methods: [\n")
    r = tool("--mode", "paper", "--data", str(p))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and r.stderr.startswith(f"spiketlm: {p}:line ")


def small_data(tmp_path):
    """One tiny method (two 8-channel convs on 8 x 8, fc 128 -> 10, T = 3, spike rate 0.2)."""
    doc = yaml.safe_load(open(DATA))
    doc["networks"] = {"tiny": {"source": "test", "conv": [[8, 3, 8, 1], [8, 8, 8, 1]], "fc": [[128, 10]],
                                "scalesim": dict(copy.deepcopy(doc["networks"]["vgg_bntt"]["scalesim"]))}}
    row = copy.deepcopy(doc["methods"][0])
    row.update(name="Tiny", network="tiny")
    row["timesteps"]["value"], row["sparsity"]["value"] = 3, 0.8
    doc["methods"] = [row]
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(doc))
    return str(p)


def energy(cli, args, out):
    subprocess.run([cli] + args + ["--quiet", "--json", out], cwd=SRC, check=True)
    return json.load(open(out))["summary"]["energy_uj"]


def test_physical_ratio_is_the_ratio_of_two_runs(tmp_path, paths):
    data, work = small_data(tmp_path), str(tmp_path / "work")
    r = tool("--mode", "physical", "--data", data, "--spiketlm", paths.cli, "--work", work,
             "--json", str(tmp_path / "t.json"))
    assert r.returncode == 0, r.stderr
    row = json.load(open(tmp_path / "t.json"))["methods"][0]["physical"]
    bundle = os.path.join(work, row["bundle"])
    assert yaml.safe_load(open(os.path.join(bundle, "trace.yaml")))["layers"][1]["input_rate"] == 0.2
    for p, cfg in (("sata", paths.sata), ("spikeflow", paths.spikeflow)):
        snn = energy(paths.cli, ["run", cfg, "--trace", bundle, "--samples", "1"], str(tmp_path / f"{p}_s.json"))
        ann = energy(paths.cli, ["run", cfg, "--trace", bundle, "--samples", "1", "--ann", "8"], str(tmp_path / f"{p}_a.json"))
        assert row[p]["ratio"] == pytest.approx(snn / ann, rel=1e-12)
        assert not math.isclose(snn, ann)


def test_bad_option_and_failed_run_are_one_line(tmp_path):
    r = tool("--mode", "physical", "--only", "Nope")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"spiketlm: {DATA}:methods: no method 'Nope' (--only), expected one of S-BP, BNTT")
    r = tool("--mode", "physical", "--only", "BNTT", "--spiketlm", "/bin/false", "--work", str(tmp_path),
             "--json", str(tmp_path / "t.json"))
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("spiketlm: table2: spiketlm run platforms/sata/sata.yaml --trace ")
    assert r.stderr.endswith(": exit code 1\n") and not (tmp_path / "t.json").exists()

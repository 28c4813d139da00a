"""spiketlm.run / list_kinds / params against the CLI: same report, same errors, independent
calls, concurrent threads."""
import json
import os
import subprocess
import threading
import time

import pytest

import spiketlm


def cli_json(paths, tmp_path, args):
    out = tmp_path / "cli.json"
    subprocess.run([paths.cli, "run", *args, "--json", str(out), "--quiet"], check=True)
    return out.read_text()


def cli_error(paths, args):
    p = subprocess.run([paths.cli, *args], capture_output=True, text=True)
    assert p.returncode == 1, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("spiketlm: error: "), p.stderr
    return lines[0][len("spiketlm: error: "):]


def test_report_equals_the_cli_json(paths, tmp_path):
    r = spiketlm.run(paths.sata, trace=paths.fmnist, samples=3, overrides={"sata.lif.membrane_bits": 16},
                     per_sample=True)
    text = cli_json(paths, tmp_path, [paths.sata, "--trace", paths.fmnist, "--samples", "3",
                                      "-c", "sata.lif.membrane_bits=16", "--per-sample"])
    assert spiketlm.as_cli_json(r) == json.loads(text)
    assert r == spiketlm.from_json(text) == json.loads(text)
    layers = r["tables"]["layers"]
    assert [list(row) for row in layers] == [r["table_info"]["layers"]["columns"]] * len(layers)
    assert [row["sample"] for row in r["tables"]["samples"]] == [0, 1, 2]
    assert r["run"]["membrane_bits"] == 16 and r["run"]["samples"] == 3


def test_spikeflow_options_equal_the_cli(paths, tmp_path):
    r = spiketlm.run(paths.spikeflow, trace=paths.fmnist, samples=2, exit_threshold=0.5,
                     overrides=["spikeflow.tile.lif.membrane_bits=24"])
    text = cli_json(paths, tmp_path, [paths.spikeflow, "--trace", paths.fmnist, "--samples", "2",
                                      "--exit-threshold", "0.5", "-c", "spikeflow.tile.lif.membrane_bits=24"])
    assert spiketlm.as_cli_json(r) == json.loads(text)


def test_workload_timesteps_and_ann_equal_the_cli(paths, tmp_path):
    vgg9 = os.path.join(paths.src, "traces", "workloads", "vgg9_cifar10")
    for kw, flags in (({"timesteps": 2}, ["--timesteps", "2"]), ({"ann": 4}, ["--ann", "4"])):
        r = spiketlm.run(paths.sata, trace=vgg9, samples=1, **kw)
        text = cli_json(paths, tmp_path, [paths.sata, "--trace", vgg9, "--samples", "1"] + flags)
        assert spiketlm.as_cli_json(r) == json.loads(text)
        assert r["run"]["timesteps"] == (2 if "timesteps" in kw else 1)


def test_same_call_twice_gives_identical_reports(paths):
    a = spiketlm.run(paths.sata, trace=paths.fmnist, samples=4)
    other = spiketlm.run(paths.spikeflow, trace=paths.fmnist, samples=1, overrides={"spikeflow.tile.lif.membrane_bits": 16})
    with pytest.raises(spiketlm.Error):
        spiketlm.run(paths.sata, trace=paths.fmnist, overrides={"sata.no_such_key": 1})
    b = spiketlm.run(paths.sata, trace=paths.fmnist, samples=4)
    assert a == b
    assert other["summary"] != a["summary"] and a["run"]["membrane_bits"] == 32
    assert a["summary"]["reference_mismatch_samples"] == 0


@pytest.mark.parametrize("kw,cli", [
    ({"trace": "no/such/bundle"}, ["--trace", "no/such/bundle"]),
    ({"overrides": {"sata.lif.membrane_bitz": 8}}, ["-c", "sata.lif.membrane_bitz=8"]),
    ({"samples": 0}, ["--samples", "0"]),
    ({"overrides": {"sata.lif.membrane_bits": "many"}}, ["-c", "sata.lif.membrane_bits=many"]),
])
def test_errors_carry_the_cli_message(paths, kw, cli):
    kw.setdefault("trace", paths.fmnist)
    if "--trace" not in cli:
        cli = ["--trace", paths.fmnist] + cli
    with pytest.raises(spiketlm.Error) as e:
        spiketlm.run(paths.sata, **kw)
    assert str(e.value) == cli_error(paths, ["run", paths.sata] + cli)
    assert "\n" not in str(e.value)


def test_missing_config_is_an_error(paths, tmp_path):
    missing = str(tmp_path / "none.yaml")
    with pytest.raises(spiketlm.Error) as e:
        spiketlm.run(missing, trace=paths.fmnist)
    assert str(e.value) == cli_error(paths, ["run", missing, "--trace", paths.fmnist])


def test_threads_run_simulations_at_the_same_time(paths, tmp_path):
    # Thread A's simulation waits for an external firmware to connect (co-simulation): while it
    # waits, the main thread runs a whole simulation through the module. That is only possible if
    # A's call released the GIL and the two calls do not share a SystemC kernel.
    sock = tmp_path / "fw.sock"
    got = {}

    def blocked():
        try:
            got["a"] = spiketlm.run(paths.sata, trace=paths.fmnist, samples=2, cosim=f"unix:{sock}",
                                    overrides={"run.cosim_timeout_s": 120})
        except Exception as e:  # reported by the assertions below
            got["error"] = e

    t = threading.Thread(target=blocked)
    t.start()
    deadline = time.monotonic() + 60
    while not sock.exists():
        assert time.monotonic() < deadline and t.is_alive(), got
        time.sleep(0.01)
    b = spiketlm.run(paths.sata, trace=paths.fmnist, samples=2)
    assert t.is_alive() and not got, "thread A finished without its firmware"
    env = dict(os.environ, SPIKETLM_COSIM=f"unix:{sock}")
    subprocess.run([os.path.join(paths.bin, "spiketlm_example_fw")], env=env, check=True, timeout=120)
    t.join(120)
    assert "error" not in got, got.get("error")
    assert got["a"] == b    # the external firmware gives the runtime's report (tests/integration/test_cosim.cpp)


def test_list_kinds_is_spiketlm_list(paths):
    out = subprocess.run([paths.cli, "list"], capture_output=True, text=True, check=True).stdout
    head, body = out.split("\n", 1)
    n = int(head.split("(")[1].split(")")[0])
    cli = [line.split() for line in body.split("\n\n")[0].splitlines()[:n]]
    kinds = spiketlm.list_kinds()
    assert [(k["kind"], "[" + k["family"] + "]") for k in kinds] == [(c[0], c[1]) for c in cli]
    assert all(k["origin"] == "built-in" for k in kinds)
    plugin = os.path.join(paths.bin, "plugins", "libspiketlm_if_neuron.so")
    extra = [k for k in spiketlm.list_kinds(plugins=[plugin]) if k["origin"] != "built-in"]
    assert [k["kind"] for k in extra] == ["lif.example_if"] and extra[0]["origin"] == plugin
    assert len(spiketlm.list_kinds()) == n    # the plugin was loaded in that call's process only


def test_params_is_spiketlm_list_kind(paths):
    out = subprocess.run([paths.cli, "list", "dram.lpddr4"], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    p = spiketlm.params("dram.lpddr4")
    assert p["kind"] == "dram.lpddr4" and p["family"] == "memory" and p["error"] is None
    assert [(q["key"], q["type"], q["default"]) for q in p["params"]] == [(r[0], r[1], r[2]) for r in rows]
    base = next(q for q in p["params"] if q["key"] == "base")
    assert base["unit"] == "B" and base["min"] == 0 and base["max"] > 9e18
    with pytest.raises(spiketlm.Error) as e:
        spiketlm.params("nosuch")
    assert str(e.value) == cli_error(paths, ["list", "nosuch"])


def simulation_processes():
    """Pids of the processes running calls: children of this process other than the zygote, and
    the zygote's children."""
    me, kids = os.getpid(), {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open(f"/proc/{d}/stat").read()
                exe = os.readlink(f"/proc/{d}/exe")
            except OSError:
                continue
            kids.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append((int(d), exe))
    zygotes = [p for p, exe in kids.get(me, []) if exe.endswith("spiketlm_zygote")]
    return [p for p, exe in kids.get(me, []) if p not in zygotes] + [p for z in zygotes for p, _ in kids.get(z, [])]


@pytest.mark.parametrize("zygote", ["1", "0"])
def test_a_killed_simulation_is_an_error_and_the_next_call_works(paths, tmp_path, monkeypatch, zygote):
    monkeypatch.setenv("SPIKETLM_PYTHON_ZYGOTE", zygote)    # "0": the interpreter forks the child itself
    assert bool(spiketlm._core().zygote()) == (zygote == "1")
    sock = tmp_path / "fw.sock"
    got = {}

    def blocked():
        try:
            spiketlm.run(paths.sata, trace=paths.fmnist, samples=1, cosim=f"unix:{sock}",
                         overrides={"run.cosim_timeout_s": 120})
        except spiketlm.Error as e:
            got["error"] = str(e)

    t = threading.Thread(target=blocked)
    t.start()
    deadline = time.monotonic() + 60
    while not sock.exists():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    victims = simulation_processes()
    assert len(victims) == 1
    os.kill(victims[0], 9)
    t.join(60)
    assert got["error"] == "the simulation process was killed by signal 9 (Killed)"
    assert spiketlm.run(paths.sata, trace=paths.fmnist, samples=1)["summary"]["reference_mismatch_samples"] == 0


def test_relative_paths_follow_the_callers_directory(paths, tmp_path, monkeypatch):
    monkeypatch.chdir(paths.src)
    a = spiketlm.run("platforms/sata/sata.yaml", trace="traces/fmnist_snn", samples=1)
    monkeypatch.chdir(os.path.join(paths.src, "platforms"))
    b = spiketlm.run("sata/sata.yaml", trace="../traces/fmnist_snn", samples=1)
    assert a == b
    with pytest.raises(spiketlm.Error, match="traces/fmnist_snn/trace.yaml"):
        spiketlm.run("sata/sata.yaml", trace="traces/fmnist_snn", samples=1)

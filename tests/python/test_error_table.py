"""sw/doc/ERRORS.md, run as written: every row's example gives exactly its message as the last
line of stderr, and its exit code; a run killed by SIGINT/SIGTERM cleans up and dies of the
signal (a shell shows 130/143) and leaves nothing. The files the examples name are made here (ERRORS.md lists them)."""
import os
import re
import shlex
import shutil
import signal
import subprocess
import time

import pytest

ROW = re.compile(r"^\| [^`|]+ \| `(?P<cmd>[^`]+)` \| `(?P<msg>[^`]+)` \| (?P<code>\d+) \|$")


def table_rows(src):
    rows = [m.groupdict() for m in map(ROW.match, open(os.path.join(src, "sw", "doc", "ERRORS.md")).read().splitlines()) if m]
    assert len(rows) >= 20, "ERRORS.md's tables were not found"
    return rows


def bundle_copy(paths, d, edit):
    os.mkdir(d)
    for f in os.listdir(paths.fmnist):
        if f.endswith(".npy"):
            os.symlink(os.path.join(paths.fmnist, f), os.path.join(d, f))
    text = open(os.path.join(paths.fmnist, "trace.yaml")).read()
    open(os.path.join(d, "trace.yaml"), "w").write(edit(text))


def make_fixtures(paths, d):
    for name in ("platforms", "traces"):
        os.symlink(os.path.join(paths.src, name), os.path.join(d, name))
    os.symlink(paths.bin, os.path.join(d, "build"))
    files = {"broken.yaml": b"a: [1, 2\n", "dup.yaml": b"sata:\n  rows: 8\n  rows: 16\n",
             "nul.yaml": b"a: 1\nk: spad\x00_reg8\n", "big.yaml": b"# filler\n" * (17 * (1 << 20) // 9 + 1)}
    for name, data in files.items():
        open(os.path.join(d, name), "wb").write(data[: 17 << 20] if name == "big.yaml" else data)
    os.mkfifo(os.path.join(d, "fifo.yaml"))
    bundle_copy(paths, os.path.join(d, "notype"), lambda t: re.sub(r"(?m)^timesteps: .*$", "timesteps: abc", t))
    bundle_copy(paths, os.path.join(d, "truncated"), lambda t: t)
    os.unlink(os.path.join(d, "truncated", "fc.weight.npy"))
    data = open(os.path.join(paths.fmnist, "fc.weight.npy"), "rb").read()[:100]
    open(os.path.join(d, "truncated", "fc.weight.npy"), "wb").write(data)
    bundle_copy(paths, os.path.join(d, "outside"),
                lambda t: t.replace("weight: fc.weight.npy", "weight: ../../../../../etc/passwd"))
    os.mkdir(os.path.join(d, "huge"))
    open(os.path.join(d, "huge", "trace.yaml"), "w").write(
        "format: spiketlm-trace\nversion: 1\nkind: workload\nname: huge\ntimesteps: 2\nclasses: 10\n"
        "input: {shape: [1, 1, 1], encoding: spikes}\nspike_rates: {source: test, seed: 1}\nlayers:\n"
        "  - {name: fc1, type: linear, in_features: 1, out_features: 1000000000, input_rate: 0.5,"
        " neuron: {model: lif, share: 1}}\n"
        "  - {name: fc2, type: linear, in_features: 1000000000, out_features: 10, input_rate: 0.1, neuron: none}\n")


def env_for(paths):
    return dict(os.environ, PATH=paths.bin + os.pathsep + os.environ["PATH"], SC_COPYRIGHT_MESSAGE="DISABLE")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    from conftest import BIN, SRC

    class P:
        src, bin = SRC, BIN
        fmnist = os.path.join(SRC, "traces", "fmnist_snn")
    d = str(tmp_path_factory.mktemp("errors"))
    make_fixtures(P, d)
    return P, d


def test_every_row_of_the_error_table(workdir):
    paths, d = workdir
    failures = []
    for row in table_rows(paths.src):
        argv = shlex.split(row["cmd"])
        assert argv[0] == "spiketlm", row["cmd"]
        r = subprocess.run(argv, cwd=d, env=env_for(paths), capture_output=True, text=True, errors="replace", timeout=120)
        lines = r.stderr.splitlines()
        last = lines[-1] if lines else ""
        ours = [line for line in lines if line.startswith("spiketlm: ")]
        if r.returncode != int(row["code"]) or last != row["msg"] or ours != [last]:
            failures.append(f"{row['cmd']}\n  exit {r.returncode}, expected {row['code']}\n  got      {last!r}\n  expected {row['msg']!r}")
    assert not failures, "\n".join(failures)
    assert not os.path.exists(os.path.join(d, "imported")) and not os.path.exists(os.path.join(d, "probe.vcd"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_killed_run_dies_of_the_signal_and_leaves_nothing(workdir, sig):
    paths, d = workdir
    out = os.path.join(d, f"killed_{int(sig)}")
    os.mkdir(out)
    p = subprocess.Popen(["spiketlm", "run", "platforms/sata/sata.yaml", "--trace", "traces/fmnist_snn", "--samples",
                          "1000", "--json", out + "/r.json", "--dump-config", out + "/c.yaml"],
                         cwd=d, env=env_for(paths), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == -sig, err  # died of the signal, as the shell expects
    assert os.listdir(out) == [], "a killed run left files"
    shutil.rmtree(out)

"""NIR import (traces/nir/README.md): graphs written with h5py as the NIR specification lays
them out (tests/nir/make_graphs.py) import into bundles whose float reference agrees with an
independent numpy simulation of the same file (tests/nir/numpy_sim.py), run bit-exactly on
SATA and SpikeFlow (the integer golden model's outputs), `run --nir` gives the report of the
imported bundle, and bad files are one-line errors that write nothing."""
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
import yaml

from conftest import SRC

sys.path.insert(0, os.path.join(SRC, "tests", "nir"))
import make_graphs as mg  # noqa: E402
import numpy_sim  # noqa: E402
from spiketlm.encode import encode  # noqa: E402

GRAPHS = list(mg.GRAPHS)


def cli(paths, *args):
    return subprocess.run([paths.cli, *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Every test graph written and imported once (100 generated samples, T = 8)."""
    d = tmp_path_factory.mktemp("nir")
    cli_path = os.path.join(os.environ.get("SPIKETLM_BINARY_DIR", os.path.join(SRC, "build")), "spiketlm")
    out = {}
    for g in GRAPHS:
        mg.GRAPHS[g](str(d / f"{g}.nir"))
        p = subprocess.run([cli_path, "import", str(d / f"{g}.nir"), "-o", str(d / g), "--quiet", "--json",
                            str(d / f"{g}.json")], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        out[g] = (d / f"{g}.nir", d / g, json.load(open(d / f"{g}.json")))
    return out


def numpy_predictions(nir, bundle):
    """The numpy simulation's classes on the bundle's inputs (poisson spikes made by
    spiketlm.encode, the simulator's twin)."""
    meta = yaml.safe_load(open(bundle / "trace.yaml"))
    x = np.load(bundle / "inputs.npy")
    T = meta["timesteps"]
    nodes, edges = numpy_sim.read(str(nir))
    shape = tuple(int(s) for s in nodes["input"]["shape"])
    assert meta["input"]["encoding"] == "poisson"
    spikes = encode(x, T, "poisson", meta["input"]["seed"]).reshape((x.shape[0], T) + shape)
    outs = np.array([numpy_sim.simulate(nodes, edges, s, mg.DT) for s in spikes])
    out_node = [n for n in nodes if nodes[n]["type"] == "Output"][0]
    last = nodes[[a for a, b in edges if b == out_node][0]]["type"]
    return (outs[:, -1] if last in ("LI", "I") else outs.sum(1)).argmax(1)


def integer_classes(bundle):
    """The integer golden model's classes: argmax of the readout membrane over the stored
    outputs (FORMAT.md 2.2: their sum, or z = ((z * leak_num) >> leak_shift) + out with a
    leaky readout), written here independently of the simulator."""
    ref = np.load(bundle / "ref_outputs.npy").astype(np.int64)
    ref = ref.reshape(ref.shape[0], ref.shape[1], -1)
    out = yaml.safe_load(open(bundle / "trace.yaml"))["layers"][-1]
    ro = out.get("readout", {"model": "sum"})
    if ro["model"] == "sum":
        return ref.sum(1).argmax(1)
    z = np.zeros((ref.shape[0], ref.shape[2]), np.int64)
    for t in range(ref.shape[1]):
        z = ((z * ro["leak_num"]) >> ro["leak_shift"]) + ref[:, t]
    return z.argmax(1)


def table(report, name, key):
    return [r[key] for r in report["tables"][name]]


@pytest.mark.parametrize("g", GRAPHS)
def test_float_reference_is_the_numpy_simulation(imported, g):
    nir, bundle, _ = imported[g]
    labels = np.load(bundle / "labels.npy")  # the importer's float reference classes
    assert labels.shape == (100,)
    assert (numpy_predictions(nir, bundle) == labels).mean() >= 0.99


@pytest.mark.parametrize("g", GRAPHS)
def test_reported_agreement_is_the_integer_models(imported, g):
    """classes_agree is the integer golden model's classes (the readout over ref_outputs.npy)
    against the float reference's."""
    _, bundle, rep = imported[g]
    labels = np.load(bundle / "labels.npy")
    agree = (integer_classes(bundle) == labels).mean()
    assert rep["agreement"]["classes_agree_pct"] == pytest.approx(100 * agree)


@pytest.mark.parametrize("g", ["linear_lif", "cubalif", "mixed", "avgpool", "li_readout"])
def test_integer_model_agrees_with_float_graph(imported, g):
    _, bundle, _ = imported[g]
    labels = np.load(bundle / "labels.npy")
    assert (integer_classes(bundle) == labels).mean() >= 0.95


def test_li_readout_is_a_leaky_readout_of_the_folded_output_layer(imported):
    """LI (tau 1.25e-4 in float32, dt 1e-4): leak 1 - dt/tau = 0.2, not k/2^n, so the nearest
    k/2^16 on the output layer's readout; the classes differ from the plain sum's on some
    samples (the test could fail)."""
    _, bundle, rep = imported["li_readout"]
    out = yaml.safe_load(open(bundle / "trace.yaml"))["layers"][-1]
    beta = 1.0 - 1e-4 / float(np.float32(1.25e-4))
    assert out["readout"] == {"model": "li", "leak_num": round(beta * 65536), "leak_shift": 16}
    assert table(rep, "layers", "neuron")[-1] == "LI (readout)"
    ref = np.load(bundle / "ref_outputs.npy").astype(np.int64)
    assert (integer_classes(bundle) != ref.sum(1).argmax(1)).any()


@pytest.mark.parametrize("g", GRAPHS)
@pytest.mark.parametrize("platform", ["sata", "spikeflow"])
def test_runs_bit_exact_on_both_platforms(paths, imported, g, platform, tmp_path):
    _, bundle, _ = imported[g]
    cfg = getattr(paths, platform)
    p = cli(paths, "run", cfg, "--trace", bundle, "--samples", 6, "--json", tmp_path / "r.json", "--quiet")
    assert p.returncode == 0, p.stderr
    r = json.load(open(tmp_path / "r.json"))
    assert r["summary"]["reference_mismatch_samples"] == 0


def test_run_nir_is_the_imported_bundle(paths, imported, tmp_path):
    nir, bundle, _ = imported["residual"]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert cli(paths, "run", paths.sata, "--trace", bundle, "--samples", 5, "--json", a, "--quiet").returncode == 0
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    p = subprocess.run([paths.cli, "run", paths.sata, "--nir", nir, "--samples", "5", "--json", b, "--quiet"],
                       capture_output=True, text=True, env=dict(os.environ, TMPDIR=str(tmp)))
    assert p.returncode == 0 and p.stdout == "", p.stderr
    assert open(a).read() == open(b).read()
    assert list(tmp.iterdir()) == []  # the temporary bundle is gone


def test_import_report_lists_layers_and_leaks(imported):
    _, _, rep = imported["linear_lif"]
    assert table(rep, "layers", "layer") == ["fc1", "fc2", "readout"]
    # LIF tau 1e-3, dt 1e-4: beta 0.9 = 29491 / 2^15 (nearest with shift 16, reduced); tau 2e-3: 0.95
    assert table(rep, "layers", "leak")[:2] == ["29491/2^15", "62259/2^16"]


def _base(rng):
    return {"input": {"type": "Input", "shape": np.array([8])}, "fc": mg.affine(rng, 4, 8), "lif": mg.lif((4,)),
            "output": {"type": "Output", "shape": np.array([4])}}


E = mg.chain(["input", "fc", "lif", "output"])


def _bad_files(d):
    rng = np.random.default_rng(0)
    cases = {}

    def case(name, expect, mutate=None, edges=E, version=mg.VERSION):
        n = _base(rng)
        if mutate:
            mutate(n)
        mg.write(str(d / f"{name}.nir"), n, edges, version=version)
        cases[name] = expect
    case("unsupported", "node 'lif': type: 'Delay' is not supported", lambda n: n["lif"].update(type="Delay"))
    case("missing", "node 'lif' (LIF): field 'tau': missing", lambda n: n["lif"].pop("tau"))
    case("mistyped", "node 'lif' (LIF): field 'tau': expected numbers, got a string", lambda n: n["lif"].update(tau="x"))
    case("shape", "node 'fc' (Affine): input shape [8] does not fit: expected [7]",
         lambda n: n["fc"].update(weight=np.ones((4, 7), np.float32)))
    case("recurrent", "('lif' -> 'fc'): expected a feed-forward graph", edges=E + [("lif", "fc")])
    case("dangling", "('lif' -> 'nowhere'): expected the names of two nodes", edges=E + [("lif", "nowhere")])
    case("version", "version: expected a NIR version 0.x or 1.x, got '7.0'", version="7.0")
    case("ok", None)
    (d / "text.nir").write_text("not hdf5\n")
    cases["text"] = "file: expected an HDF5 file (a NIR graph), got another format"
    data = (d / "ok.nir").read_bytes()
    (d / "truncated.nir").write_bytes(data[:len(data) // 2])
    cases["truncated"] = "file: expected an HDF5 file that opens, got a truncated or damaged one"
    del cases["ok"]
    return cases


def test_bad_files_are_one_line_errors_and_write_nothing(paths, tmp_path):
    for name, expect in _bad_files(tmp_path).items():
        out = tmp_path / f"out_{name}"
        p = cli(paths, "import", tmp_path / f"{name}.nir", "-o", out, "--quiet")
        assert p.returncode == 1, name
        assert p.stderr.count("\n") == 1 and f"{name}.nir: " in p.stderr and expect in p.stderr, (name, p.stderr)
        assert not out.exists(), name
        r = cli(paths, "run", paths.sata, "--nir", tmp_path / f"{name}.nir", "--quiet")
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and expect in r.stderr, (name, r.stderr)


def test_unmappable_node_names_node_and_field(paths, tmp_path):
    """A CubaLIF whose synaptic current keeps a memory (tau_syn > dt) needs a second state."""
    rng = np.random.default_rng(0)
    n = _base(rng)
    f = lambda v: np.full(4, v, np.float32)  # noqa: E731
    n["lif"] = {"type": "CubaLIF", "tau_syn": f(5e-4), "tau_mem": f(1e-3), "r": f(1.0), "v_leak": f(0.0),
                "v_threshold": f(1.0), "v_reset": f(0.0), "w_in": f(1.0)}
    mg.write(str(tmp_path / "cuba.nir"), n, E)
    p = cli(paths, "import", tmp_path / "cuba.nir", "-o", tmp_path / "out", "--quiet")
    assert p.returncode == 1 and p.stderr.count("\n") == 1
    assert "cuba.nir: node 'lif' (CubaLIF): cannot be mapped: its synaptic current decays by 1 - dt/tau_syn = 0.8" \
        in p.stderr
    assert not (tmp_path / "out").exists()


def test_a_dataset_the_file_does_not_hold_is_refused_before_allocating(paths, tmp_path):
    """A weight dataset declared with 600 M float32 elements (chunked, gzip, never written: h5py
    stores no chunk, so the file stays small) is refused from its stored size before 4.8 GB of
    doubles are allocated and filled (found by the CI fuzz run of 2026-12-05 as a 4.7 GB malloc)."""
    rng = np.random.default_rng(0)
    mg.write(str(tmp_path / "huge.nir"), _base(rng), E)
    with h5py.File(tmp_path / "huge.nir", "a") as f:
        del f["node/nodes/fc/bias"]
        f["node/nodes/fc"].create_dataset("bias", shape=(600_000_000,), dtype=np.float32, chunks=(1 << 20,),
                                          compression="gzip")
    assert os.path.getsize(tmp_path / "huge.nir") < 1 << 20
    p = subprocess.run([paths.cli, "import", str(tmp_path / "huge.nir"), "-o", str(tmp_path / "out"), "--quiet"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    assert "huge.nir: node/nodes/fc/bias: expected a dataset whose 600000000 elements are stored in the file, got 0 " \
        "stored bytes" in p.stderr
    assert not (tmp_path / "out").exists()


def test_file_layout_is_what_h5py_wrote(imported):
    """The test graphs follow the spec's serialisation (a guard against testing a private layout)."""
    with h5py.File(imported["residual"][0], "r") as f:
        assert f["version"][()].decode() == mg.VERSION
        assert f["node/type"][()] == b"NIRGraph"
        assert f["node/edges"].shape == (11, 2)
        assert f["node/nodes/lif_a/type"][()] == b"LIF"


@pytest.mark.parametrize("g", GRAPHS)
def test_export_then_import_gives_the_same_bundle(paths, imported, g, tmp_path):
    _, bundle, _ = imported[g]
    p = cli(paths, "export", "--nir", bundle, "-o", tmp_path / "e.nir")
    assert p.returncode == 0, p.stderr
    p = cli(paths, "import", tmp_path / "e.nir", "-o", tmp_path / "b", "--quiet")
    assert p.returncode == 0, p.stderr
    names = sorted(os.listdir(bundle))
    assert sorted(os.listdir(tmp_path / "b")) == names
    for n in names:
        assert (tmp_path / "b" / n).read_bytes() == (bundle / n).read_bytes(), n


@pytest.mark.parametrize("g", ["linear_lif", "residual", "conv_if_sumpool", "li_readout"])
def test_exported_graph_simulates_as_the_integer_model(paths, imported, g, tmp_path):
    """The exported float graph (its embedded bundle removed), run by the numpy simulation on
    the bundle's spikes, predicts what the integer golden model predicts."""
    _, bundle, _ = imported[g]
    assert cli(paths, "export", "--nir", bundle, "-o", tmp_path / "e.nir").returncode == 0
    with h5py.File(tmp_path / "e.nir", "a") as f:
        del f["node/metadata"]
    assert (numpy_predictions(tmp_path / "e.nir", bundle) == integer_classes(bundle)).mean() >= 0.95


def test_export_refuses_max_pooling(paths, tmp_path):
    p = cli(paths, "export", "--nir", paths.fmnist, "-o", tmp_path / "m.nir")
    assert p.returncode == 1 and p.stderr.count("\n") == 1
    assert "layer 'pool1': cannot be exported to NIR: max pooling has no NIR node" in p.stderr
    assert not (tmp_path / "m.nir").exists()


def test_a_missing_hdf5_library_is_one_line(paths, tmp_path):
    """libhdf5 comes in libspiketlm_h5.so, loaded from the folder of libspiketlm_traces.so on the
    first NIR read (traces/nir/h5_backend.md). The layer libraries copied without it (and found
    first through LD_LIBRARY_PATH): the import is one line naming the library it looked for, exit
    1, nothing written; a run that reads no NIR file does not need it."""
    import glob
    import shutil
    libs = tmp_path / "lib"
    libs.mkdir()
    for f in glob.glob(os.path.join(paths.bin, "libspiketlm_*.so")):
        if not f.endswith("libspiketlm_h5.so"):
            shutil.copy(f, libs)
    env = dict(os.environ, LD_LIBRARY_PATH=str(libs))
    mg.GRAPHS[GRAPHS[0]](str(tmp_path / "g.nir"))
    p = subprocess.run([paths.cli, "import", tmp_path / "g.nir", "-o", tmp_path / "out", "--quiet"], env=env,
                       capture_output=True, text=True)
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    assert f"{libs}/libspiketlm_h5.so: library: expected the HDF5 reader and writer beside libspiketlm_traces.so" \
        in p.stderr, p.stderr
    assert not (tmp_path / "out").exists()
    r = subprocess.run([paths.cli, "run", paths.sata, "--trace", paths.fmnist, "--samples", "1", "--quiet"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

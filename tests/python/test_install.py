"""`cmake --install` (into a DESTDIR): the package, its library and the .pth files, and an import
plus a run from the installed tree with every interpreter that got a .pth."""
import os
import shutil
import subprocess
import sys

INSTALLED = "import spiketlm, sys; r = spiketlm.run(sys.argv[1], trace=sys.argv[2], samples=1); print(spiketlm.__file__, r['summary']['reference_mismatch_samples'], spiketlm.dse.find_cli())"


def test_install_tree_imports_and_runs(paths, tmp_path):
    dest = tmp_path / "dest"
    env = dict(os.environ, DESTDIR=str(dest))
    subprocess.run([os.environ.get("SPIKETLM_CMAKE", "cmake"), "--install", paths.bin], env=env, check=True,
                   capture_output=True)
    cache = open(os.path.join(paths.bin, "CMakeCache.txt")).read().splitlines()
    value = lambda k: next(line.split("=", 1)[1] for line in cache if line.startswith(k + ":"))  # noqa: E731
    prefix = value("CMAKE_INSTALL_PREFIX")
    sites = value("SPIKETLM_PYTHON_SITES").split(";")
    pkg = prefix + "/lib/spiketlm/python"
    for layer in ("tlm", "arith", "hw", "traces", "sw"):  # one library per layer (CMakeLists.txt)
        assert os.path.exists(f"{dest}{prefix}/lib/libspiketlm_{layer}.so"), layer
    assert os.path.exists(f"{dest}{pkg}/spiketlm/torch/export.py")
    assert [n for n in os.listdir(f"{dest}{pkg}/spiketlm") if n.startswith("_spiketlm.")]
    assert sites and sites[0] == subprocess.run(
        [sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip()
    manifest = open(os.path.join(paths.bin, "install_manifest.txt")).read().splitlines()
    for site in sites:
        assert open(f"{dest}{site}/spiketlm.pth").read() == pkg + "\n"
        assert f"{dest}{site}/spiketlm.pth" in manifest     # `xargs rm < install_manifest.txt` removes it
    # The installed module finds its library through its RPATH (no LD_LIBRARY_PATH, no build tree).
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LD_LIBRARY_PATH")}
    clean["PYTHONPATH"] = f"{dest}{pkg}"
    for exe in interpreters():
        out = subprocess.run([exe, "-c", INSTALLED, paths.sata, paths.fmnist], env=clean, cwd=tmp_path,
                             capture_output=True, text=True)
        assert out.returncode == 0, (exe, out.stderr)
        # spiketlm.sweep runs the installed CLI (sw/python/spiketlm/dse.py).
        assert out.stdout.split() == [f"{dest}{pkg}/spiketlm/__init__.py", "0", f"{dest}{prefix}/bin/spiketlm"], exe


def soabi(exe):
    r = subprocess.run([exe, "-c", "import sysconfig; print(sysconfig.get_config_var('SOABI'))"],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def interpreters():
    """The interpreter the module is built for and, if it is another CPython of the same ABI, the
    `python3` first on PATH (it gets a .pth on install: sw/python/CMakeLists.txt)."""
    exes = [sys.executable]
    other = shutil.which("python3")
    if other and os.path.realpath(other) != os.path.realpath(sys.executable) and soabi(other) == soabi(sys.executable):
        exes.append(other)
    return exes


def test_install_puts_the_cli_on_path(paths, tmp_path):
    """PREFIX/bin/spiketlm (on PATH after `cmake --install`, /usr/local/bin by default) runs from the
    installed tree alone: its libraries through its RPATH, no build tree, no LD_LIBRARY_PATH."""
    dest = tmp_path / "dest"
    env = dict(os.environ, DESTDIR=str(dest))
    subprocess.run([os.environ.get("SPIKETLM_CMAKE", "cmake"), "--install", paths.bin], env=env, check=True,
                   capture_output=True)
    cache = open(os.path.join(paths.bin, "CMakeCache.txt")).read().splitlines()
    prefix = next(line.split("=", 1)[1] for line in cache if line.startswith("CMAKE_INSTALL_PREFIX:"))
    bindir = f"{dest}{prefix}/bin"
    assert os.path.isfile(f"{bindir}/spiketlm")
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LD_LIBRARY_PATH")}
    clean.update(PATH=bindir + ":/usr/bin:/bin", SC_COPYRIGHT_MESSAGE="DISABLE")
    ldd = subprocess.run(["ldd", f"{bindir}/spiketlm"], capture_output=True, text=True, check=True).stdout
    assert f"{dest}{prefix}/bin/../lib/libspiketlm_sw.so" in ldd and paths.bin not in ldd, ldd
    out = subprocess.run(["spiketlm", "run", "platforms/sata/sata.yaml", "--trace", "traces/fmnist_snn",
                          "--samples", "2", "--json", str(tmp_path / "r.json"), "--quiet"],
                         cwd=paths.src, env=clean, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    import json
    r = json.load(open(tmp_path / "r.json"))
    assert r["summary"]["reference_mismatch_samples"] == 0
    # libhdf5 comes with the installed libspiketlm_h5.so, loaded beside libspiketlm_traces.so on
    # the first NIR read (traces/nir/h5_backend.md): not linked, found without a search path.
    assert "hdf5" not in ldd, ldd
    out = subprocess.run(["spiketlm", "import", "tests/fuzz/corpus/nir/linear_lif.nir", "-o", str(tmp_path / "b"),
                          "--samples", "2", "--quiet"], cwd=paths.src, env=clean, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert os.path.isfile(tmp_path / "b" / "trace.yaml")

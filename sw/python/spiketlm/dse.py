"""Design-space sweeps from Python: `spiketlm sweep` on the local, Slurm or Dask backend.

    import spiketlm
    r = spiketlm.sweep("sw/dse/examples/sata_demo.yaml", out="demo.sweep", backend="dask")
    r["sweep"]["done"], r["tables"]["pareto"]          # results.json (sw/dse/README.md)

The sweep folder is the CLI's (sw/dse/README.md): the same file gives the same points, a point
that is done is never run again and a sweep resumes with the same call. With backend="dask" the
CLI lists the points to run (`spiketlm sweep FILE --backend external`: one `/bin/sh task.sh
POINT_DIR` line each), every line becomes a task of a dask.distributed Client, and the CLI
collects the point folders (`--collect`). The workers run the point's own run.sh, so they must
see the sweep folder and the spiketlm program at the same paths, as Slurm's nodes do. Without a
client, a LocalCluster of threads (`jobs` at once, default every core) runs them here.
"""
import os
import re
import shlex
import shutil
import subprocess

from . import Error

__all__ = ["sweep", "find_cli"]

_BACKENDS = ("local", "slurm", "dask")


def find_cli(cli=None):
    """The spiketlm program: `cli`, else $SPIKETLM_CLI, else the one beside this package in a build
    tree (build/python/spiketlm -> build/spiketlm) or an install (<prefix>/lib/spiketlm/python/
    spiketlm -> <prefix>/bin/spiketlm), else `spiketlm` on PATH."""
    if cli:
        if os.path.isfile(cli) and os.access(cli, os.X_OK):
            return os.path.abspath(cli)
        raise Error(f"sweep: cli: {cli}: expected the spiketlm program, got no executable file there")
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("SPIKETLM_CLI"),
                  os.path.join(here, "..", "..", "spiketlm"),
                  os.path.join(here, "..", "..", "..", "..", "bin", "spiketlm"),
                  shutil.which("spiketlm")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise Error("sweep: the spiketlm program was not found (beside the package, $SPIKETLM_CLI or PATH): "
                "expected a built or installed spiketlm, or cli=PATH")


def _cli(argv):
    """Runs the CLI; raises Error with its one-line message when it refuses (an error before any
    point ran). A sweep whose points failed is not an error: its results say which."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = p.stderr.splitlines()
    for line in lines:
        if line.startswith("spiketlm: error: "):
            raise Error(line[len("spiketlm: error: "):])
    if p.returncode not in (0, 1) or (p.returncode == 1 and not any(" failed: " in l for l in lines)):
        raise Error(lines[0] if lines else f"sweep: {argv[0]} ended with code {p.returncode}")
    return p.stdout


def _results(stdout):
    m = re.search(r"^results: (.*)/results\.csv \(", stdout, re.M)
    if not m:
        raise Error("sweep: expected the CLI to name its results folder, got: " + stdout.strip()[:200])
    import json
    with open(os.path.join(m.group(1), "results.json"), encoding="utf-8") as f:
        return json.load(f)


def _run_on_dask(lines, client, jobs):
    argvs = [shlex.split(line) for line in lines]
    if not argvs:
        return
    try:
        import distributed
    except ImportError as e:
        raise Error("sweep: backend dask: expected the Python package distributed (Debian "
                    f"python3-distributed), got: {e}") from e
    if client is not None:
        client.gather(client.map(subprocess.call, argvs, pure=False))
        return
    threads = jobs or len(os.sched_getaffinity(0))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=threads, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        c.gather(c.map(subprocess.call, argvs, pure=False))


def sweep(file, *, backend="local", out=None, jobs=None, yes=False, retry_failed=False, collect=False,
          client=None, args=(), cli=None):
    """Runs (resumes, or with collect=True only collects) the sweep of `file` and returns its
    results.json as a dict: r["sweep"] (counts, folder, objectives), r["tables"]["points"] (one row
    per point: state, each axis key, each summary metric, pareto, seconds, error, dir) and
    r["tables"]["pareto"]. backend: "local" (a process pool, `jobs` at once), "slurm" (one job
    array; `args` takes the CLI's --time, --mem, --partition, --throttle, --no-wait) or "dask"
    (the points as tasks of `client`, a dask.distributed Client whose workers share the
    filesystem; default a LocalCluster of `jobs` threads here). Errors before anything runs raise
    Error with the CLI's one-line message; failed points are in the results, not raised."""
    if backend not in _BACKENDS:
        raise Error(f"sweep: backend {backend!r}: expected one of {', '.join(_BACKENDS)}")
    if client is not None and backend != "dask":
        raise Error(f"sweep: client: a Dask client is for backend='dask', got backend={backend!r}")
    exe = find_cli(cli)
    base = [exe, "sweep", os.fspath(file), "--no-progress"] + (["--out", os.fspath(out)] if out else [])
    base += (["--yes"] if yes else []) + [str(a) for a in args]
    if collect:
        return _results(_cli(base + ["--collect"]))
    if backend == "dask":
        lines = _cli(base + ["--backend", "external"] + (["--retry-failed"] if retry_failed else [])).splitlines()
        _run_on_dask([l for l in lines if l.strip()], client, jobs)
        return _results(_cli(base + ["--collect"]))
    more = ["--backend", backend] + (["-j", str(int(jobs))] if jobs else []) + (["--retry-failed"] if retry_failed else [])
    return _results(_cli(base + more))

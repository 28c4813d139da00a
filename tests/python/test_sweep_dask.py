"""spiketlm.sweep (sw/python/spiketlm/dse.py): the local backend through the CLI, and the Dask
backend (the points as tasks of a dask.distributed Client) giving the same reports byte for
byte, resuming without re-running a finished point, retrying a failed point alone, and
one-line errors for bad input."""
import json
import os
import shutil
import sqlite3

import pytest

import spiketlm

distributed = pytest.importorskip("distributed", reason="python3-distributed is not installed")

FOUR = ("axes:\n"
        "  - {key: sata.pe_array.rows, values: [8, 16]}\n"
        "  - {key: run.exit_threshold, values: [0, 0.9]}\n")


def sweep_file(tmp_path, paths, name, body=FOUR):
    f = tmp_path / f"{name}.yaml"
    f.write_text(f"name: {name}\nbase: {{config: {paths.sata}, trace: {paths.fmnist}, samples: 2}}\n"
                 f"out: {name}.sweep\n" + body)
    return f


def reports(folder, n):
    return [(folder / f"points/{i:04d}/report.json").read_bytes() for i in range(n)]


def states(folder):
    with sqlite3.connect(folder / "sweep.db") as db:
        return db.execute("SELECT point, state, attempts FROM points ORDER BY point").fetchall()


@pytest.fixture
def client():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def test_dask_runs_the_points_the_local_backend_runs(tmp_path, paths, client):
    local = spiketlm.sweep(sweep_file(tmp_path, paths, "loc"), jobs=2)
    dask = spiketlm.sweep(sweep_file(tmp_path, paths, "dsk"), backend="dask", client=client)
    assert dask["sweep"]["done"] == 4 and dask["sweep"]["failed"] == 0
    assert dask["sweep"]["folder"] == str(tmp_path / "dsk.sweep")
    assert reports(tmp_path / "dsk.sweep", 4) == reports(tmp_path / "loc.sweep", 4)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]
    assert strip(dask["tables"]["points"]) == strip(local["tables"]["points"])
    assert [r["point"] for r in dask["tables"]["pareto"]] == [r["point"] for r in local["tables"]["pareto"]]
    # The results files are the CLI's own.
    assert json.loads((tmp_path / "dsk.sweep" / "results.json").read_text())["sweep"]["done"] == 4


def test_dask_resumes_and_retries_a_failed_point_alone(tmp_path, paths, client):
    f = sweep_file(tmp_path, paths, "res")
    folder = tmp_path / "res.sweep"
    # Point 1 cannot write its report (a directory stands where report.json goes).
    (folder / "points" / "0001" / "report.json").mkdir(parents=True)
    r = spiketlm.sweep(f, backend="dask", client=client)
    assert (r["sweep"]["done"], r["sweep"]["failed"]) == (3, 1)
    failed = [p for p in r["tables"]["points"] if p["state"] == "failed"]
    assert [p["point"] for p in failed] == [1] and "is a directory" in failed[0]["error"]
    before = os.stat(folder / "points/0000/report.json").st_mtime_ns
    # A plain resume runs nothing (point 1 stays failed); retry_failed runs point 1 alone.
    again = spiketlm.sweep(f, backend="dask", client=client)
    assert (again["sweep"]["done"], again["sweep"]["failed"]) == (3, 1)
    shutil.rmtree(folder / "points" / "0001" / "report.json")
    done = spiketlm.sweep(f, backend="dask", client=client, retry_failed=True)
    assert (done["sweep"]["done"], done["sweep"]["failed"]) == (4, 0)
    assert os.stat(folder / "points/0000/report.json").st_mtime_ns == before
    assert states(folder) == [(0, "done", 1), (1, "done", 2), (2, "done", 1), (3, "done", 1)]


def test_dask_without_a_client_uses_local_threads(tmp_path, paths):
    r = spiketlm.sweep(sweep_file(tmp_path, paths, "own"), backend="dask", jobs=2)
    assert r["sweep"]["done"] == 4


def test_bad_input_is_one_line_and_runs_nothing(tmp_path, paths, client):
    with pytest.raises(spiketlm.Error, match=r"^sweep: backend 'dusk': expected one of local, slurm, dask$"):
        spiketlm.sweep(sweep_file(tmp_path, paths, "b1"), backend="dusk")
    with pytest.raises(spiketlm.Error, match=r"^sweep: client: a Dask client is for backend='dask'"):
        spiketlm.sweep(sweep_file(tmp_path, paths, "b2"), client=client)
    bad = sweep_file(tmp_path, paths, "b3", "axes:\n  - {key: sata.lif.membrane_bits, values: [16, 40]}\n")
    with pytest.raises(spiketlm.Error, match=r"sata\.lif\.membrane_bits: expected an integer in \[2, 32\], got '40'"):
        spiketlm.sweep(bad, backend="dask", client=client)
    assert not (tmp_path / "b3.sweep").exists()
    with pytest.raises(spiketlm.Error, match=r"^sweep: cli: /nonexistent: expected the spiketlm program"):
        spiketlm.sweep(sweep_file(tmp_path, paths, "b4"), cli="/nonexistent")

"""spiketlm from Python: run a platform on a trace and get the report as a dict.

    import spiketlm
    r = spiketlm.run("platforms/sata/sata.yaml", trace="traces/fmnist_snn", samples=20)
    r["summary"]["energy_uj"], r["summary"]["accuracy_pct"]
    import pandas; pandas.DataFrame(r["tables"]["layers"])

run() returns the JSON report the CLI writes for the same run (`spiketlm run ... --json`),
parsed (schema: tlm/report.md; tables are lists of row objects). Every call runs the simulation in a
forked child process (SystemC elaborates once per process), releases the GIL while it runs
(threads run simulations in parallel) and is independent of every other call. Errors raise
spiketlm.Error with the CLI's one-line message. list_kinds() and params(kind) are
`spiketlm list` and `spiketlm list KIND`. sweep(file, backend=local|slurm|dask) is `spiketlm sweep`
(spiketlm.dse; the Dask backend runs the points on a dask.distributed Client).

The PyTorch export (pure Python, needs torch) is spiketlm.torch; the numpy integer model of
traces/FORMAT.md is spiketlm.intmodel; the bundle writer is spiketlm.bundle.
"""
import json

__all__ = ["Error", "run", "list_kinds", "params", "as_cli_json", "sweep"]


class Error(Exception):
    """A spiketlm error: the one-line message the CLI prints after 'spiketlm: error: '."""


def _core():
    # Imported on first use, so the pure-Python parts (spiketlm.torch, spiketlm.intmodel,
    # spiketlm.bundle) work from a source checkout without a build.
    try:
        from . import _spiketlm
    except ImportError as e:
        raise ImportError("spiketlm: the compiled module _spiketlm is missing (build the project, "
                          "or `cmake --install build`; sw/python/README.md): " + str(e)) from e
    return _spiketlm


def _call(ok_text):
    ok, text = ok_text
    if not ok:
        raise Error(text)
    return text


def _yaml_value(v):
    """A Python value as the YAML text of `-c key=value`."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_yaml_value(x) for x in v) + "]"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _overrides(overrides):
    if overrides is None:
        return []
    if isinstance(overrides, dict):
        return [f"{k}={_yaml_value(v)}" for k, v in overrides.items()]
    if isinstance(overrides, str):
        raise TypeError("overrides: expected a dict {key: value} or a list of 'key=value' strings, got a str")
    return [str(o) for o in overrides]


def from_json(text):
    """A JSON report (the CLI's --json file's text) as run() returns it: json.loads of it."""
    return json.loads(text)


def as_cli_json(report):
    """A copy of a report dict equal to json.load() of the CLI's --json file for the same run
    (run() already returns exactly that; kept for callers of the earlier row-list format)."""
    return json.loads(json.dumps(report))


# The run parameter behind the CLI's --nir (imported with the default options, traces/nir/README.md).
_NIR_KEY = "run.nir"
# Keyword -> run parameter, as the CLI's flags set them (sw/cli/main.cpp): --trace is run.trace...
_RUN_KEYS = {"trace": "run.trace", "nir": _NIR_KEY, "samples": "run.samples", "timesteps": "run.timesteps",
             "exit_threshold": "run.exit_threshold", "firmware": "run.firmware", "txlog": "run.txlog",
             "cosim": "run.cosim", "cosim_exec": "run.cosim_exec", "per_sample": "run.per_sample"}


def run(config, trace=None, nir=None, overrides=None, samples=None, timesteps=None, *, exit_threshold=None,
        ann=None, firmware=None, txlog=None, cosim=None, cosim_exec=None, plugins=(), vcd=None, trace_filters=(),
        per_sample=None):
    """Run the platform `config` (a platform YAML) and return the report as a dict.

    trace: a bundle directory (--trace); nir: a NIR file (--nir); overrides: {key: value} or
    ['key=value', ...] (-c); samples, timesteps, exit_threshold, ann (activation bits: --ann),
    firmware, txlog, cosim, cosim_exec, plugins, vcd, trace_filters, per_sample (the per-sample
    table): as the CLI's options of the same names. Raises spiketlm.Error with the CLI's one-line message."""
    args = dict(trace=trace, nir=nir, samples=samples, timesteps=timesteps, exit_threshold=exit_threshold,
                firmware=firmware, txlog=txlog, cosim=cosim, cosim_exec=cosim_exec, per_sample=per_sample)
    run_params = []
    for k, v in args.items():
        if v is not None:
            run_params.append((_RUN_KEYS[k], _yaml_value(v)))
    if ann is not None:
        run_params += [("run.network", "ann"), ("run.ann_bits", _yaml_value(ann))]
    if (cosim is not None or cosim_exec is not None) and firmware is None:
        run_params.append(("run.firmware", "external"))  # as the CLI: --cosim implies it
    text = _call(_core().run(str(config), _overrides(overrides), run_params, [str(p) for p in plugins],
                             "" if vcd is None else str(vcd), [str(f) for f in trace_filters]))
    return from_json(text)


def list_kinds(plugins=()):
    """Every registered kind (`spiketlm list`): a list of {kind, family, doc, origin}."""
    return json.loads(_call(_core().list_kinds([str(p) for p in plugins])))


def params(kind, plugins=(), tech=()):
    """One kind's parameters (`spiketlm list KIND`): {kind, family, doc, origin, error, params:
    [{key, type, default, unit, min, max, choices, doc}]}; min/max None where unbounded, error
    None unless the unit could not be built alone (its parameters may then be partial)."""
    return json.loads(_call(_core().params(str(kind), [str(p) for p in plugins], [str(t) for t in tech])))


from .dse import sweep  # noqa: E402 (after Error, which it raises)

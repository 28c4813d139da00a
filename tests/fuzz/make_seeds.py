#!/usr/bin/python3
"""Writes the fuzz seed corpus (tests/fuzz/corpus/<harness>/) from the repository's own files
(corpus/map and corpus/sweep are written by hand).

Deterministic: running it again gives the same files. Run with Debian's python3 (numpy):
    /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import glob
import io
import os
import re
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def out(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def npy_bytes(a, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, a, allow_pickle=False)
    else:
        np.lib.format.write_array(b, a, version=version, allow_pickle=False)
    return b.getvalue()


def params():
    for p in sorted(glob.glob(os.path.join(ROOT, "platforms", "**", "*.yaml"), recursive=True)):
        out("params", os.path.relpath(p, ROOT).replace("/", "_"), open(p, "rb").read())
    out("params", "overrides", "a:\n  b: 1\n  c: [x, y]\n@@-c a.b=2\n@@-c a.c=[1, 2, 3]\n@@-c d.e=true\n")
    out("params", "types", "n: 0x10\nf: 1.5e3\nb: yes\ns: 'quoted: text'\nl: [\"a, b\", 'c]']\nm: {k: v}\n")
    out("params", "duplicate", "a: 1\nb: 2\na: 3\n")


def npy():
    for p in sorted(glob.glob(os.path.join(ROOT, "traces", "fmnist_snn", "*.npy"))):
        if os.path.getsize(p) <= 5000:
            out("npy", os.path.basename(p), open(p, "rb").read())
    out("npy", "f64_v2.npy", npy_bytes(np.arange(6, dtype=np.float64).reshape(2, 3), version=(2, 0)))
    out("npy", "i16_v3.npy", npy_bytes(np.array([-1, 2, -3], dtype=np.int16), version=(3, 0)))
    out("npy", "u8_scalar.npy", npy_bytes(np.array(7, dtype=np.uint8)))
    out("npy", "i32_empty.npy", npy_bytes(np.zeros((0, 4), dtype=np.int32)))
    out("npy", "f32_4d.npy", npy_bytes(np.ones((1, 2, 2, 2), dtype=np.float32)))


def pack(yaml_text, files):
    data = yaml_text.encode()
    for name, blob in files:
        data += b"\n@@FILE " + name.encode() + b"\n" + blob
    return data


def cut_bundle(name, n):
    """A functional bundle cut to its first n samples, packed for fuzz_bundle."""
    d = os.path.join(ROOT, "traces", name)
    y = open(os.path.join(d, "trace.yaml")).read()
    y = re.sub(r"(?m)^samples: \d+$", "samples: %d" % n, y)
    files = []
    for p in sorted(glob.glob(os.path.join(d, "*.npy"))):
        f = os.path.basename(p)
        a = np.load(p)
        if f in ("inputs.npy", "labels.npy") or f.startswith("ref_"):
            a = a[:n]
        files.append((f, npy_bytes(np.ascontiguousarray(a))))
    return pack(y, files)


def bundle():
    out("bundle", "fmnist_snn_2", cut_bundle("fmnist_snn", 2))
    out("bundle", "fmnist_ann4_2", cut_bundle("fmnist_ann4", 2))
    for p in sorted(glob.glob(os.path.join(ROOT, "traces", "workloads", "*", "trace.yaml"))):
        out("bundle", "workload_" + os.path.basename(os.path.dirname(p)), open(p, "rb").read())


def nir():
    """Small NIR graphs (the importer tests' layout, tests/nir/make_graphs.py), under 64 KB."""
    import sys
    import tempfile
    sys.path.insert(0, os.path.join(ROOT, "tests", "nir"))
    import make_graphs as mg
    rng = np.random.default_rng(5)
    graphs = {
        "linear_lif": {"input": {"type": "Input", "shape": np.array([4])}, "fc1": mg.affine(rng, 3, 4),
                       "lif1": mg.lif((3,)), "fc2": {"type": "Linear", "weight": np.ones((2, 3), np.float32)},
                       "lif2": mg.lif((2,)), "output": {"type": "Output", "shape": np.array([2])}},
        "conv_if": {"input": {"type": "Input", "shape": np.array([1, 4, 4])}, "conv": mg.conv2d(rng, 2, 1, 3, [4, 4]),
                    "if1": mg.if_((2, 4, 4)),
                    "pool": {"type": "SumPool2d", "kernel_size": np.array([2, 2]), "stride": np.array([2, 2]),
                             "padding": np.array([0, 0])},
                    "flat": {"type": "Flatten", "start_dim": 0, "end_dim": -1, "input_type": np.array([2, 2, 2])},
                    "fc": mg.affine(rng, 2, 8), "if2": mg.if_((2,)), "output": {"type": "Output", "shape": np.array([2])}},
    }
    with tempfile.TemporaryDirectory() as t:
        for name, nodes in graphs.items():
            path = os.path.join(t, name + ".nir")
            mg.write(path, nodes, mg.chain(list(nodes)))
            out("nir", name + ".nir", open(path, "rb").read())


def msg(op, payload=b""):
    return struct.pack("<II", op, len(payload)) + payload


def cosim_session(samples, finish=True, version=1):
    """A whole co-simulation session (sw/cosim/cosim_protocol.h) of a T=4, 10-class run."""
    head = bytes([3, 9, 0, samples - 1, 2, 0, 0, 0]) + struct.pack("<Q", 0)
    m = msg(1, struct.pack("<II", 0x534F4353, version)) + msg(3, struct.pack("<QI", 0x1000, 1))
    m += msg(2, struct.pack("<Q", 0x1004)) + msg(9)
    for s in range(samples):
        m += msg(10, struct.pack("<I", s)) + msg(5, struct.pack("<QII", 0x2000, 8, 1) + bytes(range(8)))
        m += msg(8, struct.pack("<Q", 123456)) + msg(6) + msg(7) + msg(4, struct.pack("<QII", 0x3000, 160, 0))
        outputs = struct.pack("<40i", *range(-20, 20))
        m += msg(11, struct.pack("<8I5Q2Q2I", s, 1, 0, 0, 0, 0, 7, 4, 1000, 64, 32, 9, 5, 0, 5000, 40, 0) + outputs)
    return head + m + (msg(12) if finish else b"")


def cosim():
    out("cosim", "two_samples", cosim_session(2))
    out("cosim", "no_finish", cosim_session(1, finish=False))
    out("cosim", "bad_version", cosim_session(1, version=2))


if __name__ == "__main__":
    params()
    npy()
    bundle()
    nir()
    cosim()

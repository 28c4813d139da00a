"""The NIR reader checks a variable-length string dataset's references into the HDF5 global heap
before libhdf5 follows them (traces/nir/h5_vlen_check.md): files h5py writes in every storage it
uses for strings import as the plain file does, each kind of damage libhdf5 1.10.8 would loop on
or read past a block on is a one-line error naming the file and the dataset, at once, and so is
storage the reader does not trust libhdf5 with (compact, filtered strings)."""
import os
import struct
import subprocess
import sys
import zlib

import h5py
import numpy as np
import pytest

from conftest import SRC

sys.path.insert(0, os.path.join(SRC, "tests", "nir"))
import make_graphs as mg  # noqa: E402

EDGES = mg.chain(["input", "fc", "lif", "output"])


def graph(path):
    rng = np.random.default_rng(0)
    nodes = {"input": {"type": "Input", "shape": np.array([8])}, "fc": mg.affine(rng, 4, 8), "lif": mg.lif((4,)),
             "output": {"type": "Output", "shape": np.array([4])}}
    mg.write(str(path), nodes, EDGES)


def run_import(paths, nir, out):
    return subprocess.run([paths.cli, "import", str(nir), "-o", str(out), "--quiet"], capture_output=True, text=True,
                          timeout=60)


def npy_files(d):
    return {f: (d / f).read_bytes() for f in sorted(os.listdir(d)) if f.endswith(".npy")}


def rewrite_edges(path, **kw):
    with h5py.File(path, "a") as f:
        edges = f["node/edges"][()]
        del f["node/edges"]
        f["node"].create_dataset("edges", data=edges, dtype=h5py.string_dtype(), **kw)


def with_user_block(src, dst):
    with h5py.File(src, "r") as a, h5py.File(dst, "w", userblock_size=512) as b:
        for k in a:
            a.copy(a[k], b, k)


def test_every_storage_h5py_writes_for_strings_imports_as_the_plain_file(paths, tmp_path):
    plain = tmp_path / "plain.nir"
    graph(plain)
    chunked = tmp_path / "chunked.nir"
    graph(chunked)
    rewrite_edges(chunked, chunks=(1, 2), maxshape=(None, 2))
    with h5py.File(chunked, "r") as f:
        assert f["node/edges"].chunks == (1, 2) and f["node/edges"].id.get_num_chunks() == len(EDGES)
    user_block = tmp_path / "user_block.nir"
    with_user_block(plain, user_block)
    chunked_user_block = tmp_path / "chunked_user_block.nir"
    with_user_block(chunked, chunked_user_block)
    for nir in (user_block, chunked_user_block):
        with h5py.File(nir, "r") as f:
            assert f.userblock_size == 512
    with h5py.File(chunked_user_block, "r") as f:
        assert f["node/edges"].chunks == (1, 2)
    assert run_import(paths, plain, tmp_path / "out_plain").returncode == 0
    want = npy_files(tmp_path / "out_plain")
    assert want
    for nir in (chunked, user_block, chunked_user_block):
        p = run_import(paths, nir, tmp_path / f"out_{nir.stem}")
        assert p.returncode == 0, p.stderr
        assert npy_files(tmp_path / f"out_{nir.stem}") == want, nir.stem


def test_strings_in_a_storage_it_cannot_check_are_refused(paths, tmp_path):
    nir = tmp_path / "filtered.nir"
    graph(nir)
    rewrite_edges(nir, chunks=(1, 2), compression="gzip")
    p = run_import(paths, nir, tmp_path / "out")
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    assert "filtered.nir: node/edges: expected variable-length strings whose global heap is intact, got a storage " \
        "libhdf5's strings are not checked in (expected contiguous or unfiltered chunked, as h5py writes)" in p.stderr
    assert not (tmp_path / "out").exists()


def test_compact_storage_is_refused(paths, tmp_path):
    """h5py writes none; a corrupted compact dataset made libhdf5 copy from freed memory."""
    nir = tmp_path / "compact.nir"
    graph(nir)
    with h5py.File(nir, "a") as f:
        bias = f["node/nodes/fc/bias"][()]
        del f["node/nodes/fc/bias"]
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        space = h5py.h5s.create_simple(bias.shape)
        h5py.h5d.create(f["node/nodes/fc"].id, b"bias", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
        f["node/nodes/fc/bias"][...] = bias
        assert f["node/nodes/fc/bias"].id.get_create_plist().get_layout() == h5py.h5d.COMPACT
    p = run_import(paths, nir, tmp_path / "out")
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    assert "compact.nir: node/nodes/fc/bias: expected data stored contiguously or in chunks in this file (as h5py " \
        "writes), got compact storage" in p.stderr
    assert not (tmp_path / "out").exists()


def rewrite_bias(path, write_chunk=None, **kw):
    """fc/bias (4 float32) rewritten chunked with `kw`; `write_chunk` bytes then replace its chunk."""
    with h5py.File(path, "a") as f:
        bias = f["node/nodes/fc/bias"][()]
        del f["node/nodes/fc/bias"]
        d = f["node/nodes/fc"].create_dataset("bias", data=bias, chunks=(4,), **kw)
        if write_chunk is not None:
            d.id.write_direct_chunk((0,), write_chunk)


CHUNKS = {
    # libhdf5 copies a whole chunk out of what the file stores (a read past the buffer)
    "short_chunk": ({}, b"\0" * 8, "the chunk at byte {} storing 8 bytes of a 16-byte chunk"),
    "deflate_to_fewer_bytes": ({"compression": "gzip"}, zlib.compress(b"\0" * 4),
                               "the chunk at byte {} that does not inflate to its 16 bytes"),
    "deflate_to_more_bytes": ({"compression": "gzip", "shuffle": True}, zlib.compress(b"\0" * 64),
                              "the chunk at byte {} that does not inflate to its 16 bytes"),
    "not_deflate": ({"compression": "gzip", "fletcher32": True}, None,
                    "filters other than deflate alone or after shuffle (what h5py's gzip writes)"),
}


@pytest.mark.parametrize("name", CHUNKS)
def test_a_chunk_that_does_not_hold_its_data_is_refused(paths, tmp_path, name):
    kw, chunk, expect = CHUNKS[name]
    nir = tmp_path / f"{name}.nir"
    graph(nir)
    rewrite_bias(nir, chunk, **kw)
    with h5py.File(nir, "r") as f:
        at = f["node/nodes/fc/bias"].id.get_chunk_info(0).byte_offset
    p = run_import(paths, nir, tmp_path / "out")
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    assert f"{name}.nir: node/nodes/fc/bias: expected chunks that hold exactly their data, got " + expect.format(at) \
        in p.stderr, p.stderr
    assert not (tmp_path / "out").exists()


def test_chunks_h5py_writes_import_as_contiguous_data(paths, tmp_path):
    plain = tmp_path / "plain.nir"
    graph(plain)
    assert run_import(paths, plain, tmp_path / "out_plain").returncode == 0
    for name, kw in {"raw": {}, "gzip": {"compression": "gzip"}, "shuffle": {"compression": "gzip", "shuffle": True}}.items():
        nir = tmp_path / f"{name}.nir"
        graph(nir)
        rewrite_bias(nir, **kw)
        p = run_import(paths, nir, tmp_path / f"out_{name}")
        assert p.returncode == 0, p.stderr
        assert npy_files(tmp_path / f"out_{name}") == npy_files(tmp_path / "out_plain"), name


def objects(data, at):
    """The global heap collection at byte `at` (8-byte sizes): [(byte, index, size)], its size."""
    assert data[at:at + 5] == b"GCOL\x01"
    size = struct.unpack_from("<Q", data, at + 8)[0]
    out, p = [], 16
    while p + 16 <= size:
        index, n = struct.unpack_from("<H", data, at + p)[0], struct.unpack_from("<Q", data, at + p + 8)[0]
        out.append((at + p, index, n))
        p += n if index == 0 else 16 + (n + 7) // 8 * 8
    return out, size


def damaged(tmp_path, name, mutate):
    path = tmp_path / f"{name}.nir"
    graph(path)
    with h5py.File(path, "r") as f:
        version_at = f["version"].id.get_offset()
    data = bytearray(path.read_bytes())
    heap = data.find(b"GCOL")
    objs, size = objects(data, heap)
    length, addr, index = struct.unpack_from("<IQI", data, version_at)
    assert length == len(mg.VERSION) and addr == heap and any(i == index and n == length for _, i, n in objs)
    mutate(data, heap, objs, size, version_at, index)
    path.write_bytes(bytes(data))
    return path


def set_u64(data, at, v):
    struct.pack_into("<Q", data, at, v)


def object_at(objs, index):
    return next(p for p, i, _ in objs if i == index)


CASES = {
    # libhdf5 copies the object's size: past the block (ASan: memcpy-param-overlap; SIGSEGV)
    "object_past_block": (lambda d, h, o, s, v, i: set_u64(d, object_at(o, i) + 8, s + 100),
                          lambda x: f"holding object {x['i']} of {x['s'] + 100} bytes at byte"),
    # a zero-sized free-space object: libhdf5's walk over the collection never advances (a hang)
    "zero_free_space": (lambda d, h, o, s, v, i: set_u64(d, object_at(o, 0) + 8, 0), lambda x: "holding object 0 of 0 bytes"),
    # the string is shorter than its object: libhdf5 copies the object into a buffer of the string's length
    "short_string": (lambda d, h, o, s, v, i: struct.pack_into("<I", d, v, 2),
                     lambda x: "string 0 of 2 bytes stored in an object of 5"),
    "missing_object": (lambda d, h, o, s, v, i: struct.pack_into("<I", d, v + 12, 999),
                       lambda x: "string 0 naming object 999 that its collection does not hold"),
    "no_signature": (lambda d, h, o, s, v, i: d.__setitem__(slice(h, h + 4), b"GCOX"),
                     lambda x: f"the heap collection at {x['h']} without its GCOL version 1 header"),
    "heap_past_end": (lambda d, h, o, s, v, i: set_u64(d, v + 4, 1 << 40),
                      lambda x: "the heap collection at 1099511627776 past the end of the file"),
    "no_object_for_text": (lambda d, h, o, s, v, i: set_u64(d, v + 4, 0), lambda x: "string 0 of 5 bytes with no heap object"),
}


@pytest.mark.parametrize("name", CASES)
def test_a_damaged_global_heap_is_a_one_line_error_before_libhdf5_reads_it(paths, tmp_path, name):
    mutate, expect = CASES[name]
    seen = {}

    def record(d, h, o, s, v, i):
        seen.update(h=h, s=s, i=i)
        mutate(d, h, o, s, v, i)
    nir = damaged(tmp_path, name, record)
    p = run_import(paths, nir, tmp_path / "out")
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    assert f"{name}.nir: version: expected variable-length strings whose global heap is intact, got " in p.stderr
    assert expect(seen) in p.stderr, p.stderr
    assert "reader process" not in p.stderr and not (tmp_path / "out").exists()

"""The NIR reader checks a variable-length string dataset's references into the HDF5 global heap
before libhdf5 follows them (traces/nir/h5_vlen_check.md): files h5py writes in every storage it
uses for strings import as the plain file does, each kind of damage libhdf5 1.10.8 would loop on
or read past a block on is a one-line error naming the file and the dataset, at once, and so is
storage the reader does not trust libhdf5 with (compact, filtered strings)."""
import os
import re
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


# Old-style groups (traces/nir/h5_group_check.md): the reader walks them from the superblock in
# the file's bytes before libhdf5 opens it. h5py's default files: superblock version 0, 8-byte
# addresses and lengths, group leaf K 4 and internal K 16, version 1 object headers.
def u64(data, at):
    return struct.unpack_from("<Q", data, at)[0]


def symbol_table(data, header):
    """(B-tree, local heap) of the symbol table message in the first chunk of a v1 object header."""
    assert data[header] == 1
    p, end = header + 16, header + 16 + struct.unpack_from("<I", data, header + 8)[0]
    while p < end:
        kind, size = struct.unpack_from("<HH", data, p)
        if kind == 0x11:
            return u64(data, p + 8), u64(data, p + 16)
        p += 8 + size
    raise AssertionError("no symbol table message")


def group_node(data):
    """The `node` group: its object header, B-tree, local heap, heap data and first symbol table node."""
    root = u64(data, 64)  # superblock v0: the root entry (at 56) holds its object header after the name offset
    btree, heap = symbol_table(data, root)
    names = u64(data, heap + 24)
    snod = u64(data, btree + 24 + 8)  # the first child, after the siblings and key 0
    for i in range(struct.unpack_from("<H", data, snod + 6)[0]):
        e = snod + 8 + 40 * i
        name = data[names + u64(data, e):data.index(b"\0", names + u64(data, e))]
        if name == b"node":
            header = u64(data, e + 8)
            btree, heap = symbol_table(data, header)
            return {"header": header, "btree": btree, "heap": heap, "data": u64(data, heap + 24),
                    "snod": u64(data, btree + 32)}
    raise AssertionError("no node group")


def refused(paths, tmp_path, nir, data):
    """Writes the damaged bytes, imports them: one line, exit 1, nothing written. Returns the line."""
    nir.write_bytes(bytes(data))
    p = run_import(paths, nir, tmp_path / "out")
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    assert not (tmp_path / "out").exists()
    return p.stderr


def put(data, at, fmt, v):
    struct.pack_into(fmt, data, at, v)


GROUPS = {
    # the fuzzing finding: libhdf5 1.10.8 reads the segment from a null pointer (H5HL_protect)
    "heap_data_undefined": (lambda d, g: put(d, g["heap"] + 24, "<Q", (1 << 64) - 1),
                            "the local heap at byte {heap} whose 88-byte data segment at the undefined address lies "
                            "past the end of the file"),
    "heap_data_past_end": (lambda d, g: put(d, g["heap"] + 8, "<Q", 1 << 30),
                           "the local heap at byte {heap} whose 1073741824-byte data segment at byte {data} lies past "
                           "the end of the file"),
    "heap_signature": (lambda d, g: d.__setitem__(slice(g["heap"], g["heap"] + 4), b"HEAX"),
                       "the local heap at byte {heap} without its HEAP version 0 header"),
    # a free list that loops: libhdf5 would follow it forever
    "heap_free_list_loop": (lambda d, g: put(d, g["data"] + u64(d, g["heap"] + 16), "<Q", u64(d, g["heap"] + 16)),
                            "the local heap at byte {heap} whose free block at offset {free} is listed twice"),
    "btree_entries": (lambda d, g: put(d, g["btree"] + 6, "<H", 33),
                      "the B-tree node at byte {btree} using 33 entries of its 32"),
    # a node whose child is itself (level 1 above its own level 1)
    "btree_cycle": (lambda d, g: (put(d, g["btree"] + 5, "<B", 1), put(d, g["btree"] + 32, "<Q", g["btree"])),
                    "the B-tree node at byte {btree}, reached twice (a cycle)"),
    "btree_key_outside_heap": (lambda d, g: put(d, g["btree"] + 24, "<Q", 4096),
                               "the B-tree node at byte {btree}'s key 0 at heap offset 4096, outside its 88-byte data "
                               "segment"),
    "snod_symbols": (lambda d, g: put(d, g["snod"] + 6, "<H", 9),
                     "the symbol table node at byte {snod} holding 9 symbols, more than its 8"),
    "snod_name_outside_heap": (lambda d, g: put(d, g["snod"] + 8, "<Q", 88),
                               "the symbol table node at byte {snod}'s symbol 0 name at heap offset 88, outside its "
                               "88-byte data segment"),
    "snod_header_past_end": (lambda d, g: put(d, g["snod"] + 16, "<Q", 1 << 40),
                             "the symbol table node at byte {snod}'s symbol 0 ('edges') whose object header at byte "
                             "1099511627776 lies past the end of the file"),
}


@pytest.mark.parametrize("name", GROUPS)
def test_a_damaged_old_style_group_is_a_one_line_error_before_libhdf5_opens_the_file(paths, tmp_path, name):
    mutate, expect = GROUPS[name]
    nir = tmp_path / f"{name}.nir"
    graph(nir)
    data = bytearray(nir.read_bytes())
    g = group_node(data)
    g["free"] = u64(data, g["heap"] + 16)
    assert data[g["btree"]:g["btree"] + 4] == b"TREE" and data[g["snod"]:g["snod"] + 4] == b"SNOD"
    assert u64(data, g["heap"] + 8) == 88 and g["free"] < 88
    mutate(data, g)
    err = refused(paths, tmp_path, nir, data)
    assert f"{name}.nir: node: expected a group whose HDF5 structures are intact (object header, B-tree, symbol " \
        "table nodes, local heap), got " + expect.format(**g) + " (a damaged file)" in err, err
    assert "reader process" not in err


HEADERS = {
    "message_past_chunk": (lambda d, g: put(d, g["header"] + 18, "<H", 4096),
                           "a message of 4096 bytes at its byte 0"),
    "message_unaligned": (lambda d, g: put(d, g["header"] + 18, "<H", 12), "a message of 12 bytes at its byte 0"),
    "message_count": (lambda d, g: put(d, g["header"] + 2, "<H", 7), "counts 7 messages and holds 1"),
    "version": (lambda d, g: put(d, g["header"], "<B", 2), "an object header of version 2 at byte {header}"),
}


@pytest.mark.parametrize("name", HEADERS)
def test_a_damaged_object_header_is_a_one_line_error_before_libhdf5_opens_the_file(paths, tmp_path, name):
    mutate, expect = HEADERS[name]
    nir = tmp_path / f"{name}.nir"
    graph(nir)
    data = bytearray(nir.read_bytes())
    g = group_node(data)
    assert struct.unpack_from("<HHH", data, g["header"] + 16)[0] == 0x11 and data[g["header"] + 2] == 1
    mutate(data, g)
    err = refused(paths, tmp_path, nir, data)
    assert f"{name}.nir: node: expected a version 1 object header whose messages fill its chunks inside the file, " \
        "got " in err and expect.format(**g) in err, err
    assert "reader process" not in err


def test_superblock_damage_is_a_one_line_error_before_libhdf5_opens_the_file(paths, tmp_path):
    for name, at, fmt, v, expect in [
            ("leaf_k", 16, "<H", 0, "group leaf node K 0 and internal node K 16"),
            ("offsets", 13, "<B", 3, "3-byte addresses and 8-byte lengths"),
            ("root_past_end", 64, "<Q", 1 << 40, "the root group's object header at byte 1099511627776, past the end")]:
        nir = tmp_path / f"{name}.nir"
        graph(nir)
        data = bytearray(nir.read_bytes())
        put(data, at, fmt, v)
        nir.write_bytes(bytes(data))
        p = run_import(paths, nir, tmp_path / "out")
        assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
        assert f"{name}.nir: superblock: expected an HDF5 superblock" in p.stderr and expect in p.stderr, p.stderr
        assert not (tmp_path / "out").exists()


def test_files_h5py_writes_in_other_layouts_import_as_the_plain_file(paths, tmp_path):
    """The group walk refuses none of what h5py writes: a user block, the newest format (superblock
    3, new-style groups: not walked), link creation order, 4-byte addresses and lengths, groups of
    hundreds of members (a two-level B-tree), removed members (a local heap free list), attributes
    (header continuation chunks), hard links back to the root and soft links, 5,000 chunks (a
    three-level chunk index) and gzip chunks."""
    plain = tmp_path / "plain.nir"
    graph(plain)
    assert run_import(paths, plain, tmp_path / "out_plain").returncode == 0
    want = npy_files(tmp_path / "out_plain")

    def copy(dst, fid=None, **kw):
        with h5py.File(plain, "r") as a, (h5py.File(fid) if fid else h5py.File(dst, "w", **kw)) as b:
            for k in a:
                a.copy(a[k], b, k)
            return b.id.get_create_plist().get_sizes() if fid else None
    copy(tmp_path / "latest.nir", libver="latest")
    copy(tmp_path / "track_order.nir", track_order=True)
    copy(tmp_path / "user_block.nir", userblock_size=4096)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_sizes(4, 4)
    assert copy(None, h5py.h5f.create(str(tmp_path / "sizes_4.nir").encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)) == (4, 4)
    copy(tmp_path / "members.nir")
    with h5py.File(tmp_path / "members.nir", "a") as f:
        g = f.create_group("extra")
        for i in range(600):
            g.create_dataset(f"member_{i:04d}", data=np.arange(3))
        for i in range(0, 600, 3):
            del g[f"member_{i:04d}"]
        for i in range(40):
            f["node"].attrs[f"a{i}"] = np.arange(50)
        f["extra/root"] = f["/"]
        f["extra/soft"] = h5py.SoftLink("/node")
        f.create_dataset("extra/chunks", data=np.arange(5000, dtype="f4"), chunks=(1,))
        f.create_dataset("extra/gzip", data=np.ones((50, 40), "f4"), chunks=(5, 7), compression="gzip", shuffle=True)
    data = (tmp_path / "members.nir").read_bytes()
    assert data.count(b"TREE\x00\x01") >= 1  # the extra group's B-tree has a level above its leaves
    assert data.count(b"TREE\x01\x02") == 1  # extra/chunks' chunk index has three levels
    for name in ("latest", "track_order", "user_block", "sizes_4", "members"):
        p = run_import(paths, tmp_path / f"{name}.nir", tmp_path / f"out_{name}")
        assert p.returncode == 0, p.stderr
        assert npy_files(tmp_path / f"out_{name}") == want, name


@pytest.mark.parametrize("kind", ["enum", "compound"])
def test_a_dataset_of_a_type_the_reader_does_not_read_is_refused_before_libhdf5_decodes_it(paths, tmp_path, kind):
    """libhdf5 1.10.8 copies an enum's or a compound's member names out of the object header with
    strdup (fuzzing: names running off the header); the reader reads numbers and strings only."""
    nir = tmp_path / f"{kind}.nir"
    graph(nir)
    dtype = h5py.enum_dtype({"a": 0, "b": 1}, basetype="i1") if kind == "enum" else np.dtype([("x", "<f4"), ("y", "<i4")])
    with h5py.File(nir, "a") as f:
        del f["node/nodes/fc/bias"]
        f["node/nodes/fc"].create_dataset("bias", shape=(4,), dtype=dtype)
    p = run_import(paths, nir, tmp_path / "out")
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    cls = 8 if kind == "enum" else 6
    assert f"{kind}.nir: node/nodes/fc/bias: expected dataset messages the reader reads and libhdf5 decodes safely, " \
        "got the header chunk of " in p.stderr and f"with a datatype of class {cls} (expected integers, floats, " \
        "strings or variable-length strings) (a damaged file)" in p.stderr, p.stderr
    assert not (tmp_path / "out").exists()


def chunk_index(data, chunk):
    """The chunk index (a type 1 B-tree node) whose first child is the chunk at byte `chunk`."""
    nodes = [m.start() for m in re.finditer(b"TREE\x01", bytes(data))]
    at = [n for n in nodes if u64(data, n + 48) == chunk]
    assert len(at) == 1, nodes
    return at[0]


DATASETS = {
    "chunk_index_entries": (lambda d, at: put(d, at + 6, "<H", 65),
                            "expected a chunk index (a version 1 B-tree) inside the file, got the chunk B-tree node at "
                            "byte {at} using 65 entries of its 64"),
    # the first child: after the header, two siblings and the first key (size, mask, 2 offsets)
    "chunk_past_end": (lambda d, at: put(d, at + 24 + 24, "<Q", 1 << 40),
                       "expected a chunk index (a version 1 B-tree) inside the file, got the chunk B-tree node at byte "
                       "{at}'s chunk 0 of 16 bytes at byte 1099511627776, past the end of the file"),
    "chunk_index_cycle": (lambda d, at: (put(d, at + 5, "<B", 1), put(d, at + 48, "<Q", at)),
                          "expected a chunk index (a version 1 B-tree) inside the file, got the chunk B-tree node at "
                          "byte {at}, reached twice (a cycle)"),
}


@pytest.mark.parametrize("name", DATASETS)
def test_a_damaged_chunk_index_is_a_one_line_error_before_libhdf5_walks_it(paths, tmp_path, name):
    mutate, expect = DATASETS[name]
    nir = tmp_path / f"{name}.nir"
    graph(nir)
    rewrite_bias(nir)
    with h5py.File(nir, "r") as f:
        chunk = f["node/nodes/fc/bias"].id.get_chunk_info(0).byte_offset
    data = bytearray(nir.read_bytes())
    at = chunk_index(data, chunk)
    assert struct.unpack_from("<HI", data, at + 6)[0] == 1 and struct.unpack_from("<I", data, at + 24)[0] == 16
    mutate(data, at)
    err = refused(paths, tmp_path, nir, data)
    assert f"{name}.nir: node/nodes/fc/bias: " + expect.format(at=at) + " (a damaged file)" in err, err


def test_contiguous_data_past_the_end_and_a_string_fill_value_are_refused_before_libhdf5_reads_them(paths, tmp_path):
    nir = tmp_path / "contiguous.nir"
    graph(nir)
    with h5py.File(nir, "r") as f:
        at = f["node/type"].id.get_offset()  # contiguous: one 16-byte string descriptor
    data = bytearray(nir.read_bytes())
    layout = data.find(struct.pack("<BBQ", 3, 1, at))  # layout message version 3, contiguous, the data's address
    assert layout > 0 and struct.unpack_from("<Q", data, layout + 10)[0] == 16
    put(data, layout + 10, "<Q", 1 << 40)
    nir.write_bytes(bytes(data))
    p = run_import(paths, nir, tmp_path / "out")
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    assert "contiguous.nir: node/type: expected dataset messages the reader reads and libhdf5 decodes " \
        "safely, got the header chunk of " in p.stderr and f"with contiguous data of 1099511627776 bytes at byte {at}, " \
        "past the end of the file" in p.stderr, p.stderr
    fill = tmp_path / "fill.nir"
    graph(fill)
    with h5py.File(fill, "a") as f:
        del f["node/type"]
        f["node"].create_dataset("type", shape=(), dtype=h5py.string_dtype(), fillvalue=b"NIRGraph")
    p = run_import(paths, fill, tmp_path / "out")
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    assert "fill.nir: node/type: expected dataset messages the reader reads and libhdf5 decodes safely, got a " \
        "variable-length string dataset with a stored fill value" in p.stderr, p.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["dimension_0", "no_dimensions"])
def test_a_chunked_layout_libhdf5_would_divide_by_zero_on_is_refused(paths, tmp_path, name):
    """libhdf5 1.10.8 divides by the chunk's dimensions when it opens the dataset (fuzzing: SIGFPE
    in H5D__chunk_set_info on a layout of 0 dimensions)."""
    nir = tmp_path / f"{name}.nir"
    graph(nir)
    rewrite_bias(nir)
    with h5py.File(nir, "r") as f:
        chunk = f["node/nodes/fc/bias"].id.get_chunk_info(0).byte_offset
    data = bytearray(nir.read_bytes())
    layout = data.find(struct.pack("<BBBQII", 3, 2, 2, chunk_index(data, chunk), 4, 4))  # version 3, chunked, 4 x 4 B
    assert layout > 0
    if name == "dimension_0":
        put(data, layout + 11, "<I", 0)
    else:
        put(data, layout + 2, "<B", 0)
    err = refused(paths, tmp_path, nir, data)
    expect = "whose dimension 0 is 0" if name == "dimension_0" else "of 0 dimensions (expected the rank plus 1, at least 2)"
    assert f"{name}.nir: node/nodes/fc/bias: expected dataset messages the reader reads and libhdf5 decodes safely, " \
        "got the header chunk of " in err and f"with a chunked layout {expect} (a damaged file)" in err, err


def test_a_fill_value_of_another_size_than_the_elements_is_refused(paths, tmp_path):
    """libhdf5 converts a stored fill value as one element of the dataset's type: one of another
    size would be read past its buffer. h5py writes the element's size, which imports as before."""
    plain = tmp_path / "plain.nir"
    graph(plain)
    assert run_import(paths, plain, tmp_path / "out_plain").returncode == 0
    nir = tmp_path / "fill.nir"
    graph(nir)
    with h5py.File(nir, "a") as f:
        bias = f["node/nodes/fc/bias"][()]
        del f["node/nodes/fc/bias"]
        f["node/nodes/fc"].create_dataset("bias", data=bias, fillvalue=np.float32(1.5))
    p = run_import(paths, nir, tmp_path / "out_fill")
    assert p.returncode == 0, p.stderr
    assert npy_files(tmp_path / "out_fill") == npy_files(tmp_path / "out_plain")
    data = bytearray(nir.read_bytes())
    at = data.find(struct.pack("<If", 4, 1.5))  # the fill value message's size and value
    assert at > 0 and data[at - 4] == 2 and data[at - 1] == 1  # version 2, defined
    put(data, at, "<I", 2)
    nir.write_bytes(bytes(data))
    p = run_import(paths, nir, tmp_path / "out")
    assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
    assert "fill.nir: node/nodes/fc/bias: expected dataset messages the reader reads and libhdf5 decodes safely, got " \
        "a fill value of 2 bytes for elements of 4 (a damaged file)" in p.stderr, p.stderr
    assert not (tmp_path / "out").exists()

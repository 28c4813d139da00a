"""sw/tools/check_lengths.py: the size limits (functions <= 120 lines, files <= 600) on
hand-made sources whose function lengths are known by construction."""
import os
import subprocess
import sys

SRC = os.environ.get("SPIKETLM_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
TOOL = os.path.join(SRC, "sw", "tools", "check_lengths.py")


def check(tmp_path, text, *args):
    f = tmp_path / "a.cpp"
    f.write_text(text)
    r = subprocess.run([sys.executable, TOOL, *args, str(f)], capture_output=True, text=True)
    return r.returncode, r.stdout


def function(name, lines, head="void {}() {{"):
    """A function of exactly `lines` physical lines (head and closing brace included)."""
    body = [f"  x += {i};  // {{ not a brace" for i in range(lines - 2)]
    return "\n".join([head.format(name)] + body + ["}"]) + "\n"


def test_limit_is_inclusive(tmp_path):
    assert check(tmp_path, function("f", 120)) == (0, "")
    rc, out = check(tmp_path, function("f", 121))
    assert rc == 1 and ":1: function has 121 lines (limit 120): void f()" in out


def test_members_in_namespace_and_class(tmp_path):
    text = "namespace a {\nclass C {\n public:\n" + function("m", 130, "  int {}() const {{") + "};\n}  // namespace a\n"
    rc, out = check(tmp_path, text)
    assert rc == 1 and ":4: function has 130 lines" in out


def test_braces_in_comments_strings_and_initialisers_do_not_count(tmp_path):
    text = ('const char* s = "}}}";\n/* { */\nstruct P { int a{1}; };\n'
            'Foo::Foo(int x) : m_a(x), m_b{2} {\n' + "  ++x;\n" * 119 + "}\n")
    rc, out = check(tmp_path, text)
    assert rc == 1 and ":4: function has 120 lines" not in out and ":4: function has 121 lines" in out


def test_nested_blocks_and_lambdas_belong_to_their_function(tmp_path):
    inner = "  auto g = [](int y) {\n    if (y) {\n      return 1;\n    }\n    return 0;\n  };\n"
    text = "void f() {\n" + inner * 20 + "}\nvoid g() {\n}\n"
    rc, out = check(tmp_path, text)   # f: 1 + 120 + 1 lines
    assert rc == 1 and out.count("function has") == 1 and ":1: function has 122 lines" in out


def test_file_limit(tmp_path):
    assert check(tmp_path, "int x;\n" * 600)[0] == 0
    rc, out = check(tmp_path, "int x;\n" * 601)
    assert rc == 1 and ":1: file has 601 lines (limit 600)" in out


def test_no_sources_is_an_error(tmp_path):
    r = subprocess.run([sys.executable, TOOL, str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 1 and "no C++ sources" in r.stdout

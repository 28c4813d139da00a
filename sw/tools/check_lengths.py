#!/usr/bin/env python3
"""The size limits of the project's standards: no C++ function longer than MAX_FUNC lines and
no C++ source file longer than MAX_FILE lines (hw, tlm, platforms, sw, traces).

Usage: sw/tools/check_lengths.py [--max-function N] [--max-file N] [ROOT or FILE]...
(default: the five source folders of the tree this script is in). Prints one line per
offender (file:line: what, how long) and exits 1 if there is any, 0 otherwise.

How a function is found (no compiler needed): comments, string and character literals and
preprocessor lines are blanked first; then every brace block opened at declaration scope
(file, namespace, class, extern "C") whose head -- the text since the previous ';', '{' or
'}' -- holds a ')' is a function body (free function, member, constructor, a lambda passed
at namespace scope). Its length counts the physical lines from the head's first line to the
closing brace. A brace written right after a name ("m_x{1}") is a brace initialiser, not a
body. tests/tools/ checks the counting on hand-made sources.
"""
import argparse
import os
import re
import sys

FOLDERS = ["hw", "tlm", "platforms", "sw", "traces"]
EXTS = (".cpp", ".cc", ".h", ".hpp")
SCOPE_KEYWORDS = re.compile(r"\b(namespace|class|struct|union)\b")
ACCESS = re.compile(r"^\s*(public|private|protected)\s*:(?!:)")
CONTROL = re.compile(r"^\s*(if|for|while|switch|catch|do|else)\b")


def blank(text):
    """The text with comments, literals and preprocessor lines replaced by spaces (newlines kept)."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#":
            j = i
            while j < n and not (text[j] == "\n" and text[j - 1] != "\\"):
                j += 1
            _spaces(out, i, j)
            i = j
            continue
        if c == "\n":
            line_start = True
            i += 1
            continue
        if not c.isspace():
            line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            _spaces(out, i, j)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            _spaces(out, i, j)
            i = j
        elif c == 'R' and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            _spaces(out, i, j)
            i = j
        elif c in "\"'" and not (c == "'" and i > 0 and text[i - 1].isalnum()):   # 1'000 digit separator
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            _spaces(out, i, j + 1)
            i = j + 1
        else:
            i += 1
    return "".join(out)


def _spaces(out, i, j):
    for k in range(i, min(j, len(out))):
        if out[k] != "\n":
            out[k] = " "


def functions(text):
    """(first line, last line, head) of each function body in `text` (already blanked)."""
    found = []
    stack = []            # per open brace: 'decl' (declaration scope), 'func', 'init', 'other'
    head_start = 0
    func_start = None     # (line, head) of the function whose body is open
    depth_in_func = 0
    line = 1
    line_at = [0]
    for pos, c in enumerate(text):
        if c == "\n":
            line_at.append(pos + 1)
    def line_of(p):
        lo, hi = 0, len(line_at) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_at[mid] <= p:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1
    for pos, c in enumerate(text):
        if c not in "{};":
            continue
        at_decl = all(s == "decl" for s in stack)
        if c == ";":
            if at_decl:
                head_start = pos + 1
            continue
        if c == "}":
            kind = stack.pop() if stack else "decl"
            if kind == "func":
                first, head = func_start
                found.append((first, line_of(pos), head))
            if kind != "init" and all(s == "decl" for s in stack):
                head_start = pos + 1          # (a brace initialiser stays part of the head)
            continue
        # '{'
        if not at_decl:
            stack.append("other")
            continue
        head = ACCESS.sub(lambda m: " " * len(m.group(0)), text[head_start:pos])
        stripped = head.strip()
        if pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] == "_"):
            stack.append("init")           # brace initialiser of a name
        elif ")" in stripped and not CONTROL.match(stripped):
            lead = len(head) - len(head.lstrip())
            func_start = (line_of(head_start + lead), " ".join(stripped.split())[:80])
            stack.append("func")
        elif SCOPE_KEYWORDS.search(stripped) or stripped.startswith("extern") or stripped == "":
            stack.append("decl" if ("=" not in stripped) else "other")
        else:
            stack.append("other")          # enum, aggregate initialiser
        if stack[-1] != "decl":
            continue
        head_start = pos + 1
    return found


def sources(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
            continue
        for d, dirs, files in os.walk(p):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(EXTS):
                    yield os.path.join(d, f)


def check(path, max_func, max_file):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    problems = []
    n = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if n > max_file:
        problems.append(f"{path}:1: file has {n} lines (limit {max_file})")
    for first, last, head in functions(blank(text)):
        length = last - first + 1
        if length > max_func:
            problems.append(f"{path}:{first}: function has {length} lines (limit {max_func}): {head}")
    return problems


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-function", type=int, default=120)
    ap.add_argument("--max-file", type=int, default=600)
    ap.add_argument("--list", action="store_true", help="print every function's length (to check the counting)")
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args(argv)
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    paths = a.paths or [os.path.join(root, f) for f in FOLDERS]
    problems, count = [], 0
    for src in sources(paths):
        count += 1
        if a.list:
            with open(src, encoding="utf-8", errors="replace") as f:
                for first, last, head in functions(blank(f.read())):
                    print(f"{last - first + 1:5d} {src}:{first}: {head}")
        problems += check(src, a.max_function, a.max_file)
    for p in problems:
        print(p)
    if count == 0:
        print("check_lengths: no C++ sources found in " + " ".join(paths))
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""README doc test: runs the README's shell blocks as a new user would, after the quick start.

usage: readme_doctest.py README.md --bin BUILD_DIR [--list]

Every fenced block must name its language. Blocks marked ```sh (a script, run with bash -e) or
```console (lines starting with "$ " are commands, the rest is their output) are run in order,
in one scratch copy of the source tree (so commands that write files write there), with
`spiketlm` on PATH (BUILD_DIR first; `cmake --install` puts the same binary in PREFIX/bin),
`build` pointing at BUILD_DIR, `import spiketlm` working in Debian's python3. Commands in
`code spans` with arguments and no placeholder (an upper-case word, "...") run as well. A block that
cannot run in CI says so on the line before its fence: <!-- doctest: skip REASON -->.
The quick start must stay two commands: ./.ci/demo and ./.ci/test.
Exit 0 when every block ran with exit code 0; otherwise 1 with the block's line and stderr."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SHELL = ("sh", "console")
SKIP = re.compile(r"^<!-- doctest: skip (\S.*) -->$")
BLOCK_TIMEOUT_S = 120


def fail(msg):
    print(f"readme_doctest: {msg}", file=sys.stderr)
    sys.exit(1)


def blocks(path):
    """(line, language, text, skip reason or None) of every fenced block."""
    lines = open(path).read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^```(\S*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start, lang = i + 1, m.group(1)
        if not lang:
            fail(f"{path}:{start}: a code block without a language: expected ```sh, ```console, ```text, ```cpp ...")
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if j == len(lines):
            fail(f"{path}:{start}: a code block that never closes")
        prev = next((lines[k].strip() for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        skip = SKIP.match(prev)
        out.append((start, lang, "\n".join(lines[i + 1:j]) + "\n", skip.group(1) if skip else None))
        i = j + 1
    return out


def inline_commands(path):
    """Commands in `code spans` (the platform table ...) with arguments and no placeholder
    (CONFIG.yaml, KIND, ...): they run too, one block each."""
    out = []
    for n, line in enumerate(open(path).read().split("\n"), 1):
        for cmd in re.findall(r"`(spiketlm [^`]+)`", line):
            if len(cmd.split()) >= 3 and "..." not in cmd and not re.search(r"\b[A-Z]{2,}\b", cmd):
                out.append((n, "sh", cmd + "\n", None))
    return out


def script(lang, text):
    if lang == "sh":
        return text
    return "".join(line[2:] + "\n" for line in text.split("\n") if line.startswith("$ "))


def check_quick_start(path, found):
    text = open(path).read()
    at = text.find("## Quick start")
    qs = [b for b in found if at >= 0 and text.count("\n", 0, at) < b[0]][:1]
    cmds = [line.split("#")[0].strip() for line in qs[0][2].split("\n")] if qs else []
    cmds = [c for c in cmds if c]
    if cmds != ["./.ci/demo", "./.ci/test"]:
        fail(f"{path}: the quick start's first block: expected the two commands ./.ci/demo and ./.ci/test, got {cmds}")


def workdir(src, bin_dir):
    d = tempfile.mkdtemp(prefix="readme_doctest_")
    for name in os.listdir(src):
        p = os.path.join(src, name)
        if name.startswith(".git") or name.startswith("build") or not os.path.isdir(p) and not os.path.isfile(p):
            continue
        if os.path.isdir(p):
            shutil.copytree(p, os.path.join(d, name), symlinks=True)
        else:
            shutil.copy2(p, os.path.join(d, name))
    os.symlink(bin_dir, os.path.join(d, "build"))
    return d


def run(path, bin_dir, found):
    bin_dir = os.path.abspath(bin_dir)
    d = workdir(os.path.dirname(os.path.abspath(path)), bin_dir)
    env = dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE", PYTHONDONTWRITEBYTECODE="1",
               PATH=f"{bin_dir}:/usr/bin:{os.environ.get('PATH', '')}", PYTHONPATH=os.path.join(bin_dir, "python"))
    try:
        for line, lang, text, skip in found:
            if lang not in SHELL or skip:
                continue
            t0 = time.time()
            try:
                r = subprocess.run(["bash", "-e", "-c", script(lang, text)], cwd=d, env=env, capture_output=True,
                                   text=True, timeout=BLOCK_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                fail(f"{path}:{line}: the block ran over {BLOCK_TIMEOUT_S} s (mark it <!-- doctest: skip REASON -->)")
            print(f"{path}:{line}: exit {r.returncode}, {time.time() - t0:.1f} s")
            if r.returncode != 0:
                fail(f"{path}:{line}: exit code {r.returncode}\n{script(lang, text)}--- stderr:\n{r.stderr[-3000:]}")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main(argv):
    if len(argv) < 4 or argv[2] != "--bin":
        fail("usage: readme_doctest.py README.md --bin BUILD_DIR [--list]")
    found = blocks(argv[1])
    check_quick_start(argv[1], found)
    if "--list" in argv[4:]:
        for line, lang, _, skip in found:
            print(f"{line:5} {lang:8} {'skip: ' + skip if skip else ('runs' if lang in SHELL else '-')}")
        for line, _, text, _ in inline_commands(argv[1]):
            print(f"{line:5} inline   runs: {text.strip()}")
        return
    run(argv[1], argv[3], found + inline_commands(argv[1]))


if __name__ == "__main__":
    main(sys.argv)

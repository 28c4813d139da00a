"""spiketlm plot: a run's report drawn as PNG figures and one self-contained HTML page; the page
opened in headless Chromium (Debian's chromium) renders every figure with no script or console
error; the page's tables hold the report's numbers; bad input is a one-line error."""
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

FIGURES = ["energy_by_component.png", "layers.png", "memory_traffic.png"]


class Tables(HTMLParser):
    """Every <table> of a page as lists of rows of cell texts, keyed by the <h2> before it."""

    def __init__(self):
        super().__init__()
        self.tables, self.title, self.row, self.cell, self.in_h2 = {}, "", None, None, False

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.in_h2, self.title = True, ""
        elif tag == "table":
            self.tables[self.title] = []
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = False
        elif tag in ("td", "th"):
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr":
            self.tables[self.title].append(self.row)

    def handle_data(self, data):
        if self.in_h2:
            self.title += data
        elif self.cell is not None:
            self.cell += data


def run(paths, *args, cwd=None):
    env = dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE")
    return subprocess.run([paths.cli, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def chromium(*args):
    exe = shutil.which("chromium")
    assert exe, "expected Debian's chromium (.ci/setup installs it)"
    # The browser runs without the sanitizer runtime an ASan build preloads (tests/CMakeLists.txt)
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", *args],
                          capture_output=True, text=True, timeout=120, env=env)


def rendered(page):
    dom = chromium("--dump-dom", "file://" + str(page)).stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    attrs = dict(re.findall(r'data-([a-z-]+)="(\d+)"', body.group(1)))
    return int(attrs.get("figures", -1)), int(attrs.get("figures-rendered", -1)), int(attrs.get("errors", -1))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from conftest import BIN, SRC

    class P:
        cli = os.path.join(BIN, "spiketlm")
        sata = os.path.join(SRC, "platforms", "sata", "sata.yaml")
        fmnist = os.path.join(SRC, "traces", "fmnist_snn")
    d = tmp_path_factory.mktemp("plot")
    r = run(P, "run", P.sata, "--trace", P.fmnist, "--samples", "2", "--json", str(d / "run.json"), "--quiet")
    assert r.returncode == 0, r.stderr
    return P, d


def test_figures_and_page_hold_the_report(report):
    import json

    import matplotlib.image as mpimg
    paths, d = report
    r = run(paths, "plot", str(d / "run.json"), "-o", str(d / "figs"), "--html", str(d / "run.html"))
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(d / "figs")) == sorted(FIGURES)
    for f in FIGURES:
        img = mpimg.imread(str(d / "figs" / f))
        assert img.shape[0] > 200 and img.shape[1] > 400 and img.std() > 0.05, f  # a drawing, not a blank
    rep = json.load(open(d / "run.json"))
    page = open(d / "run.html").read()
    assert "src=\"http" not in page and "href=\"http" not in page  # self-contained
    t = Tables()
    t.feed(page)
    summary = {row[0]: row[1] for row in t.tables["Summary (per inference)"][1:]}
    for k, v in rep["summary"].items():
        assert float(summary[k]) == pytest.approx(v, rel=1e-5), k  # 6 significant digits
    comp = t.tables["Energy by component (per inference)"]
    cols = comp[0]
    want = {row["component"]: row for row in rep["tables"]["energy_by_component"]}
    assert len(comp) - 1 == len(want)
    for row in comp[1:]:
        for c, text in zip(cols[1:], row[1:]):
            assert float(text) == pytest.approx(want[row[0]][c], rel=1e-5, abs=1e-12), (row[0], c)
    assert [row[1] for row in t.tables["Per layer (per inference)"][1:]] == [x["layer"] for x in rep["tables"]["layers"]]


def test_the_page_renders_in_headless_chromium(report, tmp_path):
    paths, d = report
    assert run(paths, "plot", str(d / "run.json"), "--html", str(tmp_path / "p.html")).returncode == 0
    assert rendered(tmp_path / "p.html") == (3, 3, 0)
    shot = tmp_path / "shot.png"
    chromium("--screenshot=" + str(shot), "--window-size=1200,2400", "file://" + str(tmp_path / "p.html"))
    import matplotlib.image as mpimg
    img = mpimg.imread(str(shot))
    assert img.shape[:2] == (2400, 1200) and img.std() > 0.05
    # The check is real: a figure whose data is broken is not counted as rendered, and both its
    # load error and a script error are counted as errors.
    page = open(tmp_path / "p.html").read()
    broken = re.sub(r'(id="layers" alt="[^"]*" src="data:image/png;base64,)[^"]{64}', r"\1" + "A" * 64, page, count=1)
    broken = broken.replace("</body>", "<script>undefined_function_of_the_test();</script></body>")
    assert broken != page
    open(tmp_path / "broken.html", "w").write(broken)
    assert rendered(tmp_path / "broken.html") == (3, 2, 2)


def test_a_sweeps_results_give_the_pareto_plot(report, tmp_path):
    import json

    import matplotlib.image as mpimg
    paths, d = report
    src = os.path.dirname(os.path.dirname(os.path.dirname(paths.sata)))
    sweep = tmp_path / "demo.sweep"
    r = run(paths, "sweep", os.path.join(src, "sw", "dse", "examples", "sata_demo.yaml"), "--out", str(sweep), "-j", "2",
            cwd=src)
    assert r.returncode == 0, r.stderr
    r = run(paths, "plot", str(sweep / "results.json"), "-o", str(tmp_path / "figs"), "--html", str(tmp_path / "s.html"))
    assert r.returncode == 0, r.stderr
    assert os.listdir(tmp_path / "figs") == ["pareto.png"]
    assert mpimg.imread(str(tmp_path / "figs" / "pareto.png")).std() > 0.05
    assert rendered(tmp_path / "s.html") == (1, 1, 0)
    t = Tables()
    t.feed(open(tmp_path / "s.html").read())
    front = [title for title in t.tables if title.startswith("Pareto front")]
    want = json.load(open(sweep / "results.json"))["tables"]["pareto"]
    assert len(front) == 1 and len(t.tables[front[0]]) - 1 == len(want) > 0


def test_bad_input_is_one_line_and_writes_nothing(report, tmp_path):
    paths, d = report
    (tmp_path / "old.html").write_text("keep me")
    not_report = os.path.join(os.path.dirname(paths.sata), "sata.yaml")
    r = run(paths, "plot", not_report, "--html", str(tmp_path / "old.html"), "-o", str(tmp_path / "figs"))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and r.stderr.startswith("spiketlm: error: "), r.stderr
    assert (tmp_path / "old.html").read_text() == "keep me" and not (tmp_path / "figs").exists()
    r = run(paths, "plot", str(d / "run.json"), "--colour", "red")
    assert (r.returncode, r.stderr) == (1, "spiketlm: plot: --colour: unknown option (see spiketlm plot --help)\n")
    r = run(paths, "plot")
    assert r.returncode == 1 and r.stderr.endswith("(see spiketlm plot --help)\n") and r.stderr.count("\n") == 1
    # the default output: the figures beside the report
    r = run(paths, "plot", str(d / "run.json"))
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(d / "run_plots")) == sorted(FIGURES)

"""traces/EXPORT.md's example, run as written (from a directory where platforms/ is the repository's)."""
import os
import re

from export_common import torch  # noqa: F401  (skips without torch)


def test_export_guide_runs_as_written(paths, tmp_path, monkeypatch, capsys):
    text = open(os.path.join(paths.src, "traces", "EXPORT.md")).read()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) < 30
    os.symlink(os.path.join(paths.src, "platforms"), tmp_path / "platforms")
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    exec(compile(code, "EXPORT.md", "exec"), {})
    out = capsys.readouterr().out
    m = re.search(r"accuracy float ([\d.]+) %, integer ([\d.]+) %; the two agree on ([\d.]+) %", out)
    assert m and float(m.group(3)) >= 99.0 and float(m.group(1)) > 50.0, out
    assert (tmp_path / "my_snn" / "trace.yaml").exists()

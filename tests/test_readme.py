"""The README's quickstart runs as written, and its commands match CI."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_quickstart_runs(capsys, tmp_path, monkeypatch):
    """Every python block of the README executes without error and prints the model score."""
    monkeypatch.chdir(tmp_path)  # the blocks write files
    blocks = _python_blocks(README)
    assert blocks, "the README has no python block"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "shop_emb0" in out and "<unknown>" in out
    score = float(out.strip().splitlines()[-1])
    assert score > 0.75


def test_ci_runs_the_readme_test_command():
    """.ci/run runs the README's test command verbatim."""
    command = re.search(r"# run the tests\n(.+)\n", README).group(1)
    assert command in (ROOT / ".ci" / "run").read_text()

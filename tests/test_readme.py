"""The README's quickstart runs as written, its commands match CI, and its links resolve."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()

DEMO_COMMAND = 'pip install -c .ci/constraints.txt -e ".[plot]" && python -m skembed demo'
TEST_COMMAND = 'pip install -c .ci/constraints.txt -e ".[dev]" && python -m pytest'


def _python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_quickstart_runs(capsys, tmp_path, monkeypatch):
    """Every python block of the README executes without error and prints the model score."""
    monkeypatch.chdir(tmp_path)  # in case a block writes files
    blocks = _python_blocks(README)
    assert blocks, "the README has no python block"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "shop_emb0" in out and "<unknown>" in out
    score = float(out.strip().splitlines()[-1])
    assert score > 0.75


def test_the_two_commands_are_in_the_readme():
    """The README's "The two commands" section gives the demo and the test command verbatim."""
    section = README.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    demo = re.search(r"# run the demo [^\n]*\n(.+)\n", section).group(1)
    test = re.search(r"# run the tests\n(.+)\n", section).group(1)
    assert (demo, test) == (DEMO_COMMAND, TEST_COMMAND)


def test_ci_runs_the_readme_test_command():
    """.ci/run runs the README's test command verbatim."""
    command = re.search(r"# run the tests\n(.+)\n", README).group(1)
    assert command == TEST_COMMAND
    assert command in (ROOT / ".ci" / "run").read_text()


def test_readme_links_resolve():
    """Every relative link of the README points to a file or folder of the repository."""
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    local = [target for target in targets if "://" not in target]
    assert "docs/user_guide/index.md" in local and "docs/getting_started.md" in local
    missing = [target for target in local if not (ROOT / target).exists()]
    assert not missing, f"README links to missing paths: {missing}"


def test_readme_is_the_front_door():
    """The README stays short; the details live in the user guide, where they are doctested."""
    assert len(README.splitlines()) <= 200, "move details to docs/user_guide/"

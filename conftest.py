"""pytest at the repository root: what the doctests of docs/ must not collect.

``docs`` is a test path (its Markdown pages are doctested with ``--doctest-glob='*.md'``), but
the Sphinx configuration and the build products there are not tests: ``--doctest-modules``
would import ``conf.py`` and the gallery's copies of the example scripts. The ignores live here
rather than in ``docs/conftest.py`` because a second ``conftest`` module outside a package
would shadow ``tests/conftest.py``, which the tests import as ``from conftest import ...``.
"""

collect_ignore = ["docs/conf.py"]
collect_ignore_glob = [
    "docs/_build/*",
    "docs/auto_examples/*",
    "docs/generated/*",
    "docs/sg_execution_times.rst",
]

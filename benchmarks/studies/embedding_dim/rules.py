"""The embedding-width rules compared, as functions of the number of categories."""

from __future__ import annotations

import math
from collections.abc import Callable

NO_CAP = 10_000  # max_embedding_dim large enough never to cut a rule


# ----------------------------------------------------------------------------- rules


def lab_rule(n: int) -> int:
    return max(3, round(n**0.25))


def log2_rule(n: int) -> int:
    return max(2, math.ceil(math.log2(max(n, 1))) + 1)


def fixed8_rule(n: int) -> int:
    return 8


def fixed16_rule(n: int) -> int:
    return 16


def half50_rule(n: int) -> int:
    return max(1, min(50, (n + 1) // 2))


def fastai50_rule(n: int) -> int:
    return min(50, max(2, round(1.6 * max(n, 1) ** 0.56)))


def fastai600_rule(n: int) -> int:
    return max(1, min(600, round(1.6 * max(n, 1) ** 0.56)))


RULES: dict[str, tuple[Callable[[int], int], str]] = {
    "lab": (lab_rule, "max(3, round(n**0.25))"),
    "log2": (log2_rule, "max(2, ceil(log2(n)) + 1)"),
    "fixed8": (fixed8_rule, "8"),
    "fixed16": (fixed16_rule, "16"),
    "half50": (half50_rule, "min(50, (n + 1) // 2)"),
    "fastai50": (fastai50_rule, "min(50, round(1.6 * n**0.56))  ['auto' when this study ran]"),
    "fastai600": (fastai600_rule, "min(600, round(1.6 * n**0.56))"),
}
CURRENT_RULE = "fastai50"

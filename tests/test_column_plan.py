"""The column plan resolves per-column parameters once, with errors where they happen."""

import numpy as np
import pandas as pd
import pytest

from skembed import EntityEmbeddingEncoder
from skembed._column_plan import categorical_mask, column_index, plan_columns
from skembed._tables import as_table
from skembed._widths import auto_embedding_dim, embedding_width


@pytest.fixture
def table():
    frame = pd.DataFrame(
        {
            "city": ["paris", "rome", "oslo", "rome"],
            "age": [20.0, 30.0, 40.0, 50.0],
            "tags": ["a|b", "b", "", "a"],
            "colour": pd.Categorical(["red", "red", "blue", "green"]),
        }
    )
    return as_table(frame)


def test_plan_resolves_every_per_column_parameter(table):
    """Names become positions: categorical, continuous, separators, buckets, frozen tables."""
    encoder = EntityEmbeddingEncoder(
        separator={"tags": "|"},
        hash_buckets={"colour": 4},
        pretrained_embeddings={"city": (np.array(["paris"], dtype=object), np.ones((1, 2)))},
        freeze_pretrained=["city"],
    )
    plan = plan_columns(encoder, table)
    assert plan.categorical.tolist() == [0, 2, 3]
    assert plan.continuous.tolist() == [1]
    assert plan.separators == {2: "|"}
    assert plan.hash_buckets == [0, 0, 4]
    assert list(plan.pretrained) == [0] and plan.frozen == frozenset({0})


def test_categorical_mask_forms_agree(table):
    """Names, indices and a boolean mask select the same columns."""
    by_name = categorical_mask(["city", "tags"], table)
    by_index = categorical_mask([0, 2], table)
    by_mask = categorical_mask([True, False, True, False], table)
    assert by_name.tolist() == by_index.tolist() == by_mask.tolist() == [1, 0, 1, 0]


@pytest.mark.parametrize(
    "spec, match",
    [
        (["nope"], r"names columns \['nope'\] that are not in X"),
        ([7], r"indices \[7\] out of range"),
        ([True, False], "one entry per column: expected 4, got 2"),
        ([0, "city"], "all column names, all integer indices, or a boolean mask"),
    ],
)
def test_categorical_mask_errors_say_what_was_expected(table, spec, match):
    """Each bad categorical_features gets an error naming what was wrong."""
    with pytest.raises(ValueError, match=match):
        categorical_mask(spec, table)


def test_parameter_naming_a_continuous_column_is_refused(table):
    """A separator for a continuous column names the column and the fix."""
    encoder = EntityEmbeddingEncoder(separator={"age": "|"})
    with pytest.raises(ValueError, match="'age', which is continuous; list it in categorical"):
        plan_columns(encoder, table)


def test_array_columns_are_named_by_index_or_x_prefix():
    """For arrays, 1 and "x1" name the same column; other keys list what X has."""
    table = as_table(np.array([["a", "b"], ["c", "d"]], dtype=object))
    assert column_index(table, 1, "separator") == column_index(table, "x1", "separator") == 1
    with pytest.raises(ValueError, match=r"X has \[0, 1\]"):
        column_index(table, "x5", "separator")


def test_embedding_width_rules(table):
    """ "auto" is capped, a dict entry wins, a pretrained table's width must agree."""
    assert embedding_width("auto", 16, table, 0, 1000) == 16
    assert embedding_width("auto", 64, table, 0, 1000) == auto_embedding_dim(1000)
    assert embedding_width({"city": 5}, 16, table, 0, 10) == 5
    assert embedding_width(lambda n: 99, 16, table, 0, 10) == 16
    with pytest.raises(ValueError, match="has 2 dimensions; drop the embedding_dim entry"):
        embedding_width({"city": 5}, 16, table, 0, 10, (None, np.ones((1, 2))))


def test_embedding_dim_for_a_continuous_column_is_refused(table):
    """A width given for a continuous column raises instead of being ignored."""
    encoder = EntityEmbeddingEncoder(embedding_dim={"age": 4})
    with pytest.raises(ValueError, match="embedding_dim names column 'age', which is continuous"):
        plan_columns(encoder, table)


def test_batch_size_one_is_refused_before_training(table):
    """batch_size=1 cannot train batch normalisation: a parameter error up front."""
    X = pd.DataFrame({"city": ["a", "b"] * 10})
    with pytest.raises(ValueError, match="'batch_size' parameter"):
        EntityEmbeddingEncoder(batch_size=1).fit(X, [0, 1] * 10)


def test_multi_output_tag():
    """The tags say that a 2-D y (multilabel, several regressions) is supported."""
    assert EntityEmbeddingEncoder().__sklearn_tags__().target_tags.multi_output

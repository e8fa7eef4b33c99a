"""scikit-learn's common estimator checks."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skembed import EntityEmbeddingEncoder

# The checks feed float arrays, which "auto" treats as continuous only; the second
# instance makes the first column categorical so that the embedding path is checked too.
ESTIMATORS = [
    EntityEmbeddingEncoder(max_iter=3),
    EntityEmbeddingEncoder(categorical_features=[0], max_iter=3),
]


def expected_failed_checks(estimator):
    """Checks that cannot pass, each with its reason."""
    if estimator.categorical_features == "auto":
        return {
            "check_transformer_n_iter": (
                "The check fits on float data, which 'auto' treats as continuous only: "
                "there is nothing to embed, so no epoch runs and n_iter_ is 0."
            ),
        }
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "Training is stochastic mini-batch gradient descent: repeating a row k times "
            "changes the batches and the number of steps, so it is equivalent to weight k "
            "only in expectation, not to 1e-7."
        ),
    }


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    """The encoder passes scikit-learn's common estimator checks."""
    check(estimator)

"""
Looking inside the embeddings: nearest categories
=================================================

A fitted :class:`~skembed.EntityEmbeddingEncoder` holds one vector per category. Categories
whose vectors are close acted alike on the target during training, so the tables are worth
reading on their own: which occupations resemble each other, which countries the network
could not tell apart. Three methods give access to them:

* :meth:`~skembed.EntityEmbeddingEncoder.get_embeddings`: a column's table as a DataFrame;
* :meth:`~skembed.EntityEmbeddingEncoder.most_similar`: a category's nearest neighbours by
  cosine similarity;
* :meth:`~skembed.EntityEmbeddingEncoder.plot_embeddings`: the categories projected to two
  dimensions (needs matplotlib: ``pip install "skembed[plot]"``).
"""

# %%
# Fit the encoder
# ---------------
# On the census sample bundled with skembed; the target is an income above $50K.

import pandas as pd

from skembed import EntityEmbeddingEncoder
from skembed.datasets import load_adult_sample

X, y = load_adult_sample()
encoder = EntityEmbeddingEncoder(max_iter=10, random_state=0).fit(X, y)

# %%
# The table of one column
# -----------------------
# One row per kept category (sorted), then the *unknown* row, which serves pooled rare
# categories and categories never seen in ``fit``, and the *missing* row. The columns are
# the output features that ``transform`` writes for this column.

table = encoder.get_embeddings("occupation")
print(table.round(3).to_string())

# %%
# Nearest neighbours
# ------------------
# ``most_similar`` ranks the other categories by the cosine of the angle between their
# vectors. To see whether the neighbours make sense, we put each one's income rate (the
# share of rows above $50K) next to it: the network only ever saw the target, so this is
# the structure it can have learned.

income_rate = pd.Series(y).groupby(X["occupation"].to_numpy()).mean()
for occupation in ["Exec-managerial", "Handlers-cleaners", "Tech-support"]:
    print(f"{occupation} (income rate {income_rate[occupation]:.2f}):")
    for neighbour, cosine in encoder.most_similar("occupation", occupation, k=3):
        print(
            f"    {neighbour:<18} cosine {cosine:+.3f}   income rate {income_rate[neighbour]:.2f}"
        )

# %%
# A map of the column
# -------------------
# ``plot_embeddings`` projects the vectors to two dimensions with PCA (``method="tsne"``
# also exists) and labels the ``top`` most frequent categories. Two dimensions keep only
# part of the table's spread, so distances on the picture are approximate: use
# ``most_similar`` for exact neighbours.

figure = encoder.plot_embeddings("occupation", top=14)

# %%
# The same for education. Its 16 levels have a natural order, but the table also holds
# ``educational-num``, the same levels as a number, which the network sees as a continuous
# column: the order reaches the network through it, and the education vectors need not
# repeat it. Accordingly, the map shows no clear order from "Preschool" to "Doctorate".

figure = encoder.plot_embeddings("education", top=16)

# %%
# Do neighbours act alike?
# ------------------------
# For every occupation, its nearest neighbour and both income rates. If the vectors carry
# what the target says about each category, neighbours' rates should be closer than those
# of two occupations drawn at random.

rows = []
for occupation in table.index[:-2]:  # the kept categories: all rows but unknown and missing
    (nearest, cosine), *_ = encoder.most_similar("occupation", occupation, k=1)
    rows.append((occupation, income_rate[occupation], nearest, income_rate[nearest], cosine))
neighbours = pd.DataFrame(
    rows, columns=["occupation", "income rate", "nearest", "its income rate", "cosine"]
)
print(neighbours.round(3).to_string(index=False))

gap_nearest = (neighbours["income rate"] - neighbours["its income rate"]).abs().mean()
rates = income_rate[table.index[:-2]].to_numpy()
gap_random = abs(rates[:, None] - rates[None, :]).sum() / (len(rates) * (len(rates) - 1))
print(f"mean income-rate gap to the nearest neighbour: {gap_nearest:.3f}")
print(f"mean income-rate gap between two random occupations: {gap_random:.3f}")

# %%
# On average the nearest neighbour's income rate is closer than a random occupation's (the
# two gaps printed above), but not for every category: a vector learned from a few dozen
# rows is noisy, and so are its neighbours. ``category_counts_`` tells how many rows each
# category had in ``fit``:

position = list(encoder.feature_names_in_[encoder.categorical_columns_]).index("occupation")
counts = pd.Series(encoder.category_counts_[position], index=encoder.categories_[position])
print(counts.sort_values().head(3).to_string())

# %%
# The tables are plain NumPy arrays (``encoder.embeddings_``) and DataFrames, so they can
# feed other tools too: clustering the categories, joining them to another table, or
# starting another encoder from them (``pretrained_embeddings``, see the user guide).

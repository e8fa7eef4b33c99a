"""skembed: entity embeddings for scikit-learn."""

from ._encoder import EntityEmbeddingEncoder, auto_embedding_dim
from ._export import load_word_vectors, read_embeddings
from ._persistence import load
from ._version import __version__

__all__ = [
    "EntityEmbeddingEncoder",
    "__version__",
    "auto_embedding_dim",
    "load",
    "load_word_vectors",
    "read_embeddings",
]

"""The progress bar of a fit: one tick per epoch, with the losses."""

from __future__ import annotations

from tqdm.auto import tqdm

__all__ = ["FIT_LABEL", "EpochProgress"]

FIT_LABEL = "skembed fit"  # the bar's description; a phase of a fit adds its name


class EpochProgress:
    """A tqdm bar over the epochs of a fit, shown when ``enabled``.

    Use it as a context manager: the bar is closed when training ends, by
    reaching ``max_epochs``, by early stopping or by an exception, and then
    shows the epochs actually run.

    Parameters
    ----------
    max_epochs : int
        The bar's length (``max_iter``).
    enabled : bool
        Whether the bar is shown (``verbose``).
    label : str, default=FIT_LABEL
        The bar's description (a phase of ``main_effects_first`` says which).
    """

    def __init__(self, max_epochs: int, enabled: bool, label: str = FIT_LABEL) -> None:
        self.bar = tqdm(total=max_epochs, disable=not enabled, desc=label, unit="epoch")

    def __enter__(self) -> EpochProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def epoch_done(self, train_loss: float, validation_score: float | None = None) -> None:
        """Show an epoch's training loss (and held-out score), and advance by one."""
        postfix = {"loss": f"{train_loss:.4f}"}
        if validation_score is not None:  # minus the held-out loss: shown as the loss
            postfix["val_loss"] = f"{-validation_score:.4f}"
        self.bar.set_postfix(postfix)
        self.bar.update(1)

    def close(self) -> None:
        """Close the bar (again: a no-op)."""
        self.bar.close()

"""Data loading for the digits CNN example.

Uses the 8x8 handwritten digits set bundled with scikit-learn (no network access needed).
This module has no import-time side effects and can be loaded from its file path, e.g.::

    spec = importlib.util.spec_from_file_location("digits_data", "examples/digits_cnn/data.py")
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

IMAGE_SHAPE: tuple[int, int, int] = (1, 8, 8)
NUM_CLASSES: int = 10
TEST_SIZE: float = 0.25

Split = tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.float32], NDArray[np.int64]]


def load_split(seed: int = 0) -> Split:
    """Return ``(x_train, y_train, x_test, y_test)``.

    Images are float32 NCHW ``(n, 1, 8, 8)`` scaled from the 0..16 pixel range to [0, 1];
    labels are int64. 25% of the samples are held out with a split stratified by class.
    """
    digits = load_digits()
    images = (digits.images.astype(np.float32) / np.float32(16.0)).reshape(-1, *IMAGE_SHAPE)
    labels = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=TEST_SIZE, random_state=seed, stratify=labels
    )
    return x_train, y_train, x_test, y_test

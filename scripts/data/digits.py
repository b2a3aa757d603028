"""Write data/digits.f32: scikit-learn's bundled handwritten-digits set as raw float32.

Provenance: sklearn.datasets.load_digits() (UCI ML hand-written digits, optical recognition of
handwritten digits, 1797 images of 8x8 pixels, values 0..16), shipped inside the scikit-learn
package (BSD-3-Clause); the UCI data is CC BY 4.0. Output: 1797 rows x 64 columns, little-endian
float32, row-major, no header; data/digits.labels.u8 holds the digit labels (0..9) as uint8.

Regenerate: bash scripts/reference/setup.sh && .venv-ref/bin/python scripts/data/digits.py
(any scikit-learn >= 1.0 gives identical bytes: the data file inside the package is unchanged).
"""
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

out = Path(__file__).resolve().parents[2] / "data"
out.mkdir(exist_ok=True)
d = load_digits()
d.data.astype("<f4").tofile(out / "digits.f32")
d.target.astype("u1").tofile(out / "digits.labels.u8")
print(d.data.shape, "->", out / "digits.f32")

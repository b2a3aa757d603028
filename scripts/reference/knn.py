#!/usr/bin/env python3
"""Parity fixtures for embgeo's exact kNN (crates/knn): scikit-learn NearestNeighbors(brute).

Writes __test__/fixtures/knn/sklearn_brute.json. Regenerate with:
    .venv-ref/bin/python scripts/reference/knn.py
Data: seeded Gaussian rows (numpy default_rng), float64, written with full precision (repr),
so the Rust test reads exactly the same numbers. Continuous data: no distance ties, so
neighbour indices must match exactly; distances are compared with the per-case tolerance
(scikit-learn computes euclidean distances with the norms identity in float64, so its
distances carry a small cancellation error; rtol 1e-12, atol 1e-12).
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.neighbors import NearestNeighbors

SEED = 7
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "__test__", "fixtures", "knn", "sklearn_brute.json")


def case(name, x, q, k, metric):
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute", metric=metric).fit(x)
    dist, idx = nn.kneighbors(None if q is None else q, n_neighbors=k)
    return {
        "name": name,
        "metric": metric,
        "k": k,
        "cols": int(x.shape[1]),
        "corpus": [float(v) for v in x.ravel()],
        "queries": None if q is None else [float(v) for v in q.ravel()],
        "expected": {"indices": idx.ravel().tolist(), "distances": [float(v) for v in dist.ravel()]},
        "rtol": 1e-12,
        "atol": 1e-12,
        "tolerance_reason": "sklearn ArgKmin uses the norms identity in float64 (observed relative "
        "differences < 1e-13 on these O(1) distances; 1e-12 leaves room for other BLAS kernels); embgeo "
        "recomputes exactly. Indices must match exactly (continuous data, no ties).",
    }


def main():
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(60, 5))
    q = rng.normal(size=(9, 5))
    cases = [
        case("all_points_euclidean", x, None, 4, "euclidean"),
        case("all_points_sqeuclidean", x, None, 4, "sqeuclidean"),
        case("all_points_cosine", x, None, 4, "cosine"),
        case("queries_euclidean", x, q, 6, "euclidean"),
        case("queries_cosine", x, q, 6, "cosine"),
    ]
    out = {
        "_provenance": {
            "script": "scripts/reference/knn.py",
            "reference": f"scikit-learn=={sklearn.__version__} NearestNeighbors(algorithm='brute')",
            "numpy": np.__version__,
            "python": sys.version.split()[0],
            "seed": SEED,
            "regenerate": ".venv-ref/bin/python scripts/reference/knn.py",
        },
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

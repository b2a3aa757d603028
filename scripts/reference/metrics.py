#!/usr/bin/env python3
"""Parity fixtures for crates/metrics: anisotropy, covariance spectrum / effective rank, hubness
and duplicate rows, each computed from its definition in numpy / scipy (no shortcut formulas).

DO NOT EDIT the generated fixtures by hand; regenerate them with:

    /work/main/.venv-ref/bin/python scripts/reference/metrics.py

Pinned: numpy==1.26.4, scipy==1.17.1, scikit-learn==1.9.1 (kNN graphs only).

Definitions (the Rust docs in crates/metrics/src/*.rs state the same):
* anisotropy: on the f64 widening of X. mean_norm = ||mean row||, mean_row_norm = mean ||x_i||
  (all rows), ratio = mean_norm / mean_row_norm. Cosines: the full m x m matrix U U^T of the
  m non-zero rows scaled to unit norm; average_cosine / cosine_std = mean / population std of its
  off-diagonal entries (ordered pairs i != j).
* spectrum: np.linalg.eigvalsh(np.cov(X, rowvar=False, ddof=1)), decreasing, clipped at 0; values
  <= tol = max(n, d) * eps(dtype) * lambda_max set to 0 (rounding noise; numpy matrix_rank's
  rule); rank = count > 0; effective rank (Roy & Vetterli 2007) from the singular values
  sqrt(lambda_i (n - 1)): p = s / s.sum(), exp(-sum p log p) over p > 0; participation ratio
  (sum lambda)^2 / sum lambda^2.
* hubness: kNN graph from sklearn NearestNeighbors(algorithm="brute").kneighbors(n_neighbors=k)
  with X omitted (each point excluded from its own list); k-occurrence = np.bincount;
  skewness = scipy.stats.skew (bias=True); Robin Hood = 0.5 * sum|N - mean N| / sum N; hubs
  N >= 2k, hub occurrence = sum of hubs' N / (k * rows), anti-hubs N == 0 (scikit-hubness's
  Hubness.score definitions).
* duplicates: np.unique(X, axis=0, return_index=True, return_inverse=True, return_counts=True);
  first_of = index[inverse]; count = n - unique; groups = (counts > 1).sum().

Comparison (crates/metrics/tests/parity.rs, __test__/metrics.spec.ts): arrays norm-wise,
|ours - ref| <= rtol * max|ref|; scalars |ours - ref| <= rtol * max(|ref|, 1) (cosines and
skewness may be near 0, where a purely relative test measures rounding noise); integers exact.
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.neighbors import NearestNeighbors

PINS = {"numpy": "1.26.4", "scipy": "1.17.1", "scikit-learn": "1.9.1"}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "__test__", "fixtures", "metrics")
SEED = 20261123
REGEN = "/work/main/.venv-ref/bin/python scripts/reference/metrics.py"


def check_pins():
    have = {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__}
    if have != PINS:
        sys.exit(f"version mismatch: have {have}, pinned {PINS}")
    return have


def flat(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def anisotropy(x):
    norms = np.linalg.norm(x, axis=1)
    nz = norms > 0
    u = x[nz] / norms[nz, None]
    m = u.shape[0]
    c = u @ u.T
    off = c[~np.eye(m, dtype=bool)]
    mean_norm = float(np.linalg.norm(x.mean(axis=0)))
    mean_row_norm = float(norms.mean())
    return {
        "zero_rows": int((~nz).sum()),
        "mean_norm": mean_norm,
        "mean_row_norm": mean_row_norm,
        "mean_norm_ratio": mean_norm / mean_row_norm,
        "average_cosine": float(off.mean()),
        "cosine_std": float(off.std()),
    }


def effective_rank(lam):
    s = np.sqrt(np.asarray(lam, dtype=np.float64))
    p = s[s > 0] / s.sum()
    return float(np.exp(-(p * np.log(p)).sum()))


def spectrum(x, dtype):
    n, d = x.shape
    lam = np.linalg.eigvalsh(np.cov(x, rowvar=False, ddof=1))[::-1].copy()
    lam[lam < 0] = 0.0
    eps = float(np.finfo(np.float32 if dtype == "f32" else np.float64).eps)
    tol = max(n, d) * eps * lam[0]
    lam[lam <= tol] = 0.0
    total = lam.sum()
    return {
        "eigenvalues": flat(lam),
        "explained_variance_ratio": flat(lam / total),
        "total_variance": float(total),
        "effective_rank": effective_rank(lam),
        "effective_rank_singular_values": effective_rank(lam * (n - 1)),
        "participation_ratio": float(total**2 / (lam**2).sum()),
        "rank": int((lam > 0).sum()),
        "rank_tolerance": float(tol),
    }


def hubness(x, k, metric):
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute", metric=metric).fit(x)
    ind = nn.kneighbors(n_neighbors=k, return_distance=False)
    n = x.shape[0]
    occ = np.bincount(ind.ravel(), minlength=n)
    hubs = occ >= 2 * k
    return {
        "k": k,
        "metric": metric,
        "indices": [int(v) for v in ind.ravel()],
        "expected": {
            "occurrences": [int(v) for v in occ],
            "skewness": float(scipy.stats.skew(occ)),
            "robinhood": float(0.5 * np.abs(occ - occ.mean()).sum() / occ.sum()),
            "max_occurrence": int(occ.max()),
            "anti_hubs": int((occ == 0).sum()),
            "hubs": int(hubs.sum()),
            "hub_occurrence": float(occ[hubs].sum() / k / n),
        },
    }


def duplicates(x):
    _, index, inverse, counts = np.unique(x, axis=0, return_index=True, return_inverse=True, return_counts=True)
    return {
        "count": int(x.shape[0] - len(index)),
        "groups": int((counts > 1).sum()),
        "unique": int(len(index)),
        "first_of": [int(v) for v in index[inverse.ravel()]],
    }


def case(versions, name, x, dtype, knn, rtol, reason):
    xin = x.astype(np.float32) if dtype == "f32" else x.astype(np.float64)
    x64 = xin.astype(np.float64)  # exact widening: the reference is computed in f64
    return {
        "_provenance": {"script": "scripts/reference/metrics.py",
                        "reference": "numpy/scipy definitions (see the script's docstring); "
                                     f"kNN graphs from scikit-learn=={PINS['scikit-learn']} NearestNeighbors(brute)",
                        **versions, "seed": SEED, "regenerate": REGEN},
        "name": name,
        "rtol": rtol,
        "reason": reason,
        "input": {"dtype": dtype, "rows": int(xin.shape[0]), "cols": int(xin.shape[1]), "data": flat(xin)},
        "expected": {
            "anisotropy": anisotropy(x64),
            "spectrum": spectrum(x64, dtype),
            "duplicates": duplicates(x64),
        },
        "hubness": [hubness(x64, k, metric) for k, metric in knn],
    }


def generate():
    versions = check_pins()
    rng = np.random.default_rng(SEED)
    os.makedirs(OUT, exist_ok=True)

    # 1. Anisotropic f64 set: Gaussian cloud with unequal scales around a large common mean
    #    (average cosine near 0.9), with exact duplicates, a -0.0 copy and zero rows.
    d = 16
    a = rng.standard_normal((240, d)) * np.linspace(2.0, 0.2, d) + 6.0 * rng.standard_normal(d)
    a[10] = a[3]
    a[50] = a[3]
    a[77] = a[120]
    a[200] = 0.0
    a[201] = 0.0
    a[5, 0] = 0.0
    a[6] = a[5]
    a[6, 0] = -0.0

    # 2. A wide f32 set (n < d): the pair-tile route of the cosine moment; rank <= n - 1.
    w = rng.standard_normal((36, 48)) + 0.5
    w[20] = w[2]
    w[30] = 0.0

    # 3. Rank-deficient f64: 4-dimensional data in 10 dimensions plus an offset.
    r = rng.standard_normal((80, 4)) @ rng.standard_normal((4, 10)) + 3.0

    # 4. Rank-deficient f32 with a dominant direction: rounding to f32 perturbs the zero
    #    eigenvalues, which the f32 tolerance max(n, d) * 2^-23 * lambda_max absorbs.
    q = rng.standard_normal((64, 3)) * [5.0, 1.0, 0.1] @ rng.standard_normal((3, 12))

    # 5. Isotropic Gaussian in 30-D: the classic hubness setting (Radovanovic et al. 2010).
    g = rng.standard_normal((250, 30))

    f64 = "f64 input; every quantity is an f64 sum or eigenvalue of well-conditioned data; observed " \
          "error ~1e-14, 1e-10 leaves headroom (cosine std via E[c^2] - E[c]^2: abs error ~1e-16 / std)"
    f32 = "f32 input widened exactly to f64 on both sides (embgeo accumulates f32 input in f64, also the " \
          "spectrum's SYRK), so the f64 tolerance applies"
    cases = [
        case(versions, "anisotropic-f64", a, "f64", [(5, "euclidean"), (10, "cosine")], 1e-10, f64),
        case(versions, "wide-f32", w, "f32", [(3, "euclidean")], 1e-10, f32),
        case(versions, "rank4-f64", r, "f64", [(6, "euclidean")], 1e-10,
             f64 + "; eigenvalues beyond the rank are 0 on both sides after the tolerance"),
        case(versions, "rank3-f32", q, "f32", [(4, "euclidean")], 1e-10, f32 + "; rank 3 of 12"),
        case(versions, "gaussian-30d-f64", g, "f64", [(5, "euclidean"), (20, "euclidean")], 1e-10, f64),
    ]
    # Pure effective rank of given spectra (no data).
    spectra = [[4.0, 1.0], [3.0, 3.0, 3.0, 0.0], list(np.sort(rng.exponential(size=50))[::-1])]
    cases.append({
        "_provenance": {"script": "scripts/reference/metrics.py", "reference": "numpy Roy & Vetterli 2007",
                        **versions, "seed": SEED, "regenerate": REGEN},
        "name": "effective-rank-spectra",
        "rtol": 1e-12,
        "reason": "closed form on given values; f64 rounding only",
        "spectra": [{"eigenvalues": flat(s), "effective_rank": effective_rank(s),
                     "participation_ratio": float(np.sum(s) ** 2 / np.sum(np.square(s)))} for s in spectra],
    })
    total = 0
    for c in cases:
        path = os.path.join(OUT, c["name"] + ".json")
        with open(path, "w") as f:
            json.dump(c, f, separators=(",", ":"))
            f.write("\n")
        total += os.path.getsize(path)
    print(f"wrote {len(cases)} fixtures to {OUT} ({total} bytes)")


if __name__ == "__main__":
    generate()

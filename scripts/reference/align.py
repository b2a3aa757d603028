#!/usr/bin/env python3
"""Parity fixtures for crates/align (Procrustes / angular shape metric with partial whitening,
CCA, SVCCA, PWCCA).

DO NOT EDIT the generated fixtures by hand; regenerate them with:

    /work/main/.venv-ref/bin/python scripts/reference/align.py

Pinned: numpy==1.26.4, scipy==1.17.1 (no alignment package installs from PyPI: netrep is
GitHub-only, google/svcca is not packaged), so the references are numpy implementations
written from the definitions:

* procrustes: netrep (github.com/ahwillia/netrep) `LinearMetric(alpha, center_columns=True,
  zero_pad=True)` and `netrep.utils.whiten(X, alpha, preserve_variance=True, eigval_tol=1e-7)`,
  i.e. Williams, Kunz, Kornblith & Linderman 2021, "Generalized shape metrics on neural
  representations" (NeurIPS): zero-pad to a common width, centre, partially whiten, rotate by
  the orthogonal Procrustes solution U Vᵀ of svd(XwᵀYw); distance = Frobenius norm of the
  difference (score_method="euclidean"), angular = arccos of the normalised Frobenius inner
  product (netrep.utils.angular_distance).
* cca: canonical correlations as the singular values of Q_Aᵀ Q_B with Q the left singular
  vectors of the centred blocks (Björck & Golub 1973), rank cut-off s_max·max(n, d)·eps
  (numpy matrix_rank); SVCCA (Raghu et al. 2017): keep the fewest leading singular directions
  reaching `varianceKept` of Σs², then CCA; PWCCA (Morcos, Raghu & Bengio 2018, §2.2, as in
  google/svcca pwcca.py `compute_pwcca`): weights ∝ Σⱼ|⟨hᵢ, xⱼ⟩| over the centred columns xⱼ of
  the side with fewer kept directions (A on ties), hᵢ its canonical variates.

Fixture layout (one file per case): `input.A` / `input.B` = {rows, cols, dtype, data (row-major)};
`expected.procrustes` = list of {alpha, distance, angular, normA, normB, rotation|null};
`expected.cca` = list of {variant, varianceKept, value, correlations, weights, kept, rank}.
`rotation` is null where it is not unique (widths differ, or a rank-deficient cross-covariance).
Partial whitening (alpha < 1) is only fixed for full-rank sides: on a rank-deficient side the
clipped null-space eigenvalues amplify rounding noise (netrep's own behaviour), so those cases
carry alpha = 1 only.
"""
import json
import os
import sys

import numpy as np
import scipy

PINS = {"numpy": "1.26.4", "scipy": "1.17.1"}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "__test__", "fixtures", "align")
SEED = 20261202
REGEN = "/work/main/.venv-ref/bin/python scripts/reference/align.py"
EIG_TOL = 1e-7


def check_pins():
    have = {"numpy": np.__version__, "scipy": scipy.__version__}
    if have != PINS:
        sys.exit(f"version mismatch: have {have}, pinned {PINS}")
    return have


def flat(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


# ---------------------------------------------------------------- procrustes (netrep definitions)

def zero_pad(X, Y):
    d = max(X.shape[1], Y.shape[1])
    return (np.pad(X, ((0, 0), (0, d - X.shape[1]))), np.pad(Y, ((0, 0), (0, d - Y.shape[1]))))


def whiten(X, alpha):
    """netrep.utils.whiten(X, alpha, preserve_variance=True, eigval_tol=1e-7)."""
    if alpha > 1 - EIG_TOL:
        return X, np.eye(X.shape[1])
    lam, V = np.linalg.eigh(X.T @ X)
    lam = np.maximum(lam, EIG_TOL)
    d = alpha + (1 - alpha) * lam ** (-1 / 2)
    new_var = np.sum(alpha ** 2 * lam + 2 * alpha * (1 - alpha) * lam ** 0.5 + (1 - alpha) ** 2)
    d *= np.sqrt(np.sum(lam) / new_var)
    Z = (V * d[None, :]) @ V.T
    return X @ Z, Z


def procrustes(A, B, alpha, with_rotation):
    X, Y = zero_pad(A, B)
    Xw, _ = whiten(X - X.mean(axis=0), alpha)
    Yw, _ = whiten(Y - Y.mean(axis=0), alpha)
    U, _, Vt = np.linalg.svd(Xw.T @ Yw)
    tX, tY = Xw @ U, Yw @ Vt.T
    nx, ny = np.linalg.norm(tX.ravel()), np.linalg.norm(tY.ravel())
    corr = np.dot(tX.ravel(), tY.ravel()) / (nx * ny)
    return {
        "alpha": alpha,
        "distance": float(np.linalg.norm(tX - tY, ord="fro")),
        "angular": float(np.arccos(np.clip(corr, -1.0, 1.0))),
        "normA": float(nx),
        "normB": float(ny),
        "rotation": flat(U @ Vt) if with_rotation else None,
    }


# --------------------------------------------------------------------------- CCA, SVCCA, PWCCA

def side(X, variant, kept_frac):
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    tol = s[0] * max(Xc.shape) * np.finfo(np.float64).eps
    rank = int(np.sum(s > tol))
    if variant == "svcca":
        ratio = np.cumsum(s[:rank] ** 2) / np.sum(s ** 2)
        k = min(int(np.searchsorted(ratio, kept_frac)) + 1, rank)
        # keep the fixture away from a knife-edge cut
        assert np.all(np.abs(ratio - kept_frac) > 1e-9), ratio
    else:
        k = rank
    return Xc, U[:, :k], rank, k


def cca(A, B, variant, kept_frac):
    Ac, Qa, ra, ka = side(A, variant, kept_frac)
    Bc, Qb, rb, kb = side(B, variant, kept_frac)
    P, rho, Rt = np.linalg.svd(Qa.T @ Qb, full_matrices=False)
    rho = np.clip(rho, 0.0, 1.0)
    weights = []
    value = float(np.mean(rho))
    if variant == "pwcca":
        Q, dirs, Xc = (Qa, P, Ac) if ka <= kb else (Qb, Rt.T, Bc)
        # distinct correlations, so the canonical directions (and the weights) are unique
        assert np.all(np.diff(rho) < -1e-6), rho
        H = Q @ dirs  # canonical variates, n × m, orthonormal columns
        w = np.sum(np.abs(H.T @ Xc), axis=1)
        w = w / np.sum(w)
        value = float(np.sum(w * rho))
        weights = flat(w)
    return {"variant": variant, "varianceKept": kept_frac, "value": value, "correlations": flat(rho),
            "weights": weights, "kept": [ka, kb], "rank": [ra, rb]}


# ------------------------------------------------------------------------------------- cases

def mat(X, dtype):
    return {"rows": X.shape[0], "cols": X.shape[1], "dtype": dtype, "data": flat(X)}


def case(name, A, B, dtype, alphas, rotation, kept_fracs=(0.99,), rtol=1e-10, note=""):
    A64, B64 = A.astype(np.float64), B.astype(np.float64)
    expected = {
        "procrustes": [procrustes(A64, B64, a, rotation) for a in alphas],
        "cca": [cca(A64, B64, "mean", 0.99), cca(A64, B64, "pwcca", 0.99)]
        + [cca(A64, B64, "svcca", f) for f in kept_fracs],
    }
    return name, {"_provenance": None, "rtol": rtol, "note": note,
                  "input": {"A": mat(A64, dtype), "B": mat(B64, dtype)}, "expected": expected}


def main():
    versions = check_pins()
    rng = np.random.default_rng(SEED)
    os.makedirs(OUT, exist_ok=True)
    cases = []

    # Equal widths, related sets (B = A·M + noise), decaying spectra: the rotation is unique.
    A = rng.standard_normal((60, 5)) * np.array([3.0, 2.0, 1.0, 0.5, 0.1]) + 4.0
    B = A @ rng.standard_normal((5, 5)) + 0.3 * rng.standard_normal((60, 5)) - 1.0
    cases.append(case("f64-equal-width", A, B, "f64", [1.0, 0.5, 0.0], True, (0.99, 0.9)))

    # Widths differ (zero padding), independent sets.
    A = rng.standard_normal((50, 7)) * np.geomspace(4.0, 0.05, 7)
    B = np.tanh(A[:, :4] @ rng.standard_normal((4, 4))) + 0.5 * rng.standard_normal((50, 4))
    cases.append(case("f64-widths-differ", A, B, "f64", [1.0, 0.3, 0.0], False, (0.99, 0.8)))

    # f32 input, widths differ: A narrower than B.
    A = (rng.standard_normal((40, 3)) * np.array([2.0, 1.0, 0.3])).astype(np.float32)
    B = (np.concatenate([A @ rng.standard_normal((3, 3)) + 0.5 * rng.standard_normal((40, 3)),
                         rng.standard_normal((40, 3))], axis=1)
         * np.geomspace(1.0, 0.02, 6)).astype(np.float32)
    cases.append(case("f32-widths-differ", A, B, "f32", [1.0, 0.5, 0.0], False, (0.99, 0.7), rtol=1e-10,
                      note="f32 values are exact in f64, so the f64 reference applies at 1e-10"))

    # Rank-deficient A (6 columns spanning 3 directions): alpha = 1 only (see the module doc).
    base = rng.standard_normal((30, 3))
    A = base @ rng.standard_normal((3, 6))
    B = np.concatenate([base[:, :2] + 0.2 * rng.standard_normal((30, 2)), rng.standard_normal((30, 3))], axis=1)
    cases.append(case("f64-rank-deficient", A, B, "f64", [1.0], False, (0.99,)))

    for name, c in cases:
        c["_provenance"] = {"script": "scripts/reference/align.py",
                            "reference": "numpy implementations of netrep LinearMetric / whiten and of "
                                         "CCA, SVCCA (Raghu et al. 2017), PWCCA (Morcos et al. 2018)",
                            **versions, "seed": SEED, "regenerate": REGEN}
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(c, f, indent=1)
            f.write("\n")
        print("wrote", name)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Parity fixtures for crates/compare: CKA (linear, debiased, RBF), the linearity score, RSA and
relative representations, each a numpy / scipy implementation written from its paper.

DO NOT EDIT the generated fixtures by hand; regenerate them with:

    /work/main/.venv-ref/bin/python scripts/reference/compare.py

Pinned: numpy==1.26.4, scipy==1.17.1. No CKA package installs cleanly against these pins, so the
CKA functions below transcribe the reference colab of Kornblith, Norouzi, Lee & Hinton (2019),
"Similarity of Neural Network Representations Revisited" (ICML), `feature_space_linear_cka`,
`gram_linear`, `gram_rbf`, `center_gram`, `cka`:
* linear CKA = ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F), Xc, Yc column-centred;
* debiased CKA: the unbiased HSIC estimator of Song, Smola, Gretton, Bedo & Borgwardt (2012, JMLR),
  as used by Nguyen, Raghu & Kornblith (2021, ICLR): Kornblith's
  `_debiased_dot_product_similarity_helper` (feature space) and `center_gram(unbiased=True)`;
* RBF CKA: K = exp(-D2 / (2 sigma^2 median(D2))), D2 the full n x n squared-distance matrix
  (diagonal zeros included in the median, as `gram_rbf`), then `cka(K, L, debiased)`.
Linearity score (Razzhigaev et al. 2024, "Your Transformer is Secretly Linear", ACL;
`procrustes_similarity` of their LLM-Microscope notebook): column-centre, divide by the Frobenius
norm, W = lstsq(X, Y), score = 1 - ||X W - Y||_F^2 (np.linalg.lstsq).
RSA (Kriegeskorte, Mur & Bandettini 2008): scipy.spatial.distance.pdist (euclidean / cosine) of
both sets, then scipy.stats.pearsonr / spearmanr (average ranks for ties).
Relative representations (Moschella et al. 2023, ICLR): cosine similarity, dot product or
Euclidean distance of each row to each anchor.

All inputs are seeded (np.random.default_rng(SEED + case)); f32 cases store float32 data (exact
in JSON) and the reference computes on its f64 widening. Fixtures: one file per input set, `cases` = [{measure, params, expected}]; params as the
API takes them (a linearity case with "reverse": true fits A from B). Comparison (crates/compare tests,
__test__/compare.spec.ts): |ours - ref| <= rtol * max(|ref|, 1e-3) for values, norm-wise for
matrices; rtol 1e-10 for f64 input, 1e-5 for f32 input.
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.spatial.distance
import scipy.stats

PINS = {"numpy": "1.26.4", "scipy": "1.17.1"}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "__test__", "fixtures", "compare")
SEED = 20261202
REGEN = "/work/main/.venv-ref/bin/python scripts/reference/compare.py"


def check_pins():
    have = {"numpy": np.__version__, "scipy": scipy.__version__}
    if have != PINS:
        sys.exit(f"version mismatch: have {have}, pinned {PINS}")
    return have


# ---------------------------------------------------------------- Kornblith et al. 2019 (colab)
def gram_linear(x):
    return x.dot(x.T)


def gram_rbf(x, threshold=1.0):
    dot_products = x.dot(x.T)
    sq_norms = np.diag(dot_products)
    sq_distances = -2 * dot_products + sq_norms[:, None] + sq_norms[None, :]
    sq_median_distance = np.median(sq_distances)
    return np.exp(-sq_distances / (2 * threshold ** 2 * sq_median_distance))


def center_gram(gram, unbiased=False):
    gram = gram.copy()
    if unbiased:
        n = gram.shape[0]
        np.fill_diagonal(gram, 0)
        means = np.sum(gram, 0, dtype=np.float64) / (n - 2)
        means -= np.sum(means) / (2 * (n - 1))
        gram -= means[:, None]
        gram -= means[None, :]
        np.fill_diagonal(gram, 0)
    else:
        means = np.mean(gram, 0, dtype=np.float64)
        means -= np.mean(means) / 2
        gram -= means[:, None]
        gram -= means[None, :]
    return gram


def cka(gram_x, gram_y, debiased=False):
    gram_x = center_gram(gram_x, unbiased=debiased)
    gram_y = center_gram(gram_y, unbiased=debiased)
    scaled_hsic = gram_x.ravel().dot(gram_y.ravel())
    return scaled_hsic / (np.linalg.norm(gram_x) * np.linalg.norm(gram_y))


def _debiased_dot_product_similarity_helper(xty, sum_squared_rows_x, sum_squared_rows_y, squared_norm_x, squared_norm_y, n):
    return xty - n / (n - 2.0) * sum_squared_rows_x.dot(sum_squared_rows_y) + squared_norm_x * squared_norm_y / ((n - 1) * (n - 2))


def feature_space_linear_cka(x, y, debiased=False):
    x = x - np.mean(x, 0, keepdims=True)
    y = y - np.mean(y, 0, keepdims=True)
    dot_product_similarity = np.linalg.norm(x.T.dot(y)) ** 2
    normalization_x = np.linalg.norm(x.T.dot(x))
    normalization_y = np.linalg.norm(y.T.dot(y))
    if debiased:
        n = x.shape[0]
        ssx = np.einsum("ij,ij->i", x, x)
        ssy = np.einsum("ij,ij->i", y, y)
        nx, ny = np.sum(ssx), np.sum(ssy)
        dot_product_similarity = _debiased_dot_product_similarity_helper(dot_product_similarity, ssx, ssy, nx, ny, n)
        normalization_x = np.sqrt(_debiased_dot_product_similarity_helper(normalization_x ** 2, ssx, ssx, nx, nx, n))
        normalization_y = np.sqrt(_debiased_dot_product_similarity_helper(normalization_y ** 2, ssy, ssy, ny, ny, n))
    return dot_product_similarity / (normalization_x * normalization_y)


# ------------------------------------------------------------- Razzhigaev et al. 2024 linearity
def linearity(x, y):
    x = x - x.mean(axis=0, keepdims=True)
    y = y - y.mean(axis=0, keepdims=True)
    x = x / np.linalg.norm(x)
    y = y / np.linalg.norm(y)
    w = np.linalg.lstsq(x, y, rcond=None)[0]
    return 1.0 - float(np.sum((x @ w - y) ** 2))


# ------------------------------------------------------------------------------ RSA, relative
def rsa(x, y, metric, correlation):
    dx = scipy.spatial.distance.pdist(x, metric=metric)
    dy = scipy.spatial.distance.pdist(y, metric=metric)
    if correlation == "pearson":
        return float(scipy.stats.pearsonr(dx, dy)[0])
    return float(scipy.stats.spearmanr(dx, dy)[0])


def relative(x, anchors, metric):
    if metric == "cosine":
        xn = x / np.linalg.norm(x, axis=1, keepdims=True)
        an = anchors / np.linalg.norm(anchors, axis=1, keepdims=True)
        return xn @ an.T
    if metric == "dot":
        return x @ anchors.T
    return np.sqrt(((x[:, None, :] - anchors[None, :, :]) ** 2).sum(-1))


# ------------------------------------------------------------------------------------- data
def related_pair(rng, n, d1, d2, noise):
    """B = A @ M + noise: two related representations of the same n items."""
    a = rng.standard_normal((n, d1)) * np.linspace(2.0, 0.5, d1) + 0.3
    m = rng.standard_normal((d1, d2)) / np.sqrt(d1)
    b = np.tanh(a @ m) + noise * rng.standard_normal((n, d2))
    return a, b


def mat(x, dtype):
    x = np.asarray(x, dtype=dtype)
    return {"dtype": str(x.dtype), "rows": int(x.shape[0]), "cols": int(x.shape[1]), "data": [float(v) for v in x.ravel()]}


def write(name, inputs, cases, rtol, have):
    """One fixture per input set: `cases` is a list of {measure, params, expected}."""
    doc = {
        "_provenance": {
            "script": "scripts/reference/compare.py",
            "reference": "numpy/scipy transcriptions of the papers' formulas (see the script's docstring)",
            **have,
            "seed": SEED,
            "regenerate": REGEN,
        },
        "rtol": rtol,
        "input": inputs,
        "cases": cases,
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def case_of(measure, params, expected):
    return {"measure": measure, "params": params, "expected": expected}


def main():
    have = check_pins()
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith(".json"):
            os.remove(os.path.join(OUT, old))
    case = 0
    # (name, n, d1, d2, dtype): the feature route (n(d1 + d2) >= d1^2 + d2^2 + d1 d2) and the kernel
    # route (n small), and one f32 case.
    shapes = [("features", 120, 9, 6, np.float64), ("kernels", 12, 20, 15, np.float64), ("f32", 80, 7, 5, np.float32)]
    for tag, n, d1, d2, dtype in shapes:
        case += 1
        rng = np.random.default_rng(SEED + case)
        a, b = related_pair(rng, n, d1, d2, 0.3)
        a, b = np.asarray(a, dtype), np.asarray(b, dtype)
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        rtol = 1e-5 if dtype == np.float32 else 1e-10
        cases = []
        for debiased in (False, True):
            lin = feature_space_linear_cka(a64, b64, debiased)
            via_gram = cka(gram_linear(a64 - a64.mean(0)), gram_linear(b64 - b64.mean(0)), debiased)
            assert abs(lin - via_gram) < 1e-10, (lin, via_gram)
            cases.append(case_of("cka", {"kernel": "linear", "debiased": debiased}, {"value": float(lin)}))
            for sigma in (1.0, 0.6):
                v = cka(gram_rbf(a64, sigma), gram_rbf(b64, sigma), debiased)
                cases.append(case_of("cka", {"kernel": "rbf", "debiased": debiased, "sigma": sigma}, {"value": float(v)}))
        cases.append(case_of("linearity", {}, {"value": linearity(a64, b64)}))
        cases.append(case_of("linearity", {"reverse": True}, {"value": linearity(b64, a64)}))
        for metric in ("euclidean", "cosine"):
            for correlation in ("pearson", "spearman"):
                cases.append(case_of("rsa", {"metric": metric, "correlation": correlation}, {"value": rsa(a64, b64, metric, correlation)}))
        write(f"pair-{tag}", {"A": mat(a, dtype), "B": mat(b, dtype)}, cases, rtol, have)
    # RSA with tied distances (integer grid): Spearman's average ranks matter.
    case += 1
    rng = np.random.default_rng(SEED + case)
    a = rng.integers(0, 3, size=(25, 3)).astype(np.float64)
    b = a + rng.integers(0, 2, size=(25, 3))
    cases = [case_of("rsa", {"metric": "euclidean", "correlation": c}, {"value": rsa(a, b, "euclidean", c)}) for c in ("pearson", "spearman")]
    write("pair-ties", {"A": mat(a, np.float64), "B": mat(b, np.float64)}, cases, 1e-10, have)
    # Relative representations.
    for tag, dtype in (("f64", np.float64), ("f32", np.float32)):
        case += 1
        rng = np.random.default_rng(SEED + case)
        x = np.asarray(rng.standard_normal((30, 8)) + 0.2, dtype)
        anchors = np.asarray(x[[3, 7, 11, 19, 25]] + 0.05 * rng.standard_normal((5, 8)), dtype)
        rtol = 1e-5 if dtype == np.float32 else 1e-10
        cases = []
        for metric in ("cosine", "dot", "euclidean"):
            r = relative(x.astype(np.float64), anchors.astype(np.float64), metric)
            cases.append(case_of("relative", {"metric": metric}, {"rows": 30, "cols": 5, "matrix": [float(v) for v in r.ravel()]}))
        write(f"relative-{tag}", {"X": mat(x, dtype), "anchors": mat(anchors, dtype)}, cases, rtol, have)
    print(f"wrote fixtures to {OUT}")


if __name__ == "__main__":
    main()

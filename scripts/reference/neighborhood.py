#!/usr/bin/env python3
"""Parity fixtures for crates/neighborhood: information imbalance, mutual k-NN alignment (with
CKNNA and per-row Jaccard) and the separability dimension.

DO NOT EDIT the generated fixtures by hand; regenerate them with:

    /work/main/.venv-ref/bin/python scripts/reference/neighborhood.py

Pinned: numpy==1.26.4, scikit-learn==1.9.1, dadapy==0.3.4.

Definitions (the Rust docs in crates/neighborhood/src/*.rs state the same):
* information imbalance (Glielmo et al. 2022, "Ranking the information content of distance
  measures", PNAS Nexus 1(2)): DADApy 0.3.4
  `MetricComparisons(coordinates=np.hstack([A, B]), maxk=N - 1).return_inf_imb_two_selected_coords(
  A columns, B columns, k)`: Delta(A -> B) = 2/N * mean over i and the k nearest neighbours j of i
  in A of r_B(i, j), the rank of j among the other points by distance from i in B (1 = nearest).
  maxk = N - 1 makes every rank exact (DADApy draws a random rank for neighbours beyond maxk).
  The metric is set through `MetricComparisons.metric` (scikit-learn names). The script checks
  DADApy's answer against the same quantity from exact numpy distances with ties to the lower
  index (`argsort(kind="stable")`), the rule embgeo uses.
* mutual k-NN (Huh et al. 2024, "The Platonic Representation Hypothesis", ICML; repository
  github.com/minyoungg/platonic-rep, metrics.py `mutual_knn`): mean over rows of
  |N_A(i) & N_B(i)| / k, N(i) the k nearest other rows (self excluded by index, ties to the lower
  index); per-row Jaccard |N_A & N_B| / |N_A | N_B|.
* CKNNA (same repository, `cknna`, unbiased=True): kernels K = A A^T, L = B B^T (the rows scaled
  to unit norm first under the cosine metric; the repository's features are normalised), masks
  M_ij = [j in N_A(i)] [j in N_B(i)]; sim(K, L) = HSIC_u(M*K, M*L) with the unbiased HSIC of Song
  et al. 2012 (eq. 5, as in the repository's `hsic_unbiased`); CKNNA = sim(K, L) /
  sqrt(sim(K, K) sim(L, L)). embgeo omits the repository's `+ 1e-6` in the denominator (a guard
  whose effect depends on the scale of the data) and takes the neighbours from the chosen metric
  (the repository's top-k of K equals cosine neighbours on normalised features, `dot` otherwise).
* separability dimension (Sutton et al. 2024, "Stealth edits for provably fixing or attacking
  large language models", NeurIPS; repository github.com/qinghua-zhou/stealth-edits,
  util/measures.py `calc_sep_intrinsic_dim`): rows centred (column means) when `center`, then
  scaled to unit norm when `normalize`; p(delta) = #{ordered pairs i != j : <x_i - x_j, x_j> >=
  delta} / (N (N - 1)); n(delta) = -1 - log2 p(delta). The repository subtracts N from the count
  for the diagonal, which equals excluding i == j by index for delta <= 0 (checked below).

Comparison (crates/neighborhood/tests/parity.rs, __test__/neighborhood.spec.ts): scalars
|ours - ref| <= rtol * max(|ref|, 1); per-row arrays element-wise the same; integers exact.
"""
import importlib.metadata
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from dadapy.metric_comparisons import MetricComparisons

PINS = {"numpy": "1.26.4", "scikit-learn": "1.9.1", "dadapy": "0.3.4"}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "__test__", "fixtures", "neighborhood")
SEED = 20261202
REGEN = "/work/main/.venv-ref/bin/python scripts/reference/neighborhood.py"


def check_pins():
    have = {"numpy": np.__version__, "scikit-learn": sklearn.__version__, "dadapy": importlib.metadata.version("dadapy")}
    if have != PINS:
        sys.exit(f"version mismatch: have {have}, pinned {PINS}")
    return have


def flat(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def keys(x, metric):
    """n x n ordering keys (smaller is closer), the diagonal set to +inf (self excluded by index)."""
    if metric in ("euclidean", "sqeuclidean"):
        sq = (x * x).sum(axis=1)
        k = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    elif metric == "cosine":
        u = x / np.linalg.norm(x, axis=1)[:, None]
        k = 1.0 - u @ u.T
    elif metric == "dot":
        k = -(x @ x.T)
    else:
        raise ValueError(metric)
    k = k.copy()
    np.fill_diagonal(k, np.inf)
    return k


def order(x, metric):
    """Per row, all other rows by (key, index): argsort(kind='stable') breaks ties to the lower index."""
    return np.argsort(keys(x, metric), axis=1, kind="stable")[:, :-1]


def imbalance_exact(a, b, k, metric):
    oa, ob = order(a, metric), order(b, metric)
    n = a.shape[0]
    rank_b = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        rank_b[i, ob[i]] = np.arange(1, n)
    ranks = np.array([[rank_b[i, j] for j in oa[i, :k]] for i in range(n)], dtype=np.float64)
    return float(ranks.mean() / (n / 2.0))


def imbalance_dadapy(a, b, k, metric):
    n = a.shape[0]
    x = np.hstack([a, b])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mc = MetricComparisons(coordinates=x, maxk=n - 1, n_jobs=1)
        mc.metric = metric
        ab, ba = mc.return_inf_imb_two_selected_coords(
            list(range(a.shape[1])), list(range(a.shape[1], x.shape[1])), k=k
        )
    return float(ab), float(ba)


def hsic_unbiased(K, L):
    """Song et al. 2012 eq. 5, as platonic-rep's `hsic_unbiased` (numpy transcription)."""
    m = K.shape[0]
    Kt = K.copy()
    Lt = L.copy()
    np.fill_diagonal(Kt, 0.0)
    np.fill_diagonal(Lt, 0.0)
    v = (Kt * Lt.T).sum() + Kt.sum() * Lt.sum() / ((m - 1) * (m - 2)) - 2.0 * (Kt @ Lt).sum() / (m - 2)
    return v / (m * (m - 3))


def mutual(a, b, k, metric):
    n = a.shape[0]
    na, nb = order(a, metric)[:, :k], order(b, metric)[:, :k]
    inter = np.array([len(set(na[i]) & set(nb[i])) for i in range(n)], dtype=np.float64)
    jac = inter / (2 * k - inter)

    def kernel(x):
        if metric == "cosine":
            x = x / np.linalg.norm(x, axis=1)[:, None]
        return x @ x.T

    def mask(nn):
        m = np.zeros((n, n))
        m[np.arange(n)[:, None], nn] = 1.0
        return m

    K, L = kernel(a), kernel(b)
    ma, mb = mask(na), mask(nb)
    m = ma * mb
    kl = hsic_unbiased(m * K, m * L)
    kk = hsic_unbiased(ma * K, ma * K)
    ll = hsic_unbiased(mb * L, mb * L)
    return {
        "value": float(inter.mean() / k),
        "cknna": float(kl / np.sqrt(kk * ll)),
        "jaccard": flat(jac),
        "intersections": [int(v) for v in inter],
    }


def separability(x, deltas, center, normalize):
    x = x.copy()
    if center:
        x = x - x.mean(axis=0)
    if normalize:
        x = x / np.linalg.norm(x, axis=1)[:, None]
    n = x.shape[0]
    g = x @ x.T
    proj = g - np.diag(g)[None, :]  # <x_i, x_j> - |x_j|^2 = <x_i - x_j, x_j>
    off = ~np.eye(n, dtype=bool)
    p = np.array([(proj[off] >= d).sum() / (n * (n - 1)) for d in deltas])
    assert (p > 0).all(), p  # JSON has no Infinity: pick deltas with p > 0
    # the repository's counting (subtract the n diagonal zeros) agrees for delta <= 0
    for d, pv in zip(deltas, p):
        if d <= 0:
            rep = ((proj >= d).sum() - n) / (n * (n - 1))
            assert rep == pv, (d, rep, pv)
    return {"probability": flat(p), "dimension": flat(-1.0 - np.log2(p)), "pairs": int(n * (n - 1))}


def matrix(x, dtype):
    xin = x.astype(np.float32) if dtype == "f32" else x.astype(np.float64)
    return xin, {"dtype": dtype, "rows": int(x.shape[0]), "cols": int(x.shape[1]), "data": flat(xin)}


def write(versions, name, body, rtol, reason, reference):
    doc = {
        "_provenance": {
            "script": "scripts/reference/neighborhood.py",
            "reference": reference,
            **versions,
            "seed": SEED,
            "regenerate": REGEN,
        },
        "name": name,
        "rtol": rtol,
        "reason": reason,
        **body,
    }
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


def main():
    versions = check_pins()
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)

    # information imbalance: B keeps part of A's information (and adds its own), so the two
    # directions differ
    ii_ref = "dadapy==0.3.4 MetricComparisons.return_inf_imb_two_selected_coords (maxk = N - 1)"
    for name, n, da, db, k, metric, dtype in [
        ("imbalance-euclidean-k1-f64", 120, 6, 4, 1, "euclidean", "f64"),
        ("imbalance-cosine-k3-f64", 90, 8, 5, 3, "cosine", "f64"),
        ("imbalance-euclidean-k2-f32", 100, 7, 3, 2, "euclidean", "f32"),
    ]:
        a = rng.standard_normal((n, da))
        b = np.hstack([a[:, :2] @ rng.standard_normal((2, 2)), 0.3 * rng.standard_normal((n, db - 2))])
        ain, ja = matrix(a, dtype)
        bin_, jb = matrix(b, dtype)
        a64, b64 = ain.astype(np.float64), bin_.astype(np.float64)
        ab, ba = imbalance_dadapy(a64, b64, k, metric)
        ex_ab, ex_ba = imbalance_exact(a64, b64, k, metric), imbalance_exact(b64, a64, k, metric)
        assert abs(ab - ex_ab) <= 1e-15 and abs(ba - ex_ba) <= 1e-15, (name, ab, ex_ab, ba, ex_ba)
        write(
            versions,
            name,
            {"input": {"a": ja, "b": jb, "options": {"k": k, "metric": metric}}, "expected": {"aToB": ab, "bToA": ba}},
            1e-10 if dtype == "f64" else 1e-5,
            "integer ranks from exact distances; f32 input widened exactly (ranks are exact, so the f64 tolerance would hold too)",
            ii_ref,
        )

    mk_ref = "numpy transcription of platonic-rep metrics.py mutual_knn / cknna (unbiased=True, no +1e-6 guard)"
    for name, n, da, db, k, metric, dtype in [
        ("mutual-cosine-k10-f64", 150, 12, 9, 10, "cosine", "f64"),
        ("mutual-dot-k5-f64", 80, 6, 10, 5, "dot", "f64"),
        ("mutual-euclidean-k4-f32", 70, 5, 5, 4, "euclidean", "f32"),
    ]:
        a = rng.standard_normal((n, da)) + 0.5
        b = np.hstack([a @ rng.standard_normal((da, db - 3)), 0.5 * rng.standard_normal((n, 3))])
        ain, ja = matrix(a, dtype)
        bin_, jb = matrix(b, dtype)
        exp = mutual(ain.astype(np.float64), bin_.astype(np.float64), k, metric)
        write(
            versions,
            name,
            {"input": {"a": ja, "b": jb, "options": {"k": k, "metric": metric}}, "expected": exp},
            1e-10 if dtype == "f64" else 1e-5,
            "neighbour sets are exact; CKNNA sums kernel values in another order than numpy",
            mk_ref,
        )

    sep_ref = "numpy from Sutton et al. 2024 / stealth-edits util/measures.py calc_sep_intrinsic_dim"
    for name, n, d, deltas, center, normalize, dtype in [
        ("separability-gauss-f64", 200, 10, [-2.0, -1.0, -0.5, 0.0, 0.25], True, False, "f64"),
        ("separability-normalised-f32", 150, 16, [-1.0, -0.8, -0.6, -0.5], True, True, "f32"),
        ("separability-uncentred-f64", 60, 3, [0.0, -0.3, 0.1], False, False, "f64"),
    ]:
        x = rng.standard_normal((n, d)) * np.linspace(1.0, 0.3, d) + 0.2
        xin, jx = matrix(x, dtype)
        exp = separability(xin.astype(np.float64), deltas, center, normalize)
        write(
            versions,
            name,
            {
                "input": {"x": jx, "options": {"deltas": deltas, "center": center, "normalize": normalize}},
                "expected": exp,
            },
            1e-10 if dtype == "f64" else 1e-5,
            "integer pair counts (no pair within rounding of a threshold in this data)",
            sep_ref,
        )


if __name__ == "__main__":
    main()

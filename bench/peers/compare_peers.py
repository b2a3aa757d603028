#!/usr/bin/env python3
"""Representation-comparison peers for bench/compare.bench.mjs, and the benchmark data.

Data (--make-data): two representations of the same N items from one seeded latent Z (N x 64,
variance 1/(j+1) per latent direction): A = Z R_A + 0.1 E_A (d_A columns), B = tanh(Z R_B) + 0.1 E_B
(d_B columns), float32, written as .npy (for the peers) and raw little-endian .f32 (for embgeo).

Peers (one measure per process; prints one JSON line {measure, times, value, extra, versions,
max_rss_mb}), all in float64 numpy as the references compute, on the float32 data:
  cka          linear CKA, Kornblith et al. 2019 eq. (feature space): ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F)
  ckaDebiased  CKA from the unbiased HSIC of Song et al. 2012 (eq. 5), linear kernels, evaluated in feature
               space (K = X X^T is never formed: tr(K~L~), 1^T K~ 1, 1^T K~ L~ 1 from X^T Y, X^T 1, row norms),
               as Nguyen et al. 2021 use it
  procrustes   netrep LinearMetric(alpha=1, center_columns=True, zero_pad=True, score_method="angular")
               by its definition (Williams et al. 2021): centre, pad to equal width, scale to unit Frobenius
               norm, nuclear norm of X^T Y by SVD; angular = arccos(nuclear)
  cca          mean canonical correlation, SVCCA's cca_core definition (Raghu et al. 2017): covariance
               blocks, Sxx^-1/2 Sxy Syy^-1/2 by eigh, singular values
  mutualKnn    platonic-rep metrics.mutual_knn (Huh et al. 2024) in numpy: L2-normalised rows, k nearest
               by inner product (self excluded), mean overlap / k; similarity blocks of 2048 rows
  informationImbalance  DADApy 0.3.4 MetricComparisons(hstack(A, B)).return_inf_imb_two_selected_coords(k=1)
               at DADApy's default maxk (ranks beyond maxk are drawn at random, as DADApy documents)

Run: .venv-ref/bin/python bench/peers/compare_peers.py --make-data PREFIX --n 50000 --da 768 --db 1024
     .venv-ref/bin/python bench/peers/compare_peers.py --measure cka --a A.npy --b B.npy --runs 3
"""
import argparse
import json
import os
import resource
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def make_data(prefix, n, da, db, seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 64)) / np.sqrt(np.arange(1, 65))
    ra = rng.standard_normal((64, da)) / 8
    rb = rng.standard_normal((64, db)) / 8
    a = (z @ ra + 0.1 * rng.standard_normal((n, da))).astype(np.float32)
    b = (np.tanh(z @ rb) + 0.1 * rng.standard_normal((n, db))).astype(np.float32)
    for name, x in (("A", a), ("B", b)):
        np.save(f"{prefix}-{name}.npy", x)
        x.tofile(f"{prefix}-{name}.f32")


def centred(x):
    x = np.asarray(x, dtype=np.float64)
    return x - x.mean(axis=0)


def cka(a, b):
    x, y = centred(a), centred(b)
    cross = np.linalg.norm(y.T @ x) ** 2
    return float(cross / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))), None


def unbiased_hsic(x, y, xy):
    """Song et al. 2012 eq. 5 for K = x x^T, L = y y^T (diagonals zeroed), in feature space."""
    n = x.shape[0]
    kd = np.einsum("ij,ij->i", x, x)  # diag K
    ld = np.einsum("ij,ij->i", y, y)  # diag L
    tr = xy - float(kd @ ld)  # tr(K~ L~) = ||X^T Y||^2 - sum_i K_ii L_ii
    k1 = x @ x.sum(axis=0) - kd  # K~ 1
    l1 = y @ y.sum(axis=0) - ld  # L~ 1
    return (tr + k1.sum() * l1.sum() / ((n - 1) * (n - 2)) - 2 / (n - 2) * float(k1 @ l1)) / (n * (n - 3))


def cka_debiased(a, b):
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    xy = np.linalg.norm(x.T @ y) ** 2
    xx = np.linalg.norm(x.T @ x) ** 2
    yy = np.linalg.norm(y.T @ y) ** 2
    h = unbiased_hsic(x, y, xy)
    hx = unbiased_hsic(x, x, xx)
    hy = unbiased_hsic(y, y, yy)
    return float(h / np.sqrt(hx * hy)), None


def procrustes(a, b):
    x, y = centred(a), centred(b)
    d = max(x.shape[1], y.shape[1])
    x = np.pad(x, ((0, 0), (0, d - x.shape[1])))
    y = np.pad(y, ((0, 0), (0, d - y.shape[1])))
    x /= np.linalg.norm(x)
    y /= np.linalg.norm(y)
    s = np.linalg.svd(x.T @ y, compute_uv=False)
    nuclear = float(s.sum())
    return float(np.arccos(min(1.0, nuclear))), {"distance": float(np.sqrt(max(0.0, 2 - 2 * nuclear)))}


def inv_sqrt(c):
    w, v = np.linalg.eigh(c)
    w = np.maximum(w, 1e-12 * w.max())
    return (v / np.sqrt(w)) @ v.T


def cca(a, b):
    x, y = centred(a), centred(b)
    n = x.shape[0]
    sxx, syy, sxy = x.T @ x / (n - 1), y.T @ y / (n - 1), x.T @ y / (n - 1)
    rho = np.linalg.svd(inv_sqrt(sxx) @ sxy @ inv_sqrt(syy), compute_uv=False)
    rho = np.clip(rho[: min(x.shape[1], y.shape[1])], 0, 1)
    return float(rho.mean()), None


def knn_inner(f, k, block=2048):
    n = f.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    for s in range(0, n, block):
        sim = f[s : s + block] @ f.T
        sim[np.arange(sim.shape[0]), np.arange(s, s + sim.shape[0])] = -1e8
        part = np.argpartition(-sim, k, axis=1)[:, :k]
        out[s : s + block] = part
    return out


def mutual_knn(a, b, k=10):
    fa = a / np.linalg.norm(a, axis=1, keepdims=True)
    fb = b / np.linalg.norm(b, axis=1, keepdims=True)
    ka, kb = knn_inner(fa, k), knn_inner(fb, k)
    overlap = [len(np.intersect1d(ka[i], kb[i], assume_unique=True)) for i in range(a.shape[0])]
    return float(np.mean(overlap) / k), None


def information_imbalance(a, b):
    from dadapy import MetricComparisons

    x = np.hstack([a, b]).astype(np.float64)
    mc = MetricComparisons(coordinates=x, n_jobs=2)
    da = a.shape[1]
    ab, ba = mc.return_inf_imb_two_selected_coords(list(range(da)), list(range(da, x.shape[1])), k=1)
    return float(ab), {"bToA": float(ba), "maxk": int(mc.maxk)}


MEASURES = {
    "cka": cka,
    "ckaDebiased": cka_debiased,
    "procrustes": procrustes,
    "cca": cca,
    "mutualKnn": mutual_knn,
    "informationImbalance": information_imbalance,
}


def versions():
    import importlib.metadata as m

    out = {"numpy": np.__version__}
    for p in ("dadapy", "scipy"):
        try:
            out[p] = m.version(p)
        except m.PackageNotFoundError:
            pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--make-data")
    ap.add_argument("--n", type=int)
    ap.add_argument("--da", type=int)
    ap.add_argument("--db", type=int)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--measure")
    ap.add_argument("--a")
    ap.add_argument("--b")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--budget", type=float, default=600)
    o = ap.parse_args()
    if o.make_data:
        make_data(o.make_data, o.n, o.da, o.db, o.seed)
        return
    a, b = np.load(o.a), np.load(o.b)
    f = MEASURES[o.measure]
    times, warmup = [], 0
    while True:
        t = time.perf_counter()
        value, extra = f(a, b)
        s = time.perf_counter() - t
        if not times and not warmup and s < 2 and o.runs > 1:
            warmup = 1
            continue
        times.append(s)
        if len(times) >= o.runs or sum(times) + s > o.budget:
            break
    print(json.dumps({
        "measure": o.measure, "times": times, "warmup": warmup, "value": value, "extra": extra,
        "versions": versions(), "threads": os.environ.get("OMP_NUM_THREADS"),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()

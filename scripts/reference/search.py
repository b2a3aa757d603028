#!/usr/bin/env python3
"""Parity fixtures for crates/search: hubness reduction (exact re-ranked neighbour lists under a
secondary distance) and per-query difficulty, each computed from its definition in numpy / scipy
on full distance matrices (no candidate lists, no shortcuts).

DO NOT EDIT the generated fixtures by hand; regenerate them with:

    /work/main/.venv-ref/bin/python scripts/reference/search.py

Pinned: numpy==1.26.4, scipy==1.17.1 (the MLE is scikit-dimension 0.5.0's pointwise formula,
written out in numpy).
Optional cross-check against scikit-hubness 0.21.2 (its own pins, scikit-learn 0.21.3, annoy,
nmslib, ..., do not install beside ours; `pip install --no-deps scikit-hubness==0.21.2 tqdm`
into a separate venv with the pins above works, and only `skhubness.reduction` is imported,
bypassing the package __init__): when importable, every secondary distance below is checked
against scikit-hubness's `transform` on the same candidate lists (rtol 1e-12).

Definitions (the Rust docs in crates/search/src/reduction/*.rs state the same):
* primary distances: euclidean sqrt(sum (x - y)^2); cosine 1 - <x,y> / sqrt(|x|^2 |y|^2) clamped
  at 0; on the f64 widening of the data. Neighbour lists sorted by (distance, index); in the
  all-points setting (no queries) a point is excluded from its own lists by index.
* statistics from each point's `nb` nearest distances (corpus points: their own lists; queries:
  their lists into the corpus):
  - local scaling (Zelnik-Manor & Perona 2005; scikit-hubness LocalScaling(k=nb-1), which slices
    k+1 columns): sigma = nb-th distance; s(x,y) = 1 - exp(-d^2 / (sigma_x sigma_y));
  - NICDM (Jegou et al. 2010; scikit-hubness LocalScaling(method='nicdm', k=nb-1)): mu = mean of
    the nb distances; s = d / sqrt(mu_x mu_y);
  - mutual proximity, Gaussian (Schnitzer et al. 2012; scikit-hubness MutualProximity('normal')):
    mu, sd = mean and population std of the nb distances;
    s = 1 - norm.sf(d, mu_x, sd_x) * norm.sf(d, mu_y, sd_y);
  - mutual proximity, empiric (Schnitzer et al. 2012; scikit-hubness MutualProximity('empiric')
    with the true d(y, m) instead of its "r_y + 1e-6" stand-in for m outside y's list):
    s = 1 - |{m in N(x): d(x,m) > d(x,y) and d(y,m) > d(x,y)}| / nb, N(x) the nb nearest of x;
  - CSLS (Conneau et al. 2018, "Word translation without parallel data", eq. 6):
    CSLS = 2 cos(x,y) - r_T(x) - r_S(y), r = mean similarity to the nb nearest; written with
    distances: s = 2 d(x,y) - m_x - m_y, m = mean distance to the nb nearest (= -CSLS under
    cosine). r_S(y) is the corpus point's mean over its nb nearest *queries* (all-points: its own
    list).
* the answer: for every query the k corpus points with the smallest s over the WHOLE corpus,
  ties to the lower index (np.lexsort); hubness before/after: scikit-hubness Hubness.score's
  k-occurrence skewness (scipy.stats.skew, bias=True) and Robin Hood index of the lists.
* query difficulty (k): kNN of each query into the corpus (2k); LID = scikit-dimension 0.5.0
  MLE pointwise (Levina-Bickel, (k-1) / sum_{j<k} ln(r_k / r_j)), relative contrast at k
  (He et al. 2012; Aumueller & Ceccarello 2019) = mean distance to all corpus rows / r_k,
  expansion (Aumueller & Ceccarello 2019) = r_2k / r_k.
"""
import json
import os
import sys
import types

import numpy as np
import scipy
import scipy.stats
from scipy.stats import norm

PINS = {"numpy": "1.26.4", "scipy": "1.17.1"}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "__test__", "fixtures", "search")
SEED = 20261202
REGEN = "/work/main/.venv-ref/bin/python scripts/reference/search.py"


def check_pins():
    have = {"numpy": np.__version__, "scipy": scipy.__version__}
    if have != PINS:
        sys.exit(f"version mismatch: have {have}, pinned {PINS}")
    return have


def load_skhubness():
    """skhubness.reduction without the package __init__ (which imports sklearn 0.21 internals)."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("skhubness")
        if spec is None:
            return None
        pkg = types.ModuleType("skhubness")
        pkg.__path__ = list(spec.submodule_search_locations)
        sys.modules["skhubness"] = pkg
        import skhubness.reduction.mutual_proximity as mp
        import skhubness.reduction.local_scaling as ls

        # scikit-learn >= 1.6 renamed check_array's force_all_finite; the check is input validation only.
        mp.check_array = lambda a, **kw: a
        mp.check_is_fitted = ls.check_is_fitted = lambda *a, **kw: None
        return mp, ls
    except Exception as e:  # noqa: BLE001 - optional cross-check
        print(f"scikit-hubness not usable ({e}); skipping the cross-check")
        return None


SKH = load_skhubness()


def flat(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def distances(X, Y, metric):
    """Full |Y| x |X| matrix of primary distances (rows: Y)."""
    X = X.astype(np.float64)
    Y = Y.astype(np.float64)
    if metric == "euclidean":
        return np.sqrt(((Y[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    if metric == "cosine":
        nx = (X * X).sum(1)
        ny = (Y * Y).sum(1)
        return np.maximum(1.0 - (Y @ X.T) / np.sqrt(ny[:, None] * nx[None, :]), 0.0)
    raise ValueError(metric)


def sort_rows(D, exclude_self):
    """Per row: indices sorted by (distance, index), self excluded by index when asked."""
    n = D.shape[1]
    out_i, out_d = [], []
    for r in range(D.shape[0]):
        idx = np.arange(n)
        if exclude_self:
            idx = idx[idx != r]
        order = np.lexsort((idx, D[r, idx]))
        out_i.append(idx[order])
        out_d.append(D[r, idx[order]])
    return np.array(out_i), np.array(out_d)


def stat(method, d):
    if method == "localScaling":
        return d[-1], 0.0
    if method in ("nicdm", "csls"):
        return d.mean(), 0.0
    if method == "mutualProximityGaussian":
        return d.mean(), d.std(ddof=0)
    return 0.0, 0.0


def secondary(method, d, x, y):
    if method == "localScaling":
        return 1.0 - np.exp(-(d**2) / (x[0] * y[0]))
    if method == "nicdm":
        return d / np.sqrt(x[0] * y[0])
    if method == "mutualProximityGaussian":
        return 1.0 - norm.sf(d, x[0], x[1]) * norm.sf(d, y[0], y[1])
    if method == "csls":
        return 2.0 * d - x[0] - y[0]
    raise ValueError(method)


def hubness(ind, n):
    occ = np.bincount(ind.ravel(), minlength=n).astype(np.float64)
    skew = float(scipy.stats.skew(occ, bias=True)) if occ.std() > 0 else 0.0
    rh = float(0.5 * np.abs(occ - occ.mean()).sum() / occ.sum())
    return {"skewness": skew, "robinhood": rh, "occurrences": [int(v) for v in occ]}


def reduce_hubness(C, Q, k, method, metric, nb):
    allp = Q is None
    Cd = distances(C, C, metric)
    c_ind, c_dist = sort_rows(Cd, exclude_self=True)  # corpus's own lists
    if allp:
        Dq, q_ind, q_dist = Cd, c_ind, c_dist
    else:
        Dq = distances(C, Q, metric)
        q_ind, q_dist = sort_rows(Dq, exclude_self=False)
    if method == "csls" and not allp:
        s_ind, s_dist = sort_rows(distances(Q, C, metric), exclude_self=False)  # corpus -> queries
        cstat = [stat(method, s_dist[j, :nb]) for j in range(C.shape[0])]
    else:
        cstat = [stat(method, c_dist[j, :nb]) for j in range(C.shape[0])]
    rows = Dq.shape[0]
    out_i = np.zeros((rows, k), dtype=np.int64)
    out_d = np.zeros((rows, k))
    for i in range(rows):
        cand = np.array([j for j in range(C.shape[0]) if not (allp and j == i)])
        d = Dq[i, cand]
        if method == "mutualProximity":
            ni = q_ind[i, :nb]
            s = np.empty(len(cand))
            for t, j in enumerate(cand):
                dxy = Dq[i, j]
                s[t] = 1.0 - np.sum((Dq[i, ni] > dxy) & (Cd[j, ni] > dxy)) / nb
        else:
            x = stat(method, q_dist[i, :nb])
            s = np.array([secondary(method, d[t], x, cstat[j]) for t, j in enumerate(cand)])
        order = np.lexsort((cand, s))[:k]
        out_i[i] = cand[order]
        out_d[i] = s[order]
    if SKH is not None and method != "csls":
        cross_check(method, nb, c_ind, c_dist, q_ind, q_dist, Dq, Cd, cstat, allp)
    before = hubness(q_ind[:, :k], C.shape[0])
    after = hubness(out_i, C.shape[0])
    return out_i, out_d, before, after


def cross_check(method, nb, c_ind, c_dist, q_ind, q_dist, Dq, Cd, cstat, allp):
    """Our formulas against scikit-hubness's transform on nb-long candidate lists."""
    mp, ls = SKH
    tr_i, tr_d = c_ind[:, :nb], c_dist[:, :nb]
    te_i, te_d = q_ind[:, :nb], q_dist[:, :nb]
    if method in ("localScaling", "nicdm"):
        red = ls.LocalScaling(k=nb - 1, method="standard" if method == "localScaling" else "nicdm")
    elif method == "mutualProximityGaussian":
        red = mp.MutualProximity(method="normal")
    else:
        if not (allp and nb == Cd.shape[0] - 1):
            return  # scikit-hubness's r_y + 1e-6 stand-in differs from the true d(y, m) otherwise
        red = mp.MutualProximity(method="empiric")
    red.fit(tr_d, tr_i, assume_sorted=True)
    theirs, _ = red.transform(te_d, te_i, assume_sorted=True)
    ours = np.zeros_like(theirs)
    for i in range(te_i.shape[0]):
        for t, j in enumerate(te_i[i]):
            dxy = te_d[i, t]
            if method == "mutualProximity":
                ni = te_i[i]
                ours[i, t] = 1.0 - np.sum((Dq[i, ni] > dxy) & (Cd[j, ni] > dxy)) / nb
            else:
                ours[i, t] = secondary(method, dxy, stat(method, te_d[i]), cstat[j])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    print(f"  scikit-hubness 0.21.2 agrees ({method}, nb={nb})")


def mle_pointwise(dist, k):
    """scikit-dimension 0.5.0 MLE._maxLikPointwiseDimEst (Levina-Bickel, k - 1 normalisation)."""
    r = dist[:, :k]
    return (k - 1) / np.log(r[:, -1:] / r).sum(1)


def difficulty(C, Q, k, metric):
    D = distances(C, Q, metric)
    _, d = sort_rows(D, exclude_self=False)
    lid = mle_pointwise(d, k)
    rc = D.mean(1) / d[:, k - 1]
    exp_ = d[:, 2 * k - 1] / d[:, k - 1]
    return lid, rc, exp_


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    print(f"wrote {name}.json")


def provenance(have, seed):
    ref = "numpy/scipy definitions (see the script's docstring); secondary distances cross-checked against scikit-hubness==0.21.2 skhubness.reduction when importable"
    return {"script": "scripts/reference/search.py", "reference": ref, **have, "seed": seed, "regenerate": REGEN}


def matrix(X, dtype):
    return {"dtype": dtype, "rows": int(X.shape[0]), "cols": int(X.shape[1]), "data": flat(X)}


def main():
    have = check_pins()
    rng = np.random.default_rng(SEED)
    # High-dimensional Gaussian data: hubs appear (Radovanovic et al. 2010).
    C = rng.standard_normal((120, 40))
    Q = rng.standard_normal((30, 40))
    C32 = rng.standard_normal((90, 24)).astype(np.float32)
    Q32 = rng.standard_normal((20, 24)).astype(np.float32)
    methods = ["mutualProximity", "mutualProximityGaussian", "localScaling", "nicdm", "csls"]
    cases = []
    for method in methods:
        cases.append((f"{method}-all-euclidean-f64", C, None, 10, method, "euclidean", 15, "f64"))
        cases.append((f"{method}-queries-cosine-f64", C, Q, 5, method, "cosine", 12, "f64"))
        cases.append((f"{method}-queries-euclidean-f32", C32, Q32, 4, method, "euclidean", 8, "f32"))
    # the reference's default neighbourhood for mutual proximity covers the whole corpus here (119)
    cases.append(("mutualProximity-all-full-f64", C, None, 10, "mutualProximity", "euclidean", 119, "f64"))
    cases.append(("mutualProximityGaussian-all-full-f64", C, None, 10, "mutualProximityGaussian", "euclidean", 119, "f64"))
    for name, c, q, k, method, metric, nb, dtype in cases:
        ind, dist, before, after = reduce_hubness(c, q, k, method, metric, nb)
        write(
            f"reduce-{name}",
            {
                "_provenance": provenance(have, SEED),
                "name": name,
                "rtol": 1e-10 if dtype == "f64" else 1e-5,
                "reason": "f64 sums of exact primary distances; observed ~1e-15. f32 input: the same f64 "
                "computation on the widened values (1e-5 as the convention for f32 input)",
                "input": {"corpus": matrix(c, dtype), "queries": None if q is None else matrix(q, dtype)},
                "options": {"k": k, "method": method, "metric": metric, "neighbors": nb},
                "expected": {
                    "indices": [int(v) for v in ind.ravel()],
                    "distances": flat(dist),
                    "before": before,
                    "after": after,
                },
            },
        )
    for name, c, q, k, metric, dtype in [
        ("euclidean-f64", C, Q, 5, "euclidean", "f64"),
        ("cosine-f64", C, Q, 8, "cosine", "f64"),
        ("euclidean-f32", C32, Q32, 4, "euclidean", "f32"),
    ]:
        lid, rc, ex = difficulty(c, q, k, metric)
        write(
            f"difficulty-{name}",
            {
                "_provenance": provenance(have, SEED),
                "name": name,
                "rtol": 1e-10 if dtype == "f64" else 1e-5,
                "reason": "f64 sums and logs of exact distances; observed ~1e-15",
                "input": {"corpus": matrix(c, dtype), "queries": matrix(q, dtype)},
                "options": {"k": k, "metric": metric},
                "expected": {"lid": flat(lid), "relativeContrast": flat(rc), "expansion": flat(ex)},
            },
        )


if __name__ == "__main__":
    main()

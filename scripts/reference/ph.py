#!/usr/bin/env python3
"""Parity fixture for the persistent-homology dimension (crates/intdim/src/ph.rs): runs the REAL
scikit-dimension 0.5.0 `skdim.id.PH` and its own `_total_persistence`.

Writes __test__/fixtures/intdim/ph.json. The inputs are the data sets of scripts/reference/intdim.py
(read from their committed fixtures by the tests, by name); this file holds only what PH expects:

- "core": skdim's `_total_persistence` (MST total edge length to the power alpha, on scipy's
  `pdist` distances) of fixed index sets drawn here with numpy, for several alphas: the
  deterministic core, compared at 1e-10.
- "pipeline": `PH(...).fit` with a fixed `random_state`, together with the index sets that fit drew
  (replayed here with the same `check_random_state(...).choice` calls, and checked to reproduce
  `fit`'s `y_` exactly), its `x_`, `y_`, slope, intercept and dimension: embgeo's estimate from the
  same index sets must equal them at 1e-10.
- "spread": `PH(nsteps=20, subsamples=5)` over random_state 0..SEEDS-1: mean and standard deviation
  of the estimate. embgeo draws its subsamples with ChaCha8, not numpy, so its end-to-end
  estimate is compared with the reference's mean within 4 of the reference's seed-to-seed
  standard deviations.

Regenerate:  /work/main/.venv-ref/bin/python scripts/reference/ph.py
Pins:        scikit-dimension==0.5.0 numpy==1.26.4 scipy==1.17.1 scikit-learn==1.9.1
"""
import json
import os
import sys
import warnings

import numpy as np
import scipy
import sklearn
import skdim
from scipy.spatial.distance import pdist, squareform
from skdim.id._PH import _total_persistence
from sklearn.utils import check_random_state

sys.path.insert(0, os.path.dirname(__file__))
from intdim import fixtures  # noqa: E402  (the shared SplitMix64 data sets)

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "__test__", "fixtures", "intdim", "ph.json")
ALPHAS = [0.5, 1.0, 2.5]
SEEDS = 10
# the spread runs PH with fewer sizes than its defaults (100 x 10 MSTs per fit) to keep the script short
SPREAD = {"nsteps": 20, "subsamples": 5}


def core(X, metric, seed):
    """_total_persistence of four index sets (sizes 2, 3, n/2, n) for each alpha."""
    n = len(X)
    D = squareform(pdist(X, metric=metric))
    rng = np.random.default_rng(seed)
    sets = [rng.choice(n, size=s, replace=False) for s in (2, 3, n // 2, n)]
    out = []
    for i in sets:
        e_vec = _total_persistence(D[np.ix_(i, i)], np.asarray(ALPHAS))
        e_one = [float(_total_persistence(D[np.ix_(i, i)], np.asarray(a))) for a in ALPHAS]
        assert np.allclose(e_vec, e_one, rtol=1e-14, atol=0)
        out.append({"indices": [int(v) for v in i], "alphas": ALPHAS, "total": e_one})
    return out


def pipeline(X, **kw):
    """PH(**kw).fit(X) and the index sets it drew."""
    est = skdim.id.PH(**kw).fit(X)
    n = len(X)
    sizes = np.repeat(np.ceil(np.linspace(est.nmin_, est.nmax_, est.nsteps)).astype(int), est.subsamples)
    rng = check_random_state(est.random_state)
    idx = [rng.choice(n, size=s, replace=False) for s in sizes]
    D = squareform(pdist(X, metric=est.metric))
    alpha = np.asarray(est.alpha, dtype=float)
    y = np.log(np.array([_total_persistence(D[np.ix_(i, i)], alpha) for i in idx]))
    assert np.array_equal(y, est.y_), "replayed index sets do not reproduce fit's y_"
    assert np.array_equal(np.log(sizes).reshape(-1, 1), est.x_)
    return {
        "params": kw,
        "nmin": int(est.nmin_),
        "nmax": int(est.nmax_),
        "sizes": [int(s) for s in sizes],
        "indices": [[int(v) for v in i] for i in idx],
        "x": [float(v) for v in np.ravel(est.x_)],
        # one list of log total persistences per alpha
        "y": np.asarray(est.y_, dtype=float).reshape(len(idx), -1).T.tolist(),
        "slope": [float(v) for v in np.ravel(est.reg_.coef_)],
        "intercept": [float(v) for v in np.ravel(est.reg_.intercept_)],
        "dimension": [float(v) for v in np.ravel(est.dimension_)],
    }


def spread(X, **kw):
    dims = [float(skdim.id.PH(random_state=s, **kw).fit(X).dimension_) for s in range(SEEDS)]
    return {"params": kw, "seeds": SEEDS, "dimensions": dims, "mean": float(np.mean(dims)), "sd": float(np.std(dims, ddof=1))}


def main():
    data = {name: (X, true_id, definition) for name, X, true_id, definition in fixtures()}
    cases = []
    for name, metric in [
        ("fx1_ball5in10", "euclidean"),
        ("fx2_sphere2in3", "euclidean"),
        ("fx2_sphere2in3", "cosine"),
        ("fx3_paraboloid2in3", "euclidean"),
        ("fx4_dups", "euclidean"),
        ("fx2_f32", "euclidean"),
    ]:
        X = data[name][0]
        case = {"fixture": name, "metric": metric, "core": core(X, metric, 5)}
        case["pipeline"] = [
            pipeline(X, alpha=ALPHAS, nsteps=8, subsamples=3, metric=metric, random_state=11),
            pipeline(X, alpha=1.0, nsteps=5, subsamples=2, metric=metric, random_state=3, n_range_min=0.2, n_range_max=0.9),
            pipeline(X, alpha=1.5, nsteps=6, subsamples=2, metric=metric, random_state=4, range_type="num", n_range_min=10, n_range_max=50),
        ]
        if metric == "euclidean" and name in ("fx1_ball5in10", "fx2_sphere2in3", "fx3_paraboloid2in3"):
            case["spread"] = spread(X, **SPREAD)
        cases.append(case)
        print(name, metric, "done", file=sys.stderr)
    doc = {
        "_provenance": {
            "script": "scripts/reference/ph.py",
            "reference": f"scikit-dimension=={skdim.__version__} (skdim.id.PH, skdim.id._PH._total_persistence)",
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "python": sys.version.split()[0],
            "seed": "index sets: numpy default_rng(5) (core), PH random_state 11 / 3 / 4 (pipeline), 0..9 (spread)",
            "regenerate": "/work/main/.venv-ref/bin/python scripts/reference/ph.py",
            "input": "the data sets of __test__/fixtures/intdim/<fixture>.json (scripts/reference/intdim.py)",
        },
        "rtol": {
            "core": {"rtol": 1e-10, "reason": "same MST; scipy pdist/sum vs embgeo lane-ordered f64 sums differ in the last bits"},
            "pipeline": {"rtol": 1e-10, "reason": "same index sets; sklearn lstsq vs closed-form slope"},
            "spread": {"sds": 4, "reason": "numpy vs ChaCha8 subsamples: within 4 reference seed-to-seed standard deviations of the reference mean"},
        },
        "cases": cases,
    }
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=None, separators=(",", ":"))


if __name__ == "__main__":
    main()

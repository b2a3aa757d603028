#!/usr/bin/env python3
"""Intrinsic-dimension peers for bench/intdim.bench.mjs: scikit-dimension and DADApy, end to end
(their own kNN included), at their default n_jobs, on the .npy written by bench/lib/data.mjs.

One estimator of one peer per process; prints one JSON line:
  {"peer", "estimator", "times": [s...], "dimension", "extra", "versions", "loadavg_before", "loadavg_after",
   "max_rss_mb"} or {"skipped": "..."} when the peer has no such estimator.

Estimators (reference defaults unless stated):
  skdim : twonn TwoNN().fit; mle MLE().fit; gride GRIDE().fit (n1=1, n2=2);
          gride_scaling GRIDE(multiscale=True).fit (range_max=64); lpca lPCA().fit_pw(X) (n_neighbors=100,
          dimension = mean of the pointwise ID); tle TLE().fit; ess ESS().fit; danco DANCo().fit
  dadapy: twonn Data(X).compute_id_2NN(); gride_scaling Data(X).return_id_scaling_gride() (range_max=64);
          gride: the first scale (n1=1, n2=2) of return_id_scaling_gride(range_max=2).
          DADApy has no MLE, lPCA, TLE, ESS or DANCo.

Run: .venv-ref/bin/python bench/peers/id_peers.py X.npy --peer skdim --estimator twonn --runs 3 --budget 600
"""
import argparse
import json
import os
import resource
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def skdim_run(name, X):
    import skdim

    I = skdim.id
    if name == "twonn":
        e = I.TwoNN().fit(X)
        return float(e.dimension_), None
    if name == "mle":
        e = I.MLE().fit(X)
        return float(e.dimension_), None
    if name == "gride":
        e = I.GRIDE().fit(X)
        return float(e.dimension_), None
    if name == "gride_scaling":
        e = I.GRIDE(multiscale=True).fit(X)
        dims = [float(v) for v in e.dimension_scales_]
        return dims[0], {"curve": dims}
    if name == "lpca":
        pw = I.lPCA().fit_pw(X)
        pw = np.asarray(getattr(pw, "dimension_pw_", pw), dtype=float)
        return float(np.mean(pw)), None
    if name == "tle":
        e = I.TLE().fit(X)
        return float(e.dimension_), None
    if name == "ess":
        e = I.ESS().fit(X)
        return float(e.dimension_), None
    if name == "danco":
        e = I.DANCo().fit(X)
        return float(e.dimension_), None
    return None


def dadapy_run(name, X):
    from dadapy import Data

    if name == "twonn":
        d = Data(coordinates=X)
        dim, err, scale = d.compute_id_2NN()
        return float(dim), {"error": float(err)}
    if name == "gride_scaling":
        d = Data(coordinates=X)
        ids, errs, rs = d.return_id_scaling_gride()
        dims = [float(v) for v in ids]
        return dims[0], {"curve": dims}
    if name == "gride":
        d = Data(coordinates=X)
        ids, errs, rs = d.return_id_scaling_gride(range_max=2)
        return float(ids[0]), {"error": float(errs[0])}
    return None


def versions():
    import importlib.metadata as m

    out = {"numpy": np.__version__}
    for p in ["scikit-dimension", "dadapy", "scikit-learn", "scipy"]:
        try:
            out[p] = m.version(p)
        except Exception:  # noqa: BLE001
            out[p] = "unknown"
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("npy")
    ap.add_argument("--peer", required=True, choices=["skdim", "dadapy"])
    ap.add_argument("--estimator", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--budget", type=float, default=600.0)
    a = ap.parse_args()
    X = np.load(a.npy)
    f = skdim_run if a.peer == "skdim" else dadapy_run
    out = {"peer": a.peer, "estimator": a.estimator, "rows": int(X.shape[0]), "cols": int(X.shape[1]),
           "versions": versions(), "loadavg_before": os.getloadavg()[0]}
    # Adaptive repeats (same rule as crates/intdim/examples/bench_id.rs): a first run under 2 s is
    # a warm-up followed by `--runs` timed runs; otherwise the first run counts and more follow
    # while they fit in `--budget` seconds; else 1 run.
    times = []
    dim = None
    extra = None
    warm = 0
    total = 0
    while True:
        t = time.perf_counter()
        res = f(a.estimator, X)
        s = time.perf_counter() - t
        if res is None:
            out["skipped"] = f"{a.peer} has no {a.estimator} estimator"
            break
        dim, extra = res
        total += 1
        if total == 1 and s < 2.0 and a.runs > 1:
            warm = 1
            continue
        times.append(s)
        if len(times) >= a.runs or sum(times) + s > a.budget:
            break
    out["warmup"] = warm
    out.update({"times": times, "dimension": dim, "extra": extra, "loadavg_after": os.getloadavg()[0],
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
    print(json.dumps(out))


if __name__ == "__main__":
    main()

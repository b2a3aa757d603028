#!/usr/bin/env python3
"""Exact kNN peers for the embgeo benchmark: faiss-cpu flat indexes and scikit-learn brute force.

Usage:
  OMP_WAIT_POLICY=PASSIVE python bench/peers/knn_peers.py DATA.npy --k 10 --metric euclidean \
      --threads 2 [--queries Q.npy] [--runs 5] [--peers faiss,sklearn] [--indices-out out.npz]

Without --queries it computes the all-points graph (the point itself excluded: faiss/sklearn
are asked for k+1 neighbours and the query's own index is dropped; if a duplicate at distance 0
came first, the own index is dropped wherever it is, else the last column).

Prints one JSON object: environment (versions, threads, load average, CPU model), and per peer
the median/min wall seconds over --runs timed runs after one warm-up, CPU seconds, GFLOP/s
(2*nq*nb*d/t) and a checksum of the result indices; --indices-out writes the indices (and
distances) per peer to an .npz for cross-checking against embgeo.

Metrics: euclidean / sqeuclidean -> faiss IndexFlatL2 (distances are squared; sqrt applied for
euclidean), sklearn metric='euclidean' (ArgKmin); dot -> faiss IndexFlatIP (distance = -ip),
sklearn has no dot metric (skipped); cosine -> rows L2-normalised once (time included), then
IndexFlatIP (distance = 1 - ip), sklearn metric='cosine'.
"""
import argparse
import json
import os
import platform
import resource
import sys
import time


def set_threads(n):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def drop_self(idx, dist, k):
    """Remove each row's own index from a (k+1)-neighbour result."""
    import numpy as np

    n = idx.shape[0]
    out_i = np.empty((n, k), dtype=np.int64)
    out_d = np.empty((n, k), dtype=dist.dtype)
    rows = np.arange(n)
    for i in range(n):
        r = idx[i]
        pos = np.nonzero(r == rows[i])[0]
        keep = np.ones(k + 1, dtype=bool)
        keep[pos[0] if len(pos) else k] = False
        out_i[i] = r[keep][:k]
        out_d[i] = dist[i][keep][:k]
    return out_i, out_d


def run_faiss(x, q, k, metric, threads):
    import faiss
    import numpy as np

    faiss.omp_set_num_threads(threads)
    self_ex = q is None
    kk = k + 1 if self_ex else k
    xb = x
    if metric == "cosine":
        xb = x.copy()
        faiss.normalize_L2(xb)
        xq = xb if self_ex else q.copy()
        if not self_ex:
            faiss.normalize_L2(xq)
    else:
        xq = x if self_ex else q
    if metric in ("euclidean", "sqeuclidean"):
        index = faiss.IndexFlatL2(x.shape[1])
    else:
        index = faiss.IndexFlatIP(x.shape[1])
    index.add(xb)
    dist, idx = index.search(xq, kk)
    if metric == "euclidean":
        dist = np.sqrt(np.maximum(dist, 0))
    elif metric == "dot":
        dist = -dist
    elif metric == "cosine":
        dist = 1.0 - dist
    if self_ex:
        idx, dist = drop_self(idx, dist, k)
    return idx, dist


def run_sklearn(x, q, k, metric, threads):
    from sklearn.neighbors import NearestNeighbors
    from threadpoolctl import threadpool_limits

    if metric == "dot":
        return None
    m = "cosine" if metric == "cosine" else "euclidean"
    with threadpool_limits(limits=threads):
        nn = NearestNeighbors(n_neighbors=k, algorithm="brute", metric=m, n_jobs=threads).fit(x)
        if q is None:
            dist, idx = nn.kneighbors(None, n_neighbors=k)  # sklearn excludes the point itself
        else:
            dist, idx = nn.kneighbors(q, n_neighbors=k)
    if metric == "sqeuclidean":
        dist = dist**2
    return idx, dist


def versions():
    v = {"python": platform.python_version()}
    for mod in ("numpy", "faiss", "sklearn", "threadpoolctl"):
        try:
            v[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            v[mod] = None
    return v


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--queries")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--metric", default="euclidean", choices=["euclidean", "sqeuclidean", "cosine", "dot"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--peers", default="faiss,sklearn")
    ap.add_argument("--indices-out")
    a = ap.parse_args()
    set_threads(a.threads)
    import numpy as np

    x = np.ascontiguousarray(np.load(a.data), dtype=np.float32)
    q = None if a.queries is None else np.ascontiguousarray(np.load(a.queries), dtype=np.float32)
    nq = x.shape[0] if q is None else q.shape[0]
    flops = 2.0 * nq * x.shape[0] * x.shape[1]
    out = {
        "case": {"n": int(x.shape[0]), "d": int(x.shape[1]), "queries": None if q is None else int(nq),
                 "k": a.k, "metric": a.metric, "threads": a.threads, "runs": a.runs},
        "env": {"versions": versions(), "cpu": cpu_model(), "load_before": os.getloadavg()[0],
                "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY")},
        "peers": {},
    }
    saved = {}
    runners = {"faiss": run_faiss, "sklearn": run_sklearn}
    for name in a.peers.split(","):
        fn = runners[name]
        res = fn(x, q, a.k, a.metric, a.threads)  # warm-up
        if res is None:
            out["peers"][name] = {"skipped": f"no {a.metric} metric"}
            continue
        walls, cpus = [], []
        for _ in range(a.runs):
            c0, t0 = cpu_seconds(), time.perf_counter()
            res = fn(x, q, a.k, a.metric, a.threads)
            walls.append(time.perf_counter() - t0)
            cpus.append(cpu_seconds() - c0)
        idx, dist = res
        walls.sort()
        cpus.sort()
        med = walls[len(walls) // 2]
        out["peers"][name] = {
            "median_s": med, "min_s": walls[0], "cpu_s": cpus[len(cpus) // 2],
            "gflops": flops / med / 1e9, "gflops_per_cpu_s": flops / cpus[len(cpus) // 2] / 1e9,
            "checksum": int(np.bitwise_xor.reduce((idx.astype(np.uint64) * np.uint64(2654435761)).ravel())),
        }
        saved[f"{name}_indices"] = idx
        saved[f"{name}_distances"] = dist
    out["env"]["load_after"] = os.getloadavg()[0]
    out["env"]["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if a.indices_out:
        np.savez(a.indices_out, **saved)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()

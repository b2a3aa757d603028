#!/usr/bin/env python3
"""Parity fixtures for crates/pca (PCA, whitening, all-but-the-top) and a check of a model file
written by embgeo in Python's safetensors.

DO NOT EDIT the generated fixtures by hand; regenerate them with:

    /work/main/.venv-ref/bin/python scripts/reference/pca.py generate

and check the committed safetensors model written by Rust
(`cargo run -p embgeo-pca --example write_model_fixture`) with:

    /work/main/.venv-ref/bin/python scripts/reference/pca.py verify-model

Pinned: numpy==1.26.4, scikit-learn==1.9.1, scipy==1.17.1, safetensors==0.8.0.

Conventions shared with crates/pca/tests/parity.rs:
* Matrices are row-major flat lists with explicit rows/cols.
* Comparison is norm-wise per array: |ours - ref| <= rtol * max|ref| for every entry
  (components: per row, each row has unit norm). Quantities that are 0 in exact arithmetic
  (variances beyond the rank) are then compared to rtol times the largest variance.
* Components (and whitening axes) follow scikit-learn's svd_flip(u_based_decision=False) rule:
  the largest-|value| entry of each row (first on ties) is positive.
* `compare_components`: how many leading components are determined by the data (at most the
  rank of the centred data; beyond it the axes are an arbitrary null-space basis).
"""
import argparse
import json
import os
import sys

import numpy as np
import scipy
import scipy.linalg
import sklearn
from sklearn.decomposition import PCA

PINS = {"numpy": "1.26.4", "scikit-learn": "1.9.1", "scipy": "1.17.1", "safetensors": "0.8.0"}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "__test__", "fixtures", "pca")
SEED = 20261123
REGEN = "/work/main/.venv-ref/bin/python scripts/reference/pca.py generate"


def check_pins():
    import safetensors

    have = {"numpy": np.__version__, "scikit-learn": sklearn.__version__, "scipy": scipy.__version__,
            "safetensors": safetensors.__version__}
    if have != PINS:
        sys.exit(f"version mismatch: have {have}, pinned {PINS}")
    return have


def provenance(versions, seed, reference):
    return {"script": "scripts/reference/pca.py", "reference": reference, **versions, "seed": seed,
            "regenerate": REGEN}


def flat(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def flip(vt):
    """scikit-learn's svd_flip(u_based_decision=False) on the rows of vt (copy)."""
    vt = np.array(vt, dtype=np.float64, copy=True)
    idx = np.argmax(np.abs(vt), axis=1)
    signs = np.sign(vt[np.arange(vt.shape[0]), idx])
    signs[signs == 0] = 1.0
    return vt * signs[:, None]


def make_data(rng, n, d, scales, offset=3.0):
    """n x d rows: standard normal times `scales`, rotated by a random orthogonal matrix, plus an
    offset per column (distinct, well-separated variances)."""
    z = rng.standard_normal((n, d))
    s = np.zeros(d)
    s[: len(scales)] = scales
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return z * s @ q.T + offset * rng.standard_normal(d)


def pca_case(versions, name, x, dtype, n_components, solver, whiten, rtol, reason, compare_components,
             data_file=False):
    """One PCA fixture. With `data_file`, the input values go to `<name>.f32` beside the JSON
    (little-endian f32, row-major; f32 input only) instead of the JSON's `data` list, and the
    n x d inverse transform is left out."""
    xin = x.astype(np.float32) if dtype == "f32" else x.astype(np.float64)
    xref = xin.astype(np.float64)  # exact widening: the reference is computed in f64
    p = PCA(n_components=n_components, svd_solver=solver, whiten=whiten).fit(xref)
    y = p.transform(xref)
    back = p.inverse_transform(y)
    extra = {}
    if data_file:
        assert dtype == "f32"
        xin.astype("<f4").tofile(os.path.join(OUT, name + ".f32"))
    if dtype == "f32":
        # For information only: scikit-learn's own f32 path (X^T X in f32).
        p32 = PCA(n_components=n_components, svd_solver=solver, whiten=whiten).fit(xin)
        extra["sklearn_f32_max_rel_dev_transform"] = float(
            np.max(np.abs(p32.transform(xin) - y)) / np.max(np.abs(y)))
    nc = {"varianceRatio": n_components} if isinstance(n_components, float) else n_components
    fx = {
        "_provenance": provenance(versions, SEED, f"scikit-learn=={PINS['scikit-learn']} PCA"),
        "kind": "pca",
        "name": name,
        "rtol": rtol,
        "reason": reason,
        "input": {
            "dtype": dtype, "rows": int(xin.shape[0]), "cols": int(xin.shape[1]),
            **({"data_file": name + ".f32"} if data_file else {"data": flat(xin)}),
            "n_components": nc, "solver": {"covariance_eigh": "covariance", "full": "svd"}[solver],
            "whiten": whiten,
        },
        "compare_components": compare_components,
        "expected": {
            "n_components": int(p.n_components_),
            "components": flat(p.components_),
            "explained_variance": flat(p.explained_variance_),
            "explained_variance_ratio": flat(p.explained_variance_ratio_),
            "singular_values": flat(p.singular_values_),
            "noise_variance": float(p.noise_variance_),
            "mean": flat(p.mean_),
            "n_samples_seen": int(p.n_samples_),
            "transform": flat(y),
            # n x d values: left out of the wide case (the small fixtures check it)
            **({} if data_file else {"inverse_transform": flat(back)}),
        },
        **extra,
    }
    return fx


def whiten_reference(x, weights, method, k, eps, ddof, normalize):
    """Whitening from the definitions (numpy only).

    weights None: mean and covariance with ddof (np.cov), as BERT-whitening (Su et al. 2021)
    and WhiteningBERT do. weights p: Zipfian whitening (Yokoi et al., NeurIPS 2024, Algorithm 1):
    p normalised to sum 1, mu = sum_i p_i x_i, Sigma = sum_i p_i (x_i - mu)(x_i - mu)^T.
    PCA: W = V_k (L_k + eps)^-1/2 with V's columns sign-normalised as svd_flip on V^T rows.
    """
    if weights is None:
        mu = x.mean(axis=0)
        c = np.cov(x, rowvar=False, ddof=ddof)
    else:
        p = weights / weights.sum()
        mu = p @ x
        xc = x - mu
        c = (xc * p[:, None]).T @ xc
    lam, v = np.linalg.eigh(c)
    lam, v = lam[::-1], v[:, ::-1]
    vt = flip(v.T)[:k]
    lam = lam[:k]
    if method == "pca":
        w = vt.T / np.sqrt(lam + eps)
    else:
        w = (vt.T / np.sqrt(lam + eps)) @ vt
    y = (x - mu) @ w
    if normalize:
        y = y / np.linalg.norm(y, axis=1, keepdims=True)
    return mu, lam, w, y


def whiten_case(versions, name, x, weights, method, k, eps, normalize, rtol, reason, reference):
    ddof = 1
    mu, lam, w, y = whiten_reference(x, weights, method, k, eps, ddof, normalize)
    return {
        "_provenance": provenance(versions, SEED, reference),
        "kind": "whiten",
        "name": name,
        "rtol": rtol,
        "reason": reason,
        "input": {"dtype": "f64", "rows": int(x.shape[0]), "cols": int(x.shape[1]), "data": flat(x),
                  "weights": None if weights is None else flat(weights), "method": method,
                  "n_components": k, "epsilon": eps, "normalize": normalize},
        "expected": {"mean": flat(mu), "eigenvalues": flat(lam), "matrix": flat(w),
                     "matrix_rows": int(w.shape[0]), "matrix_cols": int(w.shape[1]), "transform": flat(y)},
    }


def zca_closed_form_case(versions, x, eps, rtol):
    """ZCA against its closed form W = (C + eps I)^(-1/2) via scipy.linalg.sqrtm (no eigh)."""
    mu = x.mean(axis=0)
    c = np.cov(x, rowvar=False, ddof=1)
    w = np.linalg.inv(np.real(scipy.linalg.sqrtm(c + eps * np.eye(c.shape[0]))))
    y = (x - mu) @ w
    lam = np.linalg.eigvalsh(c)[::-1]
    return {
        "_provenance": provenance(versions, SEED, f"scipy=={PINS['scipy']} linalg.sqrtm closed form"),
        "kind": "whiten",
        "name": "zca-closed-form",
        "rtol": rtol,
        "reason": "closed form (C + eps I)^(-1/2) by Schur-based sqrtm and inv, independent of eigh; "
                  "agreement limited by cond(C) * 1e-16",
        "input": {"dtype": "f64", "rows": int(x.shape[0]), "cols": int(x.shape[1]), "data": flat(x),
                  "weights": None, "method": "zca", "n_components": None, "epsilon": eps, "normalize": False},
        "expected": {"mean": flat(mu), "eigenvalues": flat(lam), "matrix": flat(w),
                     "matrix_rows": int(w.shape[0]), "matrix_cols": int(w.shape[1]), "transform": flat(y)},
    }


def abtt_case(versions, x, remove, rtol):
    """All-but-the-top (Mu and Viswanath, ICLR 2018, Algorithm 1) in numpy:
    x~ = x - mean; u_1..u_D = top-D principal directions of x~; out = x~ - sum_i (u_i . x~) u_i."""
    mu = x.mean(axis=0)
    xc = x - mu
    lam, v = np.linalg.eigh(xc.T @ xc)
    u = v[:, ::-1][:, :remove]
    out = xc - (xc @ u) @ u.T
    return {
        "_provenance": provenance(versions, SEED, "numpy implementation of Mu & Viswanath 2018, Algorithm 1"),
        "kind": "all_but_the_top",
        "name": f"all-but-the-top-d{remove}",
        "rtol": rtol,
        "reason": "projection onto a subspace with a clear eigengap; f64 rounding only",
        "input": {"dtype": "f64", "rows": int(x.shape[0]), "cols": int(x.shape[1]), "data": flat(x),
                  "remove": remove},
        "expected": {"mean": flat(mu), "transform": flat(out)},
    }


def generate():
    versions = check_pins()
    rng = np.random.default_rng(SEED)
    os.makedirs(OUT, exist_ok=True)
    scales8 = [8.0, 5.0, 3.0, 2.0, 1.3, 0.8, 0.5, 0.3]
    f64 = "f64 data, well-separated spectrum (smallest relative gap 0.35): eigenvectors and " \
          "variances agree to a few ulps times cond; 1e-10 leaves 10^4 x headroom over observed error"
    f32 = "f32 input, reference = scikit-learn on its exact f64 widening (scikit-learn's own f32 path " \
          "computes X^T X in f32, see sklearn_f32_max_rel_dev_transform); our f32 outputs are " \
          "rounded once from f64 (2^-24), so 1e-5"
    x_full = make_data(rng, 40, 8, scales8)
    x_rank = make_data(rng, 40, 8, scales8[:4])
    x_wide = make_data(rng, 10, 16, [9.0, 6.0, 4.0, 3.0, 2.0, 1.5, 1.0, 0.7, 0.5, 0.3, 0.2, 0.1])
    x_32 = make_data(rng, 40, 8, scales8)
    x_32w = make_data(rng, 12, 20, [9.0, 6.0, 4.0, 3.0, 2.0, 1.5, 1.0, 0.7, 0.5, 0.3, 0.2, 0.1])
    cases = [
        pca_case(versions, "f64-full-rank-all-covariance", x_full, "f64", None, "covariance_eigh", False,
                 1e-10, f64, 8),
        pca_case(versions, "f64-full-rank-k3-svd-whiten", x_full, "f64", 3, "full", True, 1e-10, f64, 3),
        pca_case(versions, "f64-full-rank-ratio-covariance-whiten", x_full, "f64", 0.9, "covariance_eigh",
                 True, 1e-10, f64, 8),
        pca_case(versions, "f64-rank4-k3-covariance", x_rank, "f64", 3, "covariance_eigh", False, 1e-10,
                 f64 + "; variances beyond the rank (0 exactly) compared to rtol * largest", 3),
        pca_case(versions, "f64-rank4-all-svd", x_rank, "f64", None, "full", False, 1e-10,
                 f64 + "; components beyond rank 4 are an arbitrary null-space basis (not compared); "
                 "transform columns beyond the rank are ~1e-15 and compared norm-wise", 4),
        pca_case(versions, "f64-n-lt-d-k5-svd", x_wide, "f64", 5, "full", False, 1e-10, f64, 5),
        pca_case(versions, "f64-n-lt-d-ratio-svd-whiten", x_wide, "f64", 0.8, "full", True, 1e-10, f64, 9),
        pca_case(versions, "f64-n-lt-d-k4-covariance", x_wide, "f64", 4, "covariance_eigh", False, 1e-10,
                 f64 + "; covariance solver keeps all d eigenvalues (noise variance averages d - k)", 4),
        pca_case(versions, "f32-full-rank-k4-covariance-whiten", x_32, "f32", 4, "covariance_eigh", True,
                 1e-5, f32, 4),
        pca_case(versions, "f32-n-lt-d-all-svd", x_32w, "f32", None, "full", False, 1e-5,
                 f32 + "; rank of centred data is 11", 11),
    ]
    # Whitening on a 60 x 8 set; Zipfian weights p_i ~ 1 / rank (Zipf's law) over a shuffled order.
    xw = make_data(rng, 60, 8, scales8)
    zipf = 1.0 / (1.0 + rng.permutation(60))
    wr = "definition in numpy eigh; axes sign-normalised by the svd_flip rule; f64 rounding only"
    cases += [
        whiten_case(versions, "whiten-bert-k4", xw, None, "pca", 4, 0.0, False, 1e-10, wr,
                    "numpy BERT-whitening definition (Su et al. 2021): np.cov, eigh, W = V_k L_k^-1/2"),
        whiten_case(versions, "whiten-pca-all-eps-l2", xw, None, "pca", 8, 1e-3, True, 1e-10, wr,
                    "numpy PCA whitening, eps = 1e-3 added to eigenvalues, rows L2-normalised"),
        whiten_case(versions, "whiten-zipfian-k5", xw, zipf, "pca", 5, 0.0, False, 1e-10, wr,
                    "numpy Zipfian whitening from Yokoi et al. NeurIPS 2024 (weighted mean and covariance)"),
        whiten_case(versions, "whiten-zca-k6-weighted", xw, zipf, "zca", 6, 1e-6, False, 1e-10, wr,
                    "numpy ZCA on the top 6 axes with Zipfian weights, eps = 1e-6"),
        zca_closed_form_case(versions, xw, 1e-8, 1e-10),
        abtt_case(versions, xw, 2, 1e-10),
    ]
    # Wide f32 input (drawn last, so the fixtures above keep their data): 256 columns, 320 rows
    # (three 128-row chunks), a rotated spectrum with eight leading axes over a decaying tail,
    # lambda_1 / lambda_8 = 18 as in real sentence embeddings (MiniLM, data/demo: lambda_1 /
    # lambda_100 = 18). On CPUs with AMX-BF16, Kernel::Auto computes its covariance with the
    # split-bf16 SYRK on the tiles (from 256 columns); elsewhere with the FMA kernel: the same
    # tolerance for both. (With scales8's spread of 700 in this rotated 256-column basis, the
    # eighth component's error reached 1.1e-5 with the FMA kernel and 2.3e-5 with the split one.)
    lead = [8.0, 6.5, 5.2, 4.2, 3.4, 2.8, 2.3, 1.9]
    x_32wide = make_data(rng, 320, 256, lead + [0.5 * 0.99 ** j for j in range(248)])
    cases.append(
        pca_case(versions, "f32-wide-k8-covariance", x_32wide, "f32", 8, "covariance_eigh", False, 1e-5,
                 f32 + "; 256 columns: the split-bf16 AMX covariance SYRK where the CPU has AMX-BF16 "
                 "(three bf16 products per pair, 2^-15 per product, unbiased), else the FMA kernel; "
                 "lambda_1/lambda_8 = 18; values in f32 beside the JSON (f32-wide-k8-covariance.f32)",
                 8, data_file=True))
    for c in cases:
        path = os.path.join(OUT, c["name"] + ".json")
        with open(path, "w") as f:
            json.dump(c, f, separators=(",", ":"))
            f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, c["name"] + ".json")) for c in cases)
    total += os.path.getsize(os.path.join(OUT, "f32-wide-k8-covariance.f32"))
    print(f"wrote {len(cases)} fixtures to {OUT} ({total} bytes)")


def verify_model(path):
    """Load a PCA model serialised by embgeo (safetensors) with Python's safetensors and check
    its header metadata and its tensors against scikit-learn fitted on the same input, which the
    file carries in the fixture it was made from."""
    versions = check_pins()
    from safetensors import safe_open

    with safe_open(path, framework="numpy") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    assert meta["format"] == "embgeo.PCA", meta
    assert meta["version"] == "1", meta
    params = json.loads(meta["params"])
    state = json.loads(meta["state"])
    src = os.path.join(OUT, meta["fixture"] + ".json")
    with open(src) as fh:
        fx = json.load(fh)
    inp = fx["input"]
    x = np.array(inp["data"]).reshape(inp["rows"], inp["cols"])
    solver = {"covariance": "covariance_eigh", "svd": "full"}[inp["solver"]]
    nc = inp["n_components"]
    nc = nc["varianceRatio"] if isinstance(nc, dict) else nc
    p = PCA(n_components=nc, svd_solver=solver, whiten=inp["whiten"]).fit(x)
    checks = {
        "components": p.components_, "explained_variance": p.explained_variance_,
        "explained_variance_ratio": p.explained_variance_ratio_, "singular_values": p.singular_values_,
        "mean": p.mean_,
    }
    worst = 0.0
    for name, ref in checks.items():
        got = tensors[name]
        assert got.dtype == np.float64 and got.shape == ref.shape, (name, got.dtype, got.shape, ref.shape)
        err = float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))
        worst = max(worst, err)
        assert err <= 1e-10, (name, err)
    assert abs(state["noiseVariance"] - p.noise_variance_) <= 1e-10 * p.explained_variance_[0]
    assert params["whiten"] == inp["whiten"]
    print(json.dumps({"file": os.path.relpath(path, ROOT), "format": meta["format"], "version": meta["version"],
                      "tensors": sorted(tensors), "max_rel_error_vs_sklearn": worst, "ok": True,
                      "versions": versions}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    sub.add_parser("generate")
    v = sub.add_parser("verify-model")
    v.add_argument("path", nargs="?", default=os.path.join(OUT, "model-pca.safetensors"))
    a = ap.parse_args()
    if a.cmd == "verify-model":
        verify_model(a.path)
    else:
        generate()


if __name__ == "__main__":
    main()

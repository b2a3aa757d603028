#!/usr/bin/env python3
"""Embedding files written by numpy and safetensors, for embgeo's readers (crates/io, src/io.ts).

Writes __test__/fixtures/io/*.{npy,fvecs,bvecs,ivecs,safetensors,f32,json,jsonl,csv,tsv,txt}
plus __test__/fixtures/io/expected.json (each file's expected shape, element types and values).
Regenerate with:
    .venv-ref/bin/python scripts/reference/io.py
Data: small seeded arrays (numpy default_rng). Expected values are the arrays numpy wrote,
widened to float64 and stored with repr precision, so readers must match them exactly
(f16/bf16/f32 values are exactly representable in float64; no tolerance is needed).
"""
import json
import os
import struct
import sys

import numpy as np
import safetensors
from safetensors.numpy import save_file

SEED = 11
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "__test__", "fixtures", "io")


def values(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def vecs(path, a, fmt):
    """ANN-benchmark records: int32 dimension, then the row (texmex layout)."""
    with open(path, "wb") as f:
        for row in a:
            f.write(struct.pack("<i", a.shape[1]))
            f.write(np.ascontiguousarray(row, dtype=fmt).tobytes())


def bf16_bytes(a):
    """bfloat16 = the top 16 bits of float32 (values chosen exactly representable)."""
    bits = np.asarray(a, dtype=np.float32).view(np.uint32) >> 16
    return bits.astype("<u2").tobytes()


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    base = rng.normal(size=(6, 4))
    cases = {}

    def case(name, a, dtype, fmt, **extra):
        cases[name] = {"rows": int(a.shape[0]), "cols": int(a.shape[1]), "dtype": dtype, "format": fmt,
                       "values": values(a), **extra}

    # .npy in each dtype, C and Fortran order, both byte orders
    f32 = base.astype(np.float32)
    np.save(os.path.join(OUT, "f32.npy"), f32)
    case("f32.npy", f32, "f32", "npy", output="f32")
    np.save(os.path.join(OUT, "f64.npy"), base)
    case("f64.npy", base, "f64", "npy", output="f64")
    f16 = base.astype(np.float16)
    np.save(os.path.join(OUT, "f16.npy"), f16)
    case("f16.npy", f16, "f16", "npy", output="f32")
    fortran = np.asfortranarray(f32)
    np.save(os.path.join(OUT, "f32-fortran.npy"), fortran)
    case("f32-fortran.npy", fortran, "f32", "npy", output="f32")
    big = base.astype(">f8")
    np.save(os.path.join(OUT, "f64-big-endian.npy"), big)
    case("f64-big-endian.npy", big, "f64", "npy", output="f64")
    ints = rng.integers(-1000, 1000, size=(5, 3)).astype(np.int32)
    np.save(os.path.join(OUT, "i32.npy"), ints)
    case("i32.npy", ints, "i32", "npy", output="f64")
    u8 = rng.integers(0, 256, size=(4, 5)).astype(np.uint8)
    np.save(os.path.join(OUT, "u8.npy"), u8)
    case("u8.npy", u8, "u8", "npy", output="f32")
    # not embeddings: 1-D and 3-D arrays, a complex dtype -> ERR_BAD_FILE
    np.save(os.path.join(OUT, "bad-1d.npy"), f32.ravel())
    np.save(os.path.join(OUT, "bad-3d.npy"), f32.reshape(2, 3, 4))
    np.save(os.path.join(OUT, "bad-complex.npy"), base.astype(np.complex64))

    # ANN-benchmark formats
    vecs(os.path.join(OUT, "f32.fvecs"), f32, "<f4")
    case("f32.fvecs", f32, "f32", "fvecs", output="f32")
    vecs(os.path.join(OUT, "u8.bvecs"), u8, "u1")
    case("u8.bvecs", u8, "u8", "bvecs", output="f32")
    vecs(os.path.join(OUT, "i32.ivecs"), ints, "<i4")
    case("i32.ivecs", ints, "i32", "ivecs", output="f64")

    # safetensors: an embedding matrix and a 1-D bias; bf16 needs raw bytes (numpy has no bf16)
    save_file({"embeddings": f32, "bias": f32[0].copy()}, os.path.join(OUT, "two-tensors.safetensors"))
    case("two-tensors.safetensors", f32, "f32", "safetensors", output="f32")
    bf = (np.round(base * 8) / 8).astype(np.float32)  # multiples of 1/8: exact in bf16
    header = json.dumps({"emb": {"dtype": "BF16", "shape": list(bf.shape), "data_offsets": [0, bf.size * 2]}},
                        separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    with open(os.path.join(OUT, "bf16.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + bf16_bytes(bf))
    os.chmod(os.path.join(OUT, "two-tensors.safetensors"), 0o644)  # save_file creates it 0600
    case("bf16.safetensors", bf, "bf16", "safetensors", output="f32")

    # raw little-endian f32
    f32.astype("<f4").tofile(os.path.join(OUT, "f32-dim4.f32"))
    case("f32-dim4.f32", f32, "f32", "raw", output="f32", dim=4)

    # text: numbers with repr precision, so parsing gives the same float64
    rows = [[float(v) for v in r] for r in base]
    with open(os.path.join(OUT, "rows.json"), "w") as f:
        json.dump(rows, f)
    case("rows.json", base, "text", "json", output="f64")
    with open(os.path.join(OUT, "objects.jsonl"), "w") as f:
        for i, r in enumerate(rows):
            f.write(json.dumps({"id": f"doc-{i}", "embedding": r, "meta": {"n": i}}) + "\n")
    case("objects.jsonl", base, "text", "jsonl", output="f64", field="embedding")
    np.savetxt(os.path.join(OUT, "header.csv"), base, delimiter=",", header="a,b,c,d", comments="", fmt="%r")
    case("header.csv", base, "text", "csv", output="f64")
    np.savetxt(os.path.join(OUT, "rows.tsv"), base, delimiter="\t", fmt="%r")
    case("rows.tsv", base, "text", "tsv", output="f64")
    np.savetxt(os.path.join(OUT, "rows.txt"), base, fmt="%r")
    case("rows.txt", base, "text", "txt", output="f64")

    out = {
        "_provenance": {
            "script": "scripts/reference/io.py",
            "reference": f"numpy=={np.__version__} (np.save, np.savetxt), safetensors=={safetensors.__version__} "
                         "(safetensors.numpy.save_file); bf16 safetensors and .fvecs/.bvecs/.ivecs written with struct",
            "python": sys.version.split()[0],
            "seed": SEED,
            "regenerate": ".venv-ref/bin/python scripts/reference/io.py",
        },
        "tolerance": "exact: every value is representable in the file's type and stored with repr precision",
        "bad": {
            "bad-1d.npy": "1-D",
            "bad-3d.npy": "3 dimensions",
            "bad-complex.npy": "unsupported dtype '<c8'",
        },
        "cases": cases,
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

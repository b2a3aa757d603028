"""Write the bundled layer-by-layer demo of `embgeo compare --demo`: hidden states of
all-MiniLM-L6-v2 at several depths for the first sentences of the demo sample.

Output: data/demo/minilm-layers.safetensors, float16 tensors `layer0`, `layer2`, `layer4`, each
N x 384 (N = 800): the mean-pooled (over tokens, not normalised) hidden states after the embedding
LayerNorm (layer 0) and after encoder layers 2 and 4, for the first N sentences of
data/demo/minilm-stdlib.jsonl (a uniform sample: that file is in seeded random order). Row i of
every tensor is row i of data/demo/minilm-stdlib.npy, the model's final output (layer 6, mean
pooled, L2-normalised), so the four are four representations of the same 800 sentences: the
layer-by-layer comparison of the CKA papers.

Model, forward pass, environment and licences: as scripts/data/demo_embeddings.py (this script
reuses its MiniLM class; float64 forward pass, rounded to float16 at the end).
Regenerate: bash scripts/data/setup-demo.sh && .venv-data/bin/python scripts/data/demo_layers.py
"""
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_embeddings import JSONL, OUT, ROOT, MiniLM, check_model_card, model_dir, sha256  # noqa: E402

ROWS = 800
LAYERS = (0, 2, 4)
FILE = OUT / "minilm-layers.safetensors"


def main():
    texts = [json.loads(line)["text"] for line in JSONL.read_text(encoding="utf-8").splitlines()[:ROWS]]
    model = MiniLM(model_dir())
    check_model_card(model)
    final, hidden = model.encode(texts, layers=LAYERS)
    committed = np.load(OUT / "minilm-stdlib.npy")[:ROWS].astype(np.float64)
    drift = np.abs(final.astype("<f2").astype(np.float64) - committed).max()
    print(f"final layer vs committed minilm-stdlib.npy rows 0..{ROWS - 1}: max |diff| {drift:.2e}")
    if drift > 0:
        sys.exit("the forward pass no longer reproduces the committed demo embeddings")
    save_file({f"layer{i}": np.ascontiguousarray(hidden[i].astype("<f2")) for i in LAYERS}, str(FILE),
              metadata={"model": "sentence-transformers/all-MiniLM-L6-v2", "rows": str(ROWS),
                        "pooling": "mean over tokens, not normalised",
                        "source": "scripts/data/demo_layers.py"})
    print(f"sha256 {sha256(FILE)}  {FILE.stat().st_size:>8} bytes  {FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

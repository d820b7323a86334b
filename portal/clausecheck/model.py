"""The statistical element model: character n-gram TF-IDF + one logistic regression per element.

Trained by ``portal clauses train`` (portal/clausecheck/train.py, scikit-learn) from the
labelled corpus and stored in ``data/element_model.json.gz``: the vocabulary, each n-gram's
idf and its coefficient for every element, the intercepts, and the sha256 of the training
files. Prediction needs none of scikit-learn or numpy: it is a sparse dot product in plain
Python, so loading takes milliseconds and the clause check starts fast.

The text a provision is scored on is `model_text`: NFKC, no whitespace (PDF extraction puts
spaces between Japanese characters), digits as 0 (article numbers say nothing about meaning).
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA_DIR / "element_model.json.gz"
HASH_PATH = DATA_DIR / "element_model.corpus.sha256"
FORMAT = 1
NGRAM_RANGE = (2, 4)

_WS = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9]")


def model_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _WS.sub("", text)
    return _DIGITS.sub("0", text).lower()


def char_ngrams(text: str, ngram_range: tuple[int, int] = NGRAM_RANGE) -> list[str]:
    """The character n-grams of `model_text(text)` (also the analyzer used in training)."""
    prepared = model_text(text)
    lo, hi = ngram_range
    return [prepared[i : i + n] for n in range(lo, hi + 1) for i in range(len(prepared) - n + 1)]


@dataclass(frozen=True)
class ElementModel:
    elements: tuple[str, ...]
    vocabulary: dict[str, int]
    weights: array[float]  # row j: idf_j, then one coefficient per element
    intercepts: tuple[float, ...]
    sublinear_tf: bool
    ngram_range: tuple[int, int]
    corpus_sha256: str
    combiner: dict[str, tuple[float, float, float]]  # element -> (bias, w_pattern, w_logit)

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Per text, the probability of each element."""
        return [self._predict_one(t) for t in texts]

    def _predict_one(self, text: str) -> dict[str, float]:
        width = len(self.elements) + 1
        counts = Counter(
            j
            for g in char_ngrams(text, self.ngram_range)
            if (j := self.vocabulary.get(g)) is not None
        )
        scores = [0.0] * len(self.elements)
        norm = 0.0
        weights = self.weights
        for j, count in counts.items():
            tf = 1.0 + math.log(count) if self.sublinear_tf else float(count)
            row = j * width
            value = tf * weights[row]
            norm += value * value
            for e in range(len(scores)):
                scores[e] += value * weights[row + 1 + e]
        scale = 1.0 / math.sqrt(norm) if norm > 0 else 0.0
        return {
            key: _sigmoid(self.intercepts[e] + scores[e] * scale)
            for e, key in enumerate(self.elements)
        }


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def to_payload(model: ElementModel) -> dict[str, object]:
    weights = array("f", model.weights)
    if sys.byteorder != "little":  # pragma: no cover - the artefact is little-endian
        weights.byteswap()
    vocab = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    return {
        "format": FORMAT,
        "elements": list(model.elements),
        "ngram_range": list(model.ngram_range),
        "sublinear_tf": model.sublinear_tf,
        "corpus_sha256": model.corpus_sha256,
        "intercepts": [round(x, 6) for x in model.intercepts],
        "combiner": {k: [round(x, 6) for x in v] for k, v in sorted(model.combiner.items())},
        "vocabulary": "\n".join(vocab),
        "weights": base64.b64encode(weights.tobytes()).decode("ascii"),
    }


def from_payload(data: dict[str, object]) -> ElementModel:
    if data.get("format") != FORMAT:
        raise ValueError(f"unsupported element model format {data.get('format')!r}")
    weights = array("f")
    weights.frombytes(base64.b64decode(str(data["weights"])))
    if sys.byteorder != "little":  # pragma: no cover
        weights.byteswap()
    vocab_text = str(data["vocabulary"])
    vocab = vocab_text.split("\n") if vocab_text else []
    elements = tuple(str(e) for e in data["elements"])  # type: ignore[attr-defined]
    if len(weights) != len(vocab) * (len(elements) + 1):
        raise ValueError("element model: weights do not fit the vocabulary")
    ngram_range: list[int] = data["ngram_range"]  # type: ignore[assignment]
    lo, hi = ngram_range
    combiner_raw: dict[str, list[float]] = data.get("combiner", {})  # type: ignore[assignment]
    return ElementModel(
        elements=elements,
        vocabulary={g: j for j, g in enumerate(vocab)},
        weights=weights,
        intercepts=tuple(float(x) for x in data["intercepts"]),  # type: ignore[attr-defined]
        sublinear_tf=bool(data["sublinear_tf"]),
        ngram_range=(int(lo), int(hi)),
        corpus_sha256=str(data["corpus_sha256"]),
        combiner={k: (float(v[0]), float(v[1]), float(v[2])) for k, v in combiner_raw.items()},
    )


def save_model(model: ElementModel, path: Path = MODEL_PATH) -> None:
    raw = json.dumps(to_payload(model), ensure_ascii=False, sort_keys=True).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same model gives the same bytes
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    if path == MODEL_PATH:
        HASH_PATH.write_text(model.corpus_sha256 + "\n", encoding="ascii")


def read_model(path: Path) -> ElementModel:
    return from_payload(json.loads(gzip.decompress(path.read_bytes())))


@lru_cache(maxsize=1)
def load_model() -> ElementModel:
    """The shipped artefact, read once per process."""
    return read_model(MODEL_PATH)


def predict(provision_texts: Sequence[str]) -> list[dict[str, float]]:
    """Per provision text, the probability of each element (shipped model)."""
    return load_model().predict(provision_texts)

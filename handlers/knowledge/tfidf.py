"""TF-IDF over words or character n-grams on numpy and scipy.sparse: scikit-learn's TfidfVectorizer, the part we use.

The same analysers (lower-cased; `token_pattern` words joined into n-grams, or "char_wb" n-grams
inside space-padded words), the same vocabulary order (sorted), smoothed idf (ln((1 + n) / (1 + df))
+ 1), sublinear tf (1 + ln tf) and l2-normalised rows, so the answer engine's scores are the ones
it had with scikit-learn. Importing scikit-learn cost the server about 100 MB resident for two
classes; a test checks this against scikit-learn on the knowledge base itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np
from scipy.sparse import csr_matrix

_WHITE_SPACES = re.compile(r"\s\s+")


class Tfidf:
    """fit(texts) then transform(texts): rows of l2-normalised sublinear TF-IDF weights (float64 CSR)."""

    def __init__(self, *, analyzer: str = "word", ngram_range: tuple[int, int] = (1, 1), token_pattern: str = r"\S+"):
        if analyzer not in ("word", "char_wb"):
            raise ValueError(f"analyzer {analyzer!r}: 'word' or 'char_wb'")
        self.analyzer, self.ngram_range = analyzer, ngram_range
        self._token = re.compile(token_pattern)
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0)

    def features(self, text: str) -> list[str]:
        """The n-grams of one text, repeats included."""
        text = text.lower()
        return self._char_wb(text) if self.analyzer == "char_wb" else self._words(text)

    def _words(self, text: str) -> list[str]:
        tokens = self._token.findall(text)
        low, high = self.ngram_range
        grams = list(tokens) if low == 1 else []
        for n in range(max(low, 2), min(high, len(tokens)) + 1):
            grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        return grams

    def _char_wb(self, text: str) -> list[str]:
        low, high = self.ngram_range
        grams: list[str] = []
        for word in _WHITE_SPACES.sub(" ", text).split():
            padded = f" {word} "
            for n in range(low, high + 1):
                grams += [padded[i : i + n] for i in range(max(1, len(padded) - n + 1))]
                if len(padded) <= n:  # a word shorter than n is counted once, whole
                    break
        return grams

    def fit(self, texts: Iterable[str]) -> Tfidf:
        """Learn the vocabulary and the idf of each n-gram."""
        seen = [set(self.features(text)) for text in texts]
        vocabulary = sorted(set().union(*seen))
        self.vocabulary_ = {gram: i for i, gram in enumerate(vocabulary)}
        df = np.zeros(len(vocabulary))
        for grams in seen:
            df[[self.vocabulary_[g] for g in grams]] += 1
        self.idf_ = np.log((1 + len(seen)) / (1 + df)) + 1
        return self

    def transform(self, texts: Iterable[str]) -> csr_matrix:
        """One row per text: (1 + ln count) x idf for n-grams in the vocabulary, each row of unit length."""
        vocabulary = self.vocabulary_
        columns: list[int] = []
        counts: list[int] = []
        pointers = [0]
        for text in texts:
            found = Counter(vocabulary.get(g, -1) for g in self.features(text))
            found.pop(-1, None)  # n-grams the vocabulary doesn't have
            ids = sorted(found)
            columns += ids
            counts += [found[i] for i in ids]
            pointers.append(len(columns))
        where = np.array(columns, dtype=np.int32)
        data = (1 + np.log(np.array(counts, dtype=float))) * self.idf_[where]
        matrix = csr_matrix((data, where, np.array(pointers)), shape=(len(pointers) - 1, len(vocabulary)))
        return normalize_rows(matrix)


def normalize_rows(matrix: csr_matrix) -> csr_matrix:
    """Each row scaled to unit l2 length (empty rows stay empty)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return csr_matrix(matrix.multiply(1 / norms[:, None]))

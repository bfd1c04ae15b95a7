"""The answer engine's own TF-IDF gives scikit-learn's numbers, on the knowledge base and on typed questions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from handlers.knowledge.faq import load_knowledge
from handlers.knowledge.stopwords import ENGLISH_STOP_WORDS as COPIED
from handlers.knowledge.tfidf import Tfidf, normalize_rows

QUESTIONS = [
    "does this count as cme",
    "chlid not in skool for 3 wks, famly moved to spain??",
    "a",
    "",
    "   who   do I ring  out of hours ",
    "Ünïcödé naïve café — résumé",
    "EHE elective home education deregistered",
]


def knowledge_texts() -> list[str]:
    """Every title, phrasing and keyword of the bundled knowledge base, as the engine indexes them."""
    texts = []
    for entry in load_knowledge().entries:
        texts += [entry.title, *entry.phrasings, " ".join(entry.keywords)]
    return texts


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (Tfidf(ngram_range=(1, 2), token_pattern=r"\S+"), dict(ngram_range=(1, 2), token_pattern=r"\S+")),
        (Tfidf(analyzer="char_wb", ngram_range=(3, 5)), dict(analyzer="char_wb", ngram_range=(3, 5))),
    ],
    ids=["words", "char_wb"],
)
def test_same_vocabulary_weights_and_vectors_as_scikit_learn(ours, theirs):
    texts = knowledge_texts()
    reference = TfidfVectorizer(sublinear_tf=True, **theirs).fit(texts)
    ours.fit(texts)
    assert ours.vocabulary_ == reference.vocabulary_
    np.testing.assert_allclose(ours.idf_, reference.idf_, rtol=1e-12)
    for batch in (texts, QUESTIONS):
        np.testing.assert_allclose(ours.transform(batch).toarray(), reference.transform(batch).toarray(), atol=1e-12)


def test_rows_are_normalised_and_empty_rows_stay_empty():
    vectors = Tfidf().fit(["school roll", "missing child"]).transform(["roll roll school", "nothing known", ""])
    lengths = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    np.testing.assert_allclose(lengths, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(normalize_rows(vectors * 3).toarray(), vectors.toarray())


def test_an_unknown_analyzer_is_refused():
    with pytest.raises(ValueError, match="'word' or 'char_wb'"):
        Tfidf(analyzer="char")


def test_the_copied_stop_words_are_scikit_learns():
    assert COPIED == ENGLISH_STOP_WORDS

"""Answers to "what counts as CME, what do I do, who do I call", only from the curated knowledge base.

The engine matches a question against each entry's title, phrasings and keywords: TF-IDF over
word and character n-grams (scikit-learn), after folding typos to known words (rapidfuzz) and
staff wording to the entries' wording (the lexicon). A wrong confident answer can send a child
to the wrong service, so below a threshold it says it does not know and names the CME officer.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from handlers.harm import mentions_harm, signpost
from handlers.knowledge.faq import FaqEntry, KnowledgeBase, Lexicon, load_knowledge
from handlers.knowledge.profile import Profile
from handlers.knowledge.sources import Source
from handlers.messages import Reply

# Thresholds on the blended cosine score, set against our own in-scope paraphrases and
# out-of-scope questions (tests/handlers/test_ask.py), not against the benchmark's wording.
ANSWER_AT = 0.30
SUGGEST_AT = 0.20
CLOSE_MARGIN = 0.06
MAX_ALTERNATIVES = 3
IDF_POWER, UNKNOWN_BOOST, SHARE_POWER = 1.0, 1.0, 1.0
W_BEST, W_WHOLE, W_COVER = 0.3, 0.2, 0.5
CHAR_WEIGHT = 0.5
MAX_CHARS = 2000  # a pasted email or case note: the question is near its start or its end
MAX_TOKENS = 48
HARM_TOPIC = "harm-what-to-do"
_WORDS = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents and apostrophes removed, so "Children’s" and "childrens" read alike."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['\u2019\u2018]", "'", text)
    text = re.sub(r"\bcan't\b", "can not", text.replace("won't", "will not"))
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"'(?:s|ve|re|ll|d|m)\b", "", text)
    return text.replace("'", "")


class _Folder:
    """Turns text into content words: typos fixed, staff wording folded, filler dropped."""

    def __init__(self, lexicon: Lexicon, vocabulary: set[str]) -> None:
        self._stop = lexicon.stopword_set()
        self._synonyms = lexicon.synonyms
        phrases = sorted(self._synonyms, key=len, reverse=True)
        self._phrase = re.compile(r"\b(?:" + "|".join(map(re.escape, phrases)) + r")\b")
        known = vocabulary | self._stop | set(self._synonyms)
        self._known = frozenset(known)
        self._choices = sorted(w for w in known if len(w) >= 4 and w.isalpha())
        self._fixed: dict[str, str] = {}

    def _spell(self, word: str) -> str:
        if word in self._known or len(word) < 6 or not word.isalpha():
            return word
        if word not in self._fixed:
            if len(self._fixed) > 20_000:  # arbitrary input must not grow memory without bound
                self._fixed.clear()
            self._fixed[word] = self._nearest(word)
        return self._fixed[word]

    def _nearest(self, word: str) -> str:
        # One slip in a short word, two in a long one; a longer or shorter form of the same word
        # ("office" / "officer") is a different word, not a typo, and the n-grams cover it anyway.
        limit = 1 if len(word) < 9 else 2
        for candidate, _, _ in process.extract(word, self._choices, scorer=OSA.distance, score_cutoff=limit, limit=3):
            if not (candidate.startswith(word) or word.startswith(candidate)):
                return candidate
        return word

    def tokens(self, text: str) -> list[str]:
        """The content words of `text`, in order."""
        words = [self._spell(w) for w in _WORDS.findall(fold(text))]
        joined = self._phrase.sub(lambda m: self._synonyms[m.group()], " ".join(words))
        stems = [stem(w) for w in joined.split() if w not in self._stop]
        return [w for w in stems if w not in self._stop]


def stem(word: str) -> str:
    """A light suffix stripper ("removes", "removed", "remove" -> "remov"), applied on both sides."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)] + keep
            break
    return word[:-1] if word.endswith("e") and len(word) >= 5 else word


@dataclass(frozen=True)
class AskResult:
    """The engine's answer: the topic (None when it does not know), text, sources and score."""

    topic: str | None
    answer: str
    sources: list[Source]
    score: float
    alternatives: list[str] = field(default_factory=list)
    harm: bool = False
    status: str = "answered"  # "answered" | "unknown" | "unreadable"
    note: str | None = None  # e.g. "I cannot advise on a specific child"
    signpost: Reply | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (the CLI's --json output)."""
        out: dict[str, Any] = {
            "topic": self.topic,
            "answer": self.answer,
            "sources": [s.to_dict() for s in self.sources],
            "score": round(self.score, 4),
            "alternatives": list(self.alternatives),
            "harm": self.harm,
            "status": self.status,
            "note": self.note,
        }
        if self.signpost is not None:
            out["signpost"] = self.signpost.to_dict()
        return out


def _documents(knowledge: KnowledgeBase) -> tuple[list[str], list[int], list[str]]:
    docs: list[str] = []
    owners: list[int] = []
    whole: list[str] = []
    for index, entry in enumerate(knowledge.entries):
        texts = [entry.title, *entry.phrasings]
        docs.extend(texts)
        owners.extend([index] * len(texts))
        whole.append(" ".join([*texts, *entry.keywords]))
    return docs, owners, whole


class AskEngine:
    """Finds the knowledge-base entry that answers a question, or abstains."""

    def __init__(self, knowledge: KnowledgeBase, profile: Profile) -> None:
        self.knowledge = knowledge
        self.profile = profile
        docs, owners, whole = _documents(knowledge)
        vocabulary = {w for text in [*whole, *knowledge.lexicon.synonyms.values()] for w in _WORDS.findall(fold(text))}
        self._folder = _Folder(knowledge.lexicon, vocabulary)
        self._word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"\S+", sublinear_tf=True)
        self._char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        folded = [" ".join(self._folder.tokens(d)) for d in docs + whole]
        self._word.fit(folded)
        self._char.fit(folded)
        self._docs = self._vectorise(folded[: len(docs)])
        self._whole = self._vectorise(folded[len(docs) :])
        self._generic = frozenset(self._folder.tokens(" ".join(knowledge.lexicon.generic)))
        self._starts = np.flatnonzero(np.r_[True, np.diff(owners) != 0])
        unigrams = [(t, i) for t, i in self._word.vocabulary_.items() if " " not in t]
        self._column = {t: n for n, (t, _) in enumerate(unigrams)}
        self._idf1 = {t: float(self._word.idf_[i]) for t, i in unigrams}
        self._unknown = UNKNOWN_BOOST * max(self._idf1.values())
        counts = self._word.transform(folded[len(docs) :])[:, [i for _, i in unigrams]]
        self._member = (counts > 0).astype(np.float64).toarray()

    def _content(self, text: str) -> str:
        tokens = self._folder.tokens(text[:MAX_CHARS] if len(text) <= MAX_CHARS else text[:1000] + " " + text[-1000:])
        if len(tokens) > MAX_TOKENS:
            tokens = tokens[: MAX_TOKENS // 2] + tokens[-MAX_TOKENS // 2 :]
        return " ".join(tokens)

    def _vectorise(self, texts: list[str]):
        stacked = hstack([self._word.transform(texts) * (1 - CHAR_WEIGHT), self._char.transform(texts) * CHAR_WEIGHT])
        stacked = stacked.tocsr()
        return normalize(stacked)

    def scores(self, question: str) -> np.ndarray:
        """One score per entry (0 to 1), in knowledge-base order."""
        tokens = self._content(question).split()
        unique = list(dict.fromkeys(tokens))
        known = [t for t in unique if t in self._column]
        if not any(t not in self._generic for t in known):
            return np.zeros(len(self.knowledge.entries))
        query = self._vectorise([" ".join(tokens)])
        best = np.maximum.reduceat((self._docs @ query.T).toarray().ravel(), self._starts)
        whole = (self._whole @ query.T).toarray().ravel()
        weight = {t: self._idf1.get(t, self._unknown) ** IDF_POWER for t in unique}
        total = sum(weight.values())
        known_weights = np.array([weight[t] for t in known])
        cover = (self._member[:, [self._column[t] for t in known]] @ known_weights) / total
        share = known_weights.sum() / total
        return (W_BEST * best + W_WHOLE * whole + W_COVER * cover) * share**SHARE_POWER

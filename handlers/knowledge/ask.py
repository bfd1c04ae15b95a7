"""Answers to "what counts as CME, what do I do, who do I call", only from the curated knowledge base.

The engine reads a question as the knowledge base is indexed (faq.TextReader: typos fixed, staff
wording folded, filler dropped) and scores every entry with TF-IDF over word and character n-grams
(scikit-learn). A wrong confident answer can send a child to the wrong service, so below a
threshold it says it does not know and names the CME officer. Harm in the question puts the MASH
signpost first. Build the engine once with `build_engine` and share it (threads included).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from handlers.knowledge.ask_rank import MAX_ALTERNATIVES, OFF_TOPIC, asks_what_to_do, decide, prefer_situation
from handlers.knowledge.contacts import contacts_reply
from handlers.knowledge.faq import WORDS, FaqError, KnowledgeBase, fold, load_knowledge, reader_for
from handlers.knowledge.glossary import Explanation, asked_about, terms_in
from handlers.knowledge.glossary import entries as glossary_entries
from handlers.knowledge.harm import mentions_harm, reach, signpost
from handlers.knowledge.profile import Profile
from handlers.knowledge.sources import Source
from handlers.messages import Button, Reply, ReplyKind

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

W_BEST, W_WHOLE, W_COVER = 0.3, 0.2, 0.5  # best phrasing, whole entry, share of the question covered
CHAR_WEIGHT = 0.5
UNKNOWN_WEIGHT = 1.0  # an unknown word weighs as much as the rarest known one
MAX_CHARS = 2000  # a pasted email or case note: the question is near its start or its end
MAX_WORDS = 120
MAX_WORD_CHARS = 40
MAX_TOKENS = 48
MAX_HARM_CHARS = 50_000
HARM_TOPIC = "harm-what-to-do"
CONTACTS_TOPIC = "contacts"
# Words that only ask "does it count as CME?" (see ask_rank.prefer_situation).
COUNTING_WORDS = (
    "children missing education child missing education missing from education missing education cme "
    "count counts counted counting classed class classified definition define defined meaning mean means "
    "criteria qualify qualifies cover covers covered include includes included explain"
)
EXAMPLES = (
    "What counts as children missing education?",
    "Who do I call if a child is at risk of harm?",
    "How do I report a child missing education?",
)
_IMMEDIATE = re.compile(r"\bimmediate(?:ly)? (?:danger|risk)\b|\bdanger (?:right )?now\b|\b999\b", re.I)
_SPECIFIC = re.compile(
    r"\b(?:he|she|him|his|her|hers|himself|herself)\b"
    r"|\b(?:my|our|this|that) (?:pupil|student|learner|child|kid|boy|girl|lad|son|daughter|young person|teenager)s?\b"
    r"|\bin (?:my|our) (?:class|school|form|tutor group|year group|setting|caseload)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")
_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+\b")
_NAMED = re.compile(r"\b(?:refer|about|called|named|for|pupil|student|child|boy|girl)\s+([A-Z][a-z]{2,})\b")


@dataclass(frozen=True)
class AskResult:
    """The engine's answer: the topic (None when it does not know), text, sources and score."""

    topic: str | None
    answer: str
    sources: list[Source]
    score: float
    alternatives: list[str] = field(default_factory=list)
    harm: bool = False
    status: str = "answered"  # "answered" | "unknown" (nothing fits) | "help" (nothing to go on)
    note: str | None = None  # said when the question is about a specific child
    signpost: Reply | None = None  # the MASH signpost, when harm is mentioned
    explained: bool = False  # a "what does TERM mean?" answer: the alternatives are related entries, not guesses

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (the CLI's --json output)."""
        out: dict[str, Any] = {
            "topic": self.topic,
            "answer": self.answer,
            "sources": [s.to_dict() for s in self.sources],
            "score": round(float(self.score), 4),
            "alternatives": list(self.alternatives),
            "harm": self.harm,
            "status": self.status,
            "note": self.note,
        }
        if self.signpost is not None:
            out["signpost"] = self.signpost.to_dict()
        return out


def about_specific_child(text: str, known_words: frozenset[str] = frozenset()) -> bool:
    """True when a question seems to be about one real child ("my pupil", "she is", "refer Jamie")."""
    if _SPECIFIC.search(text):
        return True
    return any(name.lower() not in known_words for name in _NAMED.findall(text))


def _passages(text: str) -> list[str]:
    # In a pasted email or case note the question is usually its first or its last sentence.
    if len(text.split()) <= MAX_WORDS:
        return [text]
    sentences = [part for part in _SENTENCE_END.split(text) if part.strip()]
    return list(dict.fromkeys([sentences[0], sentences[-1]])) if sentences else [text]


def _clip(text: str) -> str:
    # Bounds the work on a pasted essay: every unknown word costs a spelling look-up.
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS // 2] + " " + text[-MAX_CHARS // 2 :]
    words = text.split()
    if len(words) > MAX_WORDS:
        words = words[: MAX_WORDS // 2] + words[-MAX_WORDS // 2 :]
    return " ".join(word[:MAX_WORD_CHARS] for word in words)


class AskEngine:
    """Finds the knowledge-base entry that answers a question, or abstains."""

    def __init__(self, knowledge: KnowledgeBase, profile: Profile) -> None:
        self.knowledge = knowledge
        self.profile = profile
        self._ids = knowledge.ids
        self._answers = {entry.id: entry.render(profile) for entry in knowledge.entries}
        self._reader = reader_for(knowledge)
        self._generic = frozenset(self._reader.tokens(" ".join(knowledge.lexicon.generic)))
        self._counting = frozenset(self._reader.tokens(COUNTING_WORDS))
        # Capitalised words that are not names: the knowledge base's own words and the council's.
        self._not_names = self._reader.known | set(WORDS.findall(fold(f"{profile.name} {profile.short_name}")))
        self._glossary = {entry.topic: entry for entry in glossary_entries()}
        for entry in self._glossary.values():
            if unknown := {entry.answered_by, *entry.related} - {None, *self._ids}:
                raise FaqError(f"glossary.yaml: {entry.id}: no knowledge-base entry {sorted(unknown)}")
        self._build_index()

    def _build_index(self) -> None:
        # scipy takes a moment to import: only a process that answers questions pays for it.
        from scipy.sparse import hstack

        from handlers.knowledge.tfidf import Tfidf, normalize_rows

        self._hstack, self._normalize = hstack, normalize_rows
        # Every entry, then the "not about CME" pseudo-entry: questions it fits are not answered.
        material = [([e.title, *e.phrasings], e.keywords) for e in self.knowledge.entries]
        if self.knowledge.lexicon.off_topic:
            material.append((self.knowledge.lexicon.off_topic, []))
            self._ids = [*self._ids, OFF_TOPIC]
        docs, owners, wholes = [], [], []
        for index, (texts, keywords) in enumerate(material):
            docs += [" ".join(self._reader.tokens(t)) for t in texts]
            owners += [index] * len(texts)
            wholes.append(" ".join(self._reader.tokens(" ".join([*texts, *keywords]))))
        self._word = Tfidf(ngram_range=(1, 2), token_pattern=r"\S+").fit(docs + wholes)
        self._char = Tfidf(analyzer="char_wb", ngram_range=(3, 5)).fit(docs + wholes)
        self._docs, self._wholes = self._vectorise(docs), self._vectorise(wholes)
        self._starts = np.flatnonzero(np.r_[True, np.diff(owners) != 0])
        unigrams = [(t, i) for t, i in self._word.vocabulary_.items() if " " not in t]
        self._column = {t: n for n, (t, _) in enumerate(unigrams)}
        self._idf = {t: float(self._word.idf_[i]) for t, i in unigrams}
        self._unknown_idf = UNKNOWN_WEIGHT * max(self._idf.values())
        self._member = (self._word.transform(wholes)[:, [i for _, i in unigrams]] > 0).toarray().astype(float)
        # Words only the off-topic pseudo-entry uses ("pension") count as unknown to the real entries.
        self._ours = frozenset(
            t for t, n in self._column.items() if self._member[: len(self.knowledge.entries), n].any()
        )

    def _vectorise(self, texts: list[str]) -> csr_matrix:
        word = self._word.transform(texts) * (1 - CHAR_WEIGHT)
        return self._normalize(self._hstack([word, self._char.transform(texts) * CHAR_WEIGHT]).tocsr())

    def tokens(self, question: str) -> list[str]:
        """The question's content words as the index reads them (long text keeps its start and end)."""
        # A name or place the knowledge base does not know ("Jamie", "Spain") says nothing about
        # the topic, so it must not count against the question as an unknown word would.
        text = _PROPER.sub(lambda m: m.group() if m.group().lower() in self._reader.known else " ", _clip(question))
        tokens = self._reader.tokens(text)
        return tokens if len(tokens) <= MAX_TOKENS else tokens[: MAX_TOKENS // 2] + tokens[-MAX_TOKENS // 2 :]

    def scores(self, tokens: list[str]) -> np.ndarray:
        """One score per entry, in knowledge-base order; all zero without a known non-generic word."""
        unique = list(dict.fromkeys(tokens))
        known = [t for t in unique if t in self._column]
        if all(t in self._generic for t in known if t in self._ours):
            return np.zeros(len(self._ids))
        query = self._vectorise([" ".join(tokens)])
        best = np.maximum.reduceat((self._docs @ query.T).toarray().ravel(), self._starts)
        whole = (self._wholes @ query.T).toarray().ravel()
        # Share of the question's weight each entry covers; words the knowledge base has never
        # seen ("timesheet", "holidays") count against every entry, rare words more than "child".
        weights = np.array([self._idf[t] if t in self._ours else self._unknown_idf for t in known])
        total = weights.sum() + self._unknown_idf * (len(unique) - len(known))
        cover = self._member[:, [self._column[t] for t in known]] @ weights / total
        ours = sum(self._idf[t] for t in known if t in self._ours)
        return (W_BEST * best + W_WHOLE * whole + W_COVER * cover) * (ours / total)

    def ask(self, question: str, *, now: dt.datetime | None = None) -> AskResult:
        """Answer a free-text question: the entry that fits, or "I don't know" naming the CME officer."""
        text = question if isinstance(question, str) else ""
        harm = mentions_harm(text[:MAX_HARM_CHARS])
        post = self._signpost(text, now) if harm else None
        meaning = None if harm else asked_about(text)
        if meaning is not None:  # "what is a CTF?": the glossary says, or the entry that explains the term
            return self._explained(meaning)
        readings = [tokens for tokens in map(self.tokens, _passages(text)) if tokens]
        if not readings and not harm:
            return AskResult(None, self.help_text(), [], 0.0, status="help")
        scores = max(map(self.scores, readings), key=np.max, default=np.zeros(len(self._ids)))
        decision = prefer_situation(
            decide(scores, self._ids), scores, lambda: self._without_counting(readings), self._ids
        )
        topic, score, alternatives = decision.topic, decision.score, decision.alternatives
        specific = about_specific_child(text, self._not_names)
        if harm and (topic is None or specific or asks_what_to_do(fold(text[:MAX_CHARS]))):
            # The signpost leads; for one real child at risk, when asked what to do now, or when
            # nothing else fits, what to do about harm is the answer; the topic becomes a "did you mean".
            alternatives = [t for t in (topic, *alternatives) if t and t != HARM_TOPIC][:MAX_ALTERNATIVES]
            topic, score = HARM_TOPIC, float(scores[self._ids.index(HARM_TOPIC)])
        if topic is None:
            return AskResult(None, self.unknown_text(), [], score, alternatives, status="unknown")
        note = self.specific_child_note() if specific else None
        sources = self.knowledge.get(topic).cited()
        return AskResult(topic, self._answers[topic], sources, score, alternatives, harm, "answered", note, post)

    def _explained(self, meaning: Explanation) -> AskResult:
        """The answer to "what does TERM mean?": the knowledge-base entry that explains it, or the glossary's."""
        if meaning.answered_by:
            topic = meaning.answered_by
            cited, answer = self.knowledge.get(topic).cited(), self._answers[topic]
            return AskResult(topic, answer, cited, 1.0, list(meaning.related), explained=True)
        return AskResult(meaning.topic, meaning.text, list(meaning.sources), 1.0, list(meaning.related), explained=True)

    def _without_counting(self, readings: list[list[str]]) -> np.ndarray | None:
        """Scores once the words that only ask "does it count" are set aside (None if there were none)."""
        rest = [[t for t in tokens if t not in self._counting] for tokens in readings]
        if all(len(r) == len(t) for r, t in zip(rest, readings, strict=True)) or not any(rest):
            return None  # no "does it count" words, or nothing but them
        return max((self.scores(r) for r in rest if r), key=np.max)

    def _signpost(self, text: str, now: dt.datetime | None) -> Reply:
        immediate = bool(_IMMEDIATE.search(text[:MAX_HARM_CHARS]))
        return signpost(now=now or dt.datetime.now(dt.UTC), profile=self.profile, immediate_danger=immediate)

    def _officer(self) -> str:
        return reach(self.profile, "cme_officer")

    def help_text(self) -> str:
        """What the bot can answer, for an empty or unreadable question."""
        examples = "; ".join(f'"{e}"' for e in EXAMPLES)
        return (
            "I answer questions in English about children missing education (CME): what counts as CME, "
            f"what to do, and who to contact. For example: {examples}. "
            f"For anything else about CME, contact the CME officer on {self._officer()}."
        )

    def unknown_text(self) -> str:
        """The honest "I don't know" that names the CME officer."""
        return (
            "I don't know the answer to that, and I would rather not guess. "
            f"Please ask the CME officer on {self._officer()}."
        )

    def specific_child_note(self) -> str:
        """Said when a question is about one child: the bot gives general guidance only."""
        return (
            "I can only give general guidance, not advice about a particular child. "
            f"To talk about this child, contact the CME officer on {self._officer()}."
        )

    @property
    def topics(self) -> list[str]:
        """Every topic an answer may name: the knowledge base's entries, then the glossary's ("glossary:ctf")."""
        return [*self.knowledge.ids, *self._glossary]

    def title_of(self, topic: str) -> str:
        """The entry's title (a glossary entry's term), for buttons and headings."""
        if topic in self._glossary:
            return self._glossary[topic].term
        return self.knowledge.get(topic).title


def build_engine(profile: Profile, knowledge: KnowledgeBase | None = None) -> AskEngine:
    """Load (or take) the knowledge base, check every answer renders with `profile`, fit the index."""
    return AskEngine(knowledge or load_knowledge(profile=profile), profile)


def _did_you_mean(engine: AskEngine, topics: list[str]) -> tuple[Button, ...]:
    return tuple(Button(engine.title_of(t), f"/cme ask {engine.title_of(t)}") for t in topics)


def _answer_reply(engine: AskEngine, result: AskResult, topic: str, now: dt.datetime) -> Reply:
    text = result.answer + (f"\n\n{result.note}" if result.note else "")
    data = {"topic": topic, "score": round(result.score, 4), "sources": [s.to_dict() for s in result.sources]}
    facts = tuple(("Source", f"{s.title}: {s.url}") for s in result.sources)
    reply = Reply(text=text, kind=ReplyKind.ANSWER, title=engine.title_of(topic), facts=facts, data=data)
    if topic == CONTACTS_TOPIC:  # the live directory says who answers at this hour
        directory = contacts_reply(engine.profile, now)
        reply = replace(reply, text=directory.text, facts=directory.facts + facts, data={**directory.data, **data})
    return reply


def ask_replies(engine: AskEngine, question: str, *, now: dt.datetime) -> list[Reply]:
    """The chat replies for a question: the harm signpost first, then the answer or "I don't know"."""
    result = engine.ask(question, now=now)
    replies = [result.signpost] if result.signpost is not None else []
    if result.topic is not None:
        replies.append(_answer_reply(engine, result, result.topic, now))
        if result.alternatives:  # its own message, so the offer sits with its buttons after the sources
            buttons = _did_you_mean(engine, result.alternatives)
            offer = "More on this:" if result.explained else "Or did you mean one of these?"
            replies.append(Reply(text=offer, kind=ReplyKind.INFO, buttons=buttons))
    elif result.status == "help":
        buttons = tuple(Button(e, f"/cme ask {e}") for e in EXAMPLES)
        replies.append(Reply(text=result.answer, kind=ReplyKind.HELP, title="What I can answer", buttons=buttons))
    else:
        text = result.answer + (" Did you mean one of these?" if result.alternatives else "")
        buttons = _did_you_mean(engine, result.alternatives)
        replies.append(Reply(text=text, kind=ReplyKind.INFO, title="I don't know", buttons=buttons))
        replies.extend(_terms_reply(question))
    return replies


def _terms_reply(question: str) -> list[Reply]:
    """What the terms in an unanswered question mean (at most three), so the asker is not left with nothing."""
    found = terms_in(question)[:MAX_ALTERNATIVES]
    if not found:
        return []
    facts = tuple((entry.term, entry.text) for entry in found)
    sources = tuple(("Source", f"{s.title}: {s.url}") for entry in found for s in entry.sources)
    text = "Some words in your question, explained:"
    return [Reply(text=text, kind=ReplyKind.INFO, title="Words explained", facts=facts + tuple(dict.fromkeys(sources)))]

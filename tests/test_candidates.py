"""The OCR candidate search (flows/kazakh/confusions.py): golden words, and the same candidates
as the search before issue 19 made it faster, save the deep pass beyond the longest kk form."""

from __future__ import annotations

import random

import pytest
from cases import load_cases

from flows.hostile import hostile_text
from flows.kazakh.confusions import MAX_CANDIDATES, Candidate, CandidateIndex
from flows.kazakh.dictionaries import kazakh_stems
from flows.kazakh.morphology import MAX_SUFFIXES
from flows.stages.ocr import index_for


@pytest.fixture(scope="module")
def index(rules) -> CandidateIndex:
    return index_for(rules)


@pytest.mark.parametrize("case", load_cases("deep_candidates.json"))
def test_best_candidate(case, index):
    found = index.candidates(case["input"])
    assert (found[0].word if found else None) == case["expected"], case["why"]


def test_a_glued_line_longer_than_any_listed_form_is_restored_once(index, monkeypatch):
    """Eight glued words: the first pass restores the token once; the deep pass would restore
    and analyse each of its ~30 swaps and dropped vowels, none of them a word."""
    calls = []
    restore = index.restore
    monkeypatch.setattr(index, "restore", lambda form: calls.append(form) or restore(form))
    token = "бірнешебаламектепжердеауылбұлолбізқазақ"
    assert index.candidates(token) == []
    assert calls == [token]


# -- the search as it was: the reference the faster one must equal ----------------------------
def reference_restore(index: CandidateIndex, observed: str) -> list[str]:
    spelled: set[str] = set()
    reference_strip(index, observed, observed.translate(index.fold), None, "", 0, spelled)
    return [w for w in sorted(spelled) if w != observed and index.lexicon.is_word(w)][
        :MAX_CANDIDATES
    ]


def reference_strip(index, rest, key, outer, tail, depth, out) -> None:
    if len(out) >= MAX_CANDIDATES * 4:
        return
    for surface in index.stems.get(key, ()):
        if index.reachable(rest, surface):
            out.add(surface + tail)
    stems = index.lexicon.analyser.stems
    if rest in stems or (tail and (rest + "ь" in stems or rest + rest[-1:] in stems)):
        out.add(rest + tail)
    if depth >= MAX_SUFFIXES:
        return
    for length in index.lengths:
        if length > len(rest) - 2:
            break
        part = rest[-length:]
        for suffix in index.suffixes.get(key[-length:], ()):
            if (outer is None or outer.may_follow(suffix)) and index.reachable(part, suffix.form):
                reference_strip(
                    index, rest[:-length], key[:-length], suffix, suffix.form + tail, depth + 1, out
                )


def candidates_reference(index: CandidateIndex, word: str, deep: bool) -> list[Candidate]:
    found: dict[str, Candidate] = {}

    def add(variant, cost, edits):
        restored = reference_restore(index, variant)
        if variant != word and index.lexicon.is_word(variant):
            restored.append(variant)
        for candidate in restored:
            extra, changes = index.letter_cost(variant, candidate)
            if candidate not in found or cost + extra < found[candidate].cost:
                found[candidate] = Candidate(candidate, cost + extra, edits + changes)

    for variant, cost, edits in index.variants(word, deep=False):
        add(variant, cost, edits)
    if not found and deep:
        for variant, cost, edits in index.variants(word, deep=True):
            add(variant, cost, edits)
    return sorted(found.values(), key=lambda c: (c.cost, c.word))


def sample_tokens(index: CandidateIndex, n: int, seed: int = 19) -> list[str]:
    """Words of the kk list, the same through one confusion, glued text, random letters, and
    long words with a swap (the forms the bound changes)."""
    rng = random.Random(seed)
    listed = sorted(kazakh_stems())
    words = rng.sample(listed, n)
    damaged = []
    for word in rng.sample(listed, n):
        edits = [(i, e) for e in index.edits if e.kind == "swap" for i in find(word, e.intended)]
        if edits:
            i, e = rng.choice(edits)
            damaged.append(word[:i] + e.observed + word[i + len(e.intended) :])
        if rng.random() < 0.5 and len(word) > 3:  # a narrow vowel dropped, or a Kazakh letter lost
            damaged.append(word.replace("і", "", 1).replace("қ", "к"))
    glued = hostile_text("glued-words", 6 * n).replace("-", " ").split()
    glued = [t.lower() for t in glued if t.isalpha() and len(t) <= 40][:n]
    letters = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"
    noise = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 30))) for _ in range(n)]
    long = ["орталықтапдырылмағанның", "электрокардиографияльқтан", "иммупопрофилактикалықтың"]
    return words + damaged + glued + noise + long


def find(text: str, part: str) -> list[int]:
    return [i for i in range(len(text)) if text.startswith(part, i)]


def test_candidates_equal_the_reference_search(index):
    """The faster search gives exactly the candidates of the search before it (costs and
    edits too); the deep pass now stops at the longest form of the kk list."""
    for token in sample_tokens(index, 400):
        deep = len(token) <= index.longest_listed
        assert index.candidates(token) == candidates_reference(index, token, deep), token

"""Hostile text (issue 19): every pattern of `tazala bench hostile` within a CPU budget
generous enough not to be flaky (hostile_patterns.json: pattern, size, budget, why), small, or
larger where a cost that grew with the square of a line shows; and a word that would respell
without end (тиі × 16) cleaned by the real command in bounded memory.

The benchmark itself (three sizes, growth per doubling, MB/s, peak memory) is in the README."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from conftest import PROJECT

from flows.bench import MAX_PEAK_MB, clean_in_process, clean_peak_rss
from flows.hostile import HOSTILE, hostile_text

CASES = json.loads((Path(__file__).parent / "hostile_patterns.json").read_text(encoding="utf-8"))


class OverBudget(Exception):
    pass


@pytest.fixture(scope="module")
def warm(rules):
    clean_in_process("Бұл сөз.", rules)  # the lexicon and candidate index, built once
    return rules


def test_every_pattern_has_a_budget():
    assert sorted(case["pattern"] for case in CASES) == sorted(HOSTILE)


@pytest.mark.parametrize("case", CASES, ids=[case["pattern"] for case in CASES])
def test_hostile_pattern_within_budget(case, warm):
    text = hostile_text(case["pattern"], case["chars"])
    budget = case["cpu_seconds"]

    def stop(*_):
        raise OverBudget(f"{case['pattern']}: over {10 * budget:.0f} s of wall time")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(int(10 * budget))  # a runaway stops here instead of hanging the suite
    try:
        started = time.process_time()
        clean_in_process(text, warm)
        seconds = time.process_time() - started
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert seconds <= budget, f"{case['pattern']} ({case['why']}): {seconds:.1f} s CPU"


def test_a_word_of_kazakh_syllables_is_left_as_it_is_in_bounded_memory(warm):
    """`printf 'Бұл %s сөз.' тиі×16 | tazala clean --no-corpus` built every respelling of the
    word (3^16) and took 22 GB; the word, longer than any word the OCR stage corrects, now
    comes out as it went in."""
    text = f"Бұл {'тиі' * 16} сөз."
    assert clean_in_process(text, warm) == text
    peak, failure = clean_peak_rss(text, str(PROJECT / "rules"))
    assert not failure
    assert peak <= MAX_PEAK_MB


def test_a_paragraph_of_letter_noise_is_no_kazakh_text(warm):
    """Random letters are no misread words: the OCR stage leaves them alone, without the
    candidate search per word (milliseconds each, every word new)."""
    from flows.stages import STAGES
    from flows.stages.base import Context
    from flows.statistics import CorpusStatistics

    noise = hostile_text("random-cyrillic-words", 3000)
    text, changes = STAGES["ocr"].fix(noise, Context(warm, CorpusStatistics()))
    assert text == noise
    assert not changes.edits and not changes.suggestions and not changes.counts


@pytest.mark.parametrize("pattern", ["one-paragraph", "all-capitals", "sign-for-i-words"])
def test_prose_is_not_letter_noise(pattern):
    from flows.hostile import lost_letters
    from flows.stages.ocr import letter_noise

    text = hostile_text(pattern, 3000)
    assert not letter_noise(text) and not letter_noise(lost_letters(text))

"""Rules from a person's hand: a pattern that backtracks without end must not hang a run."""

from __future__ import annotations

import shutil
import time

from conftest import PROJECT

from flows.clean import repair_document
from flows.document import Document
from flows.rules import load_rules
from flows.stages.layout import TIMED_OUT, TIMEOUT

# A repeat of two alternatives matching the same letter, one the load-time probes do not try:
# it passes loading, then needs 2^n steps on a line of n of that letter.
SLOW = "slow\tline\t(ж|ж)+ы\n"
PLAIN = "views\tline\tқаралды:?\\s*\\d+\n"


def test_a_runaway_pattern_is_switched_off_for_the_document(tmp_path):
    rules_folder = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules_folder)
    (rules_folder / "kk" / "boilerplate.txt").write_text(SLOW + PLAIN, encoding="utf-8")
    rules = load_rules(rules_folder)  # the probes do not catch this one
    lines = ["ж" * 40, "Бұл мақала туралы.", "Қаралды: 120", "ж" * 40, "Соңғы сөйлем."]
    started = time.perf_counter()
    document = repair_document(Document("d", "d.txt", "\n\n".join(lines)), rules)
    seconds = time.perf_counter() - started
    assert document.counts["layout"][f"{TIMED_OUT}slow"] == 1  # once, then off
    assert seconds < 4 * TIMEOUT + 2  # not 2^40 steps, not once per line
    assert "Қаралды" not in document.text, "the other patterns still work"
    assert "Бұл мақала туралы." in document.text and "ж" * 40 in document.text


def test_the_report_warns_about_a_switched_off_pattern():
    from flows.report import _warnings

    manifest = {"skipped": [], "inputs": [], "stages": {"layout": {f"{TIMED_OUT}slow": 3}}}
    [warning] = _warnings(manifest)
    assert "`slow` took too long" in warning and "3 document(s)" in warning

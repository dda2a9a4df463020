"""Load and validate the rules folder: what a linguist edits without touching Python.

Every problem is reported with the file and line it is on, before any work starts. The rules
fingerprint (a hash over every file of the folder) is part of each release's fingerprint, so a
changed rule always gives a new release.
"""

from __future__ import annotations

import codecs
import hashlib
import shutil
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex

REPAIR_STAGES = ("encoding", "characters", "layout", "sentences")
CORRECT_STAGES = ("repeats", "ocr", "spelling")
# The keys of page chrome by structure (flows/stages/chrome.py, flows/stages/repeats.py),
# each a count of lines, words, items, documents or characters
LAYOUT_COUNTS = {
    "layout": (
        "line_width",
        "edge_min_signals",
        "edge_gap_lines",
        "menu_min_items",
        "menu_item_words",
        "link_words",
    ),
    "repeats": ("line_width", "min_documents"),
}
SETTINGS_TABLES = ("ingest", "lexicon")  # tables of pipeline.toml that belong to no one stage
ABBREVIATION_FLAGS = {"ends-sentence"}
# A Cyrillic word, hyphenated compounds included (қоғамдық-саяси): a spelling variant.
CYRILLIC_WORD = regex.compile(r"\p{Cyrillic}+(?:-\p{Cyrillic}+)*")
VARIANT_ACTIONS = ("pin", "forbid")
STYLE_SETTINGS = {"quotes": {"keep", "guillemets", "straight"}, "dashes": {"keep", "em", "en"}}
# [ocr] model: where a run's decision model comes from: the rules folder's kk/decision_model.toml,
# or a fit on the run's own corpus statistics (flows/pipeline.py, task fit-decision-model)
MODEL_SOURCES = ("rules", "corpus")
MODEL_PATH = "kk/decision_model.toml"  # the decision model in a rules folder
SPELLING_MODEL_PATH = "kk/spelling_model.toml"  # the spelling stage's merge model
MODEL_SEED, MODEL_EXAMPLES = 1, 8000  # defaults of [ocr] model_seed and model_examples
MIN_MODEL_EXAMPLES = 200  # fewer leave too few held-out examples to calibrate on


class RulesError(ValueError):
    """A rules file is missing or malformed; the message names file, line and problem."""


@dataclass(frozen=True)
class Abbreviations:
    """Abbreviations written with a final period (`жж.`, `т.б.`), lower-cased.

    `ends_sentence` holds the ones that often close a sentence (`т.б.`): after them a capital
    letter starts a new sentence; after the others it does not.
    """

    all: frozenset[str] = frozenset()
    ends_sentence: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Predicates:
    """Words and word endings that close a Kazakh sentence (its predicate)."""

    words: frozenset[str] = frozenset()
    endings: tuple[str, ...] = ()
    not_endings: tuple[str, ...] = ()  # endings that look like a predicate's but are not

    def ends_sentence(self, word: str) -> bool:
        word = word.lower()
        if word in self.words:
            return True
        return word.endswith(self.endings) and not word.endswith(self.not_endings)


@dataclass(frozen=True)
class VariantOverrides:
    """rules/kk/variants.tsv: mappings a person pinned (always applied) or forbade."""

    pinned: dict[str, str] = field(default_factory=dict)
    forbidden: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class BoilerplateRule:
    name: str
    kind: str  # "line", "teaser" (a read-more link) or "filler" (inside teasers too)
    pattern: Any  # regex.Pattern, matched against a whole trimmed line


@dataclass(frozen=True)
class MojibakeChain:
    """Bytes in `true_encoding` that were read as `read_as`."""

    name: str
    read_as: str
    true_encoding: str


@dataclass(frozen=True)
class Rules:
    folder: str
    fingerprint: str
    repair: tuple[str, ...]
    correct: tuple[str, ...]
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    abbreviations: Abbreviations = Abbreviations()
    encodings: tuple[str, ...] = ("utf-8",)
    mojibake: tuple[MojibakeChain, ...] = ()
    legacy_fonts: dict[str, str] = field(default_factory=dict)
    homoglyphs: dict[str, str] = field(default_factory=dict)  # Latin -> Cyrillic
    letters: dict[str, str] = field(default_factory=dict)
    abbreviation_suffixes: frozenset[str] = frozenset()
    predicates: Predicates = Predicates()
    boilerplate: tuple[BoilerplateRule, ...] = ()
    chrome_words: dict[str, str] = field(default_factory=dict)  # kk/chrome_words.tsv: word -> kind
    grammar: Any = None  # flows.kazakh.morphology.Grammar: kk/suffixes.tsv and kk/onsets.tsv
    stems: dict[str, str] = field(default_factory=dict)  # kk/stems.tsv: stem -> kind
    confusions: tuple[Any, ...] = ()  # flows.kazakh.confusions.Confusion: kk/confusions.tsv
    standalone: frozenset[str] = frozenset()  # kk/standalone.txt: words no compound begins with
    units: frozenset[str] = frozenset()  # kk/units.txt: units of measure written after a number
    hyphenated: frozenset[str] = frozenset()  # kk/hyphenated.txt: `-ақ` particles, `де-факто`
    variants: VariantOverrides = VariantOverrides()  # kk/variants.tsv: pinned, forbidden merges
    decision_model: Any = None  # flows.kazakh.model.DecisionModel: kk/decision_model.toml
    spelling_model: Any = None  # flows.kazakh.model.SpellingModel: kk/spelling_model.toml

    def parameter(self, stage: str, name: str, default: Any) -> Any:
        return self.parameters.get(stage, {}).get(name, default)

    def model_settings(self) -> tuple[str, int, int]:
        """[ocr] model, model_seed and model_examples: where the decision model comes from,
        and the seed and size of a fit on the corpus."""
        ocr = self.parameters.get("ocr", {})
        return (
            str(ocr.get("model", "rules")),
            int(ocr.get("model_seed", MODEL_SEED)),
            int(ocr.get("model_examples", MODEL_EXAMPLES)),
        )

    def threshold(self, stage: str) -> float:
        """The confidence a correction of `stage` needs to be applied rather than suggested."""
        return float(self.parameters.get(stage, {}).get("confidence_threshold", 1.0))


def rules_files(folder: Path) -> dict[str, str]:
    """Every file below `folder` (relative path, "/" separated) with its bytes' sha256, in
    path order: what a release records, so that `tazala diff` can name the files changed."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(p for p in folder.rglob("*") if p.is_file())
    }


def fingerprint_folder(folder: Path) -> str:
    """sha256 over the relative path and bytes of every file below `folder`, in path order."""
    digest = hashlib.sha256()
    for relative, file_digest in rules_files(folder).items():
        digest.update(relative.encode() + b"\0")
        digest.update(bytes.fromhex(file_digest))
    return digest.hexdigest()


# Rules files that only the correct stages read: a change to them (a review decision) leaves
# every file's repair as it was, so the repair cache keeps it (flows/cache.py).
CORRECT_ONLY_FILES = frozenset({"kk/variants.tsv"})


def repair_fingerprint(files: dict[str, str]) -> str:
    """The fingerprint of the rules files the repair stages may read (`rules_files` without
    CORRECT_ONLY_FILES), as `fingerprint_folder` makes it."""
    digest = hashlib.sha256()
    for relative, file_digest in files.items():
        if relative not in CORRECT_ONLY_FILES:
            digest.update(relative.encode() + b"\0")
            digest.update(bytes.fromhex(file_digest))
    return digest.hexdigest()


class RulesChanged(RuntimeError):
    """The rules folder changed between planning a run and copying it for the run's tasks."""


def snapshot_rules(folder: str | Path, target: Path, fingerprint: str) -> Path:
    """Copy the rules folder to `target` and check it is the one the run was planned with:
    every task of the run reads this copy, so a linguist saving a file (or `tazala review
    --accept`) during a run changes the next run, never half of this one."""
    shutil.copytree(folder, target)
    if fingerprint_folder(target) != fingerprint:
        raise RulesChanged(
            f"the rules in {folder} changed after the run was planned; nothing was published: "
            "run again once they are saved"
        )
    return target


def load_rules(folder: str | Path) -> Rules:
    """Read and validate a rules folder; raise RulesError naming file and line."""
    root = Path(folder)
    if not (root / "pipeline.toml").is_file():
        raise RulesError(
            f"{root}: no pipeline.toml here; point --rules at a rules folder "
            "(the project's own is rules/)"
        )
    return _load_rules(str(root.resolve()), fingerprint_folder(root))


@lru_cache(maxsize=8)
def _load_rules(folder: str, fingerprint: str) -> Rules:
    # Cached by fingerprint: shard tasks in one worker process load the rules once.
    root = Path(folder)
    config, text = _read_toml(root / "pipeline.toml")
    pipeline = config.get("pipeline", {})
    repair = _stage_list(pipeline, "repair", REPAIR_STAGES, root / "pipeline.toml", text)
    correct = _stage_list(pipeline, "correct", CORRECT_STAGES, root / "pipeline.toml", text)
    parameters = {k: v for k, v in config.items() if k != "pipeline"}
    _check_parameters(parameters, root / "pipeline.toml", text)
    return Rules(
        folder=folder,
        fingerprint=fingerprint,
        repair=repair,
        correct=correct,
        parameters=parameters,
        abbreviations=read_abbreviations(root / "kk" / "abbreviations.txt"),
        encodings=tuple(row[0] for row in read_table(root / "kk" / "encodings.tsv", 2, _codec)),
        mojibake=tuple(
            MojibakeChain(*row[:3]) for row in read_table(root / "kk" / "mojibake.tsv", 3, _chain)
        ),
        legacy_fonts=_pairs(root / "kk" / "legacy_fonts.tsv", _letter_pair),
        homoglyphs=_pairs(root / "kk" / "homoglyphs.tsv", _homoglyph),
        letters=_pairs(root / "kk" / "letters.tsv", _letter_pair, columns=3),
        abbreviation_suffixes=frozenset(
            row[0] for row in read_table(root / "kk" / "abbreviation_suffixes.txt", 1, _suffix)
        ),
        predicates=read_predicates(root / "kk" / "predicates.txt"),
        boilerplate=read_boilerplate(root / "kk" / "boilerplate.txt"),
        chrome_words=_pairs(root / "kk" / "chrome_words.tsv", _chrome_word),
        grammar=read_grammar(root),
        stems=read_stems(root / "kk" / "stems.tsv"),
        confusions=read_confusions(root / "kk" / "confusions.tsv"),
        standalone=frozenset(
            row[0] for row in read_table(root / "kk" / "standalone.txt", 1, _word)
        ),
        units=frozenset(row[0] for row in read_table(root / "kk" / "units.txt", 1, _word)),
        hyphenated=frozenset(
            row[0] for row in read_table(root / "kk" / "hyphenated.txt", 1, _hyphenated)
        ),
        variants=read_variants(root / "kk" / "variants.tsv"),
        decision_model=read_decision_model(root / MODEL_PATH),
        spelling_model=read_spelling_model(root / SPELLING_MODEL_PATH),
    )


def with_decision_model(rules: Rules, path: Path) -> Rules:
    """These rules with the decision model of `path` instead of their own (a release's model,
    fitted on its corpus). The fingerprint changes with it: what a process builds once per
    rules fingerprint (the OCR stage's corrector) is never shared between the two models."""
    model = read_decision_model(path)
    if model is None:
        raise RulesError(f"{path}: no decision model here")
    fingerprint = hashlib.sha256(
        f"{rules.fingerprint} {hashlib.sha256(path.read_bytes()).hexdigest()}".encode()
    ).hexdigest()
    return replace(rules, decision_model=model, fingerprint=fingerprint)


def read_grammar(root: Path) -> Any:
    from flows.kazakh.morphology import read_grammar as read  # it builds on read_table

    return read(root)


def read_decision_model(path: Path) -> Any:
    from flows.kazakh.model import ModelError, read_model

    try:
        return read_model(path)
    except ModelError as error:
        raise RulesError(str(error)) from error


def read_spelling_model(path: Path) -> Any:
    from flows.kazakh.model import ModelError
    from flows.kazakh.model import read_spelling_model as read

    try:
        return read(path)
    except ModelError as error:
        raise RulesError(str(error)) from error


def read_confusions(path: Path) -> tuple[Any, ...]:
    from flows.kazakh.confusions import read_confusions as read  # it builds on read_table

    return read(path)


STEM_KINDS = ("function", "noun", "verb", "adjective", "loan", "name", "abbreviation")


def variant_problem(variant: str, canonical: str, action: str) -> str | None:
    """What makes a row of variants.tsv wrong, or None (`tazala review` checks its decisions
    with this too, before writing them)."""
    for word in (variant, canonical):
        if not CYRILLIC_WORD.fullmatch(word) or word != word.lower():
            return f"{word!r} must be a lower-case Cyrillic word"
    if variant == canonical:
        return "variant and canonical form are the same"
    if action not in VARIANT_ACTIONS:
        return f"action {action!r} must be one of {', '.join(VARIANT_ACTIONS)}"
    return None


def read_variants(path: Path) -> VariantOverrides:
    """variant<TAB>canonical<TAB>pin|forbid[<TAB>note], lower-case Cyrillic words."""
    pinned: dict[str, str] = {}
    forbidden: set[tuple[str, str]] = set()
    for row in read_table(path, 3, lambda row: variant_problem(*row[:3])):
        variant, canonical, action = row[:3]
        if action == "forbid":
            forbidden.add((variant, canonical))
        elif variant in pinned:
            raise RulesError(f"{path}: {variant!r} is pinned twice")
        else:
            pinned[variant] = canonical
    for variant, canonical in pinned.items():
        if canonical in pinned:
            raise RulesError(
                f"{path}: {variant!r} is pinned to {canonical!r}, itself pinned to "
                f"{pinned[canonical]!r}: pin {variant!r} to the final form"
            )
        if (variant, canonical) in forbidden:
            raise RulesError(f"{path}: {variant!r} -> {canonical!r} is both pinned and forbidden")
    return VariantOverrides(pinned, frozenset(forbidden))


def read_stems(path: Path) -> dict[str, str]:
    """kk/stems.tsv: stem <TAB> kind <TAB> reason; the reason is required."""

    def check(row: list[str]) -> str | None:
        stem, kind = row[0], row[1]
        if not stem.islower() or not all(ch.isalpha() for ch in stem):
            return f"{stem!r}: a stem is a lower-case word"
        if kind not in STEM_KINDS:
            return f"kind {kind!r} must be one of {', '.join(STEM_KINDS)}"
        return None

    stems: dict[str, str] = {}
    for row in read_table(path, 3, check):
        if row[0] in stems:
            raise RulesError(f"{path}: {row[0]!r} is listed twice")
        stems[row[0]] = row[1]
    return stems


def _read_toml(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: {exc}") from None


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.split("#", 1)[0].strip().startswith(needle):
            return number
    return 1


def _stage_list(
    pipeline: dict[str, Any], key: str, known: tuple[str, ...], path: Path, text: str
) -> tuple[str, ...]:
    stages = pipeline.get(key, list(known))
    line = _line_of(text, key)
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        raise RulesError(f"{path}:{line}: pipeline.{key} must be a list of stage names")
    for stage in stages:
        if stage not in known:
            raise RulesError(
                f"{path}:{line}: unknown {key} stage {stage!r}; "
                f"the {key} pass has: {', '.join(known)}"
            )
    if len(set(stages)) != len(stages):
        raise RulesError(f"{path}:{line}: pipeline.{key} names a stage twice")
    return tuple(stages)


def _check_parameters(parameters: dict[str, Any], path: Path, text: str) -> None:
    for stage, values in parameters.items():
        line = _line_of(text, f"[{stage}]")
        if stage not in REPAIR_STAGES + CORRECT_STAGES + SETTINGS_TABLES:
            raise RulesError(
                f"{path}:{line}: [{stage}] is neither a stage nor one of "
                f"{', '.join(SETTINGS_TABLES)}"
            )
        if not isinstance(values, dict):
            raise RulesError(f"{path}:{line}: [{stage}] must be a table of parameters")
        for key, allowed in STYLE_SETTINGS.items():
            if key in values and values[key] not in allowed:
                line = _line_of(text, key)
                raise RulesError(
                    f"{path}:{line}: {key} must be one of {', '.join(sorted(allowed))}"
                )
        for key in LAYOUT_COUNTS.get(stage, ()):
            count = values.get(key)
            if count is not None and not (isinstance(count, int) and count >= 1):
                raise RulesError(f"{path}:{_line_of(text, key)}: {key} must be a whole number >= 1")
        part = values.get("part_mb")
        if part is not None and not (isinstance(part, int | float) and part > 0):
            raise RulesError(f"{path}:{_line_of(text, 'part_mb')}: part_mb must be a number > 0")
        gain = values.get("min_gain")
        if gain is not None and not (isinstance(gain, int | float) and gain >= 0):
            raise RulesError(f"{path}:{_line_of(text, 'min_gain')}: min_gain must be a number >= 0")
        decision = values.get("decision")
        if decision is not None and decision not in ("channel", "channel+veto", "model"):
            raise RulesError(
                f'{path}:{_line_of(text, "decision")}: decision must be "channel" or "model"'
            )
        if stage == "ocr":
            _check_model_settings(values, path, text)
        for key in ("confidence_threshold", "choice_threshold", "precision"):
            threshold = values.get(key)
            if threshold is not None and not (
                isinstance(threshold, int | float) and 0.0 <= threshold <= 1.0
            ):
                raise RulesError(f"{path}:{_line_of(text, key)}: {key} must be a number in 0..1")


def _check_model_settings(values: dict[str, Any], path: Path, text: str) -> None:
    """[ocr] model, model_seed, model_examples."""
    model = values.get("model")
    if model is not None and model not in MODEL_SOURCES:
        allowed = " or ".join(f'"{source}"' for source in MODEL_SOURCES)
        raise RulesError(
            f"{path}:{_key_line(text, 'model')}: [ocr] model must be {allowed}, not {model!r}"
        )
    for key, least in (("model_seed", 0), ("model_examples", MIN_MODEL_EXAMPLES)):
        value = values.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < least
        ):
            raise RulesError(
                f"{path}:{_key_line(text, key)}: [ocr] {key} must be a whole number >= {least}"
            )


def _key_line(text: str, key: str) -> int:
    """The line that sets `key` (not one whose key only starts with it: model, model_seed)."""
    pattern = regex.compile(rf"\s*{regex.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return 1


def read_abbreviations(path: Path) -> Abbreviations:
    """One abbreviation per line with its final period, optionally followed by flags."""
    if not path.is_file():
        return Abbreviations()
    every, final = set(), set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        abbreviation, *flags = line.split()
        where = f"{path}:{number}"
        if not abbreviation.endswith("."):
            raise RulesError(f"{where}: {abbreviation!r} must end with its period")
        if unknown := set(flags) - ABBREVIATION_FLAGS:
            raise RulesError(f"{where}: unknown flag {sorted(unknown)[0]!r}; known: ends-sentence")
        key = abbreviation.lower()
        if key in every:
            raise RulesError(f"{where}: {abbreviation!r} is listed twice")
        every.add(key)
        if flags:
            final.add(key)
    return Abbreviations(frozenset(every), frozenset(final))


def read_table(path: Path, columns: int, check: Any = None) -> list[list[str]]:
    """Rows of a tab-separated rules table ('#' starts a comment line); each row has at least
    `columns` cells and passes `check(row)`, which returns a problem or None."""
    if not path.is_file():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = [cell.strip() for cell in line.split("\t")]
        if len(row) < columns or not all(row[:columns]):
            raise RulesError(
                f"{path}:{number}: expected {columns} tab-separated columns, got {line!r}"
            )
        if check and (problem := check(row)):
            raise RulesError(f"{path}:{number}: {problem}")
        rows.append(row)
    return rows


def _pairs(path: Path, check: Any, columns: int = 2) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for row in read_table(path, columns, check):
        if row[0] in pairs:
            raise RulesError(f"{path}: {row[0]!r} is listed twice")
        pairs[row[0]] = row[1]
    return pairs


def _codec(row: list[str]) -> str | None:
    try:
        codecs.lookup(row[0])
    except LookupError:
        return f"unknown encoding {row[0]!r} (a Python codec name such as kz1048)"
    return None


def _chain(row: list[str]) -> str | None:
    return _codec([row[1]]) or _codec([row[2]])


BOILERPLATE_KINDS = ("line", "teaser", "filler")
CHROME_WORD_KINDS = ("share", "menu", "related", "counter", "notice", "rights", "label")


def _chrome_word(row: list[str]) -> str | None:
    word, kind = row[0], row[1]
    if not (word.isalpha() and word.islower()):
        return f"{word!r} must be one lower-case word (a line's words are lower-cased to match)"
    if kind not in CHROME_WORD_KINDS:
        return f"kind {kind!r} must be one of {', '.join(CHROME_WORD_KINDS)}"
    return None


def read_boilerplate(path: Path) -> tuple[BoilerplateRule, ...]:
    """Whole-line chrome patterns, compiled at load so a broken one stops the run early."""
    rules = []
    if not path.is_file():
        return ()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 3 or not all(c.strip() for c in cells):
            raise RulesError(f"{path}:{number}: expected name <TAB> kind <TAB> pattern")
        name, kind, pattern = (c.strip() for c in cells)
        if kind not in BOILERPLATE_KINDS:
            raise RulesError(f"{path}:{number}: kind must be one of {', '.join(BOILERPLATE_KINDS)}")
        try:
            compiled = regex.compile(pattern, regex.IGNORECASE | regex.V1)
        except regex.error as exc:
            raise RulesError(f"{path}:{number}: pattern {name!r} does not compile: {exc}") from None
        if probe := slow_probe(compiled):
            raise RulesError(
                f"{path}:{number}: pattern {name!r} takes over {PROBE_SECONDS} s on the line "
                f"{probe!r}: it backtracks without end (a repeat of alternatives that match the "
                "same text, such as (\\w|\\w)+); rewrite it"
            )
        rules.append(BoilerplateRule(name, kind, compiled))
    return tuple(rules)


# Lines on which a pattern with runaway backtracking shows itself: long runs of one kind of
# character, ending in punctuation a pattern may require and a letter that spoils the match.
PROBES = tuple(
    run * 32 + end
    for run in ("а", "a", "1", " ", "аб ", "a-")
    for end in ("", "\u2028", *(mark + "ъ" for mark in ".,!?:;)»"))
)
PROBE_SECONDS = 0.05  # a sane whole-line pattern needs microseconds on these


def slow_probe(pattern: Any) -> str | None:
    """A probe line the pattern cannot be run on in PROBE_SECONDS, or None."""
    for probe in PROBES:
        try:
            pattern.fullmatch(probe, timeout=PROBE_SECONDS)
            pattern.search(probe, timeout=PROBE_SECONDS)
        except TimeoutError:
            return probe
    return None


def read_predicates(path: Path) -> Predicates:
    """Words, "-endings" and "!-endings" (endings that are not a predicate's)."""
    words, endings, not_endings = set(), [], []
    for row in read_table(path, 1, lambda row: _suffix([row[0].lstrip("!-")])):
        entry = row[0]
        if entry.startswith("!-"):
            not_endings.append(entry[2:])
        elif entry.startswith("-"):
            endings.append(entry[1:])
        else:
            words.add(entry)
    return Predicates(frozenset(words), tuple(endings), tuple(not_endings))


def _suffix(row: list[str]) -> str | None:
    return _lower_cyrillic(row[0], "suffix")


def _word(row: list[str]) -> str | None:
    return _lower_cyrillic(row[0], "word")


def _hyphenated(row: list[str]) -> str | None:
    """`-ақ` (a particle after a hyphen) or `де-факто` (a whole compound)."""
    head, hyphen, tail = row[0].partition("-")
    if not hyphen or not tail or (head and _lower_cyrillic(head, "word")):
        return f"{row[0]!r} must be a particle after a hyphen (-ақ) or a compound (де-факто)"
    return _lower_cyrillic(tail.replace("-", ""), "particle or compound")


def _lower_cyrillic(text: str, what: str) -> str | None:
    if not (text.isalpha() and text.islower() and all(_script(ch) == "CYRILLIC" for ch in text)):
        return f"{text!r} must be a lower-case Cyrillic {what}"
    return None


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split()[0] if name else ""


def _letter_pair(row: list[str]) -> str | None:
    if len(row[0]) != 1 or len(row[1]) != 1:
        return "each column holds one letter"
    return None


def _homoglyph(row: list[str]) -> str | None:
    if problem := _letter_pair(row):
        return problem
    if _script(row[0]) != "LATIN" or _script(row[1]) != "CYRILLIC":
        return f"{row[0]!r} must be a Latin letter and {row[1]!r} a Cyrillic one"
    return None

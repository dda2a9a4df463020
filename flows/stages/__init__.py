"""The text stages: pure functions `(text, context) -> (text, changes)`.

Nothing in this package imports Prefect or touches files: a stage can be tested with a string.
`STAGES` names every stage; `rules/pipeline.toml` says which run, in which order.
"""

from flows.stages import characters, encoding, layout, ocr, repeats, sentences, spelling
from flows.stages.base import Context, Stage

STAGES: dict[str, Stage] = {
    stage.name: stage
    for stage in (
        encoding.STAGE,
        characters.STAGE,
        layout.STAGE,
        sentences.STAGE,
        repeats.STAGE,
        ocr.STAGE,
        spelling.STAGE,
    )
}

__all__ = ["STAGES", "Context", "Stage"]

"""Progress of a run: a bar on an interactive terminal, log lines everywhere else.

The bar redraws one stderr line (shards done, MB done, MB/s of work done, not of cached
results); when stderr is not a terminal (cron, CI, a served run) each finished shard is a log
line instead, which Prefect also records for a served run.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

log = logging.getLogger("tazala")
BAR_WIDTH = 24


class Progress:
    """One pass over the shards: `advance` after each shard, `close` at the end."""

    def __init__(
        self, step: str, shards: int, total_bytes: int, stream: TextIO | None = None
    ) -> None:
        self.step, self.shards, self.total = step, shards, max(total_bytes, 1)
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.done = self.done_bytes = self.worked_bytes = 0
        self.reused = 0
        self.started = time.perf_counter()
        if self.interactive:
            self._draw()

    def advance(self, size: int, worked: int, reused: int, seconds: float) -> None:
        """A shard of `size` input bytes is done; `worked` of them were processed (the rest
        came from the cache, `reused` files)."""
        self.done += 1
        self.done_bytes += size
        self.worked_bytes += worked
        self.reused += reused
        if self.interactive:
            self._draw()
        else:
            note = f", {reused} file(s) from cache" if reused else ""
            log.info(
                "%s: shard %d/%d done (%.1f s%s)", self.step, self.done, self.shards, seconds, note
            )

    def rate(self) -> float:
        """MB/s of work done (cached results do not count) since the pass started."""
        return self.worked_bytes / 1e6 / max(time.perf_counter() - self.started, 1e-9)

    def _draw(self) -> None:
        filled = int(BAR_WIDTH * self.done_bytes / self.total)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        cached = f", {self.reused} cached" if self.reused else ""
        self.stream.write(
            f"\r{self.step:<8} [{bar}] {self.done}/{self.shards} shards, "
            f"{self.done_bytes / 1e6:.1f}/{self.total / 1e6:.1f} MB, {self.rate():.1f} MB/s{cached}"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()

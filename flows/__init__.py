"""tazala: turn noisy Kazakh text into clean, versioned corpus releases.

The import name is `flows`; the command is `tazala`. Downstream projects read releases with
`flows.reader.open_release` (re-exported here as `open_release`), which needs nothing but
Python's standard library.
"""

__version__ = "0.1.0"

from flows.reader import open_release  # noqa: E402  (re-export for downstream readers)

__all__ = ["__version__", "open_release"]

"""Built-in 复核 rules; importing this package registers them (order = run order)."""

from . import values, structure, sources, continuity, publication  # noqa: F401

"""Garbage collection for a process whose start-up objects live as long as it does.

After start-up the heap holds a few hundred thousand objects that never die (aiogram's models
and routers, pydantic's validators, the catalogs). The collector's default rhythm scans young
objects often and, now and then, all of those long-lived ones too: during a watcher sweep
that was a large share of the bot's CPU (`bench.watcher_sweep` compares the collector on and
off).
"""

from __future__ import annotations

import gc

# Allocations between young collections. A sweep's garbage is mostly acyclic and freed by
# reference counting; the collector is only for cycles, which this rhythm still catches.
YOUNG_THRESHOLD = 20_000


def settle() -> None:
    """Call once start-up is done: what exists now is never scanned again."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)

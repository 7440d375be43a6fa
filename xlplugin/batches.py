"""Working through a batch (thousands of received files, a workbook's thousands of rows) at full speed.

Such a batch makes millions of small objects (dicts, dataclasses, cells) that reference counting frees as
soon as they are done with; Python's cyclic collector, triggered by allocations, would meanwhile scan the
batch's growing results again and again. It is paused for the batch, then left as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused inside the block (then enabled again if it was)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

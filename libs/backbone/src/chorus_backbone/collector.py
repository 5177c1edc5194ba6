"""The cyclic garbage collector, set for a long-running server once it has started.

By default CPython collects the young generation every 700 container allocations
and, now and then, walks every object the process holds. A service allocates a few
hundred containers per request and holds a few hundred thousand objects that live
as long as it does (modules, the app and its schemas, pools): most collections
find nothing and the full ones walk all of them. Once the service has started, the
objects it holds so far are moved out of the collector's sight (``gc.freeze``) and
the young generation is collected less often. Reference counting still frees all
acyclic garbage at once; cycles wait a little longer.
"""

import gc

YOUNG_COLLECTION_EVERY = 20_000  # container allocations (CPython's default: 700)


def settle_after_start() -> None:
    gc.collect()  # what is garbage now must not be frozen with the rest
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)

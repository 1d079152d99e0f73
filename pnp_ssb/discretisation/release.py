"""Letting a finished run's forms, meshes and their MPI communicators go.

CPython 3.13.0 and 3.13.1 cache each ``functools.singledispatchmethod`` lookup per instance in
a WeakKeyDictionary whose values hold the instance itself, so the instance never dies
(python/cpython#127750, fixed in 3.13.2). UFL's rule sets use such methods, so every run kept
its forms and meshes alive, and with them about 16 duplicated MPI communicators: a process
that ran some 120 cases (a screen correlation, a long sweep) stopped with MPI's "Too many
communicators". Emptying those caches after a run lets the objects be collected.
"""

import functools
import gc
import sys


def clear_dispatch_caches() -> int:
    """Empty the per-instance caches of the singledispatchmethods of UFL's classes (a no-op
    where Python keeps no such cache); returns how many entries were dropped."""
    dropped = 0
    for name, module in list(sys.modules.items()):
        if not (name == "ufl" or name.startswith("ufl.")) or module is None:
            continue
        for cls in list(vars(module).values()):
            if not isinstance(cls, type):
                continue
            for attr in vars(cls).values():
                cache = getattr(attr, "_method_cache", None)
                if isinstance(attr, functools.singledispatchmethod) and cache is not None:
                    dropped += len(cache)
                    cache.clear()
    return dropped


def release_run_objects() -> None:
    """After a run: drop the dispatch caches, then collect the cycles they held."""
    if clear_dispatch_caches():
        gc.collect()

"""The APIs' per-call fast path: a later call whose arguments have a signature seen before
runs the derivative code made for it, without binding, checking or looking the code up.

`grad(f)`, `jacfwd(f)`, `jacrev(f)`, `hessian(f)` each keep `ready`: argument signature
(`signature_key`) → `fast_path_entry` (its check, its run). The first call of a signature
takes the checked path, which makes the specialised code and stores the entry; every later
call of that signature asks the check and runs. That path is what a user's loop pays on
every call, so `with_fast_path` writes it out in one function: in CPython a frame costs as
much as the work of the few lines it would hold.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from numpy import ndarray

from .distinct_results import distinct
from .frontend.scope import is_current
from .generation import GENERATION
from .located import REPORTED, report, watching

_ONE_VALUE = frozenset((ndarray, float))


def signature_key(values: tuple | list) -> tuple:
    """The argument signature specialised code is made and kept for: each array's dtype and
    shape, every other value's type."""
    return tuple([(x.dtype, x.shape) if type(x) is ndarray else type(x) for x in values])


def fast_path_entry(f: Callable, run: Callable, derivatives: tuple) -> tuple[Callable, Callable]:
    """(a check, `run`) for an API's per-call fast path, which calls `run` on a later call's
    arguments while the check holds: the derivatives' cache was not dropped, `f`'s code is
    the code they were made from (`f.__code__ = …` makes a new function of the old one), and
    each free name `derivatives` (the code `run` runs) were made for names the same object;
    compiled into one function, asked on every call."""
    dependencies = tuple(found for d in derivatives for found in d.dependencies)
    same = ((GENERATION, 0, GENERATION[0]), (f, "__code__", f.__code__))
    return is_current(dependencies, same), run


def with_fast_path(checked: Callable, ready: dict) -> Callable:
    """The entry point `checked` (reported as `located.reporting` reports it) behind the fast
    path: a call by position whose signature has an entry `(check, run)` in `ready` returns
    `run(args)` while `check()` holds and `run` gives a result (None: the checked path).
    While a call runs again to locate a complex value (`located.locating`), the checked path
    runs, as it did the first time. No two arrays of a result share memory
    (`distinct_results.py`)."""

    @functools.wraps(checked)
    def entry_point(*args, **kwargs):
        if not kwargs and not watching.active:
            try:
                if len(args) == 1:  # `signature_key(args)`, written out for the commonest
                    x = args[0]  # calls (see the docstring)
                    key = ((x.dtype, x.shape),) if type(x) is ndarray else (type(x),)
                elif len(args) == 2:  # (`jacfwd(f)(x, W)`, `grad(loss)(w, data)`)
                    x, y = args
                    key = (
                        (x.dtype, x.shape) if type(x) is ndarray else type(x),
                        (y.dtype, y.shape) if type(y) is ndarray else type(y),
                    )
                else:
                    key = signature_key(args)
                entry = ready.get(key)
                found = entry[1](args) if entry is not None and entry[0]() else None
            except REPORTED as exc:
                report(exc, checked, args, kwargs, getattr(entry_point, "__wrapped__", None))
            if found is not None:  # (one array or float, the commonest, holds nothing twice)
                return found if type(found) in _ONE_VALUE else distinct(found)
        try:
            return distinct(checked(*args, **kwargs))
        except REPORTED as exc:
            report(exc, checked, args, kwargs, getattr(entry_point, "__wrapped__", None))

    return entry_point

"""Deterministic fresh names that never collide with the user's names or with each other."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Aliases:
    """The names generated code uses for NumPy, `math` and the s2s_ad runtime."""

    np: str
    math: str
    rt: str


DEFAULT_ALIASES = Aliases("np", "math", "rt")


def first_free(taken: set[str], preferred: str, k: int = 0) -> tuple[str, int]:
    """(`preferred` if not in `taken`, else the first `preferred_<j>` with j > k that is not,
    j): what a new `Namer(taken).fresh(preferred)` gives (k 0), without copying `taken`."""
    name = preferred
    while name in taken:
        k += 1
        name = f"{preferred}_{k}"
    return name, k


class Namer:
    """Hands out names: the preferred spelling when free, else `base_1`, `base_2`, ….

    Every name the user's function mentions is reserved up front, so `x_bar` for the
    adjoint of `x` becomes `x_bar_1` when the user already has a variable `x_bar`.
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken: set[str] = set(taken)
        self._versioned: set[str] = set()
        self._suffixes: dict[str, int] = {}  # base → the last suffix handed out
        self._temp_count = 0

    def reserve(self, name: str) -> None:
        self._taken.add(name)

    @property
    def taken(self) -> set[str]:
        """Every name handed out or reserved so far."""
        return set(self._taken)

    def is_taken(self, name: str) -> bool:
        return name in self._taken

    def fresh(self, preferred: str) -> str:
        """`preferred` if unused, else the first free `preferred_<k>`."""
        name, k = first_free(self._taken, preferred, self._suffixes.get(preferred, 0))
        self._suffixes[preferred] = k  # the next search starts here: linear, not quadratic
        self._taken.add(name)
        return name

    def temp(self) -> str:
        """The next free `_t<k>`: the temporaries of three-address code."""
        while True:
            self._temp_count += 1
            name = f"_t{self._temp_count}"
            if name not in self._taken:
                self._taken.add(name)
                return name

    def version(self, user_name: str, *, parameter: bool = False) -> str:
        """A new SSA version of `user_name`: `x` the first time, then `x_1`, `x_2`, …; a local
        named like a builtin (`zip = 2.0`) is `zip_1` from the first, as the generated code
        calls builtins of its own (`zip(reversed(range(n)), …)`, `len`, `tuple`) by name (a
        parameter keeps its name: the signature is the user's)."""
        if user_name not in self._versioned:
            self._versioned.add(user_name)
            # (not `_`: IPython binds `builtins._` to the last result)
            if parameter or user_name.startswith("_") or not hasattr(builtins, user_name):
                self._taken.add(user_name)
                return user_name
        return self.fresh(user_name)


def star_parameter_names(name: str, arity: int | tuple) -> list[str]:
    """The flattened parameters of `*name` called with `arity` positional arguments, or
    of `**name` called with the keywords `arity` (a tuple of names)."""
    if isinstance(arity, tuple):
        return [f"{name}_{key}" for key in arity]
    return [f"{name}_{k}" for k in range(arity)]


# the lists reverse.py's forward sweep saves to (`_tape1`, `_checkpoints1`)
TAPE_STEMS = ("_tape", "_checkpoints")


def is_generated_tape(filename: str, name: str) -> bool:
    """Whether `name`, in code compiled from `filename`, is a tape of s2s_ad's own derivative
    code: a fresh local list only its reverse sweep reads (never an alias, never an effect)."""
    return filename.startswith("<s2s_ad ") and name.startswith(TAPE_STEMS)

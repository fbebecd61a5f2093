"""Library functions differentiated through a definition written in s2s_ad
(runtime/definitions.py) instead of a rule: the lowering calls the definition where the
library function is called, and the generated code writes the user's call where no
derivative flows through it. Options a definition does not cover are refused at the user's
line when the function is lowered."""

from __future__ import annotations

import inspect

import numpy as np

from .. import runtime as rt
from ..ssa.ir import Const

DEFINITIONS = {np.polyfit: rt.polyfit}
# the options each definition does not cover: refused unless given as None or False
NOT_COVERED = {rt.polyfit: ("full", "w", "cov")}


def definition_of(fn: object) -> object | None:
    """The definition `fn` is differentiated through, or None."""
    try:
        return DEFINITIONS.get(fn)
    except TypeError:  # an unhashable callee
        return None


def option_not_covered(definition: object, args: tuple, kwargs: tuple) -> str | None:
    """The first option of the call (`args`, `kwargs`: its atoms) that `definition` does
    not cover, or None."""
    names = list(inspect.signature(definition).parameters)
    given = dict(zip(names, args, strict=False)) | dict(kwargs)
    for option in NOT_COVERED.get(definition, ()):
        atom = given.get(option)
        if atom is not None and not (isinstance(atom, Const) and atom.value in (None, False)):
            return option
    return None

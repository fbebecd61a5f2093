"""An exception the user's own statement raises in the derivative code (`raise`, a failed
`assert`, a call kept for its effect) stays the plain call's exception, with the plain call's
message, and carries a note naming the user's file and line: the traceback alone shows only the
generated code's line. Every entry point, in loops, branches, inlined helpers, second order."""

import os
import traceback

import numpy as np
import pytest
import users_raise_programs as programs
from users_raise_programs import (
    asserts,
    calls_a_check_for_its_effect,
    calls_a_raising_helper,
    raises_in_branch,
    raises_in_loop,
)

import s2s_ad as ad

HERE = os.path.abspath(programs.__file__)


def _line(text):
    """The line of the programs' file where `text` first appears."""
    with open(HERE) as source:
        return next(i for i, line in enumerate(source, 1) if text in line)


PROGRAMS = [
    (raises_in_branch, ValueError, "RAISE-BRANCH"),
    (raises_in_loop, RuntimeError, "RAISE-LOOP"),
    (asserts, AssertionError, "ASSERT"),
    (calls_a_raising_helper, ValueError, "RAISE-HELPER"),
    (calls_a_check_for_its_effect, ArithmeticError, "RAISE-EFFECT"),
]
X = np.linspace(1.0, 6.0, 8)


def _vjp_pullback(f, x):
    _, pullback = ad.vjp(f, x)
    return pullback(1.0)


ENTRY_POINTS = {
    "grad": lambda f, x: ad.grad(f)(x),
    "value_and_grad": lambda f, x: ad.value_and_grad(f)(x),
    "jvp": lambda f, x: ad.jvp(f, (x,), (np.ones_like(x),)),
    "vjp": _vjp_pullback,
    "grad, reverse over forward": lambda f, x: ad.grad(f, mode="forward")(x),
    "hessian": lambda f, x: ad.hessian(f)(x),
    "jacobian": lambda f, x: ad.jacobian(f)(x),
}


def _plain(f, x):
    with pytest.raises(Exception) as plain:
        f(x)
    return plain.value


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize(("f", "kind", "mark"), PROGRAMS, ids=[p[0].__name__ for p in PROGRAMS])
def test_the_plain_calls_exception_with_a_note_at_the_users_line(f, kind, mark, entry):
    plain = _plain(f, X)
    assert type(plain) is kind
    with pytest.raises(kind) as derived:
        ENTRY_POINTS[entry](f, X)
    assert type(derived.value) is kind
    assert str(derived.value) == str(plain)
    line = _line(mark)
    shown = "".join(traceback.format_exception(derived.value))
    in_a_frame = any(
        frame.filename == HERE and frame.lineno == line
        for frame in traceback.extract_tb(derived.value.__traceback__)
    )
    assert in_a_frame or f"{HERE}:{line}" in shown, shown


def test_the_note_is_added_once_when_entry_points_nest():
    with pytest.raises(ValueError) as derived:
        ad.hessian(raises_in_branch)(X)
    notes = getattr(derived.value, "__notes__", [])
    assert len(notes) == len(set(notes)) == 1, notes
    assert "RAISE-BRANCH" in notes[0] or "raise ValueError" in notes[0]


def test_a_call_that_does_not_raise_is_unchanged():
    x = np.linspace(-1.0, 0.5, 8)
    g = ad.grad(raises_in_branch)(x)
    np.testing.assert_allclose(g, 2.0 * x, rtol=1e-12)

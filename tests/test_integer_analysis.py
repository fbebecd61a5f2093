"""The integer analysis (s2s_ad/ad/integers.py): which SSA names hold integers only, whatever
lists, tuples and branch records they pass through (issue 17 item 3). The functions below are
written like the flat gradient code the Hessian differentiates again: tapes of tuples, branch
records that one branch fills and the other leaves empty, loops over saved ranges."""

import numpy as np
import pytest
from derivative_tests import derivative_tests
from hessian_checks import assert_hessian_consistent

from s2s_ad.ad.integers import integral_names
from s2s_ad.pipeline import to_ssa


def branch_record(x):
    tape = []
    for i in range(3):
        if x > 0.1 * i:  # noqa: SIM108 (the generated code's branch record, written out)
            rec = (x * i, range(i + 1), i)
        else:
            rec = ()
        tape.append((rec, x))
    s = 0.0
    for rec, y in reversed(tape):
        if len(rec) > 0:
            for k in rec[1]:
                s = s + rec[0] * k + y * rec[2]
    return s


def same_length_records(x):
    """Both branches save two items, an integer and a float in swapped places: neither
    position holds integers only."""
    s = 0.0
    for i in range(3):
        rec = (x * 2.0, i) if x > 0.5 else (i, x * 3.0)
        a = rec[0]
        b = rec[1]
        s = s + a * b
    return s


def shorter_record(x):
    """A record of one item or two: counted from the end, the last item is the float in one
    and the integer in the other."""
    s = 0.0
    for i in range(3):
        rec = (i, x * 2.0) if x > 0.1 * i else (x,)
        last = rec[-1]
        first = rec[0]
        s = s + last * first
    return s


def wrapped_each_pass(x):
    """A tuple wrapped in a new tuple on every pass: the analysis still ends."""
    t = ()
    for i in range(20):
        t = (t, i)
    return x * len(t)


def _base_names(fn) -> dict[str, bool]:
    """Each user name of `fn` → whether all its SSA versions hold integers only."""
    ssa = to_ssa(fn)
    integral = integral_names(ssa)
    assigned = {s.target for s in _assignments(ssa)}
    bases: dict[str, bool] = {}
    for name in assigned:
        base = name.rsplit("_", 1)[0] if name.rsplit("_", 1)[-1].isdigit() else name
        bases[base] = bases.get(base, True) and name in integral
    return bases


def _assignments(ssa):
    from s2s_ad.ssa.ir import Assign, For, walk

    return [s for s in walk(ssa.body) if isinstance(s, (Assign, For))]


def test_counters_read_back_from_a_branch_record_are_integers():
    bases = _base_names(branch_record)
    assert bases["i"] and bases["k"]
    assert not bases["s"] and not bases["y"] and not bases["rec"]


@pytest.mark.parametrize("fn", [same_length_records, shorter_record])
def test_positions_holding_a_float_in_some_branch_are_not_integers(fn):
    bases = _base_names(fn)
    assert bases["i"]
    for name in ("a", "b", "last", "first"):
        assert not bases.get(name, False)


def test_a_value_wrapped_on_every_pass_ends():
    assert _base_names(wrapped_each_pass)["i"]


CASES = [
    (branch_record, (0.7,)),
    (branch_record, (0.05,)),
    (same_length_records, (0.7,)),
    (same_length_records, (0.3,)),
    (shorter_record, (0.15,)),
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_second_order(fn, args):
    assert_hessian_consistent(fn, tuple(np.float64(a) for a in args))

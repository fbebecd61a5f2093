"""The two tests every table of (function, arguments) rows gets, in both modes."""

import numpy as np
import pytest

from s2s_ad.testing import check_grads, check_modes_agree


def _name(value):
    return getattr(value, "__name__", "")


def derivative_tests(cases):
    """Tests for `cases`: the JVP against central differences and the VJP against the JVP
    (every row), and `grad` by reverse mode against `grad` by forward mode (scalar rows)."""
    scalar = [(fn, args) for fn, args in cases if _is_scalar(fn(*args))]

    @pytest.mark.parametrize(("fn", "args"), cases, ids=_name)
    def test_jvp_and_vjp_match_numeric(fn, args):
        check_grads(fn, args)

    @pytest.mark.parametrize(("fn", "args"), scalar, ids=_name)
    def test_grad_forward_equals_reverse(fn, args):
        check_modes_agree(fn, args)

    return test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse


def _is_scalar(value) -> bool:
    return not isinstance(value, tuple) and np.ndim(value) == 0


def second_differences(f, x, h=1e-4):
    """The Hessian of the scalar `f` at `x` (a float or an array) by second central
    differences of `f` itself (not of a gradient), shaped `x.shape * 2`."""
    flat = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
    n = flat.size

    def at(v):
        return f(v.reshape(np.shape(x)) if np.ndim(x) else float(v[0]))

    out = np.zeros((n, n))
    eye = np.eye(n) * h
    for i in range(n):
        for j in range(n):
            out[i, j] = (
                at(flat + eye[i] + eye[j])
                - at(flat + eye[i] - eye[j])
                - at(flat - eye[i] + eye[j])
                + at(flat - eye[i] - eye[j])
            ) / (4 * h * h)
    return out.reshape(np.shape(x) * 2)

"""What the tests share: the two tests every table of (function, arguments) rows gets in both
modes, tables of two-argument functions, second differences, the marked line of a refusal,
and the checks of one program at one point to first and second order."""

import inspect

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError
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
    return not isinstance(value, (tuple, list, dict)) and np.ndim(value) == 0


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


def two_argument_tests(cases, elements):
    """Tests for functions of two arguments, at each kind of `elements` (name → arguments):
    both modes against central differences and each other (with each mode's primal), and
    the vector tangent code (jacfwd) against reverse sweeps (jacrev)."""

    @pytest.mark.parametrize("kind", elements)
    @pytest.mark.parametrize("fn", cases, ids=_name)
    def test_both_modes(fn, kind):
        check_grads(fn, elements[kind])
        check_modes_agree(fn, elements[kind])  # forward with a tuple `wrt`

    @pytest.mark.parametrize("kind", elements)
    @pytest.mark.parametrize("fn", cases, ids=_name)
    def test_jacobians(fn, kind):
        by_columns = ad.jacfwd(fn, (0, 1))(*elements[kind])
        by_rows = ad.jacrev(fn, (0, 1))(*elements[kind])
        for column, row in zip(by_columns, by_rows, strict=True):
            np.testing.assert_allclose(column, row, rtol=1e-12, atol=1e-12)

    return test_both_modes, test_jacobians


def marked_line(fn) -> int:
    """The line of `fn`'s source marked `# <- error`: where a refusal must point."""
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, text in enumerate(lines) if "# <- error" in text)


def assert_located_refusal(fn, match, mode):
    """Making `fn`'s derivative in `mode` is refused at its `# <- error` line, saying why
    (`match`) and what to write instead."""
    with pytest.raises(UnsupportedSyntaxError, match=match) as info:
        ad.derivative_source(fn, mode=mode)
    assert (info.value.filename, info.value.line) == (fn.__code__.co_filename, marked_line(fn))
    assert info.value.hint


def check_to_second_order(fn, args):
    """The JVP and VJP of `fn` at `args` against central differences (`check_grads`), the
    value `value_and_grad` gives against the plain call's, and the Hessian with respect to
    every float argument (`hessian_checks.assert_hessian_consistent`: symmetric, equal to
    `jacfwd(grad)`, `jacrev(grad)` and central differences of the gradient)."""
    from hessian_checks import assert_hessian_consistent, float_arguments

    check_grads(fn, args)
    value, _ = ad.value_and_grad(fn, wrt=float_arguments(args))(*args)
    assert value == fn(*args)
    assert_hessian_consistent(fn, args)


def assert_refused_at_marked_line(fn, args):
    """`grad` (both modes) and `hessian` of `fn` at `args` are refused at its `# <- error`
    line, when the derivative is made or when it is called."""
    where = f"{fn.__code__.co_filename}:{marked_line(fn)}"
    for api in (ad.grad(fn), ad.grad(fn, mode="forward"), ad.hessian(fn)):
        with pytest.raises(ad.S2SError) as caught:
            api(*args)
        assert where in str(caught.value)

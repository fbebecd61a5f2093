"""`check_grads`: compare s2s_ad's derivatives with central differences and with each other.

Usable by users too: `check_grads(f, (x, y))` raises `AssertionError` with the numbers when
the tangent pass, the adjoint pass and numeric differences disagree.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from . import pytrees
from .api import _is_differentiable, grad, jvp, value_and_grad, vjp


def _random_like(x: object, rng: np.random.Generator) -> object:
    """A random value of the structure, shape and float dtype of `x` (an input or an output):
    None at a structure's static leaves (ints, strings)."""
    if pytrees.node(x) is not None:
        return pytrees.map_leaves(
            lambda leaf: _random_like(leaf, rng) if pytrees.is_leaf(leaf) else None, x
        )
    if np.ndim(x) > 0:
        dtype = x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64
        return rng.standard_normal(np.shape(x)).astype(dtype)
    return float(rng.standard_normal())


def _flat(value: object) -> np.ndarray:
    """The numbers of `value`, one vector: a structure's leaves in `pytrees.flatten`'s order,
    without its None leaves (the derivatives of static leaves)."""
    leaves, _ = pytrees.flatten(value)
    parts = [np.ravel(np.asarray(v, dtype=np.float64)) for v in leaves if v is not None]
    return np.concatenate(parts) if parts else np.zeros(0)


def _moved(arg: object, tangent: object, step: float) -> object:
    if tangent is None:
        return arg
    if pytrees.node(arg) is not None:
        return pytrees.map_leaves(
            lambda leaf, t: leaf if t is None or not pytrees.is_leaf(leaf) else leaf + step * t,
            arg,
            tangent,
        )
    return arg + step * tangent


def _shift(args: tuple, tangents: tuple, step: float) -> tuple:
    return tuple(_moved(a, t, step) for a, t in zip(args, tangents, strict=True))


def numeric_jvp(f: Callable, args: Sequence, tangents: Sequence, step: float = 1e-6) -> np.ndarray:
    """Central difference of `f` along `tangents` (None: that argument is held fixed)."""
    args, tangents = tuple(args), tuple(tangents)
    plus = _flat(f(*_shift(args, tangents, step)))
    minus = _flat(f(*_shift(args, tangents, -step)))
    return (plus - minus) / (2 * step)


def check_grads(
    f: Callable,
    args: Sequence,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    seed: int = 0,
    step: float = 1e-6,
) -> None:
    """Check the JVP against central differences, and the VJP against the JVP.

    The VJP is checked by the dot-product test ⟨u, J v⟩ = ⟨Jᵀ u, v⟩ for random u and v, so
    any output shape works.
    """
    rng = np.random.default_rng(seed)
    args = tuple(args)
    plain = plain_value(f, args)
    tangents = tuple(_random_like(a, rng) if _is_differentiable(a) else None for a in args)
    out, out_dot = jvp(f, args, tangents)
    assert_same_value(out, plain, "jvp's primal output")
    expected = numeric_jvp(f, args, tangents, step)
    np.testing.assert_allclose(
        _flat(out_dot), expected, rtol=rtol, atol=atol, err_msg="JVP vs central differences"
    )
    out_r, pullback = vjp(f, *args)
    assert_same_value(out_r, plain, "vjp's primal output")
    cotangent = _random_like(out, rng)
    lhs, rhs = _dot_products(cotangent, out_dot, pullback(cotangent), tangents)
    message = f"dot-product test: <u, Jv> = {lhs!r} but <J^T u, v> = {rhs!r}"
    assert _dot_products_agree(lhs, rhs), message


def plain_value(f: Callable, args: Sequence) -> object:
    """What the plain call `f(*args)` returns, on copies (the call may update its arguments)."""
    return f(*copy.deepcopy(tuple(args)))


def assert_same_value(ours: object, plain: object, entry: str) -> None:
    """The value an entry point computed is the plain call's, bit for bit (nan where it is
    nan), with its structure, shape and dtype.

    Exact, not to a tolerance: the forward sweep and the tangent code evaluate the primal
    statements of the function's SSA form, in its order, with the same NumPy calls (common
    subexpressions and in-place updates compute the same floats), so any difference is a bug.
    """
    where = f"{entry} differs from the plain call's value"
    at = pytrees.node(plain)
    if at is not None:
        assert type(ours) is type(plain), f"{where}: {type(ours).__name__} is not {plain!r}"
        mine = pytrees.node(ours)
        assert mine is not None and mine.keys == at.keys, f"{where}: {ours!r} is not {plain!r}"
        pairs = zip(pytrees.children(ours, mine), pytrees.children(plain, at), strict=True)
        for key, (a, b) in zip(at.keys, pairs, strict=True):
            assert_same_value(a, b, f"{entry}[{key!r}]")
        return
    if plain is None or isinstance(plain, str):  # a static leaf of a structure
        assert ours == plain, f"{where}: {ours!r} is not {plain!r}"
        return
    assert np.shape(ours) == np.shape(plain), (
        f"{where}: shape {np.shape(ours)} is not {np.shape(plain)}"
    )
    assert np.result_type(ours) == np.result_type(plain), (
        f"{where}: dtype {np.result_type(ours)} is not {np.result_type(plain)}"
    )
    equal_nan = np.issubdtype(np.result_type(plain), np.inexact)
    assert np.array_equal(ours, plain, equal_nan=equal_nan), f"{where}: {ours!r} is not {plain!r}"


def _dot_products(cotangent, out_dot, cotangents, tangents) -> tuple[float, float]:
    """⟨u, J v⟩ from the tangent code and ⟨Jᵀ u, v⟩ from the adjoint code."""
    lhs = float(np.dot(_flat(cotangent), _flat(out_dot)))
    pairs = [(c, t) for c, t in zip(cotangents, tangents, strict=True) if t is not None]
    rhs = sum(float(np.dot(_flat(c), _flat(t))) for c, t in pairs)
    return lhs, rhs


def _dot_products_agree(lhs: float, rhs: float) -> bool:
    return abs(lhs - rhs) <= 1e-10 * max(abs(lhs), abs(rhs), 1.0)


class Check(NamedTuple):
    """One row of `derivative_checks`: s2s_ad's number against a reference."""

    check: str
    argument: str
    ours: float
    reference: float
    error: float
    ok: bool


def derivative_checks(
    f: Callable, args: Sequence, *, rtol: float = 1e-6, atol: float = 1e-8, seed: int = 0
) -> list[Check]:
    """For each float argument in turn, along a random direction: the JVP against central
    differences (their norms and the largest difference), and the dot-product test between
    the tangent and the adjoint code. What `s2s-ad check` prints."""
    rng = np.random.default_rng(seed)
    args = tuple(args)
    names = list(inspect.signature(f).parameters)
    plain = plain_value(f, args)
    out_r, pullback = vjp(f, *args)
    rows, out = [], None
    for i, arg in enumerate(args):
        if not _is_differentiable(arg):
            continue
        tangents = tuple(_random_like(a, rng) if k == i else None for k, a in enumerate(args))
        out, out_dot = jvp(f, args, tangents)
        ours, numeric = _flat(out_dot), numeric_jvp(f, args, tangents)
        error = float(np.max(np.abs(ours - numeric), initial=0.0))
        close = bool(np.allclose(ours, numeric, rtol=rtol, atol=atol))
        norms = (float(np.linalg.norm(ours)), float(np.linalg.norm(numeric)))
        rows.append(Check("forward vs central differences", names[i], *norms, error, close))
        cotangent = _random_like(out, rng)
        lhs, rhs = _dot_products(cotangent, out_dot, pullback(cotangent), tangents)
        agree = _dot_products_agree(lhs, rhs)
        rows.append(
            Check("reverse vs forward (dot product)", names[i], rhs, lhs, abs(lhs - rhs), agree)
        )
    rows.append(_value_row("reverse value vs plain call", out_r, plain))
    if out is not None:  # the last jvp's value (every argument's jvp computes the same)
        rows.append(_value_row("forward value vs plain call", out, plain))
    return rows


def _value_row(check: str, ours: object, plain: object) -> Check:
    """A row of `derivative_checks`: the value the derivative code computed against the plain
    call's (ok only when equal, see `assert_same_value`)."""
    try:
        assert_same_value(ours, plain, check)
    except AssertionError:
        ok = False
    else:
        ok = True
    norms = (float(np.linalg.norm(_flat(ours))), float(np.linalg.norm(_flat(plain))))
    try:
        error = float(np.max(np.abs(_flat(ours) - _flat(plain)), initial=0.0))
    except ValueError:  # different shapes
        error = float("inf")
    return Check(check, "", *norms, error, ok)


def check_modes_agree(f: Callable, args: Sequence, *, rtol: float = 1e-12, atol: float = 1e-14):
    """`grad` by reverse mode equals `grad` by forward mode, for every float argument of `f`,
    and the value `value_and_grad` gives in each mode is the plain call's.

    Returns the gradients (a tuple, one per float argument).
    """
    args = tuple(args)
    plain = plain_value(f, args)
    wrt = tuple(i for i, a in enumerate(args) if _is_differentiable(a))
    reverse = grad(f, wrt=wrt)(*args)
    forward = grad(f, wrt=wrt, mode="forward")(*args)
    for r, fwd in zip(reverse, forward, strict=True):
        np.testing.assert_allclose(
            _flat(r), _flat(fwd), rtol=rtol, atol=atol, err_msg="reverse vs forward"
        )
    for mode, gradients in (("reverse", reverse), ("forward", forward)):
        value, also = value_and_grad(f, wrt=wrt, mode=mode)(*args)
        assert_same_value(value, plain, f"value_and_grad's value ({mode} mode)")
        np.testing.assert_allclose(
            _flat(also),
            _flat(gradients),
            rtol=rtol,
            atol=atol,
            err_msg=f"{mode}: value_and_grad vs grad",
        )
    return reverse

"""`check_grads`: compare s2s_ad's derivatives with central differences and with each other.

Usable by users too: `check_grads(f, (x, y))` raises `AssertionError` with the numbers when
the tangent pass, the adjoint pass and numeric differences disagree.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from .api import _is_differentiable, _map_leaves, _structure, grad, jvp, vjp


def _random_like(x: object, rng: np.random.Generator) -> object:
    """A random value of the structure, shape and float dtype of `x` (an input or an output)."""
    if isinstance(x, (tuple, list, dict)):
        return _map_leaves(lambda _, item: _random_like(item, rng), x)
    if np.ndim(x) > 0:
        dtype = x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64
        return rng.standard_normal(np.shape(x)).astype(dtype)
    return float(rng.standard_normal())


def _flat(value: object) -> np.ndarray:
    if isinstance(value, dict):
        value = tuple(value.values())
    if isinstance(value, (tuple, list)):
        return np.concatenate([_flat(v) for v in value]) if value else np.zeros(0)
    return np.ravel(np.asarray(value, dtype=np.float64))


def _moved(arg: object, tangent: object, step: float) -> object:
    if tangent is None:
        return arg
    if _structure(arg) is not None:
        return _map_leaves(lambda key, leaf: leaf + step * tangent[key], arg)
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
    tangents = tuple(_random_like(a, rng) if _is_differentiable(a) else None for a in args)
    out, out_dot = jvp(f, args, tangents)
    expected = numeric_jvp(f, args, tangents, step)
    np.testing.assert_allclose(
        _flat(out_dot), expected, rtol=rtol, atol=atol, err_msg="JVP vs central differences"
    )
    out_r, pullback = vjp(f, *args)
    np.testing.assert_allclose(_flat(out_r), _flat(out), rtol=1e-15, err_msg="primal values")
    cotangent = _random_like(out, rng)
    lhs, rhs = _dot_products(cotangent, out_dot, pullback(cotangent), tangents)
    message = f"dot-product test: <u, Jv> = {lhs!r} but <J^T u, v> = {rhs!r}"
    assert _dot_products_agree(lhs, rhs), message


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
    _, pullback = vjp(f, *args)
    rows = []
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
    return rows


def check_modes_agree(f: Callable, args: Sequence, *, rtol: float = 1e-12, atol: float = 1e-14):
    """`grad` by reverse mode equals `grad` by forward mode, for every float argument of `f`.

    Returns the gradients (a tuple, one per float argument).
    """
    args = tuple(args)
    wrt = tuple(i for i, a in enumerate(args) if _is_differentiable(a))
    reverse = grad(f, wrt=wrt)(*args)
    forward = grad(f, wrt=wrt, mode="forward")(*args)
    for r, fwd in zip(reverse, forward, strict=True):
        np.testing.assert_allclose(
            _flat(r), _flat(fwd), rtol=rtol, atol=atol, err_msg="reverse vs forward"
        )
    return reverse

"""Second-order checks of one function at one point, shared by the random-program tests
(`test_properties.py`, `fuzz.py`) and `test_hessian_loops.py`.

`assert_hessian_consistent(f, args)`: with respect to every float argument, `hessian` is
symmetric, equals `jacfwd(grad)` and `jacrev(grad)` (and `grad(grad)` on the diagonal entry
of the first scalar argument), and each column matches central differences of the gradient
(skipped where the gradient has a kink or jump: a branch threshold, a tie). Every Hessian is
flattened to a matrix in the order of `pytrees.flatten`: rows and columns follow the float
leaves of the arguments. `assert_hvp_consistent`: the cheaper checks by `hvp` (arrays).
"""

from __future__ import annotations

import numpy as np

import s2s_ad as ad
from s2s_ad import pytrees
from s2s_ad.api import _is_differentiable
from s2s_ad.testing import _flat, _random_like, _shift


def float_arguments(args: tuple) -> tuple[int, ...]:
    """The positions of the arguments a Hessian is taken with respect to."""
    return tuple(i for i, a in enumerate(args) if _is_differentiable(a))


def _sizes(args: tuple, wrt: tuple[int, ...]) -> list[int]:
    return [int(np.size(leaf)) for i in wrt for leaf in pytrees.float_leaves(args[i])]


def as_matrix(blocks: object, sizes: list[int]) -> np.ndarray:
    """The n-by-n matrix of a Hessian (or Jacobian of a gradient) in JAX's layout: the blocks
    come row leaf by row leaf, each holding one block per column leaf."""
    leaves = [np.asarray(b, dtype=np.float64) for b in pytrees.flatten(blocks)[0] if b is not None]
    assert len(leaves) == len(sizes) ** 2, f"{len(leaves)} blocks for {len(sizes)} leaves"
    rows = []
    for r, rows_size in enumerate(sizes):
        row = leaves[r * len(sizes) : (r + 1) * len(sizes)]
        rows.append(
            np.hstack([b.reshape(rows_size, size) for b, size in zip(row, sizes, strict=True)])
        )
    return np.vstack(rows)


def _gradient_vector(f, args: tuple, wrt: tuple[int, ...]) -> np.ndarray:
    return _flat(ad.grad(f, wrt=wrt)(*args))


def _moved(args: tuple, wrt: tuple[int, ...], sizes: list[int], k: int, step: float) -> tuple:
    """`args` with the k-th float element (in the flattened order) moved by `step`."""
    moved = list(args)
    offset = 0
    for i in wrt:
        leaves = pytrees.float_leaves(args[i])
        count = sum(int(np.size(leaf)) for leaf in leaves)
        if offset <= k < offset + count:
            direction = [np.zeros(np.shape(leaf)) for leaf in leaves]
            at = k - offset
            for d in direction:
                if at < d.size:
                    d.reshape(-1)[at] = step
                    break
                at -= d.size
            moved[i] = _add(args[i], direction)
            return tuple(moved)
        offset += count
    raise IndexError(k)


def _add(arg: object, shifts: list) -> object:
    if pytrees.node(arg) is None:
        return arg + (shifts[0] if np.ndim(arg) else float(shifts[0]))
    it = iter(shifts)
    return pytrees.map_leaves(
        lambda leaf: (
            leaf + (next(it) if np.ndim(leaf) else float(next(it)))
            if pytrees.is_leaf(leaf)
            else leaf
        ),
        arg,
    )


def numeric_hessian_column(f, args, wrt, sizes, k, step=1e-5):
    """(central difference of the gradient along element k, True when the gradient is smooth
    there: its one-sided differences agree, and so do central differences of two steps — a
    jump of the gradient, as at a tie of `np.maximum`, grows them like 1 / step)."""
    here = _gradient_vector(f, args, wrt)
    return gradient_differences(
        lambda s: _gradient_vector(f, _moved(args, wrt, sizes, k, s), wrt), here, step
    )


def gradient_differences(gradient_at, here, step):
    """(central difference of the gradient, whether it is smooth there), from
    `gradient_at(s)`, the gradient a step s along the direction, and `here`, at 0."""
    at = {s: gradient_at(s) for s in (step, -step, 2 * step, -2 * step)}
    ahead, behind = (at[step] - here) / step, (here - at[-step]) / step
    central, wider = (
        (at[step] - at[-step]) / (2 * step),
        (at[2 * step] - at[-2 * step]) / (4 * step),
    )
    smooth = np.allclose(ahead, behind, rtol=1e-3, atol=1e-4) and np.allclose(
        central, wider, rtol=1e-3, atol=1e-4
    )
    return central, smooth


def assert_hessian_consistent(f, args: tuple) -> np.ndarray:
    """Every second-order check of `f` at `args` (module docstring); returns the matrix."""
    args = tuple(args)
    wrt = float_arguments(args)
    sizes = _sizes(args, wrt)
    hessian = as_matrix(ad.hessian(f, wrt=wrt)(*args), sizes)
    scale = max(1.0, float(np.max(np.abs(hessian), initial=0.0)))
    np.testing.assert_allclose(hessian, hessian.T, rtol=0, atol=1e-9 * scale, err_msg="symmetry")
    for name, jac in (("jacfwd", ad.jacfwd), ("jacrev", ad.jacrev)):
        other = as_matrix(jac(ad.grad(f, wrt=wrt), wrt=wrt)(*args), sizes)
        np.testing.assert_allclose(
            other, hessian, rtol=1e-10, atol=1e-10 * scale, err_msg=f"{name}(grad) vs hessian"
        )
    scalars = [i for i in wrt if pytrees.node(args[i]) is None and np.ndim(args[i]) == 0]
    if scalars:  # the first scalar argument: its diagonal entry
        i = scalars[0]
        twice = ad.grad(ad.grad(f, wrt=i), wrt=i)(*args)
        at = sum(_sizes(args, wrt[: wrt.index(i)]))
        np.testing.assert_allclose(
            twice, hessian[at, at], rtol=1e-10, atol=1e-10 * scale, err_msg="grad(grad) vs hessian"
        )
    for k in range(sum(sizes)):
        numeric, smooth = numeric_hessian_column(f, args, wrt, sizes, k)
        if smooth:
            np.testing.assert_allclose(
                hessian[:, k],
                numeric,
                rtol=1e-4,
                atol=1e-5 * scale,
                err_msg=f"hessian column {k} vs central differences of the gradient",
            )
    return hessian


def assert_hvp_consistent(f, args: tuple, seed: int = 0) -> None:
    """The cheaper checks for many inputs (arrays): for random directions u and v, `hvp`'s
    gradient is `grad`'s, ⟨u, H v⟩ = ⟨v, H u⟩ (symmetry), H v equals `hessian`'s H times v
    and central differences of the gradient along v (where the gradient is smooth)."""
    args = tuple(args)
    wrt = float_arguments(args)
    rng = np.random.default_rng(seed)
    u, v = (
        tuple(_random_like(a, rng) if i in wrt else None for i, a in enumerate(args))
        for _ in range(2)
    )
    gradient = _gradient_vector(f, args, wrt)
    _, h_u = ad.hvp(f, args, u)
    g_v, h_v = ad.hvp(f, args, v)
    np.testing.assert_allclose(
        _flat(g_v), gradient, rtol=1e-12, atol=1e-12, err_msg="hvp's gradient"
    )
    h_u, h_v, flat_u, flat_v = _flat(h_u), _flat(h_v), _flat(u), _flat(v)
    scale = max(
        1.0, float(np.max(np.abs(h_v), initial=0.0)), float(np.max(np.abs(h_u), initial=0.0))
    )
    left, right = float(flat_u @ h_v), float(flat_v @ h_u)
    assert abs(left - right) <= 1e-9 * scale * max(1.0, abs(left)), (
        f"<u, Hv> {left!r} != <v, Hu> {right!r}"
    )
    sizes = _sizes(args, wrt)
    hessian = as_matrix(ad.hessian(f, wrt=wrt)(*args), sizes)
    np.testing.assert_allclose(
        hessian @ flat_v, h_v, rtol=1e-9, atol=1e-9 * scale, err_msg="hvp vs hessian"
    )
    central, smooth = gradient_differences(
        lambda s: _gradient_vector(f, _shift(args, v, s), wrt), gradient, 1e-5
    )
    if smooth:
        np.testing.assert_allclose(
            h_v,
            central,
            rtol=1e-4,
            atol=1e-5 * scale,
            err_msg="hvp vs central differences of the gradient",
        )

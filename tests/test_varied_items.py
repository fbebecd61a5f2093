"""Forward activity through items (`ad.activity.varied_paths`): a container's items are
varied one by one, and an item read back carries a tangent only where an item it may be
does. Checked on the analysis itself, and on programs mixing inputs and data in lists,
tuples and dicts: Hessians and forward derivatives against finite differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import varied_items_programs as programs

import s2s_ad as ad
from s2s_ad.ad.activity import ANY, WHOLE, varied_paths
from s2s_ad.pipeline import to_ssa

RNG = np.random.default_rng(27)
X = np.array([-0.7, 0.4, -1.3])
DATA = np.abs(RNG.normal(size=(4, 3))) + 0.5
POWERS = np.array([[2.0, 3.0, 4.0], [3.0, 2.0, 2.0], [4.0, 5.0, 3.0], [2.0, 2.0, 3.0]])


def paths_of(fn, wrt):
    return varied_paths(to_ssa(fn), wrt)


def at_any_position(found: dict) -> list[str]:
    """The names holding items varied at a position not known statically."""
    return [name for name, paths in found.items() if any(p and p[0] is ANY for p in paths)]


def test_a_tape_holds_data_at_any_position_without_a_tangent():
    found = paths_of(programs.list_of_tuples_loop, ["x"])
    taped = at_any_position(found)
    assert taped, found
    for name in taped:  # the tuples' data (item 0) and counter (item 2) are not varied
        assert {p for p in found[name] if p[0] is ANY} == {(ANY, 1)}
    assert "row" not in found and "x" in found and found["x"] == WHOLE


def test_items_at_known_positions():
    found = paths_of(programs.sliced_list, ["x"])
    values = [n for n in found if n.startswith("values")]
    assert values and all(found[n] <= {(1,), (3,)} for n in values), found


def test_a_negative_index_is_counted_from_the_length_it_has_then():
    found = paths_of(programs.negative_index_then_append, ["x"])
    lists = [n for n in found if n.startswith("items")]
    assert lists and all(found[n] == {(1,)} for n in lists), found
    gradient = ad.grad(programs.negative_index_then_append, mode="forward")(0.6, 0.7)
    assert gradient == pytest.approx(1.2, rel=1e-12)


def test_hessian_of_a_tape_replayed_in_reverse():
    x, ps = np.array([-1.2, -0.7, 1.3]), np.array([2.0, 3.0, 2.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hessian = ad.hessian(programs.replayed_in_reverse)(x, ps)
    exact = np.diag(ps * (ps - 1) * np.abs(x) ** (ps - 2) * np.sign(x) ** ps)
    np.testing.assert_allclose(hessian, exact, rtol=1e-12, atol=1e-12)


def test_data_made_active_is_followed_too():
    found = paths_of(programs.list_of_tuples_loop, ["data"])
    taped = at_any_position(found)
    assert taped and all({p for p in found[n] if p[0] is ANY} == {(ANY, 0), (ANY, 1)}
                         for n in taped)  # fmt: skip


def central_hessian(fn, x, *rest, h=1e-5):
    gradient = ad.grad(fn)
    columns = []
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        columns.append((gradient(x + step, *rest) - gradient(x - step, *rest)) / (2 * h))
    return np.stack(columns, axis=1)


def central_jacobian(fn, x, *rest, h=1e-6):
    columns = []
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        columns.append(
            (np.asarray(fn(x + step, *rest)) - np.asarray(fn(x - step, *rest))) / (2 * h)
        )
    return np.stack(columns, axis=-1)


def test_hessian_of_powers_of_taped_data_is_finite_and_exact():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning either
        hessian = ad.hessian(programs.powers)(X, POWERS)
    exact = np.diag((POWERS[:3] * (POWERS[:3] - 1) * X ** (POWERS[:3] - 2)).sum(0))
    np.testing.assert_allclose(hessian, exact, rtol=1e-12, atol=1e-12)


def test_hessian_of_batched_powers():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hessian = ad.hessian(programs.batched_powers)(X, POWERS)
    exact = np.diag((POWERS * POWERS * (POWERS - 1) * X ** (POWERS - 2)).sum(0))
    np.testing.assert_allclose(hessian, exact, rtol=1e-12, atol=1e-12)


PROGRAMS = [
    programs.appended_any_position,
    programs.history,
    programs.dict_state,
    programs.overwritten_items,
    programs.sliced_list,
    programs.list_of_tuples_loop,
]


@pytest.mark.parametrize("fn", PROGRAMS, ids=lambda f: f.__name__)
def test_hessian_against_differences(fn):
    hessian = ad.hessian(fn)(X, DATA)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(hessian, central_hessian(fn, X, DATA), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", PROGRAMS, ids=lambda f: f.__name__)
def test_forward_gradient_against_reverse_and_differences(fn):
    forward = ad.grad(fn, mode="forward")(X, DATA)
    np.testing.assert_allclose(forward, ad.grad(fn)(X, DATA), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(forward, central_jacobian(fn, X, DATA), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn", PROGRAMS, ids=lambda f: f.__name__)
def test_with_respect_to_the_data(fn):
    """The data made the differentiated input: its items are the varied ones now."""
    gradient = ad.grad(fn, wrt=1, mode="forward")(X, DATA)
    flat = lambda d: fn(X, d.reshape(DATA.shape))  # noqa: E731
    expected = central_jacobian(flat, DATA.ravel()).reshape(DATA.shape)
    np.testing.assert_allclose(gradient, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gradient, ad.grad(fn, wrt=1)(X, DATA), rtol=1e-12, atol=1e-12)

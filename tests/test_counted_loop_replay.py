"""Issue 19, part 1: a counted loop (`for i in range(…)`, bounds fixed before it) replays with
its counter from the range again, never from a tape, in each form the reverse sweep takes:

- it reads the counter and taped values:
  `for i, (a, b) in zip(reversed(range(…)), reversed(_tape1))`;
- it reads the counter only: `for i in reversed(range(…))`, no tape;
- it reads taped values only: `for a, b in reversed(_tape1)`.

Each program's derivatives are checked against central differences, forward against reverse,
and to second order against the Jacobian of the gradient; the generated code never appends a
counter to a tape.
"""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

import s2s_ad as ad


def indexed_pairs(x):  # counter and taped values: the zip form
    s = 0.0
    for i in range(len(x) - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def stepped_backwards(x):  # a negative step: the range reversed runs upwards
    s = 0.0
    for i in range(len(x) - 1, 0, -2):
        s = s + np.sin(x[i] * x[i - 1]) * i
    return s


def offset_range(x, lo):
    s = x[0] * 0.0
    for k in range(lo, lo + 3):
        s = s + np.tanh(x * k) * s + x * float(k)
    return np.sum(s)


def triangular(x):  # the inner bound is the outer counter: saved by the outer tape
    s = 0.0
    for i in range(len(x)):
        for j in range(i):
            s = s + x[i] * x[j] * (i - j)
    return s


def bound_reassigned(x):
    n = 2
    y = x * 1.0
    for r in range(3):
        for i in range(n):
            y = np.sin(y) * (i + 1.0)
        n = n + r
    return np.sum(y)


def counter_only(x, n):  # reads the counter only: no tape at all
    y = 0.0
    for i in range(n):
        y = y + x * x * i
    return y


def values_only(x):  # reads taped values only: the tape alone
    y = x
    for _ in range(30):
        y = np.sin(y) * x
    return y


def branch_on_counter(x):
    y = x * 1.0
    for i in range(6):
        if i % 2 == 0:  # noqa: SIM108 (a branch, as written)
            y = y * np.cos(y) + i
        else:
            y = y + np.sin(y * i)
    return np.sum(y)


def in_place_rows(x):
    a = np.zeros((4, 3))
    for i in range(4):
        a[i] = x * (i + 1.0) + np.sin(x) * a[i - 1]
    return np.sum(a * a)


def empty_and_single(x, n):
    s = np.sum(x)
    for i in range(n):
        s = s * np.cos(x[i % 3]) + i
    return s


def counter_after_the_loop(x, n):  # the counter is copied out of the loop: `i = _i`
    y = x * 1.0
    for i in range(n):
        y = np.sin(y) * (i + 1.0)
    return np.sum(y) * i


def counter_copied(x):  # `j = i`: a copy of the counter, from the range too
    y = x * 1.0
    for i in range(4):
        j = i
        y = np.cos(y * j) + y
    return np.sum(y)


PROGRAMS = [
    (indexed_pairs, (np.array([0.5, -1.2, 0.3, 2.0, 0.9]),)),
    (stepped_backwards, (np.array([0.5, -1.2, 0.3, 2.0, 0.9, 0.4]),)),
    (offset_range, (np.array([0.2, -0.4]), 2)),
    (triangular, (np.array([0.5, -1.2, 0.3, 2.0]),)),
    (bound_reassigned, (np.array([0.3, -0.6, 1.1]),)),
    (counter_only, (0.9, 7)),
    (values_only, (0.7,)),
    (branch_on_counter, (np.array([0.3, -0.6]),)),
    (in_place_rows, (np.array([0.3, -0.6, 1.1]),)),
    (empty_and_single, (np.array([0.3, -0.6, 1.1]), 0)),
    (empty_and_single, (np.array([0.3, -0.6, 1.1]), 1)),
    (empty_and_single, (np.array([0.3, -0.6, 1.1]), 5)),
    (counter_after_the_loop, (np.array([0.3, -0.6]), 3)),
    (counter_copied, (np.array([0.3, -0.6]),)),
]
IDS = [f"{f.__name__}-{k}" for k, (f, _) in enumerate(PROGRAMS)]


def _central(f, args, h=1e-6):
    x = np.asarray(args[0], dtype=float)
    flat = x.reshape(-1)
    out = np.zeros(flat.shape)
    for k in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[k] += h
        down[k] -= h
        out[k] = (f(up.reshape(x.shape), *args[1:]) - f(down.reshape(x.shape), *args[1:])) / (2 * h)
    return out.reshape(x.shape)


@pytest.mark.parametrize("f, args", PROGRAMS, ids=IDS)
def test_first_order(f, args):
    value, gradient = ad.value_and_grad(f)(*args)
    assert value == f(*args)
    np.testing.assert_allclose(gradient, _central(f, args), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gradient, ad.jacfwd(f)(*args), rtol=1e-12, atol=1e-13)
    _, pullback = ad.vjp(f, *args)
    np.testing.assert_array_equal(np.asarray(pullback(1.0)[0]), np.asarray(gradient))


@pytest.mark.parametrize("f, args", PROGRAMS, ids=IDS)
def test_second_order(f, args):
    hessian = ad.hessian(f)(*args)
    np.testing.assert_allclose(hessian, ad.jacfwd(ad.grad(f))(*args), rtol=1e-10, atol=1e-12)
    x = np.asarray(args[0], dtype=float)

    def gradient(y, *rest):
        return np.asarray(ad.grad(f)(y, *rest)).reshape(-1)

    h = 1e-5
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = h
        column = (
            gradient(x + step.reshape(x.shape), *args[1:])
            - gradient(x - step.reshape(x.shape), *args[1:])
        ) / (2 * h)
        got = np.asarray(hessian).reshape(x.size, x.size)[:, k]
        np.testing.assert_allclose(got, column, rtol=1e-5, atol=1e-6)


def _counters(f) -> set[str]:
    import inspect
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(f)))
    return {n.target.id for n in ast.walk(tree) if isinstance(n, ast.For)}


@pytest.mark.parametrize("f, args", PROGRAMS, ids=IDS)
@pytest.mark.parametrize("mode", ["gradient", "reverse"])
def test_no_counter_on_a_tape(f, args, mode):
    source = ad.derivative_source(f, mode, args=args)
    for pushed in re.findall(r"_tape\d+\.append\((.*)\)", source):
        names = set(re.findall(r"[A-Za-z_]\w*", pushed))
        counters = _counters(f) | {f"_{c}" for c in _counters(f)}  # (`_i`: renamed)
        assert not names & counters, (f.__name__, pushed)


def test_the_three_forms():
    x = np.array([0.5, -1.2, 0.3, 2.0, 0.9])
    zipped = ad.derivative_source(indexed_pairs, "gradient", args=(x,))
    assert "in zip(reversed(range(_t2)), reversed(_tape1)):" in zipped
    alone = ad.derivative_source(counter_only, "gradient", args=(0.9, 7))
    assert "for i in reversed(range(n)):" in alone and "_tape" not in alone
    taped = ad.derivative_source(values_only, "gradient", args=(0.7,))
    replays = [line.strip() for line in taped.split("reverse sweep")[1].splitlines()]
    assert [r for r in replays if r.startswith("for ")] == ["for _t1, y_1 in reversed(_tape1):"]


def test_the_counter_after_the_loop_is_the_last_one():
    def last_counter(x):
        y = x
        for i in range(4):
            y = y * np.sin(y + i)
        return y * i

    x = 0.4
    value, gradient = ad.value_and_grad(last_counter)(x)
    assert value == last_counter(x)
    np.testing.assert_allclose(gradient, _central(last_counter, (x,)), rtol=1e-6)


@pytest.mark.parametrize("f, args", PROGRAMS[:4], ids=IDS[:4])
def test_jit_same_numbers(f, args):
    pytest.importorskip("numba")
    expected = ad.grad(f)(*args)
    np.testing.assert_allclose(ad.grad(f, jit=True)(*args), expected, rtol=1e-12, atol=1e-14)


# names of builtins the generated code calls on its own (`zip`, `reversed`, `len`, `min`,
# `tuple`, `list`), bound by the user's function: locals are renamed, parameters keep their
# names and the code reaches the builtin through the runtime (`rt.python.zip`). Not yet: a
# parameter named `slice` (a constant slice is written `slice(1, None)`)


def builtin_named_parameters(x, zip, reversed=2.0, len=3, min=0.1, tuple=0.5):
    y = 0.0
    for i in range(len):
        y = y + np.sin(x[i] * y) * zip * i + x[i] * reversed + min
    for v in x:
        y = y + v * y * tuple
    return y + np.sum(x[1:] * 1.5)


def builtin_named_locals(x):
    zip = 2.0
    reversed = x[::-1]
    len = 3
    min = x * 0.5
    tuple = 1.5
    s = 0.0
    for i in range(len):
        s = s + np.sum(reversed * min) * zip * tuple + x[i] ** 2 * i
    for v in x:
        s = s + v * s * 0.1
    return s


@pytest.mark.parametrize(
    "f, args",
    [
        (builtin_named_parameters, (np.array([0.3, -0.5, 0.8]), 1.5)),
        (builtin_named_locals, (np.array([0.3, -0.5, 0.8]),)),
    ],
    ids=["parameters", "locals"],
)
def test_names_of_builtins_bound_by_the_user(f, args):
    test_first_order(f, args)
    test_second_order(f, args)
    source = ad.derivative_source(f, "gradient", args=args)
    compile(source, "<generated>", "exec")  # readable Python, as shown


# an empty input: no direction for the vector tangent code (a rule applied direction by
# direction, `rt.per_direction`, makes the tangent of none), the Hessian (0, 0)


def squares_by_index(x):
    y = 0.0
    for i in range(len(x)):
        y = y + x[i] * x[i]
    return y


def squares_by_item(x):
    y = 0.0
    for v in x:
        y = y + np.sin(v) * v
    return y


def collected_items(x):
    items = []
    for v in x:
        items.append(v * v)
    return sum(items) + 0.0


@pytest.mark.parametrize("f", [squares_by_index, squares_by_item, collected_items])
def test_second_order_at_an_empty_input(f):
    x = np.zeros(0)
    assert ad.grad(f)(x).shape == (0,)
    assert ad.hessian(f)(x).shape == (0, 0)
    assert ad.jacfwd(ad.grad(f))(x).shape == (0, 0)
    y = np.array([0.3, -0.2])
    np.testing.assert_allclose(ad.hessian(f)(y), ad.jacfwd(ad.grad(f))(y), rtol=1e-12)


# an error raised by a loop's header (`range(3.0)`) is located at the `for` line, where the
# plain call raises, in the forward sweep, the replay and the Hessian's code alike


def float_bound(x, n):
    y = x
    for i in range(n):  # LOOP
        y = y * np.sin(y) + i
    return y


@pytest.mark.parametrize("maker", ["grad", "jacfwd", "jacrev", "hessian"])
def test_error_in_a_loop_header_is_located_there(maker):
    import inspect

    lines, first = inspect.getsourcelines(float_bound)
    line = first + next(k for k, text in enumerate(lines) if "# LOOP" in text)
    with pytest.raises(TypeError):
        float_bound(0.5, 3.0)
    with pytest.raises(ad.S2SError) as info:
        getattr(ad, maker)(float_bound)(0.5, 3.0)
    assert (info.value.filename, info.value.line) == (__file__, line), str(info.value)


def underscore_loop(x):
    y = x
    for _ in range(3):
        y = np.sin(y) * 1.5
    return y


def test_underscore_keeps_its_name_where_builtins_bind_it(monkeypatch):
    """IPython binds `builtins._` to the last result: a local `_` is not renamed for it."""
    import builtins

    monkeypatch.setattr(builtins, "_", 42, raising=False)
    source = ad.derivative_source(underscore_loop, "gradient", args=(0.3,))
    assert "for _ in range(3):" in source and "__1" not in source, source

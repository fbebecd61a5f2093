"""Loops without needless tapes, dead forward sweeps removed, `grad`'s unit seed (issue 19
parts 1 and 2).

A counted loop (`for i in range(…)`) whose adjoint reads nothing the loop overwrites replays
as `for i in reversed(range(…))`, with no tape; the forward statements that feed neither the
result nor the adjoint are gone (mark and sweep, simplify/dead_code.py), but never one kept
for its effect; `grad`'s cotangent is the literal 1.0 (no `np.full_like`, no `* 1.0`), `vjp`'s
pullback keeps its seed parameter.

The numbers must not move: every program's gradient is compared bit for bit with the same
program differentiated by the tape of before (`_counted` off: every loop keeps its tape) and
with `vjp`'s pullback given 1.0 (the general seed, not shape-specialised), and checked against
central differences, forward mode, and the plain call's value.
"""

import ast
import math
import re

import numpy as np
import pytest
from test_loop_invariants_independent import inner_zero_trip_sometimes
from test_negative_literals_and_folds_independent import debug_level_flag as quiet_flag

import s2s_ad as ad
from s2s_ad import pipeline
from s2s_ad.ad import reverse
from s2s_ad.runs import derivative_run
from s2s_ad.testing import check_grads, check_modes_agree

# programs


def add_loop(x):
    y = 0.0
    for i in range(100):  # noqa: B007 (the issue's example, as written)
        y = y + x * x
    return y


def sin_loop(x):
    y = x
    for _ in range(200):
        y = math.sin(y) * x
    return y


def sin_cos_steps(x, v):
    for _ in range(50):
        x, v = x + 0.01 * v, v - 0.01 * math.sin(x) * math.cos(v)
    return x * v


def reads_counter(x, n):
    y = x
    for i in range(n):
        y = y * x + i * x
    return y


def counter_only(x, n):
    y = 0.0
    for i in range(n):
        y = y + x * i
    return y


def with_continue(x):
    y = x
    for i in range(9):
        if i % 3 == 0:
            continue
        y = y * x + 0.1
    return y


def with_break(x):
    y = x
    for _ in range(10):
        y = math.sin(y) * x
        if y > 0.5:
            break
    return y


def with_else(x):
    y = x
    for _ in range(4):
        y = y * x
        if y > 100.0:
            break
    else:
        y = y + x
    return y


def while_loop(x):
    y = x
    k = 0
    while k < 6:
        y = y * 0.9 + x
        k = k + 1
    return y


def nested(x):
    y = x
    for j in range(3):
        for k in range(j, 4):
            y = y * x + k
    return y


def nested_saving(x):
    y = x
    for _ in range(4):
        z = y
        for _ in range(3):
            z = math.sin(z) * x
        y = y + z
    return y


def bounds_before(x, n):
    m = n + 2
    y = x
    for i in range(1, m, 2):
        y = y + x * i
    return y


def checkpointed(x):
    y = x
    for _ in ad.checkpoint(range(12), every=4):
        y = math.sin(y) * x + 0.1
    return y


def checkpointed_plain(x):
    y = 0.0
    for _ in ad.checkpoint(range(9)):
        y = y + x * x
    return y


def array_loop(w):
    v = np.linspace(-1.0, 1.0, 4)
    for _ in range(5):
        v = np.tanh(w * v) + 0.1
    return np.sum(v)


def tanh_layer(W, x, b):
    return np.sum(np.tanh(W @ x + b))


def scaled_sum(x, c):
    return np.sum(x * c)  # the ones times `c` (a scalar): not `c`, kept


def broadcast_tanh(a, b):
    return np.sum(np.tanh(a[:, None] + b))


def mean_of_squares(x):
    return np.mean(x**2) + np.sum(np.cos(x))


def shared_reads(x, k):
    """`p[1]` and `k * e01` twice a step: one value each (ssa/cse.py), saved once."""
    p = x * np.array([1.0, 0.5, 0.25])
    for _ in range(4):
        e01 = p[1] - p[0]
        e12 = p[2] - p[1]
        a = k * e01 - k * e01 * e12
        p = p + 0.1 * np.array([a, -a, e12])
    return np.sum(p**2)


def invariant_factor(x, w):
    """`-w`, the same in every iteration: read where it stands, not saved."""
    y = x
    for _ in range(6):
        a = -w * np.sin(y)
        y = y + 0.1 * a
    return y


def invariant_in_while(x, w):
    """`0.5 * dt` (a literal's name) and `-w` in a `while` loop's body."""
    y = x
    t = 0.0
    dt = 0.05
    while t < 0.3:
        y = y + 0.5 * dt * (-w * y)
        t = t + dt
    return y


def invariant_checkpointed(x, w):
    y = x
    for _ in ad.checkpoint(range(8), every=3):
        y = y + 0.1 * (-w * math.sin(y))
    return y


def fixed_mode(x, w):
    """`mode == 2 or …` with `mode = 2`: a flag True in every iteration."""
    y = x
    mode = 2
    for _ in range(5):
        if mode == 2 or y > 5.0:  # noqa: SIM108 (the branch is the point)
            y = y * w + 0.1
        else:
            y = y - w
    return y


PROGRAMS = [
    (quiet_flag, (0.6,)),
    (fixed_mode, (0.4, 0.9)),
    (shared_reads, (np.array([0.3, -0.2, 0.4]), 1.3)),
    (invariant_factor, (0.4, 1.7)),
    (invariant_in_while, (0.8, 1.1)),
    (invariant_checkpointed, (0.6, 0.9)),
    (inner_zero_trip_sometimes, (0.7, 1.2)),  # (`0.5 * k`, an inner loop of no trip first)
    (add_loop, (1.5,)),
    (sin_loop, (0.7,)),
    (sin_cos_steps, (0.3, 0.8)),
    (reads_counter, (0.9, 5)),
    (counter_only, (0.9, 7)),
    (with_continue, (0.8,)),
    (with_break, (0.3,)),
    (with_else, (1.2,)),
    (while_loop, (0.4,)),
    (nested, (0.6,)),
    (nested_saving, (0.6,)),
    (bounds_before, (0.5, 6)),
    (checkpointed, (0.7,)),
    (checkpointed_plain, (0.7,)),
    (array_loop, (0.8,)),
    (scaled_sum, (np.linspace(-1.0, 2.0, 5), 1.7)),
    (broadcast_tanh, (np.linspace(-1.0, 1.0, 3), np.linspace(0.1, 0.4, 4))),
    (mean_of_squares, (np.linspace(-1.0, 2.0, 6),)),
    (tanh_layer, (np.linspace(-1, 1, 12).reshape(3, 4), np.linspace(0.2, 0.5, 4), np.ones(3))),
]
IDS = [f.__name__ for f, _ in PROGRAMS]


def _float_positions(args):
    return tuple(i for i, a in enumerate(args) if not isinstance(a, int))


def _fresh_grad(f, args):
    pipeline.forget_all()
    wrt = _float_positions(args)
    return ad.grad(f, wrt=wrt)(*args)


def _same_bits(ours, reference):
    ours, reference = _as_tuple(ours), _as_tuple(reference)
    for a, b in zip(ours, reference, strict=True):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes(), (a, b)


@pytest.mark.parametrize(("f", "args"), PROGRAMS, ids=IDS)
def test_same_bits_as_the_taped_replay(f, args, monkeypatch):
    new = _fresh_grad(f, args)
    with monkeypatch.context() as m:
        m.setattr(reverse, "_counted", lambda stmt, inside: False)
        old = _fresh_grad(f, args)
    pipeline.forget_all()
    _same_bits(new, old)


@pytest.mark.parametrize(("f", "args"), PROGRAMS, ids=IDS)
def test_same_bits_as_saving_every_value(f, args, monkeypatch):
    """A copy made in the body restored from its source, a value the same in every
    iteration read where it stands: the replay reads the very values the tape held."""
    new = _fresh_grad(f, args)
    with monkeypatch.context() as m:
        m.setattr(reverse, "_entry_copies", lambda stmt, saved, assignments: [])
        m.setattr(reverse._Reverse, "standing", lambda self, stmt: set())
        old = _fresh_grad(f, args)
    pipeline.forget_all()
    _same_bits(new, old)


@pytest.mark.parametrize(("f", "args"), PROGRAMS, ids=IDS)
def test_same_bits_as_the_general_seed(f, args):
    """`vjp`'s pullback (any seed, not shape-specialised) given 1.0: the same bits."""
    wrt = _float_positions(args)
    _, pullback = ad.vjp(f, *args)
    pulled = _as_tuple(pullback(1.0))
    _same_bits(_as_tuple(ad.grad(f, wrt=wrt)(*args)), tuple(pulled[i] for i in wrt))


@pytest.mark.parametrize(("f", "args"), PROGRAMS, ids=IDS)
def test_against_central_differences_and_forward_mode(f, args):
    check_grads(f, args)
    check_modes_agree(f, args)


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


# the code grad runs


def _grad_source(f, args):
    wrt = tuple(n for n, a in zip(f.__code__.co_varnames, args, strict=False) if type(a) is not int)
    return derivative_run(f, "gradient", wrt, args).source


def test_counted_loop_has_no_tape_and_grad_no_forward_loop():
    source = _grad_source(add_loop, (1.5,))
    assert "_tape" not in source
    assert "for i in reversed(range(100)):" in source
    loops = [line.strip() for line in source.splitlines() if line.strip().startswith("for ")]
    assert loops == ["for i in reversed(range(100)):"]  # the forward loop feeds nothing
    assert ad.grad(add_loop)(1.5) == _add_ref(1.5, 100)


def _add_ref(x, steps):
    """The adjoint of `x ↦ Σ x·x` by hand: each step adds 2·(ȳ·x), ȳ = 1."""
    x_bar = 0.0
    for _ in range(steps):
        x_bar = x_bar + 2.0 * (1.0 * x)
    return x_bar


def test_value_and_grad_keeps_the_forward_loop():
    value, gradient = ad.value_and_grad(add_loop)(1.5)
    assert value == add_loop(1.5)
    assert gradient == _add_ref(1.5, 100)


def test_only_what_the_adjoint_reads_and_the_loop_overwrites_is_saved():
    source = _grad_source(sin_loop, (0.7,))
    assert "_tape1.append((_t1, y_1))" in source  # sin(y) and y, not x nor i
    assert "reversed(range" not in source


def _tape_entries(source):
    """The names each tape push of `source` saves, by push."""
    pushes = re.findall(r"_tape\d+\.append\(\((.*)\)\)", source)
    return [[name.strip() for name in push.split(",") if name.strip()] for push in pushes]


def test_a_value_is_saved_once_per_iteration():
    """`p[1]` read twice, and `k * e01` computed twice, are one value: one entry each (the
    tape held `_t14, …, _t14` before, dropped only by a second round of every pass)."""
    source = _grad_source(shared_reads, (np.array([0.3, -0.2, 0.4]), 1.3))
    (entries,) = _tape_entries(source)
    assert len(entries) == len(set(entries))
    code = [line.strip() for line in source.splitlines() if not line.strip().startswith("#")]
    assert sum(line.endswith("= p_1[1]") for line in code) == 1  # (read once a step)


@pytest.mark.parametrize(
    ("f", "args"),
    [(invariant_factor, (0.4, 1.7)), (invariant_in_while, (0.8, 1.1))],
    ids=["for", "while"],
)
def test_a_value_the_same_in_every_iteration_is_not_saved(f, args):
    source = _grad_source(f, args)
    negated = re.findall(r"(\w+) = -w$", source, flags=re.MULTILINE)
    assert negated, source  # (`-w` has a name of its own in the loop's body)
    for entries in _tape_entries(source):
        assert negated[0] not in entries, source


@pytest.mark.parametrize(
    ("f", "args"), [(quiet_flag, (0.6,)), (fixed_mode, (0.4, 0.9))], ids=["False", "True"]
)
def test_a_flag_one_literal_in_every_iteration_leaves_no_branch_nor_forward_loop(f, args):
    """The replay assigns the literal (not the name where it stands, which no pass reads
    through into a loop), so the reverse sweep's `if` takes its branch: no tape, no forward
    loop computing the flag, no `if`."""
    source = _grad_source(f, args)
    tree = ast.parse(source)
    assert not any(type(node) is ast.If for node in ast.walk(tree)), source
    loops = [node for node in ast.walk(tree) if type(node) is ast.For]
    assert len(loops) == (1 if f is quiet_flag else 2), source  # (y saved in `fixed_mode`)
    assert re.search(r"append\(\(?_t", source) is None, source  # (no flag saved)


_DRAWS = np.random.default_rng(0)


def draws(x):
    y = x
    for _ in range(4):
        u = _DRAWS.random()
        y = y * (0.5 + 0.3 * u) + math.sin(y)
    return y


def test_a_draw_in_the_body_is_saved():
    """A value drawn in the body differs in every iteration, though no operand changes (a
    call of no arguments is no operator on fixed values: each draw is saved)."""
    start = _DRAWS.bit_generator.state

    def at(x):
        _DRAWS.bit_generator.state = start
        return draws(x)

    x, h = 0.6, 1e-6
    _DRAWS.bit_generator.state = start
    gradient = ad.grad(draws)(x)
    assert gradient == pytest.approx((at(x + h) - at(x - h)) / (2 * h), rel=1e-6)


def test_sin_loop_by_hand():
    """`sin_loop`'s adjoint written out: the same operations in the same order."""
    x = 0.7
    ys, y = [], x
    for _ in range(200):
        t = math.sin(y)
        ys.append((t, y))
        y = t * x
    x_bar, y_bar = 0.0, 1.0
    for t, y in reversed(ys):
        t_bar = y_bar * x
        x_bar = x_bar + t * y_bar
        y_bar = t_bar * math.cos(y)
    x_bar = x_bar + y_bar
    assert ad.grad(sin_loop)(x) == x_bar


def test_counter_read_by_the_adjoint_comes_from_the_range():
    source = _grad_source(counter_only, (0.9, 7))
    assert "for i in reversed(range(n)):" in source
    assert "_tape" not in source


def test_break_keeps_its_tape():
    assert "_tape1" in _grad_source(with_break, (0.3,))


def test_checkpointed_loop_keeps_its_segments():
    source = _grad_source(checkpointed, (0.7,))
    assert "rt.segments" in source


# effects are never removed


def noisy(y):
    print("helper", y)
    return y * 2.0


def with_effects(x):
    y = 0.0
    for i in range(3):
        y = y + x * x
        unused = noisy(y)  # noqa: F841 (a call kept for its effect)
        print("step", i)
    return y


@pytest.mark.parametrize(
    "run",
    [
        lambda: ad.grad(with_effects)(1.5),
        lambda: ad.value_and_grad(with_effects)(1.5),
        lambda: ad.jvp(with_effects, (1.5,), (1.0,)),
        lambda: ad.grad(with_effects, mode="forward")(1.5),
    ],
    ids=["grad", "value_and_grad", "jvp", "grad_forward"],
)
def test_effects_run_once_each(run, capsys):
    with_effects(1.5)
    plain = capsys.readouterr().out
    run()
    assert capsys.readouterr().out == plain
    assert plain.count("helper") == 3


def test_effects_keep_the_forward_loop_they_are_in():
    source = _grad_source(with_effects, (1.5,))
    assert "noisy(" in source and "print('step', i)" in source
    assert ad.grad(with_effects)(1.5) == _add_ref(1.5, 3)


# grad's seed


def test_grad_has_the_unit_seed_folded_in():
    args = PROGRAMS[-1][1]
    source = _grad_source(tanh_layer, args)
    assert "full_like" not in source
    assert "1.0 *" not in source and "* 1.0" not in source
    assert "_bar=1.0" not in source  # no seed parameter


def test_vjp_keeps_the_general_seed():
    args = PROGRAMS[-1][1]
    source = ad.derivative_source(tanh_layer, mode="reverse")
    assert "def pullback(" in source and "full_like" in source
    _, pullback = ad.vjp(tanh_layer, *args)
    two = pullback(2.0)[0]
    one = pullback(1.0)[0]
    np.testing.assert_array_equal(two, 2.0 * one)  # scaling by a power of two is exact
    _same_bits((ad.grad(tanh_layer)(*args),), (one,))


def test_the_ones_stay_where_the_product_is_not_the_other_factor():
    source = _grad_source(scaled_sum, (np.linspace(-1.0, 2.0, 5), 1.7))
    assert "np.full" in source  # `ones * c` has x's shape, `c` has not
    gradient = ad.grad(scaled_sum)(np.linspace(-1.0, 2.0, 5), 1.7)
    np.testing.assert_array_equal(gradient, np.full(5, 1.7))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unit_seed_keeps_the_dtype(dtype):
    x = np.linspace(-1.0, 2.0, 6).astype(dtype)
    for f in (broadcast_tanh, mean_of_squares):
        args = (x, x[:4]) if f is broadcast_tanh else (x,)
        _, pullback = ad.vjp(f, *args)
        _same_bits(ad.grad(f, wrt=tuple(range(len(args))))(*args), pullback(dtype(1.0)))


def test_the_unit_cotangent_is_read_as_a_literal_through_the_loop():
    source = _grad_source(add_loop, (1.5,))
    body = source[source.index("for i in reversed(range(100)):") :].splitlines()[1:]
    statements = [line.strip() for line in body if not line.strip().startswith("#")]
    # no copies of the seed left, and no product by it: `2.0 * (1.0 * x)` is `2.0 * x`
    assert statements[0] == "x_bar = x_bar + 2.0 * x"


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("a = 1.0\nfor i in r:\n    b = a\n    a = a\nreturn b * x", []),
        ("a = 1.0\nfor i in r:\n    a = 2.0\nreturn a * x", ["a"]),  # two literals
        ("a = 0.0\nif c:\n    a = -0.0\nreturn a * x", ["a"]),  # two zeros
        ("a = 1.0\nfor a, j in r:\n    pass\nreturn a * x", ["a"]),  # a loop target too
        ("a = 1.0\na += x\nreturn a", ["a"]),  # updated
        ("a = 1.0\nreturn (lambda a: a * x)(2.0)", ["a"]),  # a parameter of its own there
        ("a = 1.0\nb = a * x\nreturn b", ["b"]),
        ("a = 1\nreturn a * x", []),  # an int literal too (a folded `0 and …` flag)
        ("a = 1\nif c:\n    a = 1.0\nreturn a * x", ["a"]),  # 1 and 1.0: two literals
        ("a = 1\nif c:\n    a = True\nreturn a * x", ["a"]),  # 1 and True too
    ],
)
def test_literal_names(source, kept):
    import ast

    from s2s_ad.simplify.unit_seeds import _propagate_literals

    body = "\n".join("    " + line for line in source.splitlines())
    tree = ast.parse(f"def f(x, r, c):\n{body}").body[0]
    _propagate_literals(tree)
    loads = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.ctx.__class__ is ast.Load
    }
    assert sorted(loads & {"a", "b"}) == kept  # the names still read

"""simplify/negations.py: signs and literal factors folded into the one expression reading
them give the same values bit for bit, on every special value and dtype, and are left alone
wherever that is not sure."""

import ast
import itertools
import textwrap
import warnings

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.runtime.core import Derivatives
from s2s_ad.simplify.negations import fold_negations

FLOAT = ("strong", np.dtype(np.float64))
SPECIAL = [0.0, -0.0, 1.5, -2.25, 1e-310, -5e-324, 1e308, -1e308, np.inf, -np.inf, np.nan, 3.0]


def folded(source: str, dtypes: dict | None = None) -> tuple[str, bool]:
    tree = ast.parse(textwrap.dedent(source)).body[0]
    changed = fold_negations(tree, dtypes)
    return ast.unparse(tree), changed


def run(source: str, **values):
    namespace: dict = {"np": np}
    exec(textwrap.dedent(source), namespace)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return namespace["f"](**values)


def same_bits(a, b) -> bool:
    """The same values, signs of zeros included (any NaN matches any NaN), part by part."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "c":
        a, b = a.reshape(-1).view(a.real.dtype), b.reshape(-1).view(b.real.dtype)
    if a.dtype.kind != "f":
        return bool(np.array_equal(a, b))
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | ((a == b) & (np.signbit(a) == np.signbit(b)))))


# (source, what it folds to) for each rule
FOLDS = [
    (
        """
        def f(a, m, e):
            n = -m
            r = a + n
            return r
        """,
        "r = a - m",
    ),
    (
        """
        def f(a, m, e):
            n = -m
            r = n + a
            return r
        """,
        "r = a - m",
    ),
    (
        """
        def f(a, m, e):
            n = -m
            r = a - n
            return r
        """,
        "r = a + m",
    ),
    (
        """
        def f(a, m, e):
            n = -m
            r = a + n * e
            return r
        """,
        "r = a - m * e",
    ),
    (
        """
        def f(a, m, e):
            n = -m
            r = e * n + a
            return r
        """,
        "r = a - e * m",
    ),
    (
        """
        def f(a, m, e):
            n = -m
            r = a - n * e
            return r
        """,
        "r = a + m * e",
    ),
    (
        """
        def f(a, m, e):
            n = -m
            r = 3.0 * n
            return r
        """,
        "r = -3.0 * m",
    ),
    (
        """
        def f(a, m, e):
            n = 2.5 * e
            r = -n
            return r
        """,
        "r = -2.5 * e",
    ),
    (
        """
        def f(a, m, e):
            r = 100.0 * (2.0 * e)
            return r
        """,
        "r = 200.0 * e",
    ),
    (
        """
        def f(a, m, e):
            n = e * 4.0
            r = n * 1.5
            return r
        """,
        "r = e * 6.0",
    ),
]


REAL = {name: FLOAT for name in "ame"}  # the folds moving a literal: known real values


def operands(values: list, dtype) -> tuple:
    """(a, m, e): every combination of three of `values`, as arrays of `dtype`."""
    triples = np.array(list(itertools.product(values, repeat=3))).T
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 as float32: inf
        return tuple(t.astype(dtype) for t in triples)


def assert_bit_for_bit_on_real_arrays(source: str, after: str) -> None:
    """`source` and `after` give the same bits on every triple of special values, as float64
    and as float32 arrays."""
    for dtype in (np.float64, np.float32):
        a, m, e = operands(SPECIAL, dtype)
        assert same_bits(run(source, a=a, m=m, e=e), run(after, a=a, m=m, e=e))


INTEGERS = [0, -3, 7, 2**40, -(2**40), 1, -1, 2, 5, -8, 2**53 + 1, 9]


@pytest.mark.parametrize(("source", "expected"), FOLDS, ids=[t for _, t in FOLDS])
def test_each_fold_gives_the_same_values_bit_for_bit(source, expected):
    moves_a_literal = any(c.isdigit() for c in source)
    after, changed = folded(source)
    assert changed == (not moves_a_literal), after
    if moves_a_literal:  # complex values or lists: left alone
        after, changed = folded(source, REAL)
    assert changed and expected in after, after
    assert after.count("\n") == textwrap.dedent(source).strip().count("\n") - (
        0 if "100.0" in source else 1
    )
    assert_bit_for_bit_on_real_arrays(source, after)
    for a, m, e in itertools.product(SPECIAL, repeat=3):  # Python floats
        assert same_bits(run(source, a=a, m=m, e=e), run(after, a=a, m=m, e=e))
    # an integer operand among floats, and complex ones: the same numbers, but a zero's sign
    # may differ (the integer's zero has none: -0.0 + -0 and -0.0 - 0; a complex product's
    # real part is a difference: -(0 - 0) and -0 - -0)
    floats, integers = operands(SPECIAL, np.float64), operands(INTEGERS, np.int64)
    mixed = list(itertools.product(*zip(floats, integers, strict=True)))
    if not moves_a_literal:
        mixed.append(operands(SPECIAL, np.complex128))
    for a, m, e in mixed:
        np.testing.assert_array_equal(run(source, a=a, m=m, e=e), run(after, a=a, m=m, e=e))


def test_an_integer_factor_folds_only_into_known_floating_values():
    source = """
    def f(a, m, e):
        n = 2 * e
        r = -n
        s = 100.0 * (2 * e)
        return np.stack([r, s])
    """
    after, changed = folded(source)
    assert not changed, after  # `2 * e` repeats a list; `2 * e` of int64 may wrap
    after, changed = folded(source, {"e": FLOAT})
    assert "r = -2 * e" in after and "s = 200.0 * e" in after, after
    e = np.array(SPECIAL)
    assert same_bits(run(source, a=0, m=0, e=e), run(after, a=0, m=0, e=e))


@pytest.mark.parametrize(
    "source",
    [
        # read twice
        "def f(a, m, e):\n    n = -m\n    r = a + n\n    return r + n",
        # an operand assigned between
        "def f(a, m, e):\n    n = -m\n    m = e\n    r = a + n\n    return r",
        # the reader in a loop: the value would be computed every iteration
        "def f(a, m, e):\n    n = -m\n    for i in range(3):\n        a = a + n\n    return a",
        # in a call's arguments: nothing to fold into
        "def f(a, m, e):\n    n = -m\n    r = np.exp(n)\n    return r",
        # a copy
        "def f(a, m, e):\n    n = -m\n    r = n\n    return r",
        # a negation of a negation: `m` itself, an alias where a new array was
        "def f(a, m, e):\n    n = -m\n    r = -n\n    return r",
        # a product by a factor that is not a power of two, or under 1
        "def f(a, m, e):\n    r = 100.0 * (3.0 * e)\n    return r",
        "def f(a, m, e):\n    r = 0.5 * (2.0 * e)\n    return r",
        # an integer times a negation: a list repeated
        "def f(a, m, e):\n    n = -m\n    r = 3 * n\n    return r",
        # a parameter's name
        "def f(a, m, n):\n    r = a + n\n    n = -m\n    return r + n",
    ],
)
def test_left_alone_where_not_sure(source):
    after, changed = folded(source)
    assert not changed and after == ast.unparse(ast.parse(source).body[0])


def test_a_list_derivative_subtracts_as_it_adds_a_negation():
    d = Derivatives([np.array([1.0, 2.0]), 3.0])
    e = Derivatives([np.array([0.5, -1.0]), -2.0])
    for got, want in ((d - e, d + -e), (e - d, e + -d)):
        assert isinstance(got, Derivatives)
        np.testing.assert_array_equal(got[0], want[0])
        assert got[1] == want[1]
    assert d - 0.0 is d or list(d - 0.0) == list(d)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def differences(x, y):
    return np.sum((x - y) * (x - 2.0 * y)) - np.sum(x - y**2)


def test_a_gradient_s_negations_are_folded_and_its_numbers_right():
    x = np.linspace(-1.2, 1.3, 9)
    source = ad.derivative_source(rosenbrock, "gradient", args=(x,))
    assert " = -_t" not in source and "100.0 * (2" not in source, source
    want = np.zeros_like(x)
    d = x[1:] - x[:-1] ** 2
    want[1:] += 200.0 * d
    want[:-1] += -400.0 * d * x[:-1] - 2.0 * (1.0 - x[:-1])
    np.testing.assert_allclose(ad.grad(rosenbrock)(x), want, rtol=1e-14)
    y = np.linspace(0.3, -0.4, 9)
    gx, gy = ad.grad(differences, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(gx, (x - 2.0 * y) + (x - y) - 1.0, rtol=1e-13)
    np.testing.assert_allclose(gy, -(x - 2.0 * y) - 2.0 * (x - y) + 2.0 * y, rtol=1e-13)
    jx = ad.grad(differences, wrt=(0, 1), mode="forward")(x, y)
    np.testing.assert_allclose(jx[0], gx, rtol=1e-13)
    np.testing.assert_allclose(jx[1], gy, rtol=1e-13)


def test_a_literal_is_not_moved_onto_a_complex_value():
    source = """
    def f(a, m, e):
        n = 2.5 * e
        r = -n
        s = 100.0 * (2.0 * e)
        return np.stack([r, s])
    """
    after, changed = folded(source, {"e": ("strong", np.dtype(np.complex128))})
    assert not changed, after  # (c + 0j) * e: -(2.5 * e) and -2.5 * e differ in zeros' signs
    e = np.array([complex(0.0, -1.0), complex(1.5, -np.inf)])
    folded_source, _ = folded(source, REAL)
    assert not same_bits(run(source, a=0, m=0, e=e), run(folded_source, a=0, m=0, e=e))


def test_mixing_real_and_complex_values_may_flip_only_a_zero_s_sign():
    """The documented limit (complex values, which s2s_ad refuses before they reach
    derivative code): `a + -m` promotes `-m` to complex with imaginary part +0, `a - m`
    promotes `m`."""
    a = np.array([complex(np.nan, -0.0), complex(1.0, -0.0), complex(2.0, 3.0)])
    m = np.array([0.5, 0.5, 0.5])
    plus, minus = a + -m, a - m
    np.testing.assert_array_equal(plus, minus)  # the same numbers…
    assert list(np.signbit(plus.imag)) == [False, False, False]
    assert list(np.signbit(minus.imag)) == [True, True, False]  # …zeros' signs aside


def test_a_negative_literal_factor_turns_the_sign_back():
    source = """
    def f(a, m, e):
        n = -m
        r = a + n * -1.5
        return r
    """
    after, changed = folded(source)
    assert changed and "r = a + m * 1.5" in after, after
    assert_bit_for_bit_on_real_arrays(source, after)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("r = a - m * -1.5", "r = a + m * 1.5"),
        ("r = a + -1.5 * m", "r = a - 1.5 * m"),
        ("r = m * -1.5 + a", "r = a - m * 1.5"),
        # an int literal's sign moves as a negated name's does (`-64` is one literal since
        # negative numbers are built so: it was `-(64)`, folded by `a + -m * e`)
        ("r = a + m * -64", "r = a - m * 64"),
        ("r = a - -2 * m", "r = a + 2 * m"),
    ],
)
def test_a_negative_literal_left_in_a_sum_is_turned(written, expected):
    source = f"def f(a, m, e):\n    {written}\n    return r"
    after, changed = folded(source)
    assert changed and expected in after, after
    assert_bit_for_bit_on_real_arrays(source, after)


def _chain(rng) -> str:
    """A block of negations, literal products, sums and differences of earlier values."""
    names, lines = ["a", "m", "e"], []
    for i in range(int(rng.integers(3, 9))):
        # (mostly the value just made: chains, read once, are what folds)
        x = names[-1] if rng.random() < 0.7 else str(rng.choice(names))
        y = str(rng.choice(names))
        c = str(rng.choice(["2.0", "-1.5", "0.5", "3", "-4"]))
        form = rng.choice(["-{x}", "-{x}", "{c} * {x}", "{x} * {c}", "{x} + {y}", "{x} - {y}"])
        lines.append(f"    t{i} = " + form.format(x=x, y=y, c=c))
        names.append(f"t{i}")
    return "def f(a, m, e):\n" + "\n".join(lines) + f"\n    return {names[-1]}\n"


@pytest.mark.parametrize("seed", range(200))
def test_one_run_leaves_nothing_for_a_second(seed):
    """Each fold moves a value into its reader, whose own operands may fold there in turn
    (`n = -x; p = -n; r = p * 0.5`: `r = x * 0.5`): one run leaves no fold for another, and
    the values are the same bits."""
    source = _chain(np.random.default_rng(seed))
    real = {f"t{i}": FLOAT for i in range(9)} | REAL  # (every value of the chain is real)
    after, _ = folded(source, real)
    again, changed = folded(after, real)
    assert not changed, (source, after, again)
    assert_bit_for_bit_on_real_arrays(source, after)


def test_a_negation_read_by_a_negation_folded_into_a_product_folds_there():
    source = """
    def f(a, m, e):
        n = -m
        p = -n
        r = p * 0.5
        return r
    """
    after, changed = folded(source, {"n": FLOAT, "p": FLOAT} | REAL)
    assert changed and "r = m * 0.5" in after and "-" not in after, after
    assert_bit_for_bit_on_real_arrays(source, after)


@pytest.mark.parametrize(
    ("written", "expected"),
    [("r = a + -1.0 * m", "r = a - m"), ("r = a - m * -1.0", "r = a + m")],
)
def test_a_unit_factor_a_flip_leaves_is_dropped_from_floating_values(written, expected):
    """`grad`'s unit seed read through a negated cotangent leaves `a + -1.0 * b`: `a - b`
    where `b` is known floating, `a - 1.0 * b` elsewhere (an integer `b` times 1.0 is a
    float)."""
    source = f"def f(a, m, e):\n    {written}\n    return r"
    after, changed = folded(source, REAL)
    assert changed and expected in after, after
    assert_bit_for_bit_on_real_arrays(source, after)
    after, changed = folded(source)
    assert changed and "1.0" in after, after


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("r = a + -0.5", "r = a - 0.5"),
        ("r = -0.5 + a", "r = a - 0.5"),
        ("r = a - -0.5", "r = a + 0.5"),
    ],
)
def test_a_negative_float_literal_added_is_subtracted(written, expected):
    source = f"def f(a, m, e):\n    {written}\n    return r"
    after, changed = folded(source)
    assert changed and expected in after, after
    assert_bit_for_bit_on_real_arrays(source, after)
    for a in SPECIAL:
        assert same_bits(run(source, a=a, m=0, e=0), run(after, a=a, m=0, e=0))


def test_a_negative_int_literal_added_stays():
    """`a + -2` of a uint8 array raises (-2 does not fit its dtype), `a - 2` wraps."""
    after, changed = folded("def f(a, m, e):\n    r = a + -2\n    return r")
    assert not changed and "a + -2" in after, after

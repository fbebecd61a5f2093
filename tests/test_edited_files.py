"""A file edited after its function was defined: every edit that changes what runs is
refused (the transformation would read the new source and differentiate code that does not
run), wherever in the function it is and whatever it changes; unedited code is never refused
(imports, closures, methods, decorators, future imports, asserts pytest rewrote)."""

import importlib
import linecache
import sys

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import SourceError

HEAD = "import numpy as np\nimport math\n\n\n"


@pytest.fixture
def edited(tmp_path, monkeypatch):
    """`edit(before, after)`: the module of `before`, its file then rewritten to `after`."""
    monkeypatch.syspath_prepend(str(tmp_path))
    counter = iter(range(1000))

    def edit(before, after=None, head=HEAD):
        name = f"edited_{next(counter)}_{id(tmp_path)}"
        path = tmp_path / f"{name}.py"
        path.write_text(head + before)
        importlib.invalidate_caches()
        module = importlib.import_module(name)
        if after is not None:
            path.write_text(head + after)
            linecache.checkcache(str(path))
        return module

    yield edit
    for name in [n for n in sys.modules if n.startswith("edited_")]:
        del sys.modules[name]


X = np.array([0.3, -1.2, 2.0])

# (before, after): each keeps every line in its place and changes what runs
EDITS = {
    "operator": (
        "def f(x):\n    return np.sum(x * 2.0)\n",
        "def f(x):\n    return np.sum(x / 2.0)\n",
    ),
    "comparison": (
        "def f(x):\n    return np.sum(np.where(x > 0.0, x, 0.0))\n",
        "def f(x):\n    return np.sum(np.where(x < 0.0, x, 0.0))\n",
    ),
    "local_read": (
        "def f(x):\n    y = x * x\n    return np.sum(y)\n",
        "def f(x):\n    y = x * x\n    return np.sum(x)\n",
    ),
    "string": (
        "def f(x):\n    return np.einsum('i,i->', x, x)\n",
        "def f(x):\n    return np.einsum('i,i->i', x, x).sum()\n",
    ),
    "term_on_the_line": (
        "def f(x):\n    return np.sum(x * 2.0)\n",
        "def f(x):\n    return np.sum(x * 2.0) + np.sum(x * x)\n",
    ),
    "unary": ("def f(x):\n    return np.sum(x * x)\n", "def f(x):\n    return -np.sum(x * x)\n"),
    "nested_function": (
        "def f(x):\n    def g(v):\n        return v * 2.0\n    return np.sum(g(x))\n",
        "def f(x):\n    def g(v):\n        return v - 2.0\n    return np.sum(g(x))\n",
    ),
    "loop_bound": (
        "def f(x):\n    s = 0.0\n    for i in range(2):\n        s = s + np.sum(x * i)\n"
        "    return s\n",
        "def f(x):\n    s = 0.0\n    for i in range(3):\n        s = s + np.sum(x * i)\n"
        "    return s\n",
    ),
    "signed_zero": (
        "def f(x):\n    return np.sum(np.maximum(x, 0.0))\n",
        "def f(x):\n    return np.sum(np.maximum(x, -0.0))\n",
    ),
    "lambda": (
        "f = lambda x: np.sum(x * 2.0)\n",
        "f = lambda x: np.sum(x / 2.0)\n",
    ),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
@pytest.mark.parametrize("api", ["grad", "value_and_grad", "jvp", "hessian"])
def test_an_edit_that_changes_what_runs_is_refused(edited, kind, api):
    module = edited(*EDITS[kind])
    call = {
        "grad": lambda f: ad.grad(f)(X),
        "value_and_grad": lambda f: ad.value_and_grad(f)(X),
        "jvp": lambda f: ad.jvp(f, (X,), (np.ones(3),)),
        "hessian": lambda f: ad.hessian(f)(X),
    }[api]
    with pytest.raises(SourceError, match=r"edited since\?") as info:
        call(module.f)
    assert f"{module.__name__}.py:5" in str(info.value)
    assert "reload the module" in str(info.value)


def test_the_error_names_the_line_where_a_moved_function_was(edited):
    module = edited("def f(x):\n    return np.sum(x * 2.0)\n")
    path = module.__file__
    with open(path, "w") as handle:
        handle.write("# a line\n# another\n" + HEAD + "def f(x):\n    return np.sum(x * 2.0)\n")
    linecache.checkcache(path)
    with pytest.raises(SourceError, match=r"holds no `def` now \(the file edited since\?\)") as e:
        ad.grad(module.f)(X)
    assert f"{module.__name__}.py:5" in str(e.value)


# unedited: compiled as the import compiled them; each is differentiated, never refused
UNEDITED = """from __future__ import annotations

import math

import numpy as np

import functools
from math import pi

SCALE = 2.0


def plain(x):
    return np.sum(np.sin(x) * SCALE)


def module_calls(x):
    return np.sum(np.exp(x) + math.cos(pi) * x)


def closure_maker(c):
    def inner(x):
        return np.sum(x * c)
    return inner


def tagged(fn):
    fn.tag = True
    return fn


@tagged
def decorated(x):
    return np.sum(x ** 3)


class Model:
    scale = 3.0

    def loss(self, x):
        return np.sum(x * self.scale)

    @staticmethod
    def static(x):
        return np.sum(x * x)


def with_assert(x):
    assert x.shape == (3,)
    return np.sum(x * x)


twice = lambda x: np.sum(2.0 * x)  # noqa: E731


def nested_twice(x):
    def helper(v):
        return v * v
    return np.sum(helper(x) + helper(2.0 * x))
"""


@pytest.mark.parametrize(
    "name, expected",
    [
        ("plain", lambda x: 2.0 * np.cos(x)),
        ("module_calls", lambda x: np.exp(x) - 1.0),
        ("closure", lambda x: np.full(3, 1.5)),
        ("decorated", lambda x: 3.0 * x * x),
        ("method", lambda x: np.full(3, 3.0)),
        ("static", lambda x: 2.0 * x),
        ("with_assert", lambda x: 2.0 * x),
        ("twice", lambda x: np.full(3, 2.0)),
        ("nested_twice", lambda x: 10.0 * x),
    ],
    ids=lambda p: p if isinstance(p, str) else "",
)
def test_unedited_code_is_differentiated(edited, name, expected):
    module = edited(UNEDITED, head="")
    fn = {
        "closure": lambda: module.closure_maker(1.5),
        "method": lambda: module.Model().loss,
        "static": lambda: module.Model.static,
    }.get(name, lambda: getattr(module, name))()
    np.testing.assert_allclose(ad.grad(fn)(X), expected(X), rtol=1e-12)


def test_a_comment_or_another_function_edited_is_not_a_change(edited):
    before = "def f(x):\n    return np.sum(x * 2.0)\n\n\ndef g(x):\n    return x\n"
    after = "def f(x):\n    return np.sum(x * 2.0)  # doubled\n\n\ndef g(x):\n    return -x\n"
    module = edited(before, after)
    np.testing.assert_array_equal(ad.grad(module.f)(X), np.full(3, 2.0))


# functions of this test module, whose `assert`s pytest rewrote (names and numbers of its own
# in the running code: `@py_assert1`, the index of each part of an `and`)
def asserts_a_conjunction(x):
    s = np.sum(x**2)
    assert s > 0.0 and np.all(np.isfinite(x)), f"bad sum {s}"
    return s


def asserts_a_disjunction_in_a_loop(x):
    total = 0.0
    for i in range(3):
        assert x[i] > -5.0 or x[i] < 5.0 or i == 7
        total = total + x[i] * 2.0
    return total


def asserts_in_a_nested_helper(x):
    def checked(v):
        assert v.ndim == 1 and v.size == 3 and not np.any(np.isnan(v)), "three numbers"
        return v * 3.0

    return np.sum(checked(x) * x)


@pytest.mark.parametrize(
    "fn, expected",
    [
        (asserts_a_conjunction, lambda x: 2.0 * x),
        (asserts_a_disjunction_in_a_loop, lambda x: np.full(3, 2.0)),
        (asserts_in_a_nested_helper, lambda x: 6.0 * x),
    ],
    ids=lambda p: getattr(p, "__name__", ""),
)
@pytest.mark.parametrize("api", ["grad", "value_and_grad", "hessian"])
def test_asserts_pytest_rewrote_are_not_edits(fn, expected, api):
    assert any(n.startswith("@") for n in fn.__code__.co_varnames + fn.__code__.co_names) or any(
        hasattr(c, "co_varnames") for c in fn.__code__.co_consts
    )
    if api == "grad":
        np.testing.assert_allclose(ad.grad(fn)(X), expected(X), rtol=1e-12)
    elif api == "value_and_grad":
        value, g = ad.value_and_grad(fn)(X)
        assert value == fn(X)
        np.testing.assert_allclose(g, expected(X), rtol=1e-12)
    else:
        assert np.shape(ad.hessian(fn)(X)) == (3, 3)

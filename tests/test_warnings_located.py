"""`warnings.warn` in a differentiated function is located where the plain call locates it.

Before, derivative code called `warnings.warn` from its own lines (`<s2s_ad f_grad of …>`):
a new location per derivative, so under Python's default filter a warning the plain call
had shown was shown again by each API, and its file and line named generated code. Now the
generated code calls `rt.warn` (runtime/warnings_at.py), which counts frames as the plain
call does: a generated frame stands for the user's function at the warning's statement, and
s2s_ad's own frames are left out (the 81st tester's strict xfails; `stacklevel`, a helper's
warning, `from warnings import warn`, a Warning instance and every API here)."""

from __future__ import annotations

import warnings
from warnings import warn

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.testing import check_grads

X = np.array([0.4, -0.3, 0.8])


def warns_here(x):
    s = np.sum(x**2)
    warnings.warn("sum of squares", UserWarning, stacklevel=1)
    return s * np.sin(s)


def warns_caller(x):
    s = np.sum(np.cos(x))
    warnings.warn("blame the caller", RuntimeWarning, stacklevel=2)
    return s * s


def warns_by_other_name(x):
    s = np.sum(np.exp(x))
    warn(UserWarning("an instance"), stacklevel=1)
    return s


def noisy_helper(v):
    warnings.warn("from the helper", UserWarning, stacklevel=1)
    return np.tanh(v)


def calls_noisy_helper(x):
    y = noisy_helper(x * 2.0)
    return np.sum(y * y)


def warns_in_branch_and_loop(x):
    total = 0.0
    for i in range(3):
        total = total + x[i] * x[i]
        if x[i] > 0.5:
            warnings.warn(f"large element {i}", UserWarning, stacklevel=1)
    return total


APIS = {
    "grad": lambda f: ad.grad(f)(X),
    "value_and_grad": lambda f: ad.value_and_grad(f)(X),
    "jvp": lambda f: ad.jvp(f, (X,), (np.ones(3),)),
    "vjp": lambda f: ad.vjp(f, X)[1](1.0),
    "jacfwd": lambda f: ad.jacfwd(f)(X),
    "jacrev": lambda f: ad.jacrev(f)(X),
    "hessian": lambda f: ad.hessian(f)(X),
}
FUNCTIONS = [warns_here, warns_by_other_name, calls_noisy_helper, warns_in_branch_and_loop]


def _where(caught):
    return [(w.filename, w.lineno, str(w.message), w.category) for w in caught]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_same_location_as_the_plain_call(f, api):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f(X)
        plain = _where(caught)
        del caught[:]
        APIS[api](f)
        assert plain, "the plain call warns"
        assert set(_where(caught)) == set(plain)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_default_filter_shows_it_once(f, api):
    """Python's default filter: once per location, the plain call's and every API's."""
    registry = f.__globals__.get("__warningregistry__")
    if registry is not None:
        registry.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        f(X)
        shown = len(caught)
        APIS[api](f)
        APIS[api](f)
        assert len(caught) == shown, _where(caught)


def test_stacklevel_two_names_the_callers_line():
    """The caller of the differentiated function: this test's line calling the API, as
    the plain call's warning names the line calling the function."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = test_stacklevel_two_names_the_callers_line.__code__.co_firstlineno + 6
        ad.grad(warns_caller)(X)  # (line above + 6)
        warns_caller(X)  # (+ 7)
    assert [(w.filename, w.lineno) for w in caught] == [(__file__, line), (__file__, line + 1)]
    assert caught[0].category is RuntimeWarning


def test_derivatives_unchanged():
    for f in FUNCTIONS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_grads(f, (X,))
            assert ad.value_and_grad(f)(X)[0] == f(X)


def test_error_filter_still_raises():
    """Under an "error" filter the warning stops the derivative as it stops the plain call."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning):
            warns_here(X)
        with pytest.raises((UserWarning, ad.S2SError)):
            ad.grad(warns_here)(X)

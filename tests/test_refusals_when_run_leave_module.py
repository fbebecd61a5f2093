"""Derivative code that refuses an in-place update when it runs (`rt.rebound`,
`rt.unshared`: a module's array updated through a local, a local array given to a helper
that updates it): every API raises at the user's line before anything changed the module.
`jacrev` used to run the plain call first (for its output's shape), leaving the module as
one or two plain calls leave it; such code is now swept row by row, as `grad` runs it."""

import numpy as np
import pytest
from module_state_checks import marked_line

import s2s_ad as ad

BUFS = {"w": np.array([1.0, 2.0, 3.0])}
ROWS = [np.ones(3), np.full(3, 2.0)]


def reset():
    BUFS["w"] = np.array([1.0, 2.0, 3.0])
    ROWS[:] = [np.ones(3), np.full(3, 2.0)]


def state():
    return BUFS["w"].tolist(), [r.tolist() for r in ROWS]


def scale_inplace(a, s):
    a *= s


def item_updated_through_local(x):
    b = BUFS["w"]
    b += 1.0  # REFUSED
    return np.sum(x * b)


def rows_updated_in_loop(x):
    acc = 0.0
    for row in ROWS:
        row *= 2.0  # REFUSED
        acc = acc + np.sum(row * x)
    return acc


def vector_output(x):
    b = BUFS["w"]
    b -= x[0]  # REFUSED
    return x * b


def local_given_to_updater(x):
    v = np.sin(x)
    scale_inplace(v, 2.0)  # REFUSED
    return np.sum(v)


APIS = {
    "grad": lambda f, x: ad.grad(f)(x),
    "jacrev": lambda f, x: ad.jacrev(f)(x),
    "jacobian_reverse": lambda f, x: ad.jacobian(f, mode="reverse")(x),
    "jacfwd": lambda f, x: ad.jacfwd(f)(x),
    "value_and_grad": lambda f, x: ad.value_and_grad(f)(x),
}
PROGRAMS = [item_updated_through_local, rows_updated_in_loop, vector_output, local_given_to_updater]


@pytest.mark.parametrize("api", list(APIS))
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_refused_when_run_before_module_changes(f, api):
    if api in ("grad", "value_and_grad") and f is vector_output:
        pytest.skip("a vector output has no gradient")
    reset()
    before = state()
    with pytest.raises(ad.S2SError) as info:
        APIS[api](f, np.array([0.5, -1.0, 2.0]))
    assert f"{__file__}:{marked_line(f, 'REFUSED')}:" in str(info.value)
    assert state() == before

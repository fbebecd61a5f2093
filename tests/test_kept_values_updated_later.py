"""A local array kept in module state (by the function, or by a helper of yours that stores
what it is given) and then updated in place through any name for it: the plain call's
module holds the updated array, the derivative's the value before (it makes a new version),
so it is refused at the store's line. Rebinding the name, keeping a copy, or keeping a
number is exact: value, module state and derivatives as one plain call leaves them."""

import numpy as np
import pytest
from module_state_checks import assert_exact

import s2s_ad as ad

LOG = []


class State:
    last = None


STATE = State()


def reset():
    LOG.clear()
    STATE.last = None


def snapshot():
    def plain(v):
        return np.asarray(v).tolist() if v is not None else None

    return [plain(v) for v in LOG], plain(STATE.last)


def log_it(v):
    LOG.append(v)


def log_through(v):
    log_it(v)


def record(v):
    STATE.last = v


def alias_kept_then_updated(x):
    v = np.sin(x)
    u = v
    LOG.append(u)  # STORE
    v += 1.0
    return np.sum(v * x)


def alias_chain_kept_then_updated(x):
    v = np.sin(x)
    u = v
    w = u
    LOG.append(w)  # STORE
    v *= 2.0
    return np.sum(v * x)


def helper_logs_then_updated(x):
    v = np.sin(x)
    log_it(v)  # STORE
    v += 1.0
    return np.sum(v * x)


def helper_of_helper_logs_then_updated(x):
    v = np.cos(x)
    log_through(v)  # STORE
    v[0] = 3.0
    return np.sum(v * x)


def helper_records_alias_then_updated(x):
    v = np.sin(x)
    u = v
    record(u)  # STORE
    v -= 0.5
    return np.sum(v * x)


REFUSED = [
    alias_kept_then_updated,
    alias_chain_kept_then_updated,
    helper_logs_then_updated,
    helper_of_helper_logs_then_updated,
    helper_records_alias_then_updated,
]
X = np.array([0.5, -1.0, 2.0])


def _store_line(f):
    import inspect

    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if "# STORE" in line)


@pytest.mark.parametrize("api", ["grad", "jacfwd", "jacrev", "value_and_grad"])
@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
def test_kept_array_updated_later_is_refused_at_the_store(f, api):
    reset()
    with pytest.raises(ad.S2SError) as info:
        getattr(ad, api)(f)(X)
    assert f"{__file__}:{_store_line(f)}:" in str(info.value)


def helper_logs_then_rebound(x):
    v = np.sin(x)
    log_it(v)
    v = v + 1.0
    return np.sum(v * x)


def helper_logs_copy_then_updated(x):
    v = np.sin(x)
    log_it(v.copy())
    v += 1.0
    return np.sum(v * x)


def helper_logs_number_then_updated(x):
    s = float(np.sum(x))
    log_it(s)
    s += 1.0
    return np.sum(x**2) * s


def alias_kept_then_name_rebound(x):
    v = np.sin(x)
    u = v
    LOG.append(u)
    v = np.tanh(v)
    return np.sum(v * x)


def helper_records_then_rebound(x):
    v = np.sin(x)
    record(v)
    v = v * 2.0
    return np.sum(v * x)


EXACT = [
    helper_logs_then_rebound,
    helper_logs_copy_then_updated,
    helper_logs_number_then_updated,
    alias_kept_then_name_rebound,
    helper_records_then_rebound,
]


@pytest.mark.parametrize("api", ["grad", "grad_forward", "value_and_grad", "jacrev", "hessian"])
@pytest.mark.parametrize("f", EXACT, ids=lambda f: f.__name__)
def test_kept_value_not_updated_is_exact(f, api):
    assert_exact(f, X, api, reset, snapshot)

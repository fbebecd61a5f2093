"""A local array kept in module state (by the function, or by a helper of yours that stores
what it is given) and then updated in place through any name for it: the plain call's
module holds the updated array, the derivative's the value before (it makes a new version),
so it is refused at the store's line (an update before the store in a loop updates what the
last iteration kept). Rebinding the name (to a new array: `v = np.tanh(v)`), keeping a copy,
keeping a number, updating before the store, or counting what was kept (`len(LOG)`) is
exact: value, module state and derivatives as one plain call leaves them."""

import numpy as np
import pytest
from module_state_checks import assert_exact, marked_line

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


def updated_before_store_in_loop(x):
    v = np.sin(x)
    for _ in range(2):
        v += 1.0
        LOG.append(v)  # STORE
    return np.sum(v * x)


REFUSED = [
    updated_before_store_in_loop,
    alias_kept_then_updated,
    alias_chain_kept_then_updated,
    helper_logs_then_updated,
    helper_of_helper_logs_then_updated,
    helper_records_alias_then_updated,
]
X = np.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize("api", ["grad", "jacfwd", "jacrev", "value_and_grad"])
@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
def test_kept_array_updated_later_is_refused_at_the_store(f, api):
    reset()
    with pytest.raises(ad.S2SError) as info:
        getattr(ad, api)(f)(X)
    assert f"{__file__}:{marked_line(f)}:" in str(info.value)


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


def updated_before_store(x):
    v = np.sin(x)
    v += 1.0
    STATE.last = v
    LOG.append(v)
    return np.sum(v * x)


def kept_then_new_array_updated(x):
    v = np.sin(x)
    LOG.append(v)
    v = np.tanh(v)
    v += 1.0
    return np.sum(v * x)


def kept_then_counted(x):
    v = np.sin(x)
    LOG.append(v)
    return np.sum(v * x) * len(LOG)


EXACT = [
    updated_before_store,
    kept_then_new_array_updated,
    kept_then_counted,
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


def kept_then_updated_in_same_branch(x):
    v = np.sin(x)
    if x[0] > 0.0:
        LOG.append(v)  # STORE
        v *= 2.0
    return np.sum(v * x)


def kept_in_branch_updated_after(x):
    v = np.sin(x)
    if x[0] > 0.0:
        LOG.append(v)  # STORE
    v += 1.0
    return np.sum(v * x)


@pytest.mark.parametrize("f", [kept_then_updated_in_same_branch, kept_in_branch_updated_after])
def test_kept_in_a_branch_then_updated_is_refused(f):
    reset()
    with pytest.raises(ad.S2SError) as info:
        ad.grad(f)(X)
    assert f"{__file__}:{marked_line(f)}:" in str(info.value)

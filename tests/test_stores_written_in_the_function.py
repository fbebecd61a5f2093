# ruff: noqa: B009, B010 (setattr and getattr with literal names are what is tested)
"""A value carrying a derivative stored in module state by a statement of the function itself,
then read back (session 55, the 146th tester's class).

`setattr(STATE, "last", v)`, `object.__setattr__`, `operator.setitem(CACHE, k, v)`,
`ARR.__setitem__(0, v)`, `STATE.__dict__.update(last=v)`, `heapq.heappush(HEAP, v)`,
`QUEUES["a"].append(v)`, `REC.hist.append(v)`, a nested def's `setattr`: the derivative
code stores the primal value alone, so reading it back (`STATE.last`, `CACHE.get(k)`,
`LOG.pop()`, `return ACC.total`) lost the derivative, silently, in every mode. Refused at
the store now, before anything runs. Storing without reading back, storing what carries no
derivative (a counter), writing to a stream, and reading other module objects are
differentiated as before.
"""

import heapq
import io
import operator
import types

import numpy as np
import pytest
from module_state_checks import assert_exact

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError

STATE = types.SimpleNamespace(last=None, n=0)
CONFIG = types.SimpleNamespace(alpha=0.3)
CACHE = {}
HEAP = []
LOG = []
QUEUES = {"a": []}
RECORD = types.SimpleNamespace(hist=[])
ACC = types.SimpleNamespace(total=0.0)
OUT = io.StringIO()
X = np.array([0.3, -0.7, 1.1])


def reset():
    STATE.last, STATE.n = None, 0
    CACHE.clear()
    HEAP.clear()
    LOG.clear()
    QUEUES["a"] = []
    RECORD.hist = []
    ACC.total = 0.0
    OUT.seek(0)
    OUT.truncate()


def snapshot():
    return repr((STATE, CACHE, HEAP, LOG, QUEUES, RECORD, ACC, OUT.getvalue()))


def setattr_then_attribute(x):
    setattr(STATE, "last", np.sum(x**2))
    return STATE.last * 3.0


def object_setattr_then_getattr(x):
    object.__setattr__(STATE, "last", np.sum(np.sin(x)))
    return getattr(STATE, "last") ** 2


def setitem_then_get(x):
    operator.setitem(CACHE, "y", np.sum(x**2))
    return CACHE.get("y") * 2.0


def heappush_then_item(x):
    heapq.heappush(HEAP, np.sum(x**2))
    return HEAP[0] * 3.0


def append_to_a_dicts_list(x):
    QUEUES["a"].append(np.sum(x**2))
    return QUEUES["a"][-1] * 3.0


def append_to_an_attributes_list(x):
    RECORD.hist.append(np.sum(x**2))
    return len(RECORD.hist) * RECORD.hist[0]


def dict_update_of_the_object(x):
    STATE.__dict__.update(last=np.sum(x**2))
    return STATE.last * 3.0


def nested_def_stores(x):
    def keep(v):
        setattr(STATE, "last", v)

    keep(np.sum(x**2))
    return STATE.last * 3.0


def append_then_pop(x):
    LOG.append(np.sum(x**2))
    v = LOG.pop()
    return v * 3.0


def accumulate_then_return(x):
    y = x
    for _ in range(3):
        y = np.tanh(y) * 1.2
        setattr(ACC, "total", ACC.total + np.sum(y))
    return ACC.total


READ_BACK = [
    setattr_then_attribute,
    object_setattr_then_getattr,
    setitem_then_get,
    heappush_then_item,
    append_to_a_dicts_list,
    append_to_an_attributes_list,
    dict_update_of_the_object,
    nested_def_stores,
    append_then_pop,
    accumulate_then_return,
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", READ_BACK, ids=lambda f: f.__name__)
def test_read_back_refused_at_the_store(f, mode):
    reset()
    before = snapshot()
    with pytest.raises(UnsupportedSyntaxError) as caught:
        ad.grad(f, mode=mode)(X)
    message = str(caught.value)
    assert "test_stores_written_in_the_function.py" in message
    assert "carries a derivative" in message
    assert snapshot() == before  # (refused before anything ran)


def stored_not_read_back(x):
    y = np.sum(np.sin(x) * x)
    setattr(STATE, "last", y)
    heapq.heappush(HEAP, y)
    RECORD.hist.append(y)
    return y * 2.0


def counter_read_back(x):
    setattr(STATE, "n", STATE.n + 1)
    operator.setitem(CACHE, "calls", CACHE.get("calls", 0) + 1)
    return np.sum(x**2) * STATE.n * CACHE["calls"]


def stream_written_then_count(x):
    y = np.sum(x**3)
    n = OUT.write("row\n")
    OUT.write(f"{y:.4f}\n")
    return y * n


def other_object_read(x):
    setattr(STATE, "last", np.sum(x**2))
    return np.sum(np.cos(x)) * CONFIG.alpha


WORKING = [stored_not_read_back, counter_read_back, stream_written_then_count, other_object_read]


@pytest.mark.parametrize("api", ["grad", "grad_forward", "value_and_grad", "hessian"])
@pytest.mark.parametrize("f", WORKING, ids=lambda f: f.__name__)
def test_stores_not_read_back_stay_exact(f, api):
    assert_exact(f, X, api, reset, snapshot)

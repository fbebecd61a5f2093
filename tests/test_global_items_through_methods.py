"""A module's item taken by a method (`CACHE.setdefault(k, [])`, `CACHE.get(k)`, `Q.pop()`,
`DQ.popleft()`), directly or returned by a helper of yours, then updated in place through the
local name: the derivative code updates a new version of the local, never the module's
object, so the state and the value differed from the plain call's, silently (the 135th
tester). Session 54: refused at the update's line, as `hist = CACHE["loss"]` already was;
the same method whose result is only read, and the update made on the global itself in a
statement of its own, stay differentiated (checked against central differences)."""

import collections
import operator

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError

CACHE = {}
QUEUE = []
DQ = collections.deque()


def history(key):
    return CACHE.setdefault(key, [])


latest = lambda: QUEUE[-1]  # noqa: E731


def setdefault_appended(w):
    hist = CACHE.setdefault("loss", [])
    hist.append(1.0)
    return np.sum(w * w) * len(hist)


def get_extended(w):
    hist = CACHE.get("loss")
    hist.extend([2.0, 3.0])
    return np.sum(w * w)


def helper_appended(w):
    hist = history("loss")
    hist.append(float(np.sum(w)))
    return np.sum(np.sin(w))


def popped_then_appended(w):
    row = QUEUE.pop()
    row.append(0.5)
    QUEUE.append(row)
    return np.sum(w) * row[0]


def popleft_item_set(w):
    row = DQ.popleft()
    row[0] = 9.0
    DQ.appendleft(row)
    return np.sum(w * row[1])


def lambda_item_appended(w):
    last = latest()
    last.append(4.0)
    return np.sum(w) * 2.0


NEST = {"a": {"b": [0.0]}}


def copied_dict_item_appended(w):
    hist = CACHE.copy()["loss"]
    hist.append(1.0)
    return np.sum(w * w)


def values_list_item_appended(w):
    hist = list(CACHE.values())[0]  # noqa: RUF015 (the form users write)
    hist.append(1.0)
    return np.sum(w * w)


def sorted_item_set(w):
    row = sorted(QUEUE, key=len)[0]
    row[0] = 9.0
    return np.sum(w * row[0])


def comprehension_item_appended(w):
    row = [q for q in QUEUE][-1]
    row.append(0.5)
    return np.sum(w) * 2.0


def loop_over_values_appended(w):
    for hist in list(CACHE.values())[:1]:
        hist.append(float(np.sum(w)))
    return np.sum(w * w)


def chained_get_appended(w):
    inner = NEST.get("a").get("b")
    inner.append(1.0)
    return np.sum(w)


def deque_item_appended(w):
    row = DQ[0]
    row.append(5.0)
    return np.sum(w) * row[0]


def operator_getitem_appended(w):
    row = operator.getitem(QUEUE, 0)
    row.append(1.0)
    return np.sum(w)


REFUSED = [
    copied_dict_item_appended,
    values_list_item_appended,
    sorted_item_set,
    comprehension_item_appended,
    loop_over_values_appended,
    chained_get_appended,
    deque_item_appended,
    operator_getitem_appended,
    setdefault_appended,
    get_extended,
    helper_appended,
    popped_then_appended,
    popleft_item_set,
    lambda_item_appended,
]


def read_only(w):
    hist = CACHE.setdefault("loss", [0.5])
    scale = CACHE.get("scale", 2.0)
    return np.sum(np.tanh(w)) * scale + len(hist) * hist[0] * w[0]


def copied_then_appended(w):
    hist = CACHE["loss"].copy()
    hist.append(float(np.sum(w)))
    rows = QUEUE.copy()
    rows.append([2.0])
    return np.sum(w * w) * len(hist) * len(rows)


def copies_grown_locally(w):
    rows = [q for q in QUEUE]
    rows.append([3.0])
    firsts = sorted(QUEUE, key=len)
    firsts.append([0.0])
    total = 0.0
    for row in QUEUE:
        total = total + row[0] * np.sum(w)
    return total * len(rows) + len(firsts) * operator.getitem(rows, 0)[0]


def stored_on_the_global(w):
    CACHE["loss"].append(float(np.sum(w)))
    return np.sum(w * w * w)


def _reset():
    CACHE.clear()
    CACHE["loss"] = [0.0]
    CACHE["scale"] = 3.0
    QUEUE[:] = [[1.5], [2.5]]
    DQ.clear()
    DQ.extend([[1.0, 2.0], [3.0, 4.0]])


def _state():
    return repr((CACHE, QUEUE, list(DQ)))


W = np.array([0.4, -1.2, 0.7])
APIS = {
    "grad": lambda f: ad.grad(f)(W),
    "forward": lambda f: ad.grad(f, mode="forward")(W),
    "jacrev": lambda f: ad.jacrev(f)(W),
    "hessian": lambda f: ad.hessian(f)(W),
}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
def test_update_through_the_local_refused_at_its_line(f, api):
    _reset()
    before = _state()
    with pytest.raises(UnsupportedSyntaxError, match="global") as info:
        APIS[api](f)
    line = f.__code__.co_firstlineno + 2
    assert f"{__file__}:{line}" in str(info.value)
    assert _state() == before  # refused before anything ran


def _central(f, w, h=1e-6):
    def at(v):
        _reset()
        return f(v)

    return np.array([(at(w + h * e) - at(w - h * e)) / (2 * h) for e in np.eye(w.size)])


@pytest.mark.parametrize("api", ["grad", "forward", "jacrev"])
@pytest.mark.parametrize(
    "f",
    [read_only, copied_then_appended, copies_grown_locally, stored_on_the_global],
    ids=lambda f: f.__name__,
)
def test_reads_and_stores_on_the_global_differentiated(f, api):
    want = _central(f, W)
    _reset()
    f(W)
    plain_state = _state()
    _reset()
    got = APIS[api](f)
    assert _state() == plain_state
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)

# ruff: noqa: B905
"""Arrays held by dicts, records and globals, and arrays a loop iterates over, updated in
place through another name: exact where the update is seen by no other name, else a located
refusal (never a number that differs from the plain call)."""

import dataclasses
import inspect
import os
from typing import NamedTuple

import numpy as np
import pytest

import s2s_ad as ad

THIS_FILE = os.path.basename(__file__)
X = np.array([0.4, -0.7, 1.1, 0.3])
SCRATCH = np.zeros(4)
SCRATCH_DICT = {"w": np.zeros(4)}
SCRATCH_ROWS = np.zeros((2, 4))


class Pair(NamedTuple):
    buf: np.ndarray
    scale: float


@dataclasses.dataclass
class Grid:
    values: np.ndarray


class Box:
    def __init__(self, data):
        self.data = data


# refused: the update is seen through another name


def nested_dict_value(x):
    a = np.zeros(4)
    d = {"outer": {"inner": a}}
    b = d["outer"]["inner"]
    for i in range(4):
        b[i] = x[i] ** 2
    return np.sum(a * x)


def dict_value_in_while(x):
    d = {"w": x * 1.0}
    b = d["w"]
    i = 0
    while i < 3:
        b[i] = b[i] * x[3]
        i += 1
    return np.sum(d["w"] ** 2)


def dict_get_alias(x):
    d = {"w": x * 1.0}
    b = d.get("w")
    b[0] = x[1] ** 2
    return np.sum(d["w"] ** 2)


def dict_values_loop(x):
    d = {"p": x * 1.0, "q": x * 2.0}
    for arr in d.values():
        arr[0] = arr[1] * x[2]
    return np.sum(d["p"] ** 2)


def object_attribute_alias(x):
    box = Box(x * 1.0)
    data = box.data
    for i in range(2):
        data[i] = data[i] * x[3]
    return np.sum(box.data**2)


def namedtuple_field_in_nested_loops(x):
    p = Pair(np.zeros(4), 2.0)
    b = p.buf
    for i in range(2):
        for j in range(2):
            b[2 * i + j] = x[2 * i + j] * p.scale
    return np.sum(p.buf**2)


def global_view_updated(x):
    v = SCRATCH[1:]
    v[0] = x[0]
    return np.sum(SCRATCH * x)


def global_alias_in_while(x):
    g = SCRATCH
    k = 0
    while k < 2:
        g[k] = x[k]
        k += 1
    return np.sum(SCRATCH)


def iterate_updated_in_nested_loop(x):
    a = x * 1.0
    s = 0.0
    for v in a:
        for j in range(2):
            a[j] = a[j] + v
        s = s + v**2
    return s


def iterate_reversed_while_updating(x):
    a = x * 1.0
    s = 0.0
    for _k, v in enumerate(reversed(a)):
        a[0] = a[0] + v
        s = s + v * a[0]
    return s


def iterate_alias_while_updating(x):
    a = x * 1.0
    b = a
    s = 0.0
    for v in b:
        a[1] = a[1] * v
        s = s + v
    return s


def iterate_view_while_updating(x):
    a = x * 1.0
    s = 0.0
    for v in a[1:]:
        a[2] = a[2] + v
        s = s + v**2
    return s


def iterate_list_while_setting(x):
    xs = [x[0], x[1], x[2]]
    s = 0.0
    for k, v in enumerate(xs):
        if k + 1 < 3:
            xs[k + 1] = xs[k + 1] * v
        s = s + v
    return s


def global_dict_item_updated(x):
    b = SCRATCH_DICT["w"]
    b[0] = x[0]
    return np.sum(SCRATCH_DICT["w"] * x)


def global_rows_updated(x):
    s = 0.0
    for row in SCRATCH_ROWS:
        row[0] = x[0]
        s = s + np.sum(row * x)
    return s


def enumerate_rows_update_then_read_row(x):
    m = np.stack([x, 2.0 * x])
    s = 0.0
    for i, row in enumerate(m):
        m[i] = row * x
        s = s + np.sum(row)
    return s


REFUSED = [
    global_dict_item_updated,
    global_rows_updated,
    enumerate_rows_update_then_read_row,
    nested_dict_value,
    dict_value_in_while,
    dict_get_alias,
    dict_values_loop,
    object_attribute_alias,
    namedtuple_field_in_nested_loops,
    global_view_updated,
    global_alias_in_while,
    iterate_updated_in_nested_loop,
    iterate_reversed_while_updating,
    iterate_alias_while_updating,
    iterate_view_while_updating,
    iterate_list_while_setting,
]


# exact: no other name sees the update


def dict_value_copied(x):
    d = {"w": np.zeros(4)}
    b = d["w"].copy()
    for i in range(4):
        b[i] = x[i] ** 2 + b[i - 1]
    d["w"] = b
    return np.sum(d["w"] * x)


def dict_value_alias_only_name_read(x):
    d = {"w": np.zeros(4)}
    b = d["w"]
    for i in range(4):
        b[i] = x[i] ** 3
    return np.sum(b * x)


def iterate_copy_while_updating(x):
    a = x * 1.0
    s = 0.0
    for i, v in enumerate(a.copy()):
        a[(i + 1) % 4] = a[(i + 1) % 4] + v * x[i]
        s = s + v**2
    return s + np.sum(a**2)


def iterate_one_update_another(x):
    a = x * 1.0
    out = np.zeros(4)
    for i, v in enumerate(a):
        out[i] = v * a[i - 1]
    a[0] = 2.0 * out[1]
    return np.sum(out**2) + np.sum(a)


def iterate_while_appending_elsewhere(x):
    rows = [x * 1.0, x * 2.0]
    acc = []
    for r in rows:
        acc.append(r * x)
    return sum(np.sum(t**2) for t in acc)


def global_read_only(x):
    g = SCRATCH
    return np.sum(g * x) + np.sum(x**2)


def dataclass_field_replaced(x):
    grid = Grid(np.zeros(4))
    v = grid.values.copy()
    for i in range(4):
        v[i] = np.sin(x[i]) + v[i - 1]
    return np.sum(v**2) + np.sum(grid.values)


def state_dict_of_copies(x):
    state = {"pos": np.zeros(4), "vel": np.zeros(4)}
    pos = state["pos"].copy()
    vel = state["vel"].copy()
    p, v = x[0], x[1]
    for t in range(4):
        v = v - 0.2 * np.sin(p)
        p = p + 0.2 * v
        pos[t] = p
        vel[t] = v
    return np.sum(pos**2) + np.sum(vel) + np.sum(state["pos"])


def chained_assignment_same_array(x):
    a = b = np.zeros(4)
    for i in range(4):
        a[i] = x[i] ** 2 + b[i - 1]
    return np.sum(a**2) + np.sum(b * x)


def tuple_of_same_array(x):
    a = np.zeros(4)
    b, c = a, a
    i = 0
    while i < 4:
        b[i] = x[i] * 2.0
        c[(i + 1) % 4] = c[(i + 1) % 4] + x[i] ** 2
        i += 1
    return np.sum(a**2) + np.sum(c)


def enumerate_update_own_element(x):
    a = x * 1.0
    for i, v in enumerate(a):
        a[i] = v * 3.0 + a[i - 1]
    return np.sum(a**2)


def enumerate_zip_update_own_element(x):
    a = x * 1.0
    w = x**2
    for i, (u, v) in enumerate(zip(a, w)):
        a[i] = u * v
    return np.sum(a * x)


def enumerate_list_update_own_item(x):
    xs = [x * 1.0, x * 2.0]
    for i, v in enumerate(xs):
        xs[i] = v * x
    return np.sum(xs[0] * xs[1])


def dict_loop_assigns_entries(x):
    d = {"a": x * 1.0, "b": x * 2.0}
    for k in d:
        d[k] = d[k] ** 2
    for k, v in d.items():
        d[k] = v * x
    return np.sum(d["a"] + d["b"])


EXACT = [
    enumerate_update_own_element,
    enumerate_zip_update_own_element,
    enumerate_list_update_own_item,
    dict_loop_assigns_entries,
    chained_assignment_same_array,
    tuple_of_same_array,
    dict_value_copied,
    dict_value_alias_only_name_read,
    iterate_copy_while_updating,
    iterate_one_update_another,
    iterate_while_appending_elsewhere,
    global_read_only,
    dataclass_field_replaced,
    state_dict_of_copies,
]


def _central(fn, x, h=1e-6):
    g = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = h
        g[k] = (fn(x + e) - fn(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize("fn", REFUSED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("api", ["grad", "jvp"])
def test_refused_with_location(fn, api):
    SCRATCH[:] = 0.0
    SCRATCH_DICT["w"][:] = 0.0
    SCRATCH_ROWS[:] = 0.0
    with pytest.raises(ad.S2SError) as err:
        if api == "grad":
            ad.grad(fn)(X.copy())
        else:
            ad.jvp(fn, (X.copy(),), (np.ones(4),))
    msg = str(err.value)
    lines, start = inspect.getsourcelines(fn)
    assert THIS_FILE in msg
    assert any(f":{n}:" in msg or f"line {n}" in msg for n in range(start, start + len(lines)))
    for g in (SCRATCH, SCRATCH_DICT["w"], SCRATCH_ROWS):
        np.testing.assert_array_equal(g, 0.0)  # the globals were not written


@pytest.mark.parametrize("fn", EXACT, ids=lambda f: f.__name__)
def test_exact(fn):
    value, g = ad.value_and_grad(fn)(X.copy())
    assert value == fn(X.copy())
    np.testing.assert_allclose(g, _central(fn, X), rtol=1e-6, atol=1e-7)
    v = np.array([0.3, -1.0, 0.5, 2.0])
    _, tangent = ad.jvp(fn, (X.copy(),), (v,))
    np.testing.assert_allclose(tangent, g @ v, rtol=1e-9, atol=1e-12)


class Linked:
    """An object that holds itself (a node of a cyclic structure)."""

    def __init__(self, data):
        self.data = data
        self.me = self
        self.ring = [self]


def test_run_time_sharing_check_ends_on_objects_holding_themselves():
    """The run-time check looks inside lists, dicts and objects; a cycle ends the search."""
    from s2s_ad.runtime.core import _shares

    a = np.ones(3)
    node = Linked(a)
    assert _shares(a[1:], node)
    assert not _shares(np.ones(3), node)
    assert not _shares(np.ones(3), {"k": [node, node]})


# A new list holding a global's item or row grows without changing the global; a name that
# may be the global's very object (`b = LOG`, or either of two) is still refused.
GLOBAL_ROWS = np.linspace(0.1, 0.9, 12).reshape(4, 3)
GLOBAL_LOG: list = []


def holds_global_item(x):
    vals = [x[0], GLOBAL_ROWS[0, 0]]
    vals += [x[1] * x[2]]
    vals.append(GLOBAL_ROWS[1, 2] * x[0])
    return np.sum(np.array(vals) ** 2)


def holds_global_row(x):
    rows = [GLOBAL_ROWS[0], x]
    rows.append(x * GLOBAL_ROWS[1])
    rows.extend([x**2])
    return np.sum(np.stack(rows) ** 2)


def grows_the_global_list(x):
    log = GLOBAL_LOG
    log.append(x[0])
    return np.sum(x**2)


def grows_either(x, flag):
    log = GLOBAL_LOG if flag else []
    log += [x[0]]
    return np.sum(x**2)


@pytest.mark.parametrize("f", [holds_global_item, holds_global_row], ids=lambda f: f.__name__)
def test_a_new_list_holding_a_globals_item_grows(f):
    x = np.array([0.3, -0.5, 0.7])
    before = GLOBAL_ROWS.copy()
    g = ad.grad(f)(x)
    numeric = np.array([(f(x + 1e-6 * e) - f(x - 1e-6 * e)) / 2e-6 for e in np.eye(3)])
    np.testing.assert_allclose(g, numeric, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ad.grad(f, mode="forward")(x), g, rtol=1e-14)
    h = ad.hessian(f)(x)
    np.testing.assert_allclose(h, h.T, rtol=1e-12, atol=1e-12)
    assert np.array_equal(GLOBAL_ROWS, before)


@pytest.mark.parametrize(
    "f, args",
    [(grows_the_global_list, ()), (grows_either, (True,))],
    ids=["copy of the global", "either the global or a new list"],
)
def test_a_name_that_may_be_a_global_list_is_refused(f, args):
    with pytest.raises(ad.S2SError, match="global `GLOBAL_LOG`"):
        ad.grad(f)(np.array([0.3, 0.5]), *args)
    assert GLOBAL_LOG == []


# a helper returning a global's very object (or a local bound to it): the caller's update
# would update the global, as through `b = SCRATCH`; a helper returning a new list or a copy
# may be grown freely
SCRATCH_LIST = [1.0, 2.0]


def _scratch():
    return SCRATCH


def _scratch_list_by_name():
    items = SCRATCH_LIST
    return items


def _new_list():
    return []


def _copied_list():
    return list(SCRATCH_LIST)


def element_of_returned_global(x):
    b = _scratch()
    b[0] = x[0]  # <- refused
    return np.sum(b * x)


def append_to_returned_global(x):
    items = _scratch_list_by_name()
    items.append(x[0])  # <- refused
    return sum(items) * x[1]


@pytest.mark.parametrize(
    "f", [element_of_returned_global, append_to_returned_global], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_updating_a_global_a_helper_returned_is_refused(f, mode):
    before = (SCRATCH.copy(), list(SCRATCH_LIST))
    with pytest.raises(ad.S2SError, match="global") as info:
        ad.grad(f, mode=mode)(X)
    lines, start = inspect.getsourcelines(f)
    line = start + next(i for i, text in enumerate(lines) if "# <-" in text)
    assert f"{THIS_FILE}:{line}:" in str(info.value)
    np.testing.assert_array_equal(SCRATCH, before[0])
    assert before[1] == SCRATCH_LIST


def grown_new_lists(x):
    fresh, copied = _new_list(), _copied_list()
    fresh.append(x[0] * x[1])
    copied.append(x[2] ** 2)
    return sum(fresh) + sum(copied)


def test_growing_a_new_list_a_helper_returned_is_fine():
    got = ad.grad(grown_new_lists)(X)
    np.testing.assert_allclose(got, [X[1], X[0], 2.0 * X[2], 0.0])
    assert SCRATCH_LIST == [1.0, 2.0]


# the kind: whatever may be a global's object or share its memory, however it reaches the
# update — an item of a global dict, a helper's tuple, a helper calling a helper, a view
SCRATCH_HOLDER = {"items": [1.0]}


def _pair():
    return SCRATCH_LIST, 1.0


def _through_another():
    return _scratch_list_by_name()


def _row_view():
    return SCRATCH_ROWS[0]


def item_of_a_global_dict(x):
    items = SCRATCH_HOLDER["items"]
    items.append(x[0])  # <- refused
    return sum(items) * x[1]


def unpacked_from_a_helper(x):
    items, scale = _pair()
    items.append(x[0] * scale)  # <- refused
    return sum(items) * x[1]


def from_a_helper_of_a_helper(x):
    items = _through_another()
    items.append(x[0])  # <- refused
    return sum(items) * x[1]


def element_of_a_returned_view(x):
    row = _row_view()
    row[1] = x[0]  # <- refused
    return np.sum(row * x)


@pytest.mark.parametrize(
    "f",
    [item_of_a_global_dict, unpacked_from_a_helper, from_a_helper_of_a_helper,
     element_of_a_returned_view],
    ids=lambda f: f.__name__,
)  # fmt: skip
def test_the_globals_kind_of_updates_is_refused(f):
    before = (SCRATCH_ROWS.copy(), list(SCRATCH_LIST), list(SCRATCH_HOLDER["items"]))
    with pytest.raises(ad.S2SError, match="global") as info:
        ad.grad(f)(X)
    lines, start = inspect.getsourcelines(f)
    line = start + next(i for i, text in enumerate(lines) if "# <-" in text)
    assert f"{THIS_FILE}:{line}:" in str(info.value)
    np.testing.assert_array_equal(SCRATCH_ROWS, before[0])
    assert before[1:] == (SCRATCH_LIST, SCRATCH_HOLDER["items"])

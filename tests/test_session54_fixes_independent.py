"""The 144th independent tester's file: session 54's last fixes, from the README alone.

1. A module's mutable item reached through any route and updated in place: refused at the
   update's line, or exact with the module's state as one plain call leaves it. Local copies
   grown locally and plain reads are not refused.
2. A helper reaching a function through a module's object, class, dict or list for its effect
   runs once under every API; refused in a checkpointed loop in reverse mode.
3. A module StringIO read (`tell`, `getvalue`, `read`) in a checkpointed loop: refused in
   reverse mode, exact in forward mode.
4. `grad(MODEL.method)(x)` inside a differentiated function: refused; a lambda around it exact.
5. Callbacks called as statements, `"%.3f %.3f" % (a, b)` in lambdas, `print(v) or v`.
6. Several results kept whole (`r = helper(x)`, `r[1:]`, `r[::-1]`, `r[i]`).

Every program is checked against one plain call: the value, the printed text and the module's
state; derivatives against central differences and forward mode against reverse mode.

Found (strict expected failures, numbers in their reasons):
- silent wrong gradients: a module object's or item's list appended in a checkpointed loop that
  reads it back (`Q[0].append(1.0)` with `len(Q[0])`, `REC.record(v)`, `OBJ.hist.append`,
  `HANDLERS["w"](v)`) is not refused; reverse mode's recomputed segments read the final state;
- silent dropped effects: a lambda or nested def whose value is the call of a function held in
  a module's dict or list (`lambda v: HANDLERS["w"](v)`, `def show(v): return SINKS[0](v)`),
  called as a statement or given to a helper as a callback, never runs outside jacrev/jacobian;
- false refusals: a lambda calling a module object's method (`lambda v: REC.record(v)`), a
  write's count of formatted text, `*r[:2]` of a helper's known results, deep copies grown
  locally, `.update()` of `dict(d)`, and `grad(Model.loss, wrt=1)` where the class has
  `__call__` (an internal name in the message).
"""

import collections
import contextlib
import copy
import functools
import io
import operator

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import S2SError

X0 = np.array([0.3, -0.7, 1.1])
V0 = np.array([0.4, 0.9, -0.5])

# ---------------------------------------------------------------------------------------------
# module state
# ---------------------------------------------------------------------------------------------

Q = [[1.0], [2.0]]
CACHE = {"a": [0.5], "b": [1.5]}
NEST = {"a": {"b": [1.0]}}
DQ = collections.deque([[1.0], [2.0]])
ARRS = [np.zeros(3), np.ones(3)]
DICTS = {"cfg": {"scale": 1.0}}
LOG = []


class Holder:
    pass


OBJ = Holder()


class Recorder:
    def __init__(self):
        self.log = []

    def record(self, v):
        print("rec", v)
        self.log.append(v)


REC = Recorder()


class Writer:
    def emit(self, v):
        OUT.write(f"{v:.4f}\n")


OUT = io.StringIO()
BUF = io.StringIO()
SRC = io.StringIO()
HANDLERS = {"w": lambda v: LOG.append(v)}
SINKS = [lambda v: print("sink", v)]


class Model:
    def __init__(self):
        self.w = np.array([1.5, -0.5, 2.0])

    def loss(self, v):
        return np.sum(np.sin(self.w * v) ** 2)

    def __call__(self, v):
        return self.loss(v)


MODEL = Model()


def reset():
    Q[:] = [[1.0], [2.0]]
    CACHE.clear()
    CACHE.update({"a": [0.5], "b": [1.5]})
    NEST.clear()
    NEST.update({"a": {"b": [1.0]}})
    DQ.clear()
    DQ.extend([[1.0], [2.0]])
    ARRS[0][:] = 0.0
    ARRS[1][:] = 1.0
    DICTS.clear()
    DICTS.update({"cfg": {"scale": 1.0}})
    LOG.clear()
    OBJ.hist = [1.0]
    OBJ.items = [[0.0], [1.0]]
    OBJ.arr = np.ones(3)
    REC.log.clear()
    for s in (OUT, BUF):
        s.seek(0)
        s.truncate()
    BUF.write("start")
    SRC.seek(0)
    SRC.truncate()
    SRC.write("abcdefghijklmnopqrstuvwxyz" * 4)
    SRC.seek(0)


def _plain_state(v):
    """A comparable snapshot of the module's state."""
    if isinstance(v, np.ndarray):
        return ("arr", tuple(np.asarray(v, dtype=float).round(12).ravel()))
    if isinstance(v, dict):
        return ("dict", tuple((k, _plain_state(w)) for k, w in v.items()))
    if isinstance(v, list | tuple | collections.deque):
        return (type(v).__name__, tuple(_plain_state(w) for w in v))
    if isinstance(v, float | int | np.floating):
        return ("num", round(float(v), 12))
    return ("other", repr(v))


def state():
    return _plain_state(
        [
            Q,
            CACHE,
            NEST,
            list(DQ),
            ARRS,
            DICTS,
            LOG,
            OBJ.hist,
            OBJ.items,
            OBJ.arr,
            REC.log,
            OUT.getvalue(),
            BUF.getvalue(),
            SRC.tell(),
        ]
    )


def run(thunk):
    reset()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        res = thunk()
    return res, out.getvalue(), state()


def quiet(f, x):
    reset()
    with contextlib.redirect_stdout(io.StringIO()):
        return float(f(x))


_CD = {}


def cd_grad(f, x, h=1e-6):
    key = ("g", f.__name__, x.tobytes())
    if key in _CD:
        return _CD[key]
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (quiet(f, x + e) - quiet(f, x - e)) / (2 * h)
    _CD[key] = g
    return g


def cd_hess(f, x, h=1e-4):
    key = ("h", f.__name__, x.tobytes())
    if key in _CD:
        return _CD[key]
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h
            H[i, j] = (
                quiet(f, x + ei + ej)
                - quiet(f, x + ei - ej)
                - quiet(f, x - ei + ej)
                + quiet(f, x - ei - ej)
            ) / (4 * h * h)
    _CD[key] = H
    return H


APIS = [
    "grad",
    "grad_fwd",
    "vag",
    "jvp",
    "vjp",
    "jacfwd",
    "jacrev",
    "jacobian",
    "hessian",
    "jacrev_grad",
]
SECOND = {"hessian", "jacrev_grad"}


def call_api(f, api, x):
    if api == "grad":
        return ad.grad(f)(x)
    if api == "grad_fwd":
        return ad.grad(f, mode="forward")(x)
    if api == "vag":
        return ad.value_and_grad(f)(x)
    if api == "jvp":
        return ad.jvp(f, (x,), (V0,))
    if api == "vjp":
        out, pb = ad.vjp(f, x)
        return out, pb(1.0)[0]
    if api == "jacfwd":
        return ad.jacfwd(f)(x)
    if api == "jacrev":
        return ad.jacrev(f)(x)
    if api == "jacobian":
        return ad.jacobian(f)(x)
    if api == "hessian":
        return ad.hessian(f)(x)
    if api == "jacrev_grad":
        return ad.jacrev(ad.grad(f))(x)
    raise AssertionError(api)


def check_api(f, api, x=X0, second=True):
    """Run `api` of `f`: the value, derivative, printed text and module state as expected."""
    plain, ptext, pstate = run(lambda: f(x))
    res, text, st = run(lambda: call_api(f, api, x))
    if text != ptext:
        raise AssertionError(f"{api} printed {text!r}, the plain call {ptext!r}")
    if st != pstate:
        diff = [(i, a, b) for i, (a, b) in enumerate(zip(st[1], pstate[1], strict=True)) if a != b]
        raise AssertionError(f"{api} left the module state {diff} (index, api's, plain call's)")
    g = cd_grad(f, x)
    if api in ("grad", "grad_fwd", "jacfwd", "jacrev", "jacobian"):
        np.testing.assert_allclose(res, g, rtol=1e-6, atol=1e-7)
    elif api in ("vag", "vjp"):
        assert float(res[0]) == pytest.approx(float(plain), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(res[1], g, rtol=1e-6, atol=1e-7)
    elif api == "jvp":
        assert float(res[0]) == pytest.approx(float(plain), rel=1e-12, abs=1e-12)
        assert float(res[1]) == pytest.approx(float(g @ V0), rel=1e-6, abs=1e-7)
    elif api in SECOND:
        np.testing.assert_allclose(res, cd_hess(f, x), rtol=1e-4, atol=1e-5)
    return res


_RAISER = {}
exec(compile("def _raise_short(e):\n    raise e from None\n", "<short>", "exec"), _RAISER)
_raise_short = _RAISER["_raise_short"]


def shallow(test):
    """Report a failure in one short line: expected failures' deep tracebacks cost seconds."""

    @functools.wraps(test)
    def run_test(*args, **kwargs):
        __tracebackhide__ = True
        try:
            return test(*args, **kwargs)
        except Exception as e:
            _raise_short(AssertionError(f"{type(e).__name__}: {e}"))

    return run_test


def cases(progs, xfails):
    """The programs as parameters, those in `xfails` strict expected failures."""
    return [
        pytest.param(
            p,
            id=p.__name__,
            marks=[pytest.mark.xfail(strict=True, reason=xfails[p.__name__])]
            if p.__name__ in xfails
            else [],
        )
        for p in progs
    ]


def pairs(progs, apis, xfails):
    """(program, api) parameters; `xfails` keyed by a name or a (name, api) pair."""
    out = []
    for p in progs:
        for api in apis:
            reason = xfails.get((p.__name__, api), xfails.get(p.__name__))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(p, api, id=f"{p.__name__}-{api}", marks=marks))
    return out


def refused_or_exact(f, api, line_text):
    """Refused at the line holding `line_text`, or exact with the plain call's state."""
    try:
        check_api(f, api)
    except S2SError as e:
        msg = str(e)
        import inspect

        src, first = inspect.getsourcelines(f)
        lines = [first + i for i, s in enumerate(src) if line_text in s]
        assert lines, line_text
        assert any(f":{n}:" in msg or f"line {n}" in msg for n in lines), msg
        return "refused"
    return "exact"


# ---------------------------------------------------------------------------------------------
# 1. a module's item updated in place through any route
# ---------------------------------------------------------------------------------------------


def _val(x):
    return np.sum(np.sin(x) * x)


def p_slice_copy(x):
    rows = Q[:]
    rows[0].append(1.0)  # UPDATE
    return _val(x) * len(Q[0])


def p_list_copy(x):
    rows = list(Q)
    rows[1].extend([1.0, 2.0])  # UPDATE
    return _val(x) * len(Q[1])


def p_dot_copy(x):
    h = Q.copy()[0]
    h.append(3.0)  # UPDATE
    return _val(x) * len(Q[0])


def p_copy_copy(x):
    h = copy.copy(Q)[1]
    h += [4.0]  # UPDATE
    return _val(x) * len(Q[1])


def p_sorted(x):
    h = sorted(Q)[0]
    h.append(5.0)  # UPDATE
    return _val(x) * len(Q[0])


def p_reversed(x):
    h = list(reversed(Q))[0]  # noqa: RUF015
    h.append(6.0)  # UPDATE
    return _val(x) * len(Q[1])


def p_tuple(x):
    h = tuple(Q)[0]  # noqa: RUF015
    h.append(7.0)  # UPDATE
    return _val(x) * len(Q[0])


def p_comprehension(x):
    hs = [r for r in Q]
    hs[1].append(8.0)  # UPDATE
    return _val(x) * len(Q[1])


def p_loop(x):
    for h in Q:
        h.append(1.0)  # UPDATE
    return _val(x) * len(Q[0])


def p_enumerate(x):
    for i, h in enumerate(Q):
        h.append(float(i))  # UPDATE
    return _val(x) * sum(Q[1])


def p_unpack(x):
    a, b = Q  # noqa: RUF059
    b.append(2.5)  # UPDATE
    return _val(x) * sum(Q[1])


def p_next_iter(x):
    h = next(iter(CACHE.values()))
    h.append(2.0)  # UPDATE
    return _val(x) * len(CACHE["a"])


def p_get(x):
    h = CACHE.get("b")
    h.append(2.0)  # UPDATE
    return _val(x) * len(CACHE["b"])


def p_setdefault_new(x):
    h = CACHE.setdefault("c", [])
    h.append(2.0)  # UPDATE
    return _val(x) * len(CACHE["c"])


def p_pop_back(x):
    h = CACHE.pop("a")
    h.append(1.0)  # UPDATE
    CACHE["a"] = h
    return _val(x) * len(CACHE["a"])


def p_chained_get(x):
    h = NEST.get("a").get("b")
    h.append(3.0)  # UPDATE
    return _val(x) * len(NEST["a"]["b"])


def p_chained_index(x):
    d = NEST["a"]
    d["b"] += [1.0]  # UPDATE
    return _val(x) * len(NEST["a"]["b"])


def _first():
    return Q[0]


def _entry(k):
    return CACHE[k]


def p_helper(x):
    h = _first()
    h.append(1.0)  # UPDATE
    return _val(x) * len(Q[0])


def p_helper_key(x):
    h = _entry("b")
    h.extend([1.0])  # UPDATE
    return _val(x) * len(CACHE["b"])


def p_obj_attr(x):
    h = OBJ.hist
    h.append(2.0)  # UPDATE
    return _val(x) * len(OBJ.hist)


def p_obj_item(x):
    h = OBJ.items[1]
    h[0] = 5.0  # UPDATE
    return _val(x) * OBJ.items[1][0]


def p_operator_getitem(x):
    h = operator.getitem(Q, 0)
    h.append(1.0)  # UPDATE
    return _val(x) * len(Q[0])


def p_deque_item(x):
    h = DQ[0]
    h.append(1.0)  # UPDATE
    return _val(x) * len(DQ[0])


def p_deque_loop(x):
    for h in DQ:
        h += [0.5]  # UPDATE
    return _val(x) * len(DQ[1])


def p_max(x):
    h = max(Q)
    h.append(1.0)  # UPDATE
    return _val(x) * len(Q[0])


def p_dict_update(x):
    d = DICTS["cfg"]
    d.update(scale=2.0)  # UPDATE
    return _val(x) * DICTS["cfg"]["scale"]


def p_dict_update_get(x):
    d = DICTS.get("cfg")
    d["scale"] = 3.0  # UPDATE
    return _val(x) * DICTS["cfg"]["scale"]


def p_dict_items(x):
    for _, v in CACHE.items():
        v.append(0.0)  # UPDATE
    return _val(x) * len(CACHE["a"])


def p_array_view(x):
    a = ARRS[1][:2]
    a += 1.0  # UPDATE
    return np.sum(np.sin(x) * ARRS[1])


def p_array_asarray(x):
    a = np.asarray(ARRS[1])
    a *= 2.0  # UPDATE
    return np.sum(np.sin(x) * ARRS[1])


def p_array_item_set(x):
    a = ARRS[0]
    a[0] = 2.0  # UPDATE
    return np.sum(np.sin(x) * (1.0 + ARRS[0]))


def p_array_reshape(x):
    a = ARRS[1].reshape(3)
    a[1] = 3.0  # UPDATE
    return np.sum(np.sin(x) * ARRS[1])


def p_obj_array(x):
    a = OBJ.arr
    a += 1.0  # UPDATE
    return np.sum(np.sin(x) * OBJ.arr)


def p_dict_unpack(x):
    h = {**CACHE}["a"]
    h.append(1.0)  # UPDATE
    return _val(x) * len(CACHE["a"])


def p_list_slice_neg(x):
    h = Q[-1:][0]
    h.append(1.0)  # UPDATE
    return _val(x) * len(Q[1])


def p_zip(x):
    for h, k in zip(Q, range(2)):  # noqa: B905
        h.append(float(k))  # UPDATE
    return _val(x) * sum(Q[1])


def p_filter_comp(x):
    hs = [r for r in Q if len(r) > 0]
    for h in hs:
        h.append(1.0)  # UPDATE
    return _val(x) * len(Q[0])


def p_setdefault_existing_iadd(x):
    h = CACHE.setdefault("a", [])
    h += [1.0]  # UPDATE
    return _val(x) * len(CACHE["a"])


def q_sort(x):
    h = Q[1]
    h.insert(0, 9.0)  # UPDATE
    return _val(x) * Q[1][0]


def q_clear(x):
    h = CACHE["a"]
    h.clear()  # UPDATE
    return _val(x) * (1 + len(CACHE["a"]))


def q_del(x):
    h = OBJ.items[0]
    del h[0]  # UPDATE
    return _val(x) * (1 + len(OBJ.items[0]))


def q_slice_assign(x):
    h = Q[0]
    h[:] = [4.0, 5.0]  # UPDATE
    return _val(x) * len(Q[0])


def q_getattr(x):
    h = getattr(OBJ, "hist")  # noqa: B009
    h.append(2.0)  # UPDATE
    return _val(x) * len(OBJ.hist)


def q_alias_dict(x):
    d = CACHE
    d["a"].append(1.0)  # UPDATE
    return _val(x) * len(CACHE["a"])


def q_comp_effect(x):
    _ = [h.append(1.0) for h in Q]  # UPDATE
    return _val(x) * len(Q[0])


def q_map_lambda(x):
    list(map(lambda h: h.append(1.0), Q))  # UPDATE
    return _val(x) * len(Q[0])


def _pair():
    return Q[0], Q[1]


def q_helper_pair(x):
    a, b = _pair()  # noqa: RUF059
    b.append(1.0)  # UPDATE
    return _val(x) * len(Q[1])


def q_cond(x):
    h = Q[0] if x[0] > 0 else []
    h.append(1.0)  # UPDATE
    return _val(x) * len(Q[0])


def q_fill(x):
    a = ARRS[0]
    a.fill(0.5)  # UPDATE
    return np.sum(np.sin(x) * (1.0 + ARRS[0]))


def q_np_add_out(x):
    a = ARRS[1]
    np.add(a, 1.0, out=a)  # UPDATE
    return np.sum(np.sin(x) * ARRS[1])


def q_copyto(x):
    a = OBJ.arr
    np.copyto(a, 3.0)  # UPDATE
    return np.sum(np.sin(x) * OBJ.arr)


def q_array_in_loop(x):
    for a in ARRS:
        a += 1.0  # UPDATE
    return np.sum(np.sin(x) * ARRS[0])


def q_nested_def(x):
    def grab():
        return CACHE["b"]

    h = grab()
    h.append(1.0)  # UPDATE
    return _val(x) * len(CACHE["b"])


def q_lambda_get(x):
    grab = lambda: NEST["a"]  # noqa: E731
    grab()["b"].append(1.0)  # UPDATE
    return _val(x) * len(NEST["a"]["b"])


def q_values_list(x):
    hs = list(CACHE.values())
    hs[-1].append(1.0)  # UPDATE
    return _val(x) * len(CACHE["b"])


def q_deque_rotate_item(x):
    h = DQ[-1]
    h[0] = 7.0  # UPDATE
    return _val(x) * DQ[1][0]


def q_iadd_value_carrying(x):
    h = OBJ.hist
    h += [np.sum(x)]  # UPDATE
    return _val(x) * len(OBJ.hist)


def q_checkpoint_over_module_list(x):
    s = x
    for h in ad.checkpoint(Q):
        h.append(1.0)  # UPDATE
        s = np.sin(s) * len(h)
    return np.sum(s)


INPLACE = [
    p_slice_copy,
    p_list_copy,
    p_dot_copy,
    p_copy_copy,
    p_sorted,
    p_reversed,
    p_tuple,
    p_comprehension,
    p_loop,
    p_enumerate,
    p_unpack,
    p_next_iter,
    p_get,
    p_setdefault_new,
    p_pop_back,
    p_chained_get,
    p_chained_index,
    p_helper,
    p_helper_key,
    p_obj_attr,
    p_obj_item,
    p_operator_getitem,
    p_deque_item,
    p_deque_loop,
    p_max,
    p_dict_update,
    p_dict_update_get,
    p_dict_items,
    p_array_view,
    p_array_asarray,
    p_array_item_set,
    p_array_reshape,
    p_obj_array,
    p_dict_unpack,
    p_list_slice_neg,
    p_zip,
    p_filter_comp,
    p_setdefault_existing_iadd,
    q_checkpoint_over_module_list,
    q_sort,
    q_clear,
    q_del,
    q_slice_assign,
    q_getattr,
    q_alias_dict,
    q_comp_effect,
    q_map_lambda,
    q_helper_pair,
    q_cond,
    q_fill,
    q_np_add_out,
    q_copyto,
    q_array_in_loop,
    q_nested_def,
    q_lambda_get,
    q_values_list,
    q_deque_rotate_item,
    q_iadd_value_carrying,
]


@pytest.mark.parametrize("api", ["grad", "grad_fwd", "jacrev", "hessian"])
@pytest.mark.parametrize("prog", INPLACE, ids=lambda p: p.__name__)
@shallow
def test_module_item_updated_refused_or_exact(prog, api):
    refused_or_exact(prog, api, "# UPDATE")


# local copies grown locally and plain reads: not refused, exact


def n_list_append(x):
    rows = list(Q)
    rows.append([9.0])
    return _val(x) * len(rows)


def n_deep_copy_rows(x):
    rows = [list(r) for r in Q]
    rows[0].append(3.0)
    return _val(x) * len(rows[0]) + len(Q[0])


def n_item_copy(x):
    h = Q[0][:]
    h.append(1.0)
    return _val(x) * len(h)


def n_get_copy(x):
    h = CACHE.get("a").copy()
    h.append(1.0)
    return _val(x) * len(h)


def n_reads(x):
    n = len(Q[0]) + Q[1][0] + CACHE["b"][0] + len(DQ) + NEST["a"]["b"][0]
    return _val(x) * n


def n_array_read(x):
    a = ARRS[1] * 2.0
    a += 1.0
    return np.sum(np.sin(x) * a)


def n_dict_copy_update(x):
    d = dict(DICTS["cfg"])
    d.update(scale=4.0)
    return _val(x) * d["scale"] + DICTS["cfg"]["scale"]


def n_sorted_new(x):
    rows = sorted(Q, key=len)
    rows.append([1.0, 2.0])
    return _val(x) * len(rows)


NOT_REFUSED_XFAIL = {
    "n_deep_copy_rows": "false refusal: `rows = [list(r) for r in Q]; rows[0].append(3.0)` grows "
    "a fresh copy, yet is refused as 'append on `rows[0]`, which is (or may share memory with) "
    "the global `Q`'; the plain call gives 2 * sum(sin(x) * x) + 1 and leaves Q unchanged",
    "n_dict_copy_update": "false refusal: `d = dict(DICTS['cfg']); d.update(scale=4.0)` updates a "
    "dict made in the function, yet is refused as '`.update()`, which updates a dict in place' "
    "(the README lowers `.update()` on a dict made in the function; `d[k] = v` is accepted)",
}

NOT_REFUSED = [
    n_list_append,
    n_deep_copy_rows,
    n_item_copy,
    n_get_copy,
    n_reads,
    n_array_read,
    n_dict_copy_update,
    n_sorted_new,
]


@pytest.mark.parametrize("api", ["grad", "grad_fwd", "jacrev", "hessian"])
@pytest.mark.parametrize("prog", cases(NOT_REFUSED, NOT_REFUSED_XFAIL))
@shallow
def test_local_copies_and_reads_not_refused(prog, api):
    check_api(prog, api)


# ---------------------------------------------------------------------------------------------
# 2. helpers reaching a function through a module's object, class, dict or list
# ---------------------------------------------------------------------------------------------


class Counter:
    def __init__(self):
        self.log = []

    def push(self, v):
        self.log.append(v)


def note(v):
    REC.record(v)


def dispatch(v):
    HANDLERS["w"](v)


def emit(v):
    Writer().emit(v)


def sink(v):
    SINKS[0](v)


def e_all(x):
    y = np.sin(x) * x
    note(np.sum(y))
    dispatch(np.max(y))
    emit(np.sum(y * y))
    sink(np.min(y))
    return np.sum(y**2) + np.prod(np.cos(x))


def e_direct(x):
    y = np.tanh(x)
    REC.record(np.sum(y))
    HANDLERS["w"](np.sum(y) * 2.0)
    Writer().emit(np.max(y))
    SINKS[0](np.min(y))
    return np.sum(y * x) ** 2


def e_loop(x):
    s = x
    for i in range(3):
        s = np.sin(s) + 0.1 * x
        note(np.sum(s))
        dispatch(float(i))
    return np.sum(s**2)


def e_class_attr(x):
    y = np.exp(-x * x)
    Recorder.record(REC, np.sum(y))
    return np.sum(y * x)


def e_helper_value(x):
    y = np.cos(x)
    note(np.sum(y))
    emit(np.sum(y))
    return np.sum(y * y * x)


def e_history_item(x):
    loss = np.sum(np.sin(x) ** 2)
    CACHE["a"].append(loss)
    return loss


def e_history_setdefault(x):
    loss = np.sum(np.sin(x) ** 2)
    CACHE.setdefault("loss", []).append(loss)
    return loss


def e_history_attr_item_loop(x):
    s = x
    for _ in range(3):
        s = np.sin(s) * 1.1
        OBJ.items[0].append(np.sum(s))
    return np.sum(s)


def e_rotate_deque(x):
    h = DQ.popleft()
    DQ.append(h)
    return np.sum(x**2) * len(h)


def e_history_checkpointed(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        s = np.sin(s) * 1.1
        CACHE["a"].append(np.sum(s))
    return np.sum(s)


def e_history_nested_len(x):
    loss = np.sum(np.sin(x) ** 2)
    NEST["a"]["b"].append(loss)
    return loss * len(NEST["a"]["b"])


EFFECTS = [
    e_all,
    e_direct,
    e_loop,
    e_class_attr,
    e_helper_value,
    e_history_item,
    e_history_setdefault,
    e_history_attr_item_loop,
    e_rotate_deque,
    e_history_checkpointed,
    e_history_nested_len,
]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("prog", EFFECTS, ids=lambda p: p.__name__)
@shallow
def test_effects_through_module_objects_once(prog, api):
    check_api(prog, api)


def c_note(x):
    s = x
    for _ in ad.checkpoint(range(6), every=2):
        s = np.sin(s) * 1.1
        note(np.sum(s))  # EFFECT
    return np.sum(s)


def c_method(x):
    s = x
    for _ in ad.checkpoint(range(6), every=2):
        s = np.sin(s) * 1.1
        REC.record(np.sum(s))  # EFFECT
    return np.sum(s)


def c_handler(x):
    s = x
    for _ in ad.checkpoint(range(6), every=2):
        s = np.sin(s) * 1.1
        HANDLERS["w"](np.sum(s))  # EFFECT
    return np.sum(s)


def c_writer(x):
    s = x
    for _ in ad.checkpoint(range(6), every=2):
        s = np.sin(s) * 1.1
        Writer().emit(np.sum(s))  # EFFECT
    return np.sum(s)


def c_method_read_back(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        s = np.sin(s) * (1.0 + 0.1 * len(REC.log))
        REC.record(1.0)  # EFFECT
    return np.sum(s)


def c_helper_read_back(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        s = np.sin(s) * (1.0 + 0.1 * len(REC.log))
        note(np.sum(s))  # EFFECT
    return np.sum(s)


def c_handler_read_back(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        s = np.sin(s) * (1.0 + 0.1 * len(LOG))
        HANDLERS["w"](1.0)  # EFFECT
    return np.sum(s)


def c_class_call_read_back(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        s = np.sin(s) * (1.0 + 0.1 * len(REC.log))
        Recorder.record(REC, 1.0)  # EFFECT
    return np.sum(s)


def c_attr_append_read_back(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        s = np.sin(s) * (1.0 + 0.1 * len(OBJ.hist))
        OBJ.hist.append(1.0)  # EFFECT
    return np.sum(s)


def c_item_append_read_back(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        s = np.sin(s) * (1.0 + 0.1 * len(Q[0]))
        Q[0].append(1.0)  # EFFECT
    return np.sum(s)


def c_dict_item_append_read_back(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        s = np.sin(s) * (1.0 + 0.1 * len(CACHE["a"]))
        CACHE["a"].append(1.0)  # EFFECT
    return np.sum(s)


def c_lambda_item_append_read_back(x):
    add = lambda: Q[0].append(1.0)  # noqa: E731
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        s = np.sin(s) * (1.0 + 0.1 * len(Q[0]))
        add()  # EFFECT
    return np.sum(s)


def c_last_item_read_back(x):
    s = x
    for i in ad.checkpoint(range(4), every=2):
        s = np.sin(s) * (1.0 + 0.1 * OBJ.items[0][-1])
        OBJ.items[0].append(float(i))  # EFFECT
    return np.sum(s)


CHECKPOINTED = [
    c_note,
    c_method,
    c_handler,
    c_writer,
    c_method_read_back,
    c_helper_read_back,
    c_handler_read_back,
    c_class_call_read_back,
    c_attr_append_read_back,
    c_item_append_read_back,
    c_dict_item_append_read_back,
    c_lambda_item_append_read_back,
    c_last_item_read_back,
]

_CKPT_BUG = (
    "silent wrong gradient: a module object's method appending to its own list "
    "(`REC.record(v)`: `self.log.append(v)`), called in a checkpointed loop that reads "
    "`len(REC.log)`, is not refused; reverse mode's recomputed segments read the final length: "
    "grad at x=[0.3, -0.7, 1.1] is [2.88443174, 0.93967996, 0.17833034], central differences "
    "and forward mode [1.38347887, 0.61395237, 0.19790028]"
)
CKPT_XFAIL = {
    "c_method_read_back": _CKPT_BUG,
    "c_helper_read_back": _CKPT_BUG,
    "c_class_call_read_back": _CKPT_BUG,
    "c_handler_read_back": _CKPT_BUG.replace(
        "`REC.record(v)`: `self.log.append(v)`",
        "a module dict's lambda `HANDLERS['w'](v)`: `LOG.append(v)`",
    ).replace("len(REC.log)", "len(LOG)"),
    "c_attr_append_read_back": "silent wrong gradient: `OBJ.hist.append(1.0)` (a module object's "
    "list) in a checkpointed loop reading `len(OBJ.hist)` is not refused (a module list `LOG` is: "
    "'stores values in ... read back'); reverse mode's recomputed segments read the final length: "
    "grad at x=[0.3, -0.7, 1.1] is [3.43111910, 0.76959294, 0.08851380], central differences and "
    "forward mode [1.78343910, 0.60408658, 0.15186655]",
    "c_item_append_read_back": "silent wrong gradient: `Q[0].append(1.0)` (an item of a module "
    "list) in a checkpointed loop reading `len(Q[0])` is not refused (`LOG.append` with "
    "`len(LOG)` is); reverse mode's recomputed segments read the final length: grad at "
    "x=[0.3, -0.7, 1.1] is [3.43111910, 0.76959294, 0.08851380], central differences and "
    "forward mode [1.78343910, 0.60408658, 0.15186655]",
    "c_dict_item_append_read_back": "silent wrong gradient: `CACHE['a'].append(1.0)` in a "
    "checkpointed loop reading `len(CACHE['a'])`: reverse grad [3.43111910, 0.76959294, "
    "0.08851380], central differences and forward mode [1.78343910, 0.60408658, 0.15186655]",
    "c_lambda_item_append_read_back": "silent wrong gradient: `add = lambda: Q[0].append(1.0)` "
    "called in a checkpointed loop reading `len(Q[0])`: reverse grad [3.43111910, 0.76959294, "
    "0.08851380], central differences and forward mode [1.78343910, 0.60408658, 0.15186655]",
    "c_last_item_read_back": "silent wrong gradient: `OBJ.items[0].append(float(i))` in a "
    "checkpointed loop reading `OBJ.items[0][-1]`: reverse grad [2.25625676, 0.89514040, "
    "0.22629759], central differences and forward mode [1.09841347, 0.54139799, ...]",
}


# Fixed in session 54 after this tester's report (refused at the change now): every entry
# but the inlined lambda's, which is refused at the lambda's own line, not at the call's.
for _fixed in [k for k in CKPT_XFAIL if k != "c_lambda_item_append_read_back"]:
    del CKPT_XFAIL[_fixed]
CKPT_XFAIL["c_lambda_item_append_read_back"] = (
    "refused, but at the lambda's line (`add = lambda: Q[0].append(1.0)`), not at the call "
    "`add()` marked # EFFECT (was: a silent wrong gradient, reverse grad [3.43111910, "
    "0.76959294, 0.08851380], central differences [1.78343910, 0.60408658, 0.15186655])"
)


@pytest.mark.parametrize("api", ["grad", "vjp", "jacrev", "hessian"])
@pytest.mark.parametrize("prog", cases(CHECKPOINTED, CKPT_XFAIL))
@shallow
def test_effects_in_checkpointed_loop_reverse(prog, api):
    refused_or_exact(prog, api, "# EFFECT")


@pytest.mark.parametrize("api", ["grad_fwd", "jvp", "jacfwd"])
@pytest.mark.parametrize("prog", CHECKPOINTED, ids=lambda p: p.__name__)
@shallow
def test_effects_in_checkpointed_loop_forward(prog, api):
    check_api(prog, api)


# ---------------------------------------------------------------------------------------------
# 3. a module StringIO read in a checkpointed loop
# ---------------------------------------------------------------------------------------------


def _pos():
    return BUF.tell()


def _chunk():
    return len(SRC.read(2))


def s_tell(x):
    s = x
    for _ in ad.checkpoint(range(6), every=2):
        BUF.write("ab")
        s = np.sin(s) + 0.01 * x * BUF.tell()  # READ
    return np.sum(s**2)


def s_tell_helper(x):
    s = x
    for _ in ad.checkpoint(range(6), every=2):
        BUF.write("ab")
        s = np.sin(s) + 0.01 * x * _pos()  # READ
    return np.sum(s**2)


def s_getvalue(x):
    s = x
    for _ in ad.checkpoint(range(6), every=2):
        print("ab", file=BUF)
        s = np.sin(s) + 0.01 * x * len(BUF.getvalue())  # READ
    return np.sum(s**2)


def s_read(x):
    s = x
    for _ in ad.checkpoint(range(6), every=2):
        s = np.sin(s) + 0.1 * x * len(SRC.read(3))  # READ
    return np.sum(s**2)


def s_read_helper(x):
    s = x
    for _ in ad.checkpoint(range(6), every=2):
        s = np.sin(s) + 0.1 * x * _chunk()  # READ
    return np.sum(s**2)


def s_tell_only(x):
    s = x
    for _ in ad.checkpoint(range(6), every=2):
        s = np.sin(s) + 0.1 * x * SRC.tell()  # READ
        SRC.read(1)
    return np.sum(s**2)


STREAMS = [s_tell, s_tell_helper, s_getvalue, s_read, s_read_helper, s_tell_only]


@pytest.mark.parametrize("api", ["grad", "vjp", "jacrev"])
@pytest.mark.parametrize("prog", STREAMS, ids=lambda p: p.__name__)
@shallow
def test_stream_reads_in_checkpointed_loop_reverse(prog, api):
    refused_or_exact(prog, api, "# READ")


@pytest.mark.parametrize("api", ["grad_fwd", "jvp", "jacfwd"])
@pytest.mark.parametrize("prog", STREAMS, ids=lambda p: p.__name__)
@shallow
def test_stream_reads_in_checkpointed_loop_forward(prog, api):
    check_api(prog, api)


# ---------------------------------------------------------------------------------------------
# 4. grad of a bound method, an object or a partial inside a differentiated function
# ---------------------------------------------------------------------------------------------


def _scaled(v, k):
    return np.sum(np.cos(v) * k)


def g_method(x):
    g = ad.grad(MODEL.loss)(x)  # GRAD
    return np.sum(g * x)


def g_object(x):
    g = ad.grad(MODEL)(x)  # GRAD
    return np.sum(g * x)


def g_partial(x):
    g = ad.grad(functools.partial(_scaled, k=2.0))(x)  # GRAD
    return np.sum(g * x)


REFUSED_GRADS = [g_method, g_object, g_partial]


@pytest.mark.parametrize("api", ["grad", "grad_fwd", "hessian"])
@pytest.mark.parametrize("prog", REFUSED_GRADS, ids=lambda p: p.__name__)
@shallow
def test_grad_of_bound_things_refused_with_hint(prog, api):
    with pytest.raises(S2SError) as info:
        call_api(prog, api, X0)
    msg = str(info.value)
    assert "lambda" in msg or "def" in msg, msg


def g_lambda(x):
    g = ad.grad(lambda v: MODEL.loss(v))(x)
    return np.sum(g * x) + MODEL.loss(x)


def g_lambda_call(x):
    g = ad.grad(lambda v: MODEL(v))(x * 0.5)
    return np.sum(g**2)


def g_lambda_partial_body(x):
    g = ad.grad(lambda v: _scaled(v, 2.0))(x)
    return np.sum(np.sin(g) * x)


GOOD_GRADS = [g_lambda, g_lambda_call, g_lambda_partial_body]


@pytest.mark.parametrize("api", ["grad", "grad_fwd", "jvp", "hessian", "jacrev_grad"])
@pytest.mark.parametrize("prog", GOOD_GRADS, ids=lambda p: p.__name__)
@shallow
def test_grad_of_lambda_around_method_exact(prog, api):
    check_api(prog, api)


# ---------------------------------------------------------------------------------------------
# 5. callbacks called as statements, formatting in lambdas, `print(v) or v`
# ---------------------------------------------------------------------------------------------


def fit(x, cb):
    for _ in range(3):
        x = x * 0.9 + 0.05 * np.sin(x)
        cb(np.sum(x))
    return x


def on_steps(x, on_step, n=2):
    s = x
    for i in range(n):  # noqa: B007
        s = np.tanh(s) + x
        on_step(s)
    return s


def k_print_lambda(x):
    y = fit(x, lambda v: print("step", v))
    return np.sum(y**2)


def k_nested_def(x):
    def on_step(s):
        print("s", np.sum(s), np.max(s))
        LOG.append(np.sum(s))

    y = on_steps(x, on_step)
    return np.sum(np.sin(y))


def k_lambda_append(x):
    y = fit(x, lambda v: LOG.append(v))
    return np.sum(y * x)


def k_lambda_fmt(x):
    y = fit(x, lambda v: print("%.3f %.3f" % (v, v * 2)))  # noqa: UP031
    return np.sum(y**3)


def k_fmt_value(x):
    fmt = lambda a, b: "%.3f %.3f" % (a, b)  # noqa: E731, UP031
    label = fmt(np.sum(x), np.max(x))
    print(label)
    LOG.append(label)
    return np.sum(np.exp(x) * 0.5)


def k_fmt_helper_cb(x):
    y = fit(x, lambda v: LOG.append("%.4f %.2f" % (v, v + 1.0)))  # noqa: UP031
    return np.sum(y * y * x)


def k_print_or(x):
    y = print("y", np.sum(x)) or x
    z = LOG.append(np.sum(y)) or y * 2.0
    return np.sum(np.sin(z) * y)


def k_print_or_lambda(x):
    echo = lambda v: print("v", np.sum(v)) or v  # noqa: E731
    y = echo(np.sin(x))
    y = echo(y * x)
    return np.sum(y**2)


def k_setattr_or(x):
    y = setattr(OBJ, "last", 1.0) or np.cos(x)
    return np.sum(y * x)


def k_callback_in_loop_with_closure(x):
    scale = 2.0

    def report(s):
        print("r %.4f" % (np.sum(s) * scale))

    s = x
    for _ in range(2):
        s = on_steps(s, report, n=2) * 0.5
    return np.sum(s**2)


def k_checkpointed_callback(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        y = fit(s, lambda v: print("cb %.4f %.4f" % (v, v * 2)))  # noqa: UP031
        s = y * 0.9
    return np.sum(s**2)


def k_checkpointed_print_or(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        s = np.sin(s)
        y = print("s", np.sum(s)) or s
        s = y * 1.1
    return np.sum(s**2)


CALLBACKS = [
    k_print_lambda,
    k_nested_def,
    k_lambda_append,
    k_lambda_fmt,
    k_fmt_value,
    k_fmt_helper_cb,
    k_print_or,
    k_print_or_lambda,
    k_setattr_or,
    k_callback_in_loop_with_closure,
    k_checkpointed_callback,
    k_checkpointed_print_or,
]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("prog", CALLBACKS, ids=lambda p: p.__name__)
@shallow
def test_callbacks_and_formatting_once(prog, api):
    check_api(prog, api)


# ---------------------------------------------------------------------------------------------
# 6. several results kept whole
# ---------------------------------------------------------------------------------------------


def parts(x):
    return np.sin(x), x**2, np.cos(x) * x


def r_slice(x):
    r = parts(x)
    t = r[1:]
    return np.sum(t[0] * t[1]) + np.sum(r[0])


def r_reverse(x):
    r = parts(x)
    a, b, c = r[::-1]
    return np.sum(a * 2.0 + b * c)


def r_loop_index(x):
    r = parts(x)
    acc = 0.0
    for i in range(3):
        acc = acc + np.sum(r[i] * x) * (i + 1)
    return acc


def r_stack(x):
    r = parts(x * 0.5)
    return np.sum(np.stack(r) ** 2) + np.sum(parts(x)[2])


def r_branch(x):
    r = parts(x) if x[0] > 0 else parts(-x)
    out = 0.0
    for i in range(2):
        out = out + np.sum(r[i + 1] * r[i])
    return out


def r_lambda(x):
    two = lambda v: (np.exp(-v), v * 3.0)  # noqa: E731
    r = two(x)
    s = r[::-1]
    return np.sum(s[0] * s[1]) + np.sum(r[-1])


def r_nested_loop_rev(x):
    def inner(v):
        return v + 1.0, v * v, np.tanh(v)

    r = inner(x)
    acc = np.sum(x)
    for i in range(3):
        acc = acc + np.sum(r[::-1][i] * r[i])
    return acc


def r_with_effect(x):
    r = parts(x)
    note(np.sum(r[0]))
    return np.sum(r[1:][0] * r[2])


def r_iterate(x):
    r = parts(x)
    acc = 0.0
    for a in r:
        acc = acc + np.sum(a * x)
    return acc


def r_sum_concat(x):
    r = parts(x)
    t = r + (x,)  # noqa: RUF005
    return np.sum(sum(r)) + np.sum(t[3] * t[0])


def r_zip_reversed(x):
    r = parts(x)
    acc = 0.0
    for a, b in zip(r, r[::-1]):  # noqa: B905
        acc = acc + np.sum(a * b)
    return acc


def r_enumerate_prev(x):
    r = parts(x)
    acc = 0.0
    for i, a in enumerate(r):
        acc = acc + np.sum(a * r[i - 1])
    return acc


def r_chained_slices(x):
    r = parts(x)
    s = r[::2]
    return np.sum(r[1:][::-1][0]) + len(r) * np.sum(r[-1]) + np.sum(s[0] * s[-1])


def r_while(x):
    r = parts(x)
    acc = 0.0
    i = 0
    while i < len(r):
        acc = acc + np.sum(r[i] ** 2)
        i += 1
    return acc


def r_list_of_results(x):
    rs = [parts(x), parts(2.0 * x)]
    acc = 0.0
    for r in rs:
        acc = acc + np.sum(r[1] * r[2])
    q = list(rs[0])
    q[0] = q[0] * 2.0
    return acc + np.sum(q[0] * rs[1][0])


def r_rebound(x):
    def two(v):
        return v * 2.0, np.sin(v)

    r = two(x)
    r = two(r[1])
    d = {"a": r}
    return np.sum(d["a"][0] * r[1]) + np.sum(np.concatenate(r[1:]) ** 2)


def r_star_slice(x):
    r = parts(x)
    return np.sum(np.add(*r[:2]))


def r_checkpointed(x):
    s = x
    for _ in ad.checkpoint(range(4), every=2):
        r = parts(s)
        s = r[0] + 0.1 * r[1:][1] + 0.01 * r[::-1][1]
    return np.sum(s**2)


def r_checkpointed_counter(x):
    s = x
    for i in ad.checkpoint(range(3)):
        r = parts(s)
        s = np.tanh(r[i])
    return np.sum(s)


RESULTS = [
    r_slice,
    r_reverse,
    r_loop_index,
    r_stack,
    r_branch,
    r_lambda,
    r_nested_loop_rev,
    r_with_effect,
    r_iterate,
    r_sum_concat,
    r_zip_reversed,
    r_enumerate_prev,
    r_chained_slices,
    r_while,
    r_list_of_results,
    r_rebound,
    r_star_slice,
    r_checkpointed,
    r_checkpointed_counter,
]

RESULTS_XFAIL = {
    "r_star_slice": "false refusal: `r = parts(x); np.add(*r[:2])` (parts returns 3 arrays) is "
    "refused as '`*r[:2]` in a call, where the number of elements of `r[:2]` is not known when "
    "the derivative is made', though `r[1:]` and `r[::-1]` of the same tuple are known",
}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("prog", cases(RESULTS, RESULTS_XFAIL))
@shallow
def test_results_kept_whole(prog, api):
    check_api(prog, api)


# ---------------------------------------------------------------------------------------------
# 2 and 5 together: a lambda whose body calls a function held by a module's dict, list or object
# ---------------------------------------------------------------------------------------------


def fit2(x, cb):
    for _ in range(2):
        x = x * 0.9 + 0.05 * np.sin(x)
        cb(np.sum(x))
    return x


def l_cb_dict(x):
    y = fit2(x, lambda v: HANDLERS["w"](v))
    return np.sum(y**2)


def l_cb_list(x):
    y = fit2(x, lambda v: SINKS[0](v))
    return np.sum(y**2)


def l_show_list(x):
    show = lambda v: SINKS[0](v)  # noqa: E731
    show(np.sum(x))
    return np.sum(np.sin(x) * x)


def l_show_dict(x):
    show = lambda v: HANDLERS["w"](v)  # noqa: E731
    show(np.sum(x))
    return np.sum(np.sin(x) * x)


def l_show_method(x):
    show = lambda v: REC.record(v)  # noqa: E731
    show(np.sum(x))
    return np.sum(np.sin(x) * x)


def l_cb_method(x):
    y = fit2(x, lambda v: REC.record(v))
    return np.sum(y**2)


def l_cb_new_object(x):
    y = fit2(x, lambda v: Writer().emit(v))
    return np.sum(y**2)


def l_cb_bound_method(x):
    y = fit2(x, REC.record)
    return np.sum(y**2)


def l_cb_dict_value(x):
    y = fit2(x, HANDLERS["w"])
    return np.sum(y**2)


def l_cb_helper(x):
    y = fit2(x, lambda v: dispatch(v))
    return np.sum(y**2)


def l_cb_nested_def(x):
    def cb(v):
        SINKS[0](v)
        HANDLERS["w"](v)

    y = fit2(x, cb)
    return np.sum(y**2)


def l_nested_def_returning_call(x):
    def show(v):
        return SINKS[0](v)

    show(np.sum(x))
    return np.sum(np.sin(x) * x)


def _printer(v):
    print("pr", v)


TABLE = {"pr": _printer}


class Hooks:
    fns = [lambda v: print("fn", v)]  # noqa: RUF012


def l_show_def_in_dict(x):
    show = lambda v: TABLE["pr"](v)  # noqa: E731
    show(np.sum(x))
    return np.sum(np.sin(x) * x)


def l_show_class_list(x):
    show = lambda v: Hooks.fns[0](v)  # noqa: E731
    show(np.sum(x))
    return np.sum(np.sin(x) * x)


def l_nested_def_in_loop(x):
    def show(v):
        return TABLE["pr"](v)

    for i in range(2):
        show(np.sum(x) * i)
    return np.sum(np.sin(x) * x)


LAMBDA_ROUTES = [
    l_cb_dict,
    l_cb_list,
    l_show_list,
    l_show_dict,
    l_show_method,
    l_cb_method,
    l_cb_new_object,
    l_cb_bound_method,
    l_cb_dict_value,
    l_cb_helper,
    l_cb_nested_def,
    l_nested_def_returning_call,
    l_show_def_in_dict,
    l_show_class_list,
    l_nested_def_in_loop,
]

_DROPPED = (
    "silent dropped effect: a lambda whose body calls a function held by a module's {what} "
    "(`{call}`), {how}, does not run under grad, grad(mode='forward'), value_and_grad, jvp, "
    "vjp, jacfwd, hessian or jacrev(grad) ({lost}); jacrev and jacobian run it once, as the "
    "plain call does"
)
_D_DICT_CB = _DROPPED.format(
    what="dict",
    call="fit2(x, lambda v: HANDLERS['w'](v))",
    how="given to a helper calling it as a statement",
    lost="LOG stays [], the plain call leaves it [2.7, 2.43] at x=[1, 2] with cb's 0.9 steps",
)
_D_LIST_CB = _DROPPED.format(
    what="list",
    call="fit2(x, lambda v: SINKS[0](v))",
    how="given to a helper calling it as a statement",
    lost="nothing printed; the plain call prints 'sink 2.7', 'sink 2.43' at x=[1, 2]",
)
_D_LIST_SHOW = _DROPPED.format(
    what="list",
    call="show = lambda v: SINKS[0](v); show(np.sum(x))",
    how="called as a statement",
    lost="nothing printed; the plain call prints 'sink 3.0' at x=[1, 2]",
)
_D_DICT_SHOW = _DROPPED.format(
    what="dict",
    call="show = lambda v: HANDLERS['w'](v); show(np.sum(x))",
    how="called as a statement",
    lost="LOG stays [], the plain call leaves it [3.0] at x=[1, 2]",
)
_D_NESTED_RETURN = (
    "silent dropped effect: a nested def whose value is the call of a function held by a "
    "module's list (`def show(v): return SINKS[0](v)`), called as a statement, does not run "
    "under grad, grad(mode='forward'), hessian and the others but jacrev and jacobian: nothing "
    "printed; the plain call prints 'sink 0.7000000000000002' at x=[0.3, -0.7, 1.1] (a nested "
    "def calling it as a statement, `SINKS[0](v)` without `return`, runs once)"
)
_D_DEF_IN_DICT = (
    "silent dropped effect: `show = lambda v: TABLE['pr'](v); show(np.sum(x))`, TABLE a module "
    "dict holding a module-level def that prints, prints nothing under grad, forward grad, "
    "hessian and the others but jacrev and jacobian; the plain call prints 'pr "
    "0.7000000000000002' (`lambda v: _printer(v)` runs once)"
)
_D_CLASS_LIST = (
    "silent dropped effect: `show = lambda v: Hooks.fns[0](v)`, a class attribute's list of "
    "lambdas, prints nothing under grad, forward grad, hessian and the others but jacrev and "
    "jacobian; the plain call prints 'fn 0.7000000000000002'"
)
_D_NESTED_LOOP = (
    "silent dropped effect: `def show(v): return TABLE['pr'](v)` called as a statement in a "
    "loop prints nothing under grad, forward grad, hessian and the others but jacrev and "
    "jacobian; the plain call prints 'pr 0.0' and 'pr 0.7000000000000002'"
)
_REFUSED_METHOD = (
    "false refusal, wrongly located: a lambda calling a module object's method for its effect "
    "(`{call}`) is refused as '`{meth}` does not return a value; return the value to "
    "differentiate', located at the method's `def` line instead of the user's; `{alt}` is "
    "accepted and exact"
)
LAMBDA_APIS = ["grad", "grad_fwd", "vjp", "jacrev", "jacobian", "hessian", "jacrev_grad"]
LAMBDA_XFAIL = {}
# (the _D_* silent dropped effects, strict expected failures under every API but jacrev and
# jacobian, fixed in session 54: the call a lambda's or nested def's body ends in runs)
for _prog in ("l_show_def_in_dict", "l_nested_def_in_loop"):
    for _api in ("hessian", "jacrev_grad"):
        LAMBDA_XFAIL[_prog, _api] = (
            "refused at second order since session 54 (before: the print was dropped "
            "silently): '`_printer` does not return a value; return the value to "
            "differentiate', located at `_printer`'s def, for `TABLE['pr'](v)` of a module "
            "def that prints and returns None, called by a lambda or nested def as a statement"
        )
LAMBDA_XFAIL["l_show_method"] = _REFUSED_METHOD.format(
    call="show = lambda v: REC.record(v); show(np.sum(x))",
    meth="record",
    alt="show = lambda v: note(v)",
)
LAMBDA_XFAIL["l_cb_method"] = _REFUSED_METHOD.format(
    call="fit2(x, lambda v: REC.record(v))", meth="record", alt="fit2(x, REC.record)"
)
LAMBDA_XFAIL["l_cb_new_object"] = _REFUSED_METHOD.format(
    call="fit2(x, lambda v: Writer().emit(v))", meth="emit", alt="fit2(x, lambda v: emit(v))"
)


@pytest.mark.parametrize(("prog", "api"), pairs(LAMBDA_ROUTES, LAMBDA_APIS, LAMBDA_XFAIL))
@shallow
def test_lambda_reaching_module_function_once(prog, api):
    check_api(prog, api)


# ---------------------------------------------------------------------------------------------
# odds and ends: a write's count of formatted values, a class's function differentiated inside
# ---------------------------------------------------------------------------------------------


def o_write_count_fstring(x):
    n = OUT.write(f"{np.sum(x):.3f}\n")
    return np.sum(x**2) * n


def o_write_count_percent_tuple(x):
    line = "%.3f %.3f\n" % (np.sum(x), np.max(x))  # noqa: UP031
    n = OUT.write(line)
    return np.sum(x**2) * n


def o_write_statement(x):
    OUT.write("%.3f %.3f\n" % (np.sum(x), np.max(x)))  # noqa: UP031
    return np.sum(x**2)


def o_len_of_formatted(x):
    n = len("%.3f %.3f" % (np.sum(x), np.max(x)))  # noqa: UP031
    return np.sum(x**2) * n


def o_grad_of_class_function(x):
    return np.sum(ad.grad(Model.loss, wrt=1)(MODEL, x) * x)


ODDS = [
    o_write_count_fstring,
    o_write_count_percent_tuple,
    o_write_statement,
    o_len_of_formatted,
    o_grad_of_class_function,
]
_WRITE_COUNT = (
    "false refusal: `n = OUT.write({text})` of a module StringIO, its count (an int) used, is "
    "refused as 'no derivative rule for `OUT.write`, which is applied to a differentiated value' "
    "(grad(mode='forward') of the f-string form says 'no derivative rule for `format`'); the "
    "text is a string, and `len(...)` of the same text or the write as a statement is accepted"
)
ODDS_XFAIL = {
    "o_write_count_fstring": _WRITE_COUNT.format(text='f"{np.sum(x):.3f}\\n"'),
    "o_write_count_percent_tuple": _WRITE_COUNT.format(text='"%.3f %.3f\\n" % (a, b)'),
}
ODDS_XFAIL["o_grad_of_class_function"] = (
    "refused with an internal name: `np.sum(ad.grad(Model.loss, wrt=1)(MODEL, x) * x)`, where "
    "`Model` also defines `__call__`, is refused under every API as 'call of "
    "`_s2s_factory.<locals>.loss_grad` (given a function as an argument), which is defined "
    "inside a function ...; define `_s2s_factory.<locals>.loss_grad` at module level'; without "
    "`__call__` in the class the same program is exact (gradient [2.01416382, -0.58980361, "
    "-4.6077334] at x=[0.3, -0.7, 1.1]) and even has its Hessian"
)


@shallow
@pytest.mark.parametrize(("prog", "api"), pairs(ODDS, APIS, ODDS_XFAIL))
def test_odds_and_ends(prog, api):
    check_api(prog, api)


# ---------------------------------------------------------------------------------------------
# grad(g)(x) inside, where g has an effect through a module's object, dict or item
# ---------------------------------------------------------------------------------------------


def _g_note(v):
    note(np.sum(v))
    return np.sum(np.sin(v) ** 2)


def _g_dict(v):
    HANDLERS["w"](np.sum(v))
    return np.sum(np.sin(v) ** 2)


def _g_method(v):
    REC.record(np.sum(v))
    return np.sum(np.sin(v) ** 2)


def _g_item(v):
    Q[0].append(1.0)
    return np.sum(np.sin(v) ** 2) * len(Q[0])


def i_note(x):
    return np.sum(ad.grad(_g_note)(x) * x)  # INNER


def i_dict(x):
    return np.sum(ad.grad(_g_dict)(x) * x)  # INNER


def i_method(x):
    return np.sum(ad.grad(_g_method)(x) * x)  # INNER


def i_item(x):
    return np.sum(ad.grad(_g_item)(x) * x)  # INNER


def i_value_and_grad(x):
    v, g = ad.value_and_grad(_g_dict)(x)  # INNER
    return np.sum(g * x) + v


INNER = [i_note, i_dict, i_method, i_item, i_value_and_grad]


@shallow
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("prog", INNER, ids=lambda p: p.__name__)
def test_inner_grad_of_effectful_function(prog, api):
    if api in SECOND:
        refused_or_exact(prog, api, "# INNER")
    else:
        check_api(prog, api)

"""The 129th independent tester's file: helpers that store values the function reads back.

Written from the README alone (not the library's source or tests). A helper of the user's
that stores a value made from a differentiated argument (a module object's attribute, a
module list or dict, a global, an object or container passed to it) where the function reads
it back must be refused at the user's call line, in every API; helpers that only log, store
values no derivative flows through, or whose object the function reads only before the call
must be differentiated exactly: value equal to the plain call, reverse against central
differences, forward against reverse, the Hessian against differences of the gradient, and
the program's state after the call equal to the plain call's.

The programs are in `tests/stored_values_programs_independent.py`: `r_*` must be refused,
`a_*` must be differentiated. Every strict expected failure names the numbers it found.
"""

import inspect
import types
import warnings

import numpy as np
import pytest
import stored_values_programs_independent as P

import s2s_ad as ad

SN = types.SimpleNamespace
X = np.array([0.3, -0.7, 1.1])
W = np.array([0.2, -0.4])
XS = np.array([[1.0, 0.5], [0.2, -0.3], [0.7, 0.1], [-0.5, 0.9]])
YS = np.array([0.3, -0.1, 0.5, 0.2])
FILE = inspect.getsourcefile(P)

# The arguments of each program (made afresh for every call: the programs store into them),
# when not `(X,)`.
ARGS = {
    "r_passed_box": lambda: (X.copy(), SN(w=0.0)),
    "r_passed_dict": lambda: (X.copy(), {"w": 0.0}),
    "r_passed_list": lambda: (X.copy(), []),
    "r_passed_recorder": lambda: (X.copy(), P.Recorder()),
    "r_passed_particle": lambda: (X.copy(), P.Particle()),
    "r_double_diff": lambda: (SN(w=X.copy()),),
    "r_read_in_branch": lambda: (X.copy(), True),
    "r_store_first": lambda: (X.copy(), [SN(w=0.0)]),
    "r_training_loop": lambda: (W.copy(), XS, YS),
    "r_passed_keyword": lambda: (X.copy(), SN(w=0.0)),
    "r_passed_star": lambda: (X.copy(), SN(w=0.0)),
    "r_passed_alias": lambda: (X.copy(), {"w": 0.0}),
    "r_passed_getattr": lambda: (X.copy(), SN(w=0.0)),
    "r_passed_nested": lambda: (X.copy(), SN(state=SN(w=0.0))),
    "r_passed_dataclass_method": lambda: (X.copy(), P.Cell()),
    "a_history_direct": lambda: (W.copy(), XS, YS),
    "a_logger_method": lambda: (W.copy(), XS, YS),
    "a_scheduler": lambda: (W.copy(), XS, YS),
    "a_set_train": lambda: (X.copy(), SN(train=True)),
    "a_fixed_arg_store": lambda: (X.copy(), np.array([1.0, 2.0])),
    "a_store_fixed_then_read": lambda: (X.copy(), np.array([1.0, 2.0])),
    "a_ordinary_helpers": lambda: (
        np.array([[0.1, 0.2, -0.3], [0.4, -0.1, 0.2]]),
        np.array([0.1, -0.2]),
        X.copy(),
        np.array([0.5, -0.5]),
    ),
    "a_wrt_other": lambda: (X.copy(), np.array([0.5, 2.0])),
    "a_jvp_none_tangent": lambda: (X.copy(), np.array([0.5, 2.0])),
    "a_read_before_in_branch": lambda: (X.copy(), True),
    "r_store_in_function_branch": lambda: (X.copy(), True),
    "r_passed_read_by_helper": lambda: (X.copy(), SN(w=0.0)),
    "a_log_in_branch": lambda: (X.copy(), True),
    "r_passed_method_keyword": lambda: (X.copy(), P.Recorder()),
    "r_helper_keyword_passed": lambda: (X.copy(), {"w": 0.0}),
}
WRT = {"a_wrt_other": 1, "a_jvp_none_tangent": 1}
# Programs where `vjp` (which differentiates every float argument) rightly refuses: the stored
# value is made from an argument the other APIs hold fixed.
VJP_REFUSES = {"a_fixed_arg_store", "a_store_fixed_then_read", "a_wrt_other", "a_jvp_none_tangent"}


def args_of(name):
    return ARGS.get(name, lambda: (X.copy(),))()


def call_api(name, api):
    """Run `api` on program `name` from a reset state; returns what it returns."""
    f = getattr(P, name)
    wrt = WRT.get(name, 0)
    P.reset()
    a = args_of(name)
    tangents = tuple(a[wrt] if i == wrt else None for i in range(len(a)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jit=True falls back to NumPy code for effects
        if api == "grad":
            return ad.grad(f, wrt)(*a)
        if api == "grad_forward":
            return ad.grad(f, wrt, mode="forward")(*a)
        if api == "value_and_grad":
            return ad.value_and_grad(f, wrt)(*a)
        if api == "vjp":
            out, pullback = ad.vjp(f, *a)
            return out, pullback(1.0)
        if api == "jvp":
            return ad.jvp(f, a, tangents)
        if api == "jacfwd":
            return ad.jacfwd(f, wrt)(*a)
        if api == "jacrev":
            return ad.jacrev(f, wrt)(*a)
        if api == "hessian":
            return ad.hessian(f, wrt)(*a)
        if api == "hvp":
            return ad.hvp(f, a, tangents)
        if api == "jit":
            return ad.grad(f, wrt, jit=True)(*a)
    raise AssertionError(api)


APIS = [
    "grad",
    "grad_forward",
    "value_and_grad",
    "vjp",
    "jvp",
    "jacfwd",
    "jacrev",
    "hessian",
    "hvp",
    "jit",
]
# The APIs in three groups, one test each (fewer test items: the file stays under a minute).
API_GROUPS = {
    "reverse": ("grad", "value_and_grad", "vjp", "jit"),
    "forward": ("grad_forward", "jvp", "jacfwd"),
    "second": ("hessian", "hvp", "jacrev"),
}


def call_lines(name):
    """The lines of `name` marked `# CALL`: where the refusal must point."""
    lines, start = inspect.getsourcelines(getattr(P, name))
    return {start + i for i, text in enumerate(lines) if "# CALL" in text}


def helper_lines(helper):
    lines, start = inspect.getsourcelines(helper)
    return set(range(start, start + len(lines)))


# Refused by an older rule at the helper's own statement (a helper called for its value that
# assigns an attribute; an in-place update of a helper's argument): a line of the user's file
# inside that helper is a located error too.
OTHER_LINES = {
    "r_helper_reads_own_store": helper_lines(P.keep_and_read),
    "r_mutable_default": helper_lines(P.delta),
    # `LOG` read back inside the helper itself: refused at that read
    "r_helper_sums_log": helper_lines(P.log_and_sum),
    # `vars(STATE)` refused where it is read
    "r_read_vars": helper_lines(P.r_read_vars),
    # a nested `def` assigning an attribute: refused at its statement
    "r_nested_def": helper_lines(P.r_nested_def),
    # `grad(r_attr)(x)` called inside: refused at `r_attr`'s own call of its helper
    "r_inner_grad": call_lines("r_attr"),
    # a lambda's `setattr` (inlined): refused at the lambda, where the store is written
    "r_lambda_setattr": helper_lines(P.r_lambda_setattr),
}

HALF = "[0.6, -1.4, 2.2] where central differences give [1.2, -2.8, 4.4]"
SILENT = {
    # (fixed in session 52: r_lambda_setattr, r_module_lambda_setattr, r_buf_copyto,
    # r_cache_get, r_method_keyword, r_method_push,
    # r_method_reads_self, r_next_iteration, r_operator_setitem, r_read_local_alias,
    # r_store_object_setattr, r_store_vars_update, r_while_next_iteration)
    "r_class_attr": "a method doing `type(self).shared = v`, then `Recorder.shared * 2.0`: not "
    "refused; grad [0, 0, 0] where central differences give [1.2, -2.8, 4.4]",
    "r_closure_recorder": "a closure appending to the list it closes over (`CLOSED_PUSH(y)`) "
    "read back by its sibling closure `CLOSED_LAST()`: not refused; grad " + HALF,
    "r_partial": "`KEEP_STATE = functools.partial(keep_into, STATE)` (`setattr(obj, 'last', "
    "v)`), `KEEP_STATE(y)`, then `STATE.last + y`: not refused; grad " + HALF,
    "r_read_module_alias": "a module alias `ALIAS = STATE`; `keep(y)` then `ALIAS.last + y`: "
    "not refused; grad " + HALF,
    "r_read_via_module_dict": "`HOLDERS = {'state': STATE}`; `keep(y)` then "
    "`HOLDERS['state'].last + y`: not refused; grad " + HALF,
    "r_read_via_module_list": "`OBJS = [STATE]`; `keep(y)` then `OBJS[0].last + y`: not "
    "refused; grad " + HALF,
    "r_passed_star": "`args = (box, y); put(*args)` (`box.w = v`), then `box.w + y`: not "
    "refused, where `put(box, y)` and `put_kw(box=box, v=y)` are; grad " + HALF,
    # (r_module_dict_method: refused since session 55)
    "r_store_via_getter": "`get_state().last = v` in a helper (`get_state` returns STATE), "
    "then `STATE.last + y`: not refused; grad " + HALF,
}

REFUSED = sorted(n for n in dir(P) if n.startswith("r_"))


def _refused_params():
    for name in REFUSED:
        for group in API_GROUPS:
            marks = ()
            if name in SILENT:
                marks = pytest.mark.xfail(strict=True, reason=SILENT[name])
            yield pytest.param(name, group, id=f"{name}-{group}", marks=marks)


@pytest.mark.parametrize(("name", "group"), list(_refused_params()))
def test_refused_at_the_call(name, group):
    for api in API_GROUPS[group]:
        check_refused(name, api)


def check_refused(name, api):
    with pytest.raises(ad.S2SError) as info:
        call_api(name, api)
    message = str(info.value)
    allowed = call_lines(name) | OTHER_LINES.get(name, set())
    assert any(f"{FILE}:{line}:" in message for line in allowed), (allowed, message)
    # it says what to write instead
    assert any(w in message for w in ("instead", "return", "copy", "make ", "write ", "keep ")), (
        message
    )


def test_refused_again_on_the_second_call():
    """A refusal is not forgotten by a cache: the second call refuses as the first did."""
    for _ in range(2):
        with pytest.raises(ad.S2SError):
            call_api("r_attr", "grad")
        with pytest.raises(ad.S2SError):
            call_api("r_append", "value_and_grad")


def test_refused_before_the_program_runs():
    """The refusal comes before the helper stores anything: the state is as `reset` left it
    (an error halfway through a call would leave the program's objects half-updated)."""
    for name in ("r_attr", "r_append", "r_global", "r_cache_put"):
        P.reset()
        before = P.snapshot()
        with pytest.raises(ad.S2SError):
            ad.grad(getattr(P, name))(X.copy())
        assert P.snapshot() == before, name


def test_error_is_not_from_inside_the_library():
    """The refusal's traceback ends in s2s_ad's error-raising frames, not in an `Error` of
    another kind (a KeyError, AttributeError or TypeError from the passes would be a crash)."""
    for name in ("r_nested_helper2", "r_star_args", "r_keyword", "r_passed_nested"):
        try:
            call_api(name, "hessian")
        except ad.S2SError as exc:
            assert exc.__cause__ is None or isinstance(exc.__cause__, ad.S2SError), name
        else:
            raise AssertionError(f"{name} not refused")


# ---------------------------------------------------------------- accepted programs

ACCEPTED = sorted(
    n
    for n in dir(P)
    if n.startswith("a_")
    and n
    not in {
        # refused by older rules, documented (a helper given a local list or the argument
        # itself "for its effect"; a helper called for its value that assigns an attribute)
        "a_history_local",
        "a_method_log_only",
        "a_made_box",
    }
)

WRONGLY_REFUSED = {
    # (fixed: a_log_len, a_other_attribute, a_other_key, a_store_bool, a_store_size: a
    # read of another attribute or key, a length, or a stored comparison or length is no
    # read back of a derivative; a_log_and_keep_unread, `keep(y); LOG.append(y)`: no update
    # of `y`, until session 56: a helper storing its argument is no update of it)
}


# Differentiated, but its effect is not the plain call's.
WRONG_EFFECT = {
    # (fixed in session 52: a_lambda_setattr_unread, the lambda's call kept for its effect)
}


def _accepted_params(kinds):
    for name in ACCEPTED:
        for kind in kinds:
            marks = ()
            if name in WRONGLY_REFUSED:
                marks = pytest.mark.xfail(strict=True, reason=WRONGLY_REFUSED[name])
            elif name in WRONG_EFFECT and kind in API_GROUPS:
                marks = pytest.mark.xfail(strict=True, reason=WRONG_EFFECT[name])
            yield pytest.param(name, kind, id=f"{name}-{kind}", marks=marks)


def plain_call(name, x=None):
    """The plain call from a reset state, with `x` in place of the differentiated argument."""
    P.reset()
    a = list(args_of(name))
    if x is not None:
        a[WRT.get(name, 0)] = x
    return getattr(P, name)(*a)


def central(name, h=1e-6):
    x = args_of(name)[WRT.get(name, 0)]
    g = np.zeros_like(x)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up.flat[i] += h
        down.flat[i] -= h
        g.flat[i] = (plain_call(name, up) - plain_call(name, down)) / (2 * h)
    return g


def fd_hessian(name, h=1e-5):
    wrt = WRT.get(name, 0)
    f = getattr(P, name)
    x = args_of(name)[wrt]

    def grad_at(xx):
        P.reset()
        a = list(args_of(name))
        a[wrt] = xx
        return np.asarray(ad.grad(f, wrt)(*a))

    cols = []
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up.flat[i] += h
        down.flat[i] -= h
        cols.append((grad_at(up) - grad_at(down)) / (2 * h))
    return np.stack(cols, axis=-1).reshape(x.shape + x.shape)


@pytest.mark.parametrize(("name", "group"), list(_accepted_params(API_GROUPS)))
def test_accepted_state_after_call(name, group):
    """Every API leaves the program's state as one plain call does: a step counter stepped
    once, a log grown by one entry, a flag set (and no refusal)."""
    plain_call(name)
    expected = P.snapshot()
    for api in API_GROUPS[group]:
        if api == "vjp" and name in VJP_REFUSES:
            with pytest.raises(ad.S2SError):
                call_api(name, api)
            continue
        call_api(name, api)
        assert P.snapshot() == expected, api


@pytest.mark.parametrize(
    ("name", "kind"), list(_accepted_params(["value", "first_order", "second_order"]))
)
def test_accepted_derivatives(name, kind):
    wrt = WRT.get(name, 0)
    if kind == "value":
        plain = plain_call(name)
        value, _ = call_api(name, "value_and_grad")
        np.testing.assert_allclose(value, plain, rtol=1e-13, atol=1e-15)
        out, _ = call_api(name, "jvp")
        np.testing.assert_allclose(out, plain, rtol=1e-13, atol=1e-15)
        if name not in VJP_REFUSES:
            out, _ = call_api(name, "vjp")
            np.testing.assert_allclose(out, plain, rtol=1e-13, atol=1e-15)
    elif kind == "first_order":
        g = call_api(name, "grad")
        np.testing.assert_allclose(g, central(name), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(call_api(name, "grad_forward"), g, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(call_api(name, "jacfwd"), g, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(call_api(name, "jacrev"), g, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(call_api(name, "jit"), g, rtol=1e-12, atol=1e-14)
        t = args_of(name)[wrt]
        _, tangent = call_api(name, "jvp")
        np.testing.assert_allclose(tangent, np.sum(g * t), rtol=1e-12, atol=1e-14)
        if name not in VJP_REFUSES:
            _, cotangents = call_api(name, "vjp")
            np.testing.assert_allclose(cotangents[wrt], g, rtol=1e-12, atol=1e-14)
    else:
        h = call_api(name, "hessian")
        np.testing.assert_allclose(h, fd_hessian(name), rtol=1e-5, atol=1e-6)
        t = args_of(name)[wrt]
        _, hv = call_api(name, "hvp")
        expected = np.tensordot(h, t, axes=t.ndim)
        np.testing.assert_allclose(hv, expected, rtol=1e-10, atol=1e-12)


def test_jvp_with_none_tangent_holds_the_stored_value_fixed():
    """`jvp` with a `None` tangent for `x` holds it fixed: the value stored from `x` and read
    back is then a constant, so no refusal, and the tangent is d/dy only."""
    P.reset()
    x, y = X.copy(), np.array([0.5, 2.0])
    ty = np.array([1.0, -0.5])
    out, tangent = ad.jvp(P.a_jvp_none_tangent, (x, y), (None, ty))
    assert out == pytest.approx(plain_call("a_jvp_none_tangent"))
    assert tangent == pytest.approx(np.sum(X * X) * np.sum(2 * y * ty))

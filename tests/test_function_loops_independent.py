"""Independent tests (tester 76): loops over functions and callbacks kept in local containers.

Written from the README alone.  Lists, tuples and dicts of functions made inside the
differentiated function (NumPy functions, module-level functions, nested defs, lambdas,
``functools.partial``s), looped over in every form the README lists (slices, ``reversed``,
``enumerate``, a dict's keys, ``.values()``, ``.items()``), indexed by literals, bound to a
name, given to a helper, with ``break``/``continue``, the loop variable read after the loop,
the name rebound to another container, nested loops over two containers, and a partial
holding a differentiated array updated in place.  Each program is checked under every API
against central differences, forward against reverse, and each primal value against the
plain call; the order and count of the calls is observable in the value (the functions do
not commute).
"""

from functools import partial

import numpy as np
import pytest

import s2s_ad as ad

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7

X0 = np.array([0.3, -0.7, 1.1])
X1 = np.array([-0.4, 0.5, 0.2])
V0 = np.array([0.6, -0.2, 0.9])


# ---------------------------------------------------------------------------------------------
# module-level functions the programs keep in containers (none commute with another)
# ---------------------------------------------------------------------------------------------


def cube(x):
    return x * x * x


def shift(x):
    return x + 0.5


def double(x):
    return 2.0 * x


def scaled(x, k=1.0):
    return k * x


def affine(x, a, b=0.0):
    return a * x + b


def run_all(fs, x):
    for f in fs:
        x = f(x)
    return x


def run_backwards(fs, x):
    for f in reversed(fs):
        x = f(x)
    return x


def run_dict(ops, x):
    for name in ops:
        x = ops[name](x)
    return x


def run_items(ops, x):
    total = 0.0
    for name, op in ops.items():  # noqa: B007 (the form under test)
        total = total + np.sum(op(x))
    return total


def run_enumerated(fs, x):
    acc = 0.0
    for i, f in enumerate(fs):
        acc = acc + (i + 1.0) * np.sum(f(x))
    return acc


# ---------------------------------------------------------------------------------------------
# programs: f(x) -> float, x a float array of 3
# ---------------------------------------------------------------------------------------------


def p_list_numpy(x):
    fs = [np.sin, np.tanh, np.exp]
    for f in fs:
        x = f(x)
    return np.sum(x)


def p_list_mixed(x):
    def sq(v):
        return v * v

    fs = [cube, sq, lambda v: v - 0.25, partial(scaled, k=3.0), np.sin]
    for f in fs:
        x = f(x)
    return np.sum(x)


def p_tuple_mixed(x):
    def half(v):
        return 0.5 * v

    fs = (np.cos, half, shift, lambda v: v * v)
    for f in fs:
        x = f(x)
    return np.sum(x)


def p_slice_tail(x):
    fs = [np.exp, cube, shift, np.sin]
    x = fs[0](x * 0.1)
    for f in fs[1:]:
        x = f(x)
    return np.sum(x)


def p_slice_head(x):
    fs = [cube, shift, np.sin, np.exp]
    for f in fs[:-1]:
        x = f(x)
    return np.sum(x) + np.sum(fs[-1](x))


def p_slice_reverse(x):
    fs = [np.sin, shift, cube]
    for f in fs[::-1]:
        x = f(x)
    return np.sum(x)


def p_slice_step(x):
    fs = [np.sin, double, cube, shift, np.tanh]
    for f in fs[::2]:
        x = f(x)
    return np.sum(x)


def p_reversed(x):
    fs = [np.sin, shift, cube]
    for f in reversed(fs):
        x = f(x)
    return np.sum(x)


def p_reversed_slice(x):
    fs = [np.tanh, shift, cube, double]
    for f in reversed(fs[1:]):
        x = f(x)
    return np.sum(x)


def p_enumerate(x):
    fs = [np.sin, cube, shift]
    acc = 0.0
    for i, f in enumerate(fs):
        x = f(x) * (i + 1.0)
        acc = acc + x[i]
    return acc + np.sum(x)


def p_enumerate_start(x):
    fs = [np.sin, cube, shift]
    acc = 0.0
    for i, f in enumerate(fs, 2):
        acc = acc + i * np.sum(f(x))
    return acc


def p_enumerate_reversed(x):
    fs = [np.sin, cube, shift]
    acc = 0.0
    for i, f in enumerate(reversed(fs)):
        x = f(x)
        acc = acc + (i + 1.0) * np.sum(x)
    return acc


def p_dict_keys(x):
    ops = {"sin": np.sin, "cube": cube, "shift": shift, "tanh": np.tanh}
    for name in ops:
        x = ops[name](x)
    return np.sum(x)


def p_dict_values(x):
    ops = {"b": cube, "a": shift, "c": np.sin}
    for op in ops.values():
        x = op(x)
    return np.sum(x)


def p_dict_items(x):
    ops = {"sin": np.sin, "cube": cube, "square": lambda v: v * v, "exp": np.exp}
    total = 0.0
    for name, op in ops.items():
        if name.startswith("s"):  # noqa: SIM108
            total = total + 2.0 * np.sum(op(x))
        else:
            total = total - np.sum(op(x))
    return total


def p_dict_items_chain(x):
    ops = {"a": shift, "b": cube, "c": np.sin}
    for name, op in ops.items():  # noqa: B007 (the form under test)
        x = op(x)
    return np.sum(x)


def p_enumerate_items(x):
    ops = {"sin": np.sin, "cube": cube, "shift": shift}
    acc = 0.0
    for i, (name, op) in enumerate(ops.items()):
        x = op(x)
        acc = acc + (i + 1.0) * x[i] + len(name)
    return acc


def p_literal_index(x):
    fs = [np.sin, cube, shift]
    return np.sum(fs[-1](fs[0](x)) * fs[1](x)) + np.sum(fs[-2](x))


def p_literal_key(x):
    ops = {"relu": lambda v: np.maximum(v, 0.0), "cube": cube, "tanh": np.tanh}
    return np.sum(ops["relu"](x) + ops["tanh"](ops["cube"](x)))


def p_bind_item(x):
    ops = {"relu": lambda v: np.maximum(v, 0.0), "softplus": lambda v: np.log1p(np.exp(v))}
    act = ops["softplus"]
    h = act(x)
    act = ops["relu"]
    return np.sum(act(h - 1.0) + h)


def p_helper_loop(x):
    fs = [np.sin, cube, shift]
    return np.sum(run_all(fs, x))


def p_helper_reversed(x):
    fs = [np.sin, cube, shift]
    return np.sum(run_backwards(fs, x))


def p_helper_dict(x):
    ops = {"a": shift, "b": np.sin, "c": cube}
    return np.sum(run_dict(ops, x))


def p_helper_items(x):
    ops = {"a": shift, "b": np.sin, "c": cube}
    return run_items(ops, x)


def p_helper_enumerate(x):
    fs = (cube, np.sin, lambda v: v * x[0])
    return run_enumerated(fs, x)


def p_break_fixed(x):
    fs = [np.sin, cube, shift, np.exp]
    for i, f in enumerate(fs):
        x = f(x)
        if i == 2:
            break
    return np.sum(x)


def p_break_value(x):
    fs = [shift, cube, shift, np.sin, cube]
    for f in fs:
        x = f(x)
        if np.sum(x) > 3.0:
            break
    return np.sum(x)


def p_continue(x):
    fs = [np.sin, cube, shift, np.tanh]
    for i, f in enumerate(fs):
        if i == 1:
            continue
        x = f(x)
    return np.sum(x)


def p_continue_dict(x):
    ops = {"sin": np.sin, "skip": np.exp, "cube": cube}
    for name, op in ops.items():
        if name == "skip":
            continue
        x = op(x)
    return np.sum(x)


def p_loop_var_after(x):
    fs = [np.exp, np.sin, cube]
    for f in fs:
        x = f(x) * 0.5
    return np.sum(f(x))


def p_loop_var_after_break(x):
    fs = [np.exp, np.sin, cube, shift]
    for f in fs:
        x = f(x)
        if f is np.sin:
            break
    return np.sum(f(x)) + np.sum(x)


def p_dict_key_after(x):
    ops = {"sin": np.sin, "cube": cube, "shift": shift}
    for name in ops:
        x = ops[name](x)
    return np.sum(ops[name](x))


def p_rebind_later(x):
    fs = [np.sin, cube]
    for f in fs:
        x = f(x)
    fs = [shift, np.tanh, double]
    for f in fs:
        x = f(x)
    return np.sum(x)


def p_rebind_dict_later(x):
    ops = {"a": np.sin, "b": cube}
    for op in ops.values():
        x = op(x)
    ops = {"b": shift, "a": double}
    for name in ops:
        x = ops[name](x)
    return np.sum(x)


def p_rebind_branch(x):
    fs = [np.sin, cube]
    if np.sum(x) > 0.0:
        fs = [shift, np.tanh, double]
    for f in fs:
        x = f(x)
    return np.sum(x)


def p_rebind_both_branches(x):
    if x[0] > 0.0:  # noqa: SIM108 (a branch rebinding the list is under test)
        fs = [cube, np.sin]
    else:
        fs = [np.sin, cube, shift]
    for f in reversed(fs):
        x = f(x)
    return np.sum(x)


def p_nested_two(x):
    fs = [np.sin, cube]
    gs = {"a": shift, "b": np.tanh, "c": double}
    total = 0.0
    for f in fs:
        for g in gs.values():
            total = total + np.sum(f(g(x)))
    return total


def p_nested_chain(x):
    outer = [np.sin, cube]
    inner = [shift, double]
    for f in outer:
        for g in inner[::-1]:
            x = g(x)
        x = f(x)
    return np.sum(x)


def p_loop_in_range(x):
    fs = [np.sin, lambda v: v * 0.9 + 0.1]
    for _ in range(3):
        for f in fs:
            x = f(x)
    return np.sum(x)


def p_same_fn_twice(x):
    fs = [np.sin, np.sin, cube, np.sin]
    for f in fs:
        x = f(x)
    return np.sum(x)


def p_partials_active(x):
    a = x[0]
    fs = [partial(affine, a=a), partial(affine, a=2.0, b=x[1]), np.sin]
    for f in fs:
        x = f(x)
    return np.sum(x)


def p_partial_updated(x):
    w = x * 2.0
    p = partial(affine, a=w)
    w *= x
    return np.sum(p(x))


def p_partial_updated_in_list(x):
    w = np.cos(x)
    fs = [partial(affine, b=w, a=1.5), np.sin]
    w[0] = x[1] * x[2]
    for f in fs:
        x = f(x)
    return np.sum(x)


def p_partial_updated_in_dict_loop(x):
    w = x + 1.0
    ops = {"aff": partial(affine, a=w), "sin": np.sin}
    w += x * x
    for name, op in ops.items():  # noqa: B007 (the form under test)
        x = op(x)
    return np.sum(x)


def p_lambdas_closing(x):
    c = np.sum(x * x)
    fs = [lambda v: v * c, lambda v: v + c, np.sin]
    y = x
    for f in fs:
        y = f(y)
    return np.sum(y)


def p_lambda_defaults(x):
    fs = [lambda v, k=2.0: k * v, lambda v, k=-0.5: v + k, np.tanh]
    for f in fs[::-1]:
        x = f(x)
    return np.sum(x)


def p_nested_defs(x):
    def a(v):
        return v * x[0]

    def b(v):
        return np.sin(v) + x[1]

    ops = {"a": a, "b": b}
    for name in ops:
        x = ops[name](x)
    return np.sum(x)


def p_two_args(x, y):
    fs = [np.sin, lambda v: v * y, cube]
    for i, f in enumerate(fs):
        x = f(x) + y[i]
    return np.sum(x)


def p_two_call_sites(x):
    a = run_all([np.sin], x)
    b = run_all([cube, shift], x)
    c = run_all((shift, cube), x)
    return np.sum(a * b + c)


def p_two_dicts_one_helper(x):
    a = run_dict({"a": np.sin, "b": cube}, x)
    b = run_dict({"b": cube, "a": np.sin}, x)
    c = run_dict({"a": shift}, x)
    return np.sum(a + 2.0 * b * c)


def p_keys_method(x):
    ops = {"b": cube, "a": np.sin, "c": shift}
    for k in ops.keys():  # noqa: SIM118 (the form under test)
        x = ops[k](x)
    return np.sum(x)


def p_in_while(x):
    fs = [np.sin, cube]
    k = 0
    while k < 2:
        for f in fs:
            x = f(x) + 0.1
        k += 1
    return np.sum(x)


def p_loop_var_copied(x):
    fs = [np.sin, cube]
    g = shift
    for f in fs:
        x = f(x)
        g = f
    return np.sum(g(x))


def p_for_else(x):
    fs = [np.sin, cube]
    for f in fs:
        x = f(x)
    else:
        x = shift(x)
    return np.sum(x)


PROGRAMS = [
    p_list_numpy,
    p_list_mixed,
    p_tuple_mixed,
    p_slice_tail,
    p_slice_head,
    p_slice_reverse,
    p_slice_step,
    p_reversed,
    p_reversed_slice,
    p_enumerate,
    p_enumerate_start,
    p_enumerate_reversed,
    p_dict_keys,
    p_dict_values,
    p_dict_items,
    p_dict_items_chain,
    p_enumerate_items,
    p_literal_index,
    p_literal_key,
    p_bind_item,
    p_helper_loop,
    p_helper_reversed,
    p_helper_dict,
    p_helper_items,
    p_helper_enumerate,
    p_break_fixed,
    p_break_value,
    p_continue,
    p_continue_dict,
    p_loop_var_after,
    p_loop_var_after_break,
    p_dict_key_after,
    p_rebind_later,
    p_rebind_dict_later,
    p_rebind_branch,
    p_rebind_both_branches,
    p_nested_two,
    p_nested_chain,
    p_loop_in_range,
    p_same_fn_twice,
    p_partials_active,
    p_partial_updated,
    p_partial_updated_in_list,
    p_partial_updated_in_dict_loop,
    p_lambdas_closing,
    p_lambda_defaults,
    p_nested_defs,
    p_two_call_sites,
    p_two_dicts_one_helper,
    p_keys_method,
    p_in_while,
    p_loop_var_copied,
    p_for_else,
]

X1 = np.array([-0.4, 0.5, -0.3])  # other signs: other branches, other breaks
Y0 = np.array([0.8, -0.3, 0.5])


# ---------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------


def close(a, b, rtol=RTOL, atol=ATOL, what=""):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def same_value(a, b, what):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-13, atol=0, err_msg=what)


def fd_grad(f, args, i, eps=EPS):
    x = np.asarray(args[i], dtype=float)
    g = np.zeros(x.shape + np.shape(f(*args)))
    for k in range(x.size):
        d = np.zeros(x.size)
        d[k] = eps
        d = d.reshape(x.shape)
        hi = list(args)
        lo = list(args)
        hi[i] = x + d
        lo[i] = x - d
        g.reshape(x.size, -1)[k] = np.ravel((np.asarray(f(*hi)) - np.asarray(f(*lo))) / (2 * eps))
    # out.shape + in.shape, as the Jacobians give it
    return np.moveaxis(g, tuple(range(x.ndim)), tuple(range(g.ndim - x.ndim, g.ndim)))


def fd_dir(f, args, i, v, eps=EPS):
    hi = list(args)
    lo = list(args)
    hi[i] = args[i] + eps * v
    lo[i] = args[i] - eps * v
    return (np.asarray(f(*hi)) - np.asarray(f(*lo))) / (2 * eps)


def check_first_order(f, points):
    """grad (both modes), value_and_grad, jvp, vjp, jacfwd, jacrev at each point in turn."""
    g_rev = ad.grad(f)
    g_fwd = ad.grad(f, mode="forward")
    vg = ad.value_and_grad(f)
    jf = ad.jacfwd(f)
    jr = ad.jacrev(f)
    for n, x in enumerate(points):
        args = (x.copy(),)
        want_val = f(*args)
        want_g = fd_grad(f, args, 0)
        close(g_rev(*args), want_g, what=f"grad at point {n}")
        close(g_fwd(*args), want_g, what=f"grad forward at point {n}")
        val, g = vg(*args)
        same_value(val, want_val, f"value_and_grad value at point {n}")
        close(g, want_g, what=f"value_and_grad at point {n}")
        val, t = ad.jvp(f, args, (V0,))
        same_value(val, want_val, f"jvp value at point {n}")
        close(t, fd_dir(f, args, 0, V0), what=f"jvp at point {n}")
        close(t, np.dot(g_rev(*args), V0), rtol=1e-10, atol=1e-12, what=f"jvp vs grad {n}")
        out, pb = ad.vjp(f, *args)
        same_value(out, want_val, f"vjp value at point {n}")
        close(pb(1.0)[0], want_g, what=f"vjp at point {n}")
        close(jf(*args), want_g, what=f"jacfwd at point {n}")
        close(jr(*args), want_g, what=f"jacrev at point {n}")
        close(jf(*args), jr(*args), rtol=1e-10, atol=1e-12, what=f"jacfwd vs jacrev {n}")
        np.testing.assert_array_equal(args[0], x, err_msg="the argument was changed")


def check_second_order(f, points):
    h = ad.hessian(f)
    g = ad.grad(f)
    for n, x in enumerate(points):
        args = (x.copy(),)
        close(g(*args), fd_grad(f, args, 0), what=f"grad at point {n}")
        want_h = fd_grad(lambda v: g(v), args, 0)
        got_h = h(*args)
        close(got_h, want_h, rtol=1e-5, atol=1e-6, what=f"hessian at point {n}")
        close(got_h, got_h.T, rtol=1e-9, atol=1e-11, what=f"hessian symmetric {n}")
        _, hv = ad.hvp(f, args, (V0,))
        close(hv, got_h @ V0, rtol=1e-9, atol=1e-11, what=f"hvp at point {n}")


_JUMP = (
    "refused: `break`/`continue` in a loop over functions made in the function (the README "
    "lists break/continue in loops and loops over such lists, with no exception)"
)
_BRANCH = (
    "refused: a list of functions rebound in a branch and looped over after the `if` "
    "(`call of f ... unknown`; its hint says to loop over the functions, as the code does)"
)
_AUGMENTED = (
    "refused: `w += …` after a partial in a dict bound `w` (was a wrong value until session "
    "37); the README says such an update is seen, as Python sees it"
)
BUGS_FIRST = {
    "p_break_fixed": _JUMP,
    "p_break_value": _JUMP,
    "p_continue": _JUMP,
    "p_continue_dict": _JUMP,
    "p_loop_var_after_break": _JUMP,
    "p_rebind_branch": _BRANCH,
    "p_rebind_both_branches": _BRANCH,
    "p_partial_updated": (
        "refused: `w *= x` after `p = partial(affine, a=w)`, said to share memory with p's "
        "default, though the README says such an update is seen, as Python sees it"
    ),
    # (a partial in a local list or dict whose bound array is updated in place before the
    # call used the array as it was: a wrong value and derivative until session 37; `w +=`
    # of the whole array is refused since, as for a partial bound to a name)
    "p_partial_updated_in_dict_loop": _AUGMENTED,
}
BUGS_SECOND = dict(BUGS_FIRST)


def _params(bugs):
    return [
        pytest.param(
            p, id=p.__name__, marks=pytest.mark.xfail(strict=True, reason=bugs[p.__name__])
        )
        if p.__name__ in bugs
        else pytest.param(p, id=p.__name__)
        for p in PROGRAMS
    ]


@pytest.mark.parametrize("prog", _params(BUGS_FIRST))
def test_first_order_every_api(prog):
    check_first_order(prog, [X0, X1, X0])


@pytest.mark.parametrize("prog", _params(BUGS_SECOND))
def test_second_order(prog):
    check_second_order(prog, [X0, X1])


# ---------------------------------------------------------------------------------------------
# a vector output: the Jacobians, jvp and vjp with a cotangent that is not 1
# ---------------------------------------------------------------------------------------------


def p_vector_items(x):
    ops = {"s": np.sin, "c": cube, "h": shift}
    out = x
    for name, f in ops.items():  # noqa: B007 (the form under test)
        out = f(out) * x
    return out


def p_vector_reversed_enumerate(x):
    fs = [np.tanh, lambda v: v * v, partial(affine, a=0.5, b=1.0)]
    out = np.zeros(3)
    for i, f in enumerate(reversed(fs)):
        out = out + (i + 1.0) * f(x)
    return out


@pytest.mark.parametrize("prog", [p_vector_items, p_vector_reversed_enumerate])
def test_vector_output_every_api(prog):
    ct = np.array([0.7, -1.3, 0.4])
    jf = ad.jacfwd(prog)
    jr = ad.jacrev(prog)
    for x in (X0, X1, X0):
        want = fd_grad(prog, (x,), 0)
        close(jf(x), want, what="jacfwd")
        close(jr(x), want, what="jacrev")
        close(ad.jacobian(prog)(x), want, what="jacobian")
        val, t = ad.jvp(prog, (x,), (V0,))
        same_value(val, prog(x), "jvp value")
        close(t, want @ V0, what="jvp")
        out, pb = ad.vjp(prog, x)
        same_value(out, prog(x), "vjp value")
        close(pb(ct)[0], ct @ want, what="vjp")


def test_two_arguments_tuple_wrt():
    g = ad.grad(p_two_args, wrt=(0, 1))
    for x in (X0, X1):
        gx, gy = g(x, Y0)
        close(gx, fd_grad(p_two_args, (x, Y0), 0), what="d/dx")
        close(gy, fd_grad(p_two_args, (x, Y0), 1), what="d/dy")
        val, t = ad.jvp(p_two_args, (x, Y0), (V0, X1))
        same_value(val, p_two_args(x, Y0), "jvp value")
        close(t, gx @ V0 + gy @ X1, what="jvp both")
        h = ad.hessian(p_two_args, wrt=1)(x, Y0)
        want_h = fd_grad(lambda y, x=x: ad.grad(p_two_args, wrt=1)(x, y), (Y0,), 0)
        close(h, want_h, rtol=1e-5, atol=1e-6, what="hessian wrt y")


# ---------------------------------------------------------------------------------------------
# the shortest forms of the bugs found
# ---------------------------------------------------------------------------------------------


def p_min_partial_in_list(x):
    w = np.cos(x)
    fs = [partial(affine, b=w, a=1.5)]
    w[0] = 5.0
    return np.sum(fs[0](x))


def p_min_lambda_default_in_list(x):
    w = np.cos(x)
    fs = [lambda v, b=w: 1.5 * v + b]
    w[0] = x[1] * x[2]
    for f in fs:
        x = f(x)
    return np.sum(x)


def p_min_partial_in_dict(x):
    w = x + 1.0
    ops = {"aff": partial(affine, a=w)}
    w += x * x
    return np.sum(ops["aff"](x))


def p_min_partial_alone(x):
    w = np.cos(x)
    p = partial(affine, b=w, a=1.5)
    w[0] = x[1] * x[2]
    return np.sum(p(x))


def test_min_partial_in_list_value():  # (3.22 where 7.27 until session 37)
    same_value(ad.value_and_grad(p_min_partial_in_list)(X0)[0], p_min_partial_in_list(X0), "v")


@pytest.mark.parametrize(
    "prog",
    [
        p_min_partial_in_list,
        p_min_lambda_default_in_list,
        pytest.param(
            p_min_partial_in_dict, marks=pytest.mark.xfail(strict=True, reason=_AUGMENTED)
        ),
    ],
)
def test_min_stale_bound_array_every_api(prog):  # (stale until session 37)
    check_first_order(prog, [X0])


def test_partial_alone_updated_by_item_is_seen():
    check_first_order(p_min_partial_alone, [X0, X1])
    check_second_order(p_min_partial_alone, [X0])


# ---------------------------------------------------------------------------------------------
# constructs the README refuses: a located error naming the construct and what to write
# ---------------------------------------------------------------------------------------------


def r_computed_index(x):
    fs = [np.sin, cube]
    for i in range(2):
        x = fs[i](x)  # refused here
    return np.sum(x)


def r_len_of_list(x):
    fs = [np.sin, cube]
    for i in range(len(fs)):  # refused here
        x = fs[i](x)
    return np.sum(x)


def r_zip(x):
    fs = [np.sin, cube]
    ws = [1.0, 2.0]
    for f, w in zip(fs, ws):  # noqa: B905  # refused here
        x = f(x) * w
    return np.sum(x)


def r_append(x):
    fs = [np.sin]
    fs.append(cube)  # refused here
    for f in fs:
        x = f(x)
    return np.sum(x)


def r_item_assigned(x):
    fs = [np.sin, shift]
    fs[0] = cube  # refused here
    for f in fs:
        x = f(x)
    return np.sum(x)


def r_sorted_keys(x):
    ops = {"b": cube, "a": np.sin}
    for name in sorted(ops):  # refused here
        x = ops[name](x)
    return np.sum(x)


def r_unpacked(x):
    fs = (np.sin, cube, shift)
    a, b, c = fs  # refused here
    return np.sum(c(b(a(x))))


def r_slice_by_argument(x, n):
    fs = [np.sin, cube, shift]
    for f in fs[:n]:  # refused here
        x = f(x)
    return np.sum(x)


def _line_of(fn, marker="# refused here"):
    import inspect

    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if marker in line)


REFUSED = [
    r_computed_index,
    r_len_of_list,
    r_zip,
    r_append,
    r_item_assigned,
    r_sorted_keys,
    r_unpacked,
]


@pytest.mark.parametrize("prog", REFUSED, ids=[p.__name__ for p in REFUSED])
@pytest.mark.parametrize("api", ["grad", "jvp", "hessian"])
def test_refused_at_the_line(prog, api):
    with pytest.raises(ad.S2SError) as info:
        if api == "grad":
            ad.grad(prog)(X0)
        elif api == "jvp":
            ad.jvp(prog, (X0,), (V0,))
        else:
            ad.hessian(prog)(X0)
    msg = str(info.value)
    assert f"{__file__}:{_line_of(prog)}" in msg
    assert "unsupported" in msg
    assert "fs" in msg or "ops" in msg


def test_slice_by_argument_refused_at_the_line():
    with pytest.raises(Exception) as info:
        ad.grad(r_slice_by_argument)(X0, 2)
    assert f":{_line_of(r_slice_by_argument)}" in str(info.value)


def p_container_in_loop(x):
    total = 0.0
    for k in range(2):
        fs = [np.sin, lambda v: v * (k + 1.0)]  # noqa: B023 (called in the iteration)
        for f in fs:
            total = total + np.sum(f(x))
    return total


@pytest.mark.xfail(
    strict=True,
    reason="refused: a list of a lambda made inside a range loop, then looped over "
    "('a lambda used as a value; call it directly')",
)
def test_container_made_in_a_loop():
    check_first_order(p_container_in_loop, [X0])

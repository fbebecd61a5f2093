"""Independent tests (55th tester, from the README only): module state and pullbacks,
helpers changing module state in the middle of the function, dicts and NamedTuples at
second order, `hvp` with integer arguments, `s2s-ad export` of helpers called in several
roles. The programs are in tests/state_and_structures_programs_independent.py.

Every derivative is checked against central differences of the plain function (with the
module state as the forward call saw it), forward against reverse, and the primal value
against the plain call's. What was found wrong or refused is a strict expected failure
with the smallest program and the wrong output in its reason.
"""

import functools
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
import state_and_structures_programs_independent as M

import s2s_ad

X = np.array([0.3, -0.7, 1.1])
V = np.array([0.2, 0.5, -1.0])
CT = np.array([1.0, -2.0, 0.5])


@pytest.fixture(autouse=True)
def _module_state():
    M.reset_state()
    yield
    M.reset_state()


def _fresh(f):
    """`f` called from the module's state at import, as each plain call of group B needs."""

    def call(*args):
        M.reset_state()
        return f(*args)

    return call


def _cd_grad(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


def _cd_jac(f, x, h=1e-6):
    cols = [(np.asarray(f(x + h * e)) - np.asarray(f(x - h * e))) / (2 * h) for e in np.eye(x.size)]
    return np.stack(cols, axis=-1)


def _cd_hess(f, x, h=1e-4):
    n = x.size
    H = np.zeros((n, n))
    E = np.eye(n) * h
    for i in range(n):
        for j in range(n):
            H[i, j] = (
                f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j]) + f(x - E[i] - E[j])
            ) / (4 * h * h)
    return H


def _close(a, b, rtol, atol):
    np.testing.assert_allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol
    )


# =======================================================================================
# A. the pullback after module state changed between vjp and its call
# =======================================================================================


def _set(name, value):
    return lambda: setattr(M, name, value)


def _case_closure(factory, value):
    def build():
        f, setter = factory()
        return f, lambda: setter(value)

    return build


# id -> builder () -> (f, mutate); each f takes X alone
A_CASES = {
    "global": lambda: (M.a_global, _set("A_SCALE", 3.0)),
    "namespace_attr": lambda: (M.a_cfg, lambda: setattr(M.A_CFG, "scale", 3.0)),
    "namespace_rebound": lambda: (
        M.a_cfg,
        _set("A_CFG", __import__("types").SimpleNamespace(scale=5.0)),
    ),
    "nested_namespace_attr": lambda: (M.a_cfg_sub, lambda: setattr(M.A_CFG.sub, "scale", 0.5)),
    "class_attr": lambda: (M.a_class_attr, lambda: setattr(M.ACfg, "scale", 3.0)),
    "inherited_class_attr": lambda: (M.a_inherited_attr, lambda: setattr(M.ACfg, "scale", 3.0)),
    "instance_shadows_class": lambda: (M.a_inherited_attr, lambda: setattr(M.A_INST, "scale", 4.0)),
    "global_array_rebound": lambda: (M.a_array, _set("A_W", np.zeros(3))),
    "global_matrix_rebound": lambda: (M.a_matmul, _set("A_M", np.ones((2, 3)))),
    "global_index": lambda: (M.a_index, _set("A_IDX", 2)),
    "global_exponent": lambda: (M.a_power, _set("A_POW", 2)),
    "loop_count": lambda: (M.a_loop_count, _set("A_N", 2)),
    "loop_count_scale": lambda: (M.a_loop_count, _set("A_SCALE", 5.0)),
    "loop": lambda: (M.a_loop, _set("A_SCALE", 0.7)),
    "branch_test": lambda: (M.a_branch, _set("A_SCALE", 0.5)),
    "flag": lambda: (M.a_flag, _set("A_FLAG", False)),
    "flag_branch_scale": lambda: (M.a_flag, _set("A_SCALE", 7.0)),
    "where_threshold": lambda: (M.a_where, _set("A_THRESH", 5.0)),
    "where_scale": lambda: (M.a_where, _set("A_SCALE", 0.1)),
    "roll_shift": lambda: (M.a_roll, _set("A_SHIFT", 2)),
    "clip_bounds": lambda: (M.a_clip, lambda: (setattr(M, "A_LO", -0.1), setattr(M, "A_HI", 3.0))),
    "einsum_spec": lambda: (
        M.a_einsum,
        lambda: (setattr(M, "A_SPEC", "ij,i->j"), setattr(M, "A_M", np.ones((3, 3)))),
    ),
    "dict_item": lambda: (M.a_dict_read, lambda: M.A_HP.__setitem__("lr", 3.0)),
    "list_of_arrays_rebound": lambda: (M.a_layers, _set("A_LAYERS", [np.eye(3), np.ones((1, 3))])),
    "list_of_arrays_item": lambda: (M.a_layers, lambda: M.A_LAYERS.__setitem__(0, np.eye(3))),
    "helper": lambda: (M.a_helper, _set("A_SCALE", 3.0)),
    "helper_of_helper": lambda: (
        M.a_helper_nested,
        lambda: (setattr(M, "A_SCALE", 3.0), setattr(M.A_CFG, "scale", 0.1)),
    ),
    "helper_in_loop": lambda: (M.a_helper_in_loop, _set("A_SCALE", 3.0)),
    "nested_def": lambda: (M.a_nested_def, _set("A_SCALE", 3.0)),
    "lambda": lambda: (M.a_lambda, _set("A_SCALE", 3.0)),
    "checkpointed_loop": lambda: (M.a_checkpointed, _set("A_SCALE", 3.0)),
    "early_return": lambda: (
        M.a_early_return,
        lambda: (setattr(M, "A_THRESH", 5.0), setattr(M, "A_SCALE", 9.0)),
    ),
    "grad_called_inside": lambda: (M.a_grad_inside, _set("A_SCALE", 3.0)),
    "closure_scalar": _case_closure(M.make_closure_scalar, 3.0),
    "closure_array": _case_closure(M.make_closure_array, np.zeros(3)),
    "bound_method_array_attr": lambda: (
        M.A_MODEL.loss,
        lambda: setattr(M.A_MODEL, "w", np.zeros(3)),
    ),
    "bound_method_float_attr": lambda: (M.A_MODEL.loss, lambda: setattr(M.A_MODEL, "scale", 5.0)),
    "bound_method_namespace_attr": lambda: (
        M.A_NET.loss,
        lambda: setattr(M.A_NET.cfg, "scale", 5.0),
    ),
}

A_VECTOR_CASES = {
    "vector_global": lambda: (M.a_vector, _set("A_SCALE", 3.0)),
    "vector_global_array": lambda: (M.a_vector, _set("A_W", np.zeros(3))),
    "vector_list": lambda: (M.a_vector_loop, _set("A_SCALE", 3.0)),
    "vector_closure_loop": _case_closure(M.make_closure_loop, 3.0),
    "vector_bound_method": lambda: (M.A_MODEL.predict, lambda: setattr(M.A_MODEL, "w", np.ones(3))),
}

A_WRONG = {
    "item_attr": (
        lambda: (M.a_item_attr, lambda: setattr(M.A_HOLDERS[0], "w", np.zeros(3))),
        "an attribute of an object held in a module's list, rebound after vjp, is read by the "
        "pullback: HOLDERS = [SimpleNamespace(w=np.array([1., 2., 3.]))]; "
        "`def f(x): return np.sum(np.tanh(HOLDERS[0].w * x))`; "
        "out, pb = vjp(f, [0.3, -0.7, 1.1]); HOLDERS[0].w = np.zeros(3); pb(1.0) gives [0, 0, 0], "
        "right is [0.9151, 0.4323, 0.0163] (the pullback binds HOLDERS, not HOLDERS[0].w)",
    ),
    "dict_item_attr": (
        lambda: (M.a_dict_item_attr, lambda: setattr(M.A_BY_NAME["layer"], "w", np.zeros(3))),
        "the same through a module's dict: np.sum(np.tanh(BY_NAME['layer'].w * x)); "
        "BY_NAME['layer'].w = np.zeros(3) after vjp makes pb(1.0) [0, 0, 0], "
        "right [0.9151, 0.4323, 0.0163]",
    ),
    "bound_method_layer_attr": (
        lambda: (M.A_NET.loss, lambda: setattr(M.A_NET.layers[0], "w", np.zeros(3))),
        "vjp(net.loss, x) with `for layer in self.layers: x = layer(x)` (Dense objects, "
        "`np.tanh(self.w * x)`): net.layers[0].w = np.zeros(3) after vjp gives pb(1.0) = "
        "[0, 0, 0], "
        "right [0.6803, 0.2715, 0.0097]; the generated pullback binds `_s2s_bound0.layers` and "
        "reads `s2s_bound0_layers_read[0].w` when it runs",
    ),
}


def _check_pullback_after_change(build, ct):
    f, mutate = build()
    out, pullback = s2s_ad.vjp(f, X)
    plain = f(X)
    np.testing.assert_array_equal(out, plain)
    # the reference at the forward call's state, before the change
    ref = s2s_ad.vjp(f, X)[1](ct)[0]
    cd = _cd_grad(f, X) * ct if np.ndim(plain) == 0 else _cd_jac(f, X).T @ ct
    mutate()
    got = pullback(ct)
    assert isinstance(got, tuple) and len(got) == 1
    _close(got[0], ref, 1e-12, 1e-14)
    _close(got[0], cd, 1e-5, 1e-7)
    return f, ref


@pytest.mark.parametrize("case", sorted(A_CASES))
def test_pullback_reads_state_of_forward_call(case):
    _check_pullback_after_change(A_CASES[case], 1.0)


@pytest.mark.parametrize("case", sorted(A_VECTOR_CASES))
def test_pullback_vector_output_after_change(case):
    _check_pullback_after_change(A_VECTOR_CASES[case], CT)


# (the reasons: what was wrong until session 33, when the pullback's bindings came to take
# the longest chain of names, attributes and literal items, `HOLDERS[0].w`)
@pytest.mark.parametrize("case", sorted(A_WRONG))
def test_pullback_attribute_of_contained_object(case):
    _check_pullback_after_change(A_WRONG[case][0], 1.0)


def test_pullback_twice_and_interleaved():
    f = M.a_global
    _, pb1 = s2s_ad.vjp(f, X)
    first = pb1(1.0)[0]
    M.A_SCALE = 5.0
    out2, pb2 = s2s_ad.vjp(f, X)
    again = pb1(1.0)[0]
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(out2, f(X))
    M.A_SCALE = 2.0
    _close(pb2(1.0)[0], 2 * 25.0 * X, 1e-12, 0)  # d/dx sum((5x)^2) = 50 x
    _close(first, 8.0 * X, 1e-12, 0)


def test_pullback_of_dict_argument_after_change():
    params = {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([0.5, -0.5, 1.0])}
    out, pb = s2s_ad.vjp(M.a_dict_params, params, X)
    assert out == M.a_dict_params(params, X)
    ref = s2s_ad.grad(M.a_dict_params, wrt=(0, 1))(params, X)
    M.A_SCALE = 7.0
    got = pb(1.0)
    M.A_SCALE = 2.0
    for k in params:
        _close(got[0][k], ref[0][k], 1e-12, 1e-14)
        cd = _cd_grad(lambda w, k=k: M.a_dict_params(dict(params, **{k: w}), X), params[k])
        _close(got[0][k], cd, 1e-5, 1e-7)
    _close(got[1], ref[1], 1e-12, 1e-14)


def test_pullback_of_gradient_after_change():
    g = s2s_ad.grad(M.a_global)
    out, pb = s2s_ad.vjp(g, X)
    _close(out, 8.0 * X, 1e-12, 0)
    M.A_SCALE = 3.0
    got = pb(CT)[0]
    _close(got, 8.0 * CT, 1e-12, 0)  # the Hessian is 2 * SCALE**2 * I at the forward call


def test_pullback_does_not_see_an_array_updated_in_place():
    # README: an array updated in place between vjp and the pullback was seen, as autograd;
    # since session 35 the pullback holds a copy, as JAX's immutable arrays give
    expected = s2s_ad.grad(M.a_array)(X)
    _, pb = s2s_ad.vjp(M.a_array, X)
    M.A_W[:] = 0.0
    np.testing.assert_array_equal(pb(1.0)[0], expected)


def test_forward_and_reverse_agree_on_state_read_programs():
    for case in sorted(A_CASES):
        M.reset_state()
        f, _ = A_CASES[case]()
        _close(s2s_ad.grad(f)(X), s2s_ad.grad(f, mode="forward")(X), 1e-12, 1e-13)


# =======================================================================================
# B. helpers changing the module state the function reads, in the middle of it
# =======================================================================================

B_SCALAR = [
    "b_global",
    "b_global_both",
    "b_namespace",
    "b_array_item",
    "b_array_all",
    "b_array_fill",
    "b_array_copyto",
    "b_array_imul",
    "b_list_item",
    "b_dict_item",
    "b_method",
    "b_method_reader",
    "b_via_helper",
    "b_loop",
    "b_while",
    "b_branch",
    "b_counter",
    "b_reader_sets",
    "b_reader_after",
    "b_setter_inside_helper",
    "b_lambda",
    "b_nested_def",
]

APIS = [
    "grad",
    "grad_forward",
    "value_and_grad",
    "value_and_grad_forward",
    "jvp",
    "vjp",
    "jacfwd",
    "jacrev",
    "jacobian",
    "hessian",
    "hvp",
    "jacfwd_grad",
    "jacrev_grad",
]


@functools.cache
def _b_reference(name):
    f = _fresh(getattr(M, name))
    value = f(X)
    state = M.state_summary()
    return value, state, _cd_grad(f, X), _cd_hess(f, X)


def _run_api(api, f):
    """The API's result, with the module state as at import before the call."""
    M.reset_state()
    if api == "grad":
        return s2s_ad.grad(f)(X)
    if api == "grad_forward":
        return s2s_ad.grad(f, mode="forward")(X)
    if api == "value_and_grad":
        return s2s_ad.value_and_grad(f)(X)
    if api == "value_and_grad_forward":
        return s2s_ad.value_and_grad(f, mode="forward")(X)
    if api == "jvp":
        return s2s_ad.jvp(f, (X,), (V,))
    if api == "vjp":
        out, pb = s2s_ad.vjp(f, X)
        return out, pb(1.0)
    if api == "jacfwd":
        return s2s_ad.jacfwd(f)(X)
    if api == "jacrev":
        return s2s_ad.jacrev(f)(X)
    if api == "jacobian":
        return s2s_ad.jacobian(f)(X)
    if api == "hessian":
        return s2s_ad.hessian(f)(X)
    if api == "hvp":
        return s2s_ad.hvp(f, (X,), (V,))
    if api == "jacfwd_grad":
        return s2s_ad.jacfwd(s2s_ad.grad(f))(X)
    if api == "jacrev_grad":
        return s2s_ad.jacrev(s2s_ad.grad(f))(X)
    raise AssertionError(api)


def _check_b(name, api):
    value, state, g, H = _b_reference(name)
    f = getattr(M, name)
    r = _run_api(api, f)
    assert M.state_summary() == state, "the effects differ from one plain call's"
    if api in ("grad", "grad_forward", "jacfwd", "jacrev", "jacobian"):
        _close(r, g, 1e-5, 1e-6)
    elif api in ("value_and_grad", "value_and_grad_forward"):
        assert r[0] == value
        _close(r[1], g, 1e-5, 1e-6)
    elif api == "jvp":
        assert r[0] == value
        _close(r[1], g @ V, 1e-5, 1e-6)
    elif api == "vjp":
        assert r[0] == value
        _close(r[1][0], g, 1e-5, 1e-6)
    elif api in ("hessian", "jacfwd_grad", "jacrev_grad"):
        _close(r, H, 1e-4, 1e-5)
    elif api == "hvp":
        _close(r[0], g, 1e-5, 1e-6)
        _close(r[1], H @ V, 1e-4, 1e-5)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("name", B_SCALAR)
def test_helper_changes_state_mid_function(name, api):
    _check_b(name, api)


@pytest.mark.parametrize("name", B_SCALAR)
def test_helper_changes_state_forward_equals_reverse(name):
    rev = _run_api("grad", getattr(M, name))
    fwd = _run_api("grad_forward", getattr(M, name))
    _close(rev, fwd, 1e-12, 1e-13)
    H1 = _run_api("hessian", getattr(M, name))
    H2 = _run_api("jacrev_grad", getattr(M, name))
    _close(H1, H2, 1e-12, 1e-12)
    _close(H1, np.asarray(H1).T, 1e-12, 1e-12)


def test_basic_example_of_the_claim_is_exact():
    # set_scale(2.0); a = x * SCALE; set_scale(3.0); return np.sum(a * a): gradient 8 x
    _close(_run_api("grad", M.b_global), 8.0 * X, 1e-15, 0)
    _close(_run_api("grad_forward", M.b_global), 8.0 * X, 1e-15, 0)
    _close(_run_api("hessian", M.b_global), 8.0 * np.eye(3), 1e-15, 0)
    # and the plain call leaves SCALE at 3.0, as every derivative call does
    assert M.SCALE == 3.0


@pytest.mark.parametrize("api", ["jvp", "vjp", "jacfwd", "jacrev", "jacobian"])
def test_helper_changes_state_vector_output(api):
    f = _fresh(M.b_vector)
    value = f(X)
    J = _cd_jac(f, X)
    M.reset_state()
    if api == "jvp":
        out, t = s2s_ad.jvp(M.b_vector, (X,), (V,))
        np.testing.assert_array_equal(out, value)
        _close(t, J @ V, 1e-5, 1e-6)
    elif api == "vjp":
        out, pb = s2s_ad.vjp(M.b_vector, X)
        np.testing.assert_array_equal(out, value)
        _close(pb(CT)[0], J.T @ CT, 1e-5, 1e-6)
    else:
        _close(getattr(s2s_ad, api)(M.b_vector)(X), J, 1e-5, 1e-6)
    assert M.SCALE == 3.0


def test_helper_changes_state_dict_argument_second_order():
    params = {"w": np.array([0.4, -0.2, 0.9]), "b": np.array([1.0, 2.0, -1.0])}
    f = _fresh(M.b_params)

    def flat(w, b):
        return f({"w": w, "b": b}, X)

    z = np.concatenate([params["w"], params["b"]])
    fz = lambda z: flat(z[:3], z[3:])  # noqa: E731
    g_cd = _cd_grad(fz, z)
    H_cd = _cd_hess(fz, z)
    M.reset_state()
    g = s2s_ad.grad(M.b_params)(params, X)
    _close(np.concatenate([g["w"], g["b"]]), g_cd, 1e-5, 1e-6)
    M.reset_state()
    H = s2s_ad.hessian(M.b_params)(params, X)
    Hm = np.block([[H["w"]["w"], H["w"]["b"]], [H["b"]["w"], H["b"]["b"]]])
    _close(Hm, H_cd, 1e-4, 1e-5)


B_WRONG = [
    (
        "b_reader_helper",
        "hessian",
        "a helper reading a global, called before a helper rebinds it, gets the later value in "
        "second derivatives: `def times_scale(v): return v * SCALE`; f: set_scale(2.0); "
        "a = times_scale(x); set_scale(3.0); return np.sum(a * a * SCALE) -> hessian is 36 I, "
        "right 24 I (grad is right: 24 x); the gradient code calls times_scale_grad after "
        "the change",
    ),
    (
        "b_reader_helper",
        "hvp",
        "same program: hvp's gradient part is 36 x (10.8, -25.2, 39.6) where grad gives the right "
        "24 x (7.2, -16.8, 26.4), and its product is 36 V",
    ),
    (
        "b_reader_helper_twice",
        "jacfwd_grad",
        "set_scale(2.0); a = times_scale(x); set_scale(3.0); b = times_scale(a); np.sum(b * b): "
        "jacfwd(grad) 108 I, right 72 I",
    ),
    (
        "b_reader_helper_loop",
        "jacrev_grad",
        "for k in range(3): set_scale(k + 1.0); x = times_scale(np.sin(x)) then np.sum(x * x): "
        "jacrev(grad) diag (66.02, -136.82, -28.08), right diag (14.67, -30.41, -6.24) by "
        "central differences",
    ),
    (
        "b_namespace_reader_helper",
        "hessian",
        "the same with `P.scale` set by `set_p` and read by helper `times_p`: hessian 108 I, "
        "right 72 I",
    ),
    (
        "b_grad_inside",
        "hessian",
        "set_scale(2.0); gx = s2s_ad.grad(inner)(x) (inner reads SCALE); set_scale(3.0); "
        "np.sum(gx * x * SCALE): hessian diag (-7.01, 14.48, -17.86), right (-5.27, 10.94, -13.69)",
    ),
    (
        "b_array_reader_helper",
        "grad",
        "a helper reading a global array that a setter updates in place later: "
        "`def times_w(v): return v * WBUF`; f: set_w(2.0) (WBUF[0] = v); a = times_w(x); "
        "set_w(3.0); "
        "return np.sum(a * a) -> grad[0] = 3.6 (2 a0 * 3), right 2.4 (2 a0 * 2): the helper's "
        "pullback reads WBUF when it runs",
    ),
    (
        "b_array_reader_helper",
        "vjp",
        "same program under vjp: pullback[0] = 3.6, right 2.4",
    ),
    (
        "b_setter_given_object",
        "grad",
        "a setter given the object: `def set_attr_of(obj, v): obj.scale = v`; f: "
        "set_attr_of(P, 2.0); a = x * P.scale; set_attr_of(P, 3.0); return np.sum(a * a) -> "
        "grad 12 x (3.6, -8.4, 13.2), "
        "right 8 x (2.4, -5.6, 8.8); hessian 12 I (right 8 I)",
    ),
    (
        "b_setter_given_object",
        "hessian",
        "same program: hessian 12 I and jacrev(grad) 18 I, right 8 I",
    ),
    (
        "b_class_attr_setter",
        "grad",
        "a method setting a class attribute: `def set_on_class(self, v): type(self).scale = v`; "
        "f: BOX.set_on_class(2.0); a = x * Box.scale; BOX.set_on_class(3.0); np.sum(a * a) -> "
        "grad 12 x, right 8 x",
    ),
    (
        "b_local_alias",
        "grad",
        "a local alias of a global array updated in place by a setter: w = WBUF; set_w(2.0); "
        "a = x * w; set_w(5.0); return np.sum(a * w) -> grad[0] = 25, right 10",
    ),
    (
        "b_globals_dict",
        "grad",
        "a setter writing `globals()['SCALE'] = v`: set_via_globals(2.0); a = x * SCALE; "
        "set_via_globals(3.0); np.sum(a * a) -> grad 12 x, right 8 x",
    ),
]


# right since session 33 (every helper inlined where one writes state the function reads,
# so their reads are bound where they stand; setters given the object, class attributes,
# `globals()[...]` and `nonlocal` counted as writes)
B_FIXED = {
    ("b_reader_helper", "hessian"),
    ("b_reader_helper", "hvp"),
    ("b_reader_helper_twice", "jacfwd_grad"),
    ("b_reader_helper_loop", "jacrev_grad"),
    ("b_namespace_reader_helper", "hessian"),
    ("b_array_reader_helper", "grad"),
    ("b_array_reader_helper", "vjp"),
    ("b_setter_given_object", "grad"),
    ("b_setter_given_object", "hessian"),
    ("b_class_attr_setter", "grad"),
    ("b_globals_dict", "grad"),
    ("b_local_alias", "grad"),
}


@pytest.mark.parametrize(
    "name,api",
    [
        pytest.param(
            n,
            a,
            marks=[] if (n, a) in B_FIXED else pytest.mark.xfail(strict=True, reason=r),
            id=f"{n}-{a}",
        )
        for n, a, r in B_WRONG
    ],
)
def test_helper_changes_state_found_wrong(name, api):
    _check_b(name, api)


@pytest.mark.parametrize("api", ["grad", "value_and_grad", "vjp"])
def test_setter_in_checkpointed_loop_is_refused(api):
    """(session 33) `for k in s2s_ad.checkpoint(range(4)): set_scale(k + 1.0); x = x * SCALE`
    gave grad (256, 256, 256) where (24, 24, 24) is right: the recomputed segments read SCALE
    as the forward sweep left it. Now refused at the read, in the user's file."""
    M.reset_state()
    with pytest.raises(s2s_ad.errors.S2SError) as exc_info:
        _run_api(api, M.b_checkpointed)
    message = str(exc_info.value)
    assert message.startswith(M.__file__), message
    assert "checkpointed loop" in message, message


def test_setter_in_checkpointed_loop_forward_mode_is_right():
    M.reset_state()
    _check_b("b_checkpointed", "grad_forward")


# (until session 33: grad 12 x where 8 x is right)
def test_closure_setter_mid_function():
    f = M.make_closure_setter()
    g_cd = _cd_grad(f, X)
    _close(g_cd, 8.0 * X, 1e-6, 1e-8)
    _close(s2s_ad.grad(f)(X), g_cd, 1e-5, 1e-6)


def test_closure_setter_mid_function_forward_mode_is_right():
    f = M.make_closure_setter()
    _close(s2s_ad.grad(f, mode="forward")(X), 8.0 * X, 1e-12, 0)
    _close(s2s_ad.jvp(f, (X,), (V,))[1], 8.0 * X @ V, 1e-12, 0)


# =======================================================================================
# C. dicts looped over with string tests, NamedTuples with *p, at second order
# =======================================================================================

_rng = np.random.default_rng(55)
_W1, _B1, _W2, _B2 = (np.round(_rng.normal(size=3), 3) for _ in range(4))

C_PROGRAMS = {
    "c_startswith": {"w1": _W1, "b1": _B1, "w2": _W2, "b2": _B2},
    "c_sorted_endswith": {"w2": _W2, "w1": _W1, "b1": _B1},
    "c_list_keys": {"w1": _W1, "b1": _B1, "w2": _W2},
    "c_items": {"b1": _B1, "w1": _W1, "w2": _W2},
    "c_enumerate": {"w1": _W1, "b1": _B1, "w2": _W2},
    "c_sorted_items": {"w1": _W1, "b2": _B2, "b1": _B1},
    "c_split": {"w_1": _W1, "w_2": _W2, "b_1": _B1},
    "c_prefix_tuple": {"W1": _W1, "k": _W2, "b1": _B1},
    "c_int_suffix": {"a1": _W1, "c3": _W2, "b2": _B1},
    "c_mlp": {
        "W0": np.round(_rng.normal(size=(3, 3)), 3),
        "b0": _B1,
        "W1": np.round(_rng.normal(size=(2, 3)), 3),
        "b1": _B2[:2],
    },
    "c_nested": {"l1": {"w": _W1, "b": _B1}, "l0": {"w": _W2, "b": _B2}},
    "c_helper": {"w1": _W1, "b1": _B1, "w2": _W2},
    "c_static_leaves": {"w1": _W1, "n": 2, "act": "square", "b1": _B1, "w2": _W2},
    "c_build_dict": {"w1": _W1, "b1": _B1, "w2": _W2},
    "c_comprehension": {"w1": _W1, "b2": _B2, "w2": _W2, "b1": _B1},
}


def _paths(t, pre=()):
    if isinstance(t, dict):
        return [p for k in t for p in _paths(t[k], (*pre, k))]
    if isinstance(t, tuple):
        return [p for i, v in enumerate(t) for p in _paths(v, (*pre, i))]
    if isinstance(t, (np.ndarray, float)):
        return [pre]
    return []  # ints and strings: held fixed


def _get(t, path):
    for k in path:
        t = t[k]
    return t


def _flatten(t, paths):
    return np.concatenate([np.ravel(np.asarray(_get(t, p), dtype=float)) for p in paths])


def _unflatten(t, paths, z):
    def rebuild(node, pre):
        if isinstance(node, dict):
            return {k: rebuild(v, (*pre, k)) for k, v in node.items()}
        if isinstance(node, tuple):
            items = [rebuild(v, (*pre, i)) for i, v in enumerate(node)]
            return type(node)(*items) if hasattr(node, "_fields") else tuple(items)
        if pre in paths:
            start = sum(np.size(_get(t, p)) for p in paths[: paths.index(pre)])
            if isinstance(node, float):
                return float(z[start])
            return z[start : start + node.size].reshape(node.shape)
        return node

    return rebuild(t, ())


def _hess_matrix(H, t, paths):
    return np.vstack(
        [
            np.hstack(
                [
                    np.asarray(_get(_get(H, a), b), dtype=float).reshape(
                        np.size(_get(t, a)), np.size(_get(t, b))
                    )
                    for b in paths
                ]
            )
            for a in paths
        ]
    )


@functools.cache
def _c_reference(name):
    f = getattr(M, name)
    p = C_PROGRAMS[name]
    paths = _paths(p)
    z = _flatten(p, paths)
    g_cd = _cd_grad(lambda z: f(_unflatten(p, paths, z), X), z)

    def g(z):
        return _flatten(s2s_ad.grad(f)(_unflatten(p, paths, z), X), paths)

    H_cd = _cd_jac(g, z, h=1e-5)
    return paths, z, g_cd, H_cd


@pytest.mark.parametrize("name", sorted(C_PROGRAMS))
def test_dict_loop_gradient(name):
    paths, _, g_cd, _ = _c_reference(name)
    p = C_PROGRAMS[name]
    _close(_flatten(s2s_ad.grad(getattr(M, name))(p, X), paths), g_cd, 1e-5, 1e-7)
    _close(
        _flatten(s2s_ad.grad(getattr(M, name), mode="forward")(p, X), paths),
        _flatten(s2s_ad.grad(getattr(M, name))(p, X), paths),
        1e-12,
        1e-13,
    )


@pytest.mark.parametrize("api", ["hessian", "jacfwd_grad", "jacrev_grad"])
@pytest.mark.parametrize("name", sorted(C_PROGRAMS))
def test_dict_loop_second_order(name, api):
    paths, _, _, H_cd = _c_reference(name)
    f = getattr(M, name)
    p = C_PROGRAMS[name]
    make = {
        "hessian": s2s_ad.hessian(f),
        "jacfwd_grad": s2s_ad.jacfwd(s2s_ad.grad(f)),
        "jacrev_grad": s2s_ad.jacrev(s2s_ad.grad(f)),
    }[api]
    H = make(p, X)
    assert isinstance(H, dict) and list(H) == list(p)
    Hm = _hess_matrix(H, p, paths)
    _close(Hm, H_cd, 1e-6, 1e-7)
    if api != "hessian":
        _close(Hm, _hess_matrix(s2s_ad.hessian(f)(p, X), p, paths), 1e-12, 1e-12)
    _close(Hm, Hm.T, 1e-10, 1e-11)


@pytest.mark.parametrize("name", sorted(C_PROGRAMS))
def test_dict_loop_hvp(name):
    paths, z, g_cd, H_cd = _c_reference(name)
    f = getattr(M, name)
    p = C_PROGRAMS[name]
    v = np.linspace(-1.0, 1.0, z.size)
    tangent = _unflatten(p, paths, v)
    tangent = {k: tangent[k] for k in p if any(path[0] == k for path in paths)}
    grad, prod = s2s_ad.hvp(f, (p, X), (tangent, None))
    _close(_flatten(grad, paths), g_cd, 1e-5, 1e-7)
    _close(_flatten(prod, paths), H_cd @ v, 1e-6, 1e-7)


CS_PARAMS = {
    "cs_startswith": {"w1": _W1, "b1": _B1, "w2": _W2},
    "cs_sorted_enumerate": {"w1": 0.5, "b1": -1.2, "w2": 2.0, "b0": 0.3},
    "cs_items": {"w1": 0.5, "b2": -1.2, "w2": 2.0},
}


@pytest.mark.parametrize("api", ["grad_grad", "hessian", "jacfwd_grad", "jacrev_grad", "hvp"])
@pytest.mark.parametrize("name", sorted(CS_PARAMS))
def test_dict_loop_second_order_scalar_input(name, api):
    f = getattr(M, name)
    params = CS_PARAMS[name]
    t = 0.7
    d1 = lambda s: s2s_ad.grad(f)(s, params)  # noqa: E731
    h = 1e-6
    ref = (d1(t + h) - d1(t - h)) / (2 * h)
    h2 = 1e-4
    ref_plain = (f(t + h2, params) - 2 * f(t, params) + f(t - h2, params)) / h2**2
    _close(ref, ref_plain, 1e-5, 1e-6)
    if api == "grad_grad":
        r = s2s_ad.grad(s2s_ad.grad(f))(t, params)
    elif api == "hessian":
        r = s2s_ad.hessian(f)(t, params)
    elif api == "jacfwd_grad":
        r = s2s_ad.jacfwd(s2s_ad.grad(f))(t, params)
    elif api == "jacrev_grad":
        r = s2s_ad.jacrev(s2s_ad.grad(f))(t, params)
    else:
        g, r = s2s_ad.hvp(f, (t, params), (1.0, None))
        _close(g, d1(t), 1e-12, 1e-13)
    assert np.ndim(r) == 0
    _close(r, ref, 1e-6, 1e-7)


NT_CASES = {
    "nt_star": lambda: (M.Layer(np.array([0.4, -1.1, 0.8]), np.array([0.1, 0.2, -0.3])), X),
    "nt_star_dense": lambda: (
        M.Layer(np.array([[0.4, -1.1, 0.8], [0.3, 0.2, -0.5]]), np.array([0.1, -0.2])),
        X,
    ),
    "nt_star_scalars": lambda: (M.Coeffs(0.5, -1.2, 2.0), 0.7),
}


@pytest.mark.parametrize("api", ["hessian", "jacfwd_grad", "jacrev_grad", "hvp"])
@pytest.mark.parametrize("name", sorted(NT_CASES))
def test_namedtuple_star_second_order(name, api):
    f = getattr(M, name)
    p, rest = NT_CASES[name]()
    paths = _paths(p)
    z = _flatten(p, paths)

    def g(z):
        return _flatten(s2s_ad.grad(f)(_unflatten(p, paths, z), rest), paths)

    g_cd = _cd_grad(lambda z: f(_unflatten(p, paths, z), rest), z)
    _close(g(z), g_cd, 1e-5, 1e-7)
    H_cd = _cd_jac(g, z, h=1e-5)
    if api == "hvp":
        v = np.linspace(-1.0, 0.5, z.size)
        grad, prod = s2s_ad.hvp(f, (p, rest), (_unflatten(p, paths, v), None))
        assert type(prod) is type(p)
        _close(_flatten(grad, paths), g_cd, 1e-5, 1e-7)
        _close(_flatten(prod, paths), H_cd @ v, 1e-6, 1e-7)
        return
    make = {
        "hessian": s2s_ad.hessian(f),
        "jacfwd_grad": s2s_ad.jacfwd(s2s_ad.grad(f)),
        "jacrev_grad": s2s_ad.jacrev(s2s_ad.grad(f)),
    }[api]
    H = make(p, rest)
    assert type(H) is type(p) and all(type(row) is type(p) for row in H)
    _close(_hess_matrix(H, p, paths), H_cd, 1e-6, 1e-7)


@pytest.mark.xfail(
    strict=True,
    reason="a NamedTuple held fixed and passed on with *p is refused by grad (its fast path "
    "makes code for the arguments' shapes alone; hessian and the APIs taking the checked path "
    "give the tuple's length since session 33): "
    "`def f(t, p): return poly(*p, t) ** 2` with p = Coeffs(0.5, -1.2, 2.0) (a NamedTuple, its "
    "length known from its type): grad(grad(f))(0.7, p), and grad(f)(0.7, p) itself, raise "
    "UnsupportedSyntaxError '`*p` in a call, where the number of elements of `p` is not known "
    "when the derivative is made' (vjp, which differentiates p too, works)",
)
def test_namedtuple_star_held_fixed_grad_grad():
    p = M.Coeffs(0.5, -1.2, 2.0)
    t = 0.7
    f = M.nt_star_fixed
    h = 1e-4
    ref = (f(t + h, p) - 2 * f(t, p) + f(t - h, p)) / h**2
    _close(s2s_ad.grad(s2s_ad.grad(f))(t, p), ref, 1e-5, 1e-6)


# (refused until session 33: a tuple held fixed now has its length given to the lowering)
def test_namedtuple_star_held_fixed_hessian_wrt_data():
    p = M.Layer(np.array([0.4, -1.1, 0.8]), np.array([0.1, 0.2, -0.3]))
    f = M.nt_star_fixed_array
    H_cd = _cd_jac(lambda x: s2s_ad.grad(f, wrt=(0, 1))(p, x)[1], X, h=1e-5)
    _close(s2s_ad.hessian(f, wrt=1)(p, X), H_cd, 1e-6, 1e-7)


# =======================================================================================
# D. hvp with an integer argument and a zero tangent for it
# =======================================================================================


def _cd_hvp(f, args, i, v, h=1e-5):
    def g(z):
        a = list(args)
        a[i] = z
        return s2s_ad.grad(f, wrt=i)(*a)

    return (g(args[i] + h * v) - g(args[i] - h * v)) / (2 * h)


@pytest.mark.parametrize(
    "zero", [0, 0.0, -0.0, None, np.int64(0), False, np.zeros(())], ids=lambda z: repr(z)
)
def test_hvp_holds_integer_fixed(zero):
    grad, prod = s2s_ad.hvp(M.d_loop, (X, 3), (V, zero))
    _close(grad, s2s_ad.grad(M.d_loop)(X, 3), 1e-12, 1e-14)
    _close(grad, _cd_grad(lambda z: M.d_loop(z, 3), X), 1e-5, 1e-7)
    _close(prod, _cd_hvp(M.d_loop, (X, 3), 0, V), 1e-6, 1e-8)
    # as jvp takes the same tangent
    out, t = s2s_ad.jvp(M.d_loop, (X, 3), (V, zero if zero is not None else None))
    assert out == M.d_loop(X, 3)
    _close(t, grad @ V, 1e-12, 1e-14)


@pytest.mark.parametrize(
    "name,args,tangents,i",
    [
        ("d_power", (X, 3), (V, 0), 0),
        ("d_power", (X, np.int64(4)), (V, 0), 0),
        ("d_int_first", (2, X), (0, V), 1),
        ("d_scalar", (0.7, 4), (1.0, 0), 0),
        ("d_flag", (X, True), (V, 0), 0),
        ("d_flag", (X, False), (V, False), 0),
        ("d_index", (X, 1), (V, 0), 0),
        ("d_index", (X, np.array(2)), (V, 0), 0),
    ],
)
def test_hvp_integer_argument_programs(name, args, tangents, i):
    f = getattr(M, name)
    grad, prod = s2s_ad.hvp(f, args, tangents)
    _close(grad, s2s_ad.grad(f, wrt=i)(*args), 1e-12, 1e-14)
    v = tangents[i]
    _close(prod, _cd_hvp(f, args, i, np.asarray(v, dtype=float)), 1e-6, 1e-8)


def test_hvp_two_integers_and_two_floats():
    y = np.array([1.0, 2.0, -1.0])
    w = np.array([0.1, 0.1, 0.3])
    (gx, gy), (hx, hy) = s2s_ad.hvp(M.d_two_ints, (X, 2, 3, y), (V, 0, 0, w))
    _close(gx, s2s_ad.grad(M.d_two_ints, wrt=0)(X, 2, 3, y), 1e-12, 1e-14)
    _close(gy, s2s_ad.grad(M.d_two_ints, wrt=3)(X, 2, 3, y), 1e-12, 1e-14)
    h = 1e-5

    def g(x, yy):
        return np.concatenate(s2s_ad.grad(M.d_two_ints, wrt=(0, 3))(x, 2, 3, yy))

    ref = (g(X + h * V, y + h * w) - g(X - h * V, y - h * w)) / (2 * h)
    _close(np.concatenate([hx, hy]), ref, 1e-6, 1e-8)


@pytest.mark.parametrize("bad", [1, 0.5, True, 1e-300, float("nan"), np.int64(2)], ids=repr)
def test_hvp_refuses_nonzero_tangent_for_integer(bad):
    with pytest.raises(s2s_ad.S2SError) as info:
        s2s_ad.hvp(M.d_loop, (X, 3), (V, bad))
    assert "`n`" in str(info.value)
    assert "state_and_structures_programs_independent.py" in str(info.value)
    with pytest.raises(s2s_ad.S2SError):
        s2s_ad.jvp(M.d_loop, (X, 3), (V, bad))


D_W = np.array([1.0, 0.5, -0.8])


def _d_struct(kind, w, n):
    return {"w": w, "n": n} if kind == "dict" else M.Steps(w, n)


@pytest.mark.parametrize("kind", ["dict", "namedtuple"])
def test_hvp_int_leaf_of_structure_zero_tangent(kind):
    f = M.d_dict_int_leaf if kind == "dict" else M.d_namedtuple_int_leaf
    p = _d_struct(kind, D_W, 2)
    t = _d_struct(kind, V, 0)
    grad, prod = s2s_ad.hvp(f, (p, X), (t, None))
    w_of = (lambda r: r["w"]) if kind == "dict" else (lambda r: r.w)
    n_of = (lambda r: r["n"]) if kind == "dict" else (lambda r: r.n)
    assert n_of(grad) is None and n_of(prod) is None

    def g(w):
        return w_of(s2s_ad.grad(f)(_d_struct(kind, w, 2), X))

    _close(w_of(grad), g(D_W), 1e-12, 1e-14)
    _close(w_of(grad), _cd_grad(lambda w: f(_d_struct(kind, w, 2), X), D_W), 1e-5, 1e-7)
    h = 1e-5
    _close(w_of(prod), (g(D_W + h * V) - g(D_W - h * V)) / (2 * h), 1e-6, 1e-8)


@pytest.mark.xfail(
    strict=True,
    reason="documented: a tangent at an int leaf of a dict or NamedTuple is not read (a tangent "
    "built like its primal holds the int itself, as the records tester's do), where one for an "
    "int argument is refused: p = {'w': w, 'n': 2}; hvp(f, (p, x), ({'w': v, 'n': 1}, None)) "
    "is the product of {'w': v} (jvp too)",
)
@pytest.mark.parametrize("kind", ["dict", "namedtuple"])
def test_hvp_int_leaf_of_structure_nonzero_tangent_refused(kind):
    f = M.d_dict_int_leaf if kind == "dict" else M.d_namedtuple_int_leaf
    with pytest.raises(s2s_ad.S2SError):
        s2s_ad.hvp(f, (_d_struct(kind, D_W, 2), X), (_d_struct(kind, V, 1), None))


# =======================================================================================
# E. s2s-ad export of helpers called in several roles
# =======================================================================================

PROGRAMS_FILE = os.path.abspath(M.__file__)
_RNG = np.random.default_rng(7)
E_W = _RNG.normal(size=(2, 2))
E_U = _RNG.normal(size=(2, 3))
E_XS = _RNG.normal(size=(3, 3))
E_X = _RNG.normal(size=3)
E_C = _RNG.normal(size=3)
E_WZ = _RNG.normal(size=(2, 5))
E_WH = _RNG.normal(size=(2, 5))
E_WL = _RNG.normal(size=(8, 5))

E_ARGS = {
    "e_rnn3": (E_W, E_U, E_XS),
    "e_rnn_loop": (E_W, E_U, E_XS),
    "e_rnn_const_input": (E_W, E_U, E_XS),
    "e_two_roles": (E_X, E_C),
    "e_gru": (E_WZ, E_WH, E_XS),
    "e_lstm": (E_WL, E_XS),
    "e_tuple_roles": (E_X,),
    "e_keyword_roles": (E_X,),
    "e_rnn_cell_with_helper": (E_W, E_U, E_XS),
    "b_global": (X,),
    "b_array_item": (X,),
}

# (key, function, extra CLI arguments)
E_EXPORTS = [(name, name, []) for name in E_ARGS] + [
    ("e_rnn3-wrt", "e_rnn3", ["--wrt", "W", "U"]),
    ("e_two_roles-wrt", "e_two_roles", ["--wrt", "x", "c"]),
    ("e_rnn3-gradient", "e_rnn3", ["--mode", "gradient"]),
    ("e_rnn3-reverse", "e_rnn3", ["--mode", "reverse"]),
    ("e_rnn3-forward", "e_rnn3", ["--mode", "forward"]),
    ("e_lstm-gradient", "e_lstm", ["--mode", "gradient"]),
    ("e_lstm-reverse", "e_lstm", ["--mode", "reverse"]),
    ("e_two_roles-forward", "e_two_roles", ["--mode", "forward"]),
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Run every export at once (separate processes), then give {key: (path, rc, stderr)}."""
    out_dir = tmp_path_factory.mktemp("exported")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [os.path.dirname(os.path.dirname(s2s_ad.__file__)), env.get("PYTHONPATH")] if p
    )
    procs = {}
    for key, func, extra in E_EXPORTS:
        path = out_dir / (key.replace("-", "_") + ".py")
        cmd = [
            sys.executable,
            "-m",
            "s2s_ad",
            "export",
            f"{PROGRAMS_FILE}:{func}",
            "-o",
            str(path),
            *extra,
        ]
        procs[key] = (
            path,
            subprocess.Popen(
                cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            ),
        )
    results = {}
    for key, (path, proc) in procs.items():
        _, err = proc.communicate(timeout=120)
        results[key] = (path, proc.returncode, err)
    return results


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _exported_module(exported, key):
    path, rc, err = exported[key]
    assert rc == 0, err
    source = path.read_text()
    assert "import s2s_ad" not in source and "from s2s_ad" not in source
    return _load(path, "exported_" + key.replace("-", "_"))


E_WORKING = [k for k in E_ARGS if k != "e_rnn_cell_with_helper"]


@pytest.mark.parametrize("name", E_WORKING)
def test_export_value_and_gradient(exported, name):
    module = _exported_module(exported, name)
    args = E_ARGS[name]
    M.reset_state()
    value, grad = getattr(module, name + "_value_and_grad")(*args)
    value2, grad2 = getattr(module, name + "_value_and_grad")(*args)
    M.reset_state()
    ref_value, ref_grad = s2s_ad.value_and_grad(getattr(M, name))(*args)
    assert value == ref_value == value2
    np.testing.assert_array_equal(grad, ref_grad)
    np.testing.assert_array_equal(grad2, ref_grad)
    f = _fresh(getattr(M, name))
    a0 = args[0]
    cd = _cd_grad(lambda z: f(z.reshape(a0.shape), *args[1:]), a0.ravel()).reshape(a0.shape)
    _close(grad, cd, 1e-5, 1e-7)


def test_export_with_wrt(exported):
    module = _exported_module(exported, "e_rnn3-wrt")
    value, grads = module.e_rnn3_value_and_grad(E_W, E_U, E_XS)
    ref_value, ref = s2s_ad.value_and_grad(M.e_rnn3, wrt=(0, 1))(E_W, E_U, E_XS)
    assert value == ref_value
    for a, b in zip(grads, ref, strict=True):
        np.testing.assert_array_equal(a, b)
    module = _exported_module(exported, "e_two_roles-wrt")
    value, grads = module.e_two_roles_value_and_grad(E_X, E_C)
    ref_value, ref = s2s_ad.value_and_grad(M.e_two_roles, wrt=(0, 1))(E_X, E_C)
    assert value == ref_value
    for a, b in zip(grads, ref, strict=True):
        np.testing.assert_array_equal(a, b)
    cd = _cd_grad(lambda c: M.e_two_roles(E_X, c), E_C)
    _close(grads[1], cd, 1e-5, 1e-7)


@pytest.mark.parametrize(
    "key", ["e_rnn3-gradient", "e_lstm-gradient", "e_rnn3-reverse", "e_lstm-reverse"]
)
def test_export_reverse_modes(exported, key):
    name, mode = key.split("-")
    module = _exported_module(exported, key)
    args = E_ARGS[name]
    ref = s2s_ad.grad(getattr(M, name))(*args)
    if mode == "gradient":
        np.testing.assert_array_equal(getattr(module, name + "_grad")(*args), ref)
    else:
        value, pullback = getattr(module, name + "_vjp")(*args)
        assert value == getattr(M, name)(*args)
        got = pullback(1.0)
        got = got[0] if isinstance(got, tuple) else got
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("key", ["e_rnn3-forward", "e_two_roles-forward"])
def test_export_forward_mode(exported, key):
    name = key.split("-")[0]
    module = _exported_module(exported, key)
    args = E_ARGS[name]
    d = np.linspace(-1.0, 1.0, args[0].size).reshape(args[0].shape)
    value, tangent = getattr(module, name + "_jvp")(*args, d)
    ref_value, ref_tangent = s2s_ad.jvp(getattr(M, name), args, (d,) + (None,) * (len(args) - 1))
    assert value == ref_value
    _close(tangent, ref_tangent, 1e-12, 1e-14)
    _close(tangent, np.sum(s2s_ad.grad(getattr(M, name))(*args) * d), 1e-12, 1e-14)


def test_export_runs_without_s2s_ad(exported, tmp_path):
    keys = ["e_rnn3", "e_lstm", "e_two_roles", "e_rnn_const_input", "e_gru"]
    paths = {k: str(exported[k][0]) for k in keys}
    for k in keys:
        assert exported[k][1] == 0, exported[k][2]
    np.savez(
        tmp_path / "args.npz", **{f"{k}_{i}": a for k in keys for i, a in enumerate(E_ARGS[k])}
    )
    script = f"""
import sys
sys.modules["s2s_ad"] = None
import importlib.util
import numpy as np
paths = {paths!r}
data = np.load({str(tmp_path / "args.npz")!r})
out = {{}}
for k, p in paths.items():
    spec = importlib.util.spec_from_file_location("m_" + k, p)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    n = len([key for key in data.files if key.startswith(k + "_") and key[len(k) + 1:].isdigit()])
    args = [data[f"{{k}}_{{i}}"] for i in range(n)]
    value, grad = getattr(m, k + "_value_and_grad")(*args)
    out[k + "_value"] = np.asarray(value)
    out[k + "_grad"] = np.asarray(grad)
np.savez({str(tmp_path / "out.npz")!r}, **out)
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    res = np.load(tmp_path / "out.npz")
    for k in keys:
        value, grad = s2s_ad.value_and_grad(getattr(M, k))(*E_ARGS[k])
        assert float(res[k + "_value"]) == value
        np.testing.assert_array_equal(res[k + "_grad"], grad)


# (exited 2 until session 33: 'the name `_e_affine_vjp` means two things', the two
# derivatives of the cell each naming their own derivative of `affine` so)
def test_export_cell_calling_a_helper(exported):
    module = _exported_module(exported, "e_rnn_cell_with_helper")
    value, grad = module.e_rnn_cell_with_helper_value_and_grad(*E_ARGS["e_rnn_cell_with_helper"])
    ref_value, ref_grad = s2s_ad.value_and_grad(M.e_rnn_cell_with_helper)(
        *E_ARGS["e_rnn_cell_with_helper"]
    )
    assert value == ref_value
    np.testing.assert_array_equal(grad, ref_grad)


def test_cell_calling_a_helper_differentiates_in_process():
    args = E_ARGS["e_rnn_cell_with_helper"]
    value, grad = s2s_ad.value_and_grad(M.e_rnn_cell_with_helper)(*args)
    assert value == M.e_rnn_cell_with_helper(*args)
    cd = _cd_grad(
        lambda z: M.e_rnn_cell_with_helper(z.reshape(2, 2), *args[1:]), args[0].ravel()
    ).reshape(2, 2)
    _close(grad, cd, 1e-5, 1e-7)
    _close(grad, s2s_ad.grad(M.e_rnn_cell_with_helper, mode="forward")(*args), 1e-12, 1e-14)

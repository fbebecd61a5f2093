"""Functions as values (issue 16, items 2-5; `s2s_ad/callables.py`,
`s2s_ad/ssa/callable_values.py`): `functools.partial`, bound methods (`self` held fixed),
callable objects, transparent `functools.wraps` wrappers, closures from factories, function
arguments (`def apply(fn, x)`), functions in lists, dicts and objects, `map`, loops over a
list of layers, and s2s_ad's own derivatives called inside a differentiated function.

Every case: the JVP against central differences and the VJP against the JVP, `grad` by
forward mode against reverse mode, the primal value of each entry point equal to the plain
call, and the Hessian against second differences of the function itself.
"""

import functools

import numpy as np
import pytest
from derivative_tests import marked_line, second_differences

import s2s_ad as ad
from s2s_ad.errors import S2SError, SourceError, UnknownCalleeError, UnsupportedSyntaxError
from s2s_ad.testing import assert_same_value, check_grads, check_modes_agree, plain_value

rng = np.random.default_rng(16)
X = rng.standard_normal(3) * 0.5
W1 = rng.standard_normal((4, 3)) * 0.5
W2 = rng.standard_normal((2, 4)) * 0.5


# plain functions, partials, wrappers


def poly(x, y, z=2.0):
    return np.sum(np.sin(x) * y) + z * np.sum(x**3)


def three(a, x, b):
    return np.sum(np.tanh(a * x) * b)


def transparent(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


@transparent
def wrapped(x):
    return np.sum(np.exp(x) * x)


@transparent
def wrapped_helper(x):
    return np.cos(x) * x


def calls_wrapped_helper(x):
    return np.sum(wrapped_helper(x) ** 2)


def make_loss(scale):
    def loss(x):
        return np.sum(np.sin(x * scale) ** 2)

    return loss


# objects holding parameters


class Dense:
    def __init__(self, W, act):
        self.W = W
        self.act = act

    def __call__(self, h):
        return self.act(self.W @ h)


class Scale:
    def __init__(self, s):
        self.s = s

    def __call__(self, h):
        return h * self.s


class Net:
    def __init__(self, layers):
        self.layers = layers
        self.readout = Dense(W2, np.sin)

    def predict(self, x):
        h = x
        for layer in self.layers:
            h = layer(h)
        return self.readout(h)

    def loss(self, x):
        return np.sum(self.predict(x) ** 2) + self.penalty(x)

    def penalty(self, x):
        return 0.1 * np.sum(x**2)


NET = Net([Dense(W1, np.tanh), Scale(1.5)])


class Stack:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, x, scales):
        h = x
        for i, layer in enumerate(self.layers, 1):
            h = layer(h) * scales[i - 1] + i
        outs = [layer(x) for layer in self.layers]
        return np.sum(h**2) + sum(np.sum(o) for o in outs)


STACK = Stack([Dense(np.eye(3) * 0.5, np.tanh), Scale(0.7), Dense(W1[:3] * 0.3, np.sin)])
SCALES = np.array([1.5, 0.5, -0.8])
LAYER = Dense(W1, np.tanh)


def layer_sum(x):
    return np.sum(LAYER(x))


# function arguments, functions in structures


def apply(fn, x):
    return np.sum(fn(x) * 2.0)


def cube(t):
    return t**3


def with_offset(t, c):
    return np.exp(t) + c * t


FUNCTIONS = [np.sin, cube]
OPERATIONS = {"act": np.tanh, "scaled": functools.partial(with_offset, c=0.5)}


def from_structures(x):
    return np.sum(FUNCTIONS[0](x) + FUNCTIONS[1](x) + OPERATIONS["act"](x))


def through_partial_in_dict(x):
    return np.sum(OPERATIONS["scaled"](x))


def mapped(x, fn):
    return sum(np.sum(v) for v in map(fn, [x, 2.0 * x]))


# derivatives called inside


def energy(x):
    return np.sum(x**4) / 4.0 + np.sum(np.sin(x))


D_ENERGY = ad.grad(energy)


def gradient_norm(x):
    return np.sum(D_ENERGY(x) ** 2)


def inline_grad(x):
    return np.sum(ad.grad(energy)(x) * x)


def newton_step(x):
    step = x - 0.1 * D_ENERGY(x)
    return energy(step)


def value_and_gradient_inside(x):
    value, slope = ad.value_and_grad(energy)(x)
    return value + np.sum(slope**2)


def two_args(a, x):
    return np.sum(a * x**2)


def grad_wrt_second(x):
    return np.sum(ad.grad(two_args, wrt=1)(1.5, x))


class Model:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return np.tanh(self.W @ x)


def model_loss(x, model):
    return np.sum(model.forward(x) ** 2)


MODEL = Model(W1)


def global_model_method(x):
    return np.sum(MODEL.forward(x)) * np.sum(x)


def grad_of_lambda_inside(x):
    return np.sum(ad.grad(lambda t: np.sum(np.sin(t) * t))(x) * x)


def grad_of_lambda_closing_over(x, w):
    return np.sum(ad.grad(lambda t: np.sum(t * w) ** 2)(x))  # w flows through too


def nested_grads_of_module_function(x):
    return ad.grad(ad.grad(lambda t: t**4))(x) + ad.grad(ad.grad(scalar_energy))(x)


def scalar_energy(t):
    return t**3 / 3.0 + np.sin(t)


def grad_of_nested_def(x):
    def inner(t):
        return np.sum(np.exp(t) * x)

    return np.sum(ad.grad(inner)(x * 2.0))


# (id, function, arguments, second order works)
def softsign(z):
    return z / (1.0 + np.abs(z))


def over_function_display(x):
    """A loop over a display of functions known by name (a fresh tester's program)."""
    for act in [np.tanh, np.sin, softsign]:
        x = act(x) * 1.5
    return np.sum(x)


def enumerate_function_display(x):
    s = 0.0
    for i, f in enumerate((np.cos, softsign), 1):
        s = s + i * np.sum(f(x))
    return s


def scaled_tanh(p, x, k=1.0):
    return np.sum(np.tanh(p * x) * k)


def partial_applied_at_once(x):
    """`partial(g, a, k=…)(b)`, made and called at once (autograd's hmm_em example)."""
    return functools.partial(scaled_tanh, x[::-1], k=2.0)(x) + functools.partial(
        scaled_tanh, k=0.5
    )(x, x * x, k=1.5)


def loss_with_activation(w, x, act):
    return np.sum(act(w * x) ** 2)


def total_cube(t):
    return np.sum(t**3)


def dict_of_functions(x, fns):
    """A dict (and a list) of functions given as an argument, indexed with literals."""
    h = fns["hidden"](x * 1.5)
    return fns["loss"](h) + np.sum(fns["extra"][0](x))


def mix(a, b, w=0.5):
    return w * a + (1.0 - w) * np.sin(b)


def apply2(f, u, v):
    return f(u, v)


def partial_given_on(fn, x):
    """A partial or callable object given to the function, passed on to a helper (a fresh
    tester's random programs: the helper called it as a primitive with no rule)."""
    return np.sum(apply2(fn, np.sin(x), x * 2.0))


CASES = [
    ("partial_keyword", functools.partial(poly, y=1.5), (X,), True),
    ("partial_nested", functools.partial(functools.partial(three, 0.7), b=2.0), (X,), True),
    ("bound_method", NET.loss, (X,), True),
    ("enumerate_and_comprehension_over_layers", STACK.loss, (X, SCALES), True),
    ("callable_object", LAYER, (X,), False),  # returns an array: no Hessian
    ("layer_sum", layer_sum, (X,), True),
    ("wrapped", wrapped, (X,), True),
    ("wrapped_helper", calls_wrapped_helper, (X,), True),
    ("closure_from_factory", make_loss(1.3), (X,), True),
    ("apply_numpy", apply, (np.tanh, X), True),
    ("apply_user_function", apply, (cube, X), True),
    ("apply_lambda", apply, (lambda t: np.cos(t) * t, X), True),
    ("apply_partial", apply, (functools.partial(with_offset, c=2.0), X), True),
    ("apply_bound_method", apply, (NET.predict, X), True),
    ("apply_callable_object", apply, (LAYER, X), True),
    ("apply_closure", apply, (make_loss(0.5), X), True),
    ("object_argument_with_methods", model_loss, (X, MODEL), True),
    ("global_object_method", global_model_method, (X,), True),
    ("functions_in_structures", from_structures, (X,), True),
    ("partial_in_dict", through_partial_in_dict, (X,), True),
    ("partial_given_on_to_helper", partial_given_on, (functools.partial(mix, w=0.6), X), True),
    ("loop_over_a_display_of_functions", over_function_display, (X,), True),
    ("enumerate_a_display_of_functions", enumerate_function_display, (X,), True),
    ("partial_applied_at_once", partial_applied_at_once, (X,), True),
    (
        "partial_binding_a_function",
        functools.partial(loss_with_activation, act=np.tanh),
        (X, X),
        True,
    ),
    (
        "dict_of_functions_argument",
        dict_of_functions,
        (X, {"hidden": np.tanh, "loss": total_cube, "extra": [np.sin]}),
        True,
    ),
    ("map_partial", mapped, (X, functools.partial(with_offset, c=-1.0)), True),
    ("grad_inside", gradient_norm, (X,), True),
    ("grad_inline", inline_grad, (X,), True),
    ("newton_step", newton_step, (X,), True),
    ("value_and_grad_inside", value_and_gradient_inside, (X,), True),
    ("grad_wrt_second_inside", grad_wrt_second, (X,), True),
    ("grad_of_lambda_inside", grad_of_lambda_inside, (X,), True),
    ("grad_of_lambda_closing_over", grad_of_lambda_closing_over, (X, X[::-1] + 1.0), True),
    ("nested_grads", nested_grads_of_module_function, (0.7,), True),
    ("grad_of_nested_def", grad_of_nested_def, (X,), True),
]
IDS = [case[0] for case in CASES]
SCALAR = [case for case in CASES if case[0] != "callable_object"]


def _marked(cases: list) -> list:
    return [pytest.param(*c, id=c[0]) for c in cases]


@pytest.mark.parametrize(("name", "fn", "args", "second"), _marked(CASES))
def test_jvp_and_vjp_against_central_differences(name, fn, args, second):
    check_grads(fn, args)


@pytest.mark.parametrize(("name", "fn", "args", "second"), _marked(SCALAR))
def test_forward_equals_reverse_and_values_are_the_plain_call(name, fn, args, second):
    check_modes_agree(fn, args)


@pytest.mark.parametrize(("name", "fn", "args", "second"), _marked(CASES))
def test_primal_of_vjp_and_jvp(name, fn, args, second):
    plain = plain_value(fn, args)
    out, _ = ad.vjp(fn, *args)
    assert_same_value(out, plain, "vjp")
    tangents = tuple(np.ones_like(a) if isinstance(a, np.ndarray) else None for a in args)
    out, _ = ad.jvp(fn, args, tangents)
    assert_same_value(out, plain, "jvp")


# helpers, closures and s2s_ad's own derivatives called inside: their flat gradient code is
# called by the caller's (issue 17)
HESSIAN_CASES = [pytest.param(*case[:3], id=case[0]) for case in SCALAR]


@pytest.mark.parametrize(("name", "fn", "args"), HESSIAN_CASES)
def test_hessian_against_second_differences(name, fn, args):
    k = next(i for i, a in enumerate(args) if isinstance(a, (np.ndarray, float)))

    def at(v):
        return fn(*args[:k], v, *args[k + 1 :])

    expected = second_differences(at, args[k])
    got = ad.hessian(fn, wrt=k)(*args)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


# what the API makes of callables


def test_partial_binds_keywords_as_python_does():
    p = functools.partial(poly, y=1.5)
    expected = np.cos(X) * 1.5 + 2.0 * 3 * X**2
    np.testing.assert_allclose(ad.grad(p)(X), expected)
    np.testing.assert_allclose(ad.grad(p)(X, y=-1.0), np.cos(X) * -1.0 + 6 * X**2)
    np.testing.assert_allclose(ad.grad(p, wrt="y")(X, y=0.3), np.sum(np.sin(X)))


def test_bound_method_is_differentiated_in_its_first_explicit_argument():
    dx = ad.grad(NET.loss)(X)
    np.testing.assert_allclose(dx, ad.grad(lambda v: NET.loss(v))(X), rtol=1e-12)
    source = ad.derivative_source(NET.loss)
    assert "def loss_vjp(x)" in source


def test_a_different_function_argument_gets_its_own_derivative():
    g = ad.grad(apply, wrt=1)
    np.testing.assert_allclose(g(np.sin, X), 2.0 * np.cos(X))
    np.testing.assert_allclose(g(cube, X), 6.0 * X**2)
    np.testing.assert_allclose(g(np.sin, X), 2.0 * np.cos(X))
    np.testing.assert_allclose(ad.grad(apply, wrt=1, mode="forward")(cube, X), 6.0 * X**2)


def test_a_changed_method_or_layer_makes_a_new_derivative():
    net = Net([Dense(W1, np.tanh), Scale(1.5)])
    g = ad.grad(net.loss)
    before = g(X)
    net.layers[0].act = np.sin  # an attribute holding a function, read when made
    check_grads(net.loss, (X,))
    after = g(X)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, ad.grad(lambda v: net.loss(v))(X), rtol=1e-12)
    net.layers.append(Scale(-2.0))  # one more layer
    np.testing.assert_allclose(g(X), ad.grad(lambda v: net.loss(v))(X), rtol=1e-12)
    check_grads(net.loss, (X,))


def test_a_method_redefined_on_the_class_makes_a_new_derivative():
    class Model:
        def __init__(self, w):
            self.w = w

        def loss(self, x):
            return self.f(x) * self.w

        def f(self, x):
            return np.sum(np.sin(x))

    m = Model(2.0)
    g = ad.grad(m.loss)
    np.testing.assert_allclose(g(X), 2.0 * np.cos(X))
    Model.f = lambda self, x: np.sum(x**2)
    np.testing.assert_allclose(g(X), 4.0 * X)


def test_the_method_of_a_global_object_is_read_as_written_and_followed():
    source = ad.derivative_source(global_model_method)
    assert "MODEL.W @ x" in source and "__self__" not in source
    g = ad.grad(global_model_method)
    saved = Model.forward
    Model.forward = lambda self, x: np.sin(self.W @ x)
    try:
        np.testing.assert_allclose(g(X), ad.grad(lambda v: np.sum(np.sin(W1 @ v)) * np.sum(v))(X))
    finally:
        Model.forward = saved


def test_a_function_replaced_in_a_global_list_makes_a_new_derivative():
    g = ad.grad(from_structures)
    before = g(X)
    FUNCTIONS[1] = np.exp
    try:
        np.testing.assert_allclose(g(X), np.cos(X) + np.exp(X) + 1 - np.tanh(X) ** 2)
        check_grads(from_structures, (X,))
    finally:
        FUNCTIONS[1] = cube
    np.testing.assert_allclose(g(X), before)


def test_a_global_list_of_functions_rebound_makes_a_new_derivative():
    global FUNCTIONS
    g = ad.grad(from_structures)
    before, saved = g(X), FUNCTIONS
    FUNCTIONS = [np.cos, np.sin]
    try:
        np.testing.assert_allclose(g(X), -np.sin(X) + np.cos(X) + 1 - np.tanh(X) ** 2)
    finally:
        FUNCTIONS = saved
    np.testing.assert_allclose(g(X), before)


def test_objects_holding_only_data_do_not_specialise_the_derivative():
    from s2s_ad.callables import is_known_value

    class Data:
        def __init__(self, w):
            self.w = w

    assert not is_known_value(Data(X))
    assert is_known_value(MODEL) and is_known_value(LAYER) and is_known_value(np.sin)
    assert not any(is_known_value(v) for v in (X, 1.0, 2, (X,), [X], {"w": X}, "s"))


# refusals


class NoCall:
    pass


def calls_a_hessian(x):
    return np.sum(ad.hessian(energy)(x))  # <- error


def grad_of_a_ufunc(x):
    return ad.grad(np.sin)(x)  # <- error


def calls_a_list_item_computed(x, i):
    return np.sum(FUNCTIONS[i](x))  # <- error


def breaks_out_of_layers(x):
    h = x
    for layer in NET.layers:  # <- error
        if np.sum(h) > 10.0:
            break
        h = layer(h)
    return np.sum(h)


D_HESSIAN = ad.hessian(energy)


def calls_a_module_level_hessian(x):
    return np.sum(D_HESSIAN(x) @ x)  # <- error


def zipped_layers(x):
    h = x
    for layer, s in zip(NET.layers, [1.0, 2.0], strict=True):
        h = layer(h) * s  # <- error
    return np.sum(h)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(
    ("fn", "args", "match"),
    [
        (calls_a_hessian, (X,), "`hessian` called inside"),
        (calls_a_list_item_computed, (X, 1), "a value computed in the function"),
        (zipped_layers, (X,), "loop variable over `zip`"),
        (breaks_out_of_layers, (X,), "`break` or `continue` in a loop over functions"),
        (calls_a_module_level_hessian, (X,), "only those made by grad and value_and_grad"),
    ],
    ids=["hessian_inside", "computed_item", "zip_of_layers", "break_in_layers", "dh_inside"],
)
def test_located_refusals(fn, args, match, mode):
    with pytest.raises(UnsupportedSyntaxError, match=match) as info:
        ad.grad(fn, mode=mode)(*args)
    assert (info.value.filename, info.value.line) == (fn.__code__.co_filename, marked_line(fn))
    assert info.value.hint


def jvp_called_inside(x):
    _, tangent = ad.jvp(cube_sum, (x,), (np.ones_like(x),))  # <- error
    return tangent * 2.0


def cube_sum(t):
    return np.sum(t**3)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_other_transformations_inside_say_what_to_write(mode):
    """`ad.jvp` (or `vjp`, `jacobian`) applied inside to a differentiated value: located,
    saying that `grad(g)(x)` is what is differentiated there (not "give ad.jvp a rule")."""
    with pytest.raises(UnknownCalleeError, match="only `grad") as info:
        ad.grad(jvp_called_inside, mode=mode)(X)
    assert (info.value.filename, info.value.line) == (__file__, marked_line(jvp_called_inside))
    assert "defvjp" not in info.value.hint


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_derivative_of_a_ufunc_inside_is_refused_at_its_line(mode):
    with pytest.raises(SourceError, match="ufunc") as info:
        ad.grad(grad_of_a_ufunc, mode=mode)(0.3)
    assert (info.value.filename, info.value.line) == (__file__, marked_line(grad_of_a_ufunc))


def test_an_object_without_call_is_refused_with_a_hint():
    with pytest.raises(SourceError, match="NoCall") as info:
        ad.grad(NoCall())(X)
    assert info.value.hint


def test_a_method_of_a_class_without_source_is_refused_with_its_place():
    namespace = {"np": np}
    exec("class Hidden:\n    def loss(self, x):\n        return np.sum(x ** 2)\n", namespace)
    with pytest.raises(SourceError, match=r"Hidden\.loss") as info:
        ad.grad(namespace["Hidden"]().loss)(X)
    assert (info.value.filename, info.value.line) == ("<string>", 2)
    assert info.value.hint


def test_a_builtin_callable_without_a_rule_is_refused_at_the_call():
    def uses_builtin(x, fn):
        return np.sum(fn(x))  # <- error

    with pytest.raises(S2SError, match="rule") as info:
        ad.grad(uses_builtin)(X, np.frompyfunc(lambda t: t, 1, 1))
    assert info.value.line == marked_line(uses_builtin)


# Jacobians, hvp, jvp and vjp given functions


def doubled(fn, x):
    return fn(x) * 2.0


def test_jacobians_of_a_function_given_a_function_agree():
    expected = np.diag(2.0 * (1.0 - np.tanh(X) ** 2))
    for jacobian in (ad.jacfwd, ad.jacrev, ad.jacobian):
        np.testing.assert_allclose(jacobian(doubled, wrt=1)(np.tanh, X), expected, rtol=1e-12)
    bound = functools.partial(doubled, np.sin)
    np.testing.assert_allclose(ad.jacrev(bound)(X), np.diag(2.0 * np.cos(X)), rtol=1e-12)


def test_hvp_jvp_and_vjp_given_a_function():
    _, product = ad.hvp(apply, (np.sin, X), (None, np.ones(3)))
    np.testing.assert_allclose(product, -2.0 * np.sin(X), rtol=1e-12)
    out, tangent = ad.jvp(doubled, (np.cos, X), (None, np.ones(3)))
    assert_same_value(out, doubled(np.cos, X), "jvp")
    np.testing.assert_allclose(tangent, -2.0 * np.sin(X), rtol=1e-12)
    out, pullback = ad.vjp(doubled, np.cos, X)
    fixed, cotangent = pullback(np.ones(3))
    assert fixed is None
    np.testing.assert_allclose(cotangent, -2.0 * np.sin(X), rtol=1e-12)

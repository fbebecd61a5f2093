"""Programs passing functions around: partials, callbacks, defaults of any value.

Written by an independent tester from the README alone. Every program ``pN_*`` takes a
float array ``x`` (shape (3,)) first and returns a float scalar.
"""

import functools
import math
from functools import partial

import helpers_elsewhere as other
import libthird_independent as third
import numpy as np

# ---------------------------------------------------------------- helpers taking functions


def rk_integrate(rhs, y0, dt, n):
    y = y0
    for _ in range(n):
        k1 = rhs(y)
        k2 = rhs(y + 0.5 * dt * k1)
        y = y + dt * k2
    return y


def euler(rhs, y0, dt, n):
    y = y0
    t = 0.0
    for _ in range(n):
        y = y + dt * rhs(y, t)
        t = t + dt
    return y


def opt_step(loss_grad_fn, w, lr):
    return w - lr * loss_grad_fn(w)


def my_map(fn, xs):
    out = []
    for v in xs:
        out.append(fn(v))
    return out


def fit(loss_fn, params, steps):
    total = 0.0
    for i in range(steps):
        total = total + loss_fn(params * (1.0 + 0.1 * i))
    return total


def apply_all(callbacks, h):
    for cb in callbacks:
        h = cb(h)
    return h


def apply_pair(fn, x):
    a, b = fn(x)
    return a * 2.0 + b


# ---------------------------------------------------------------- plain functions


def decay(y, k=1.0):
    return -k * y


def decay_t(y, t, k=1.0, c=0.0):
    return -k * y + c * np.sin(t)


def scaled_power(base, e, s=1.0):
    return s * base**e


def quad_loss(w, target=0.0, scale=1.0):
    return scale * np.sum((w - target) ** 2)


def three(a, b, c):
    return a * 1.0 + b * 2.0 + c * 3.0


def cube(v):
    return v**3


def softplus(v):
    return np.log1p(np.exp(v))


ACTS = {"tanh": np.tanh, "sin": np.sin, "cube": cube, "softplus": softplus}
CFG = {"act": "softplus"}


class Stepper:
    def __init__(self, k):
        self.k = k

    def step(self, y, dt=0.1):
        return y - dt * self.k * np.sin(y)

    def run(self, y, dt, n):
        stepfn = partial(self.step, dt=dt)
        for _ in range(n):
            y = stepfn(y)
        return y


class Scale:
    def __init__(self, s):
        self.s = s

    def __call__(self, v):
        return np.tanh(v) * self.s


class Poly:
    def __init__(self, c):
        self.c = c

    def value(self, v):
        return self.c * v * v + v


SCALE_OBJ = Scale(1.5)

# ---------------------------------------------------------------- 1. partials


def p01_partial_kw_ode(x):
    k = np.sum(x) * 0.1
    rhs = partial(decay, k=k)
    y = rk_integrate(rhs, x, 0.1, 4)
    return np.sum(y**2)


def p02_np_power_partial(x):
    f = functools.partial(np.power, 2.0)
    return np.sum(f(x))


STEPPER = Stepper(0.7)


def p03_partial_method(x):
    return np.sum(STEPPER.run(x, 0.2, 3))


def p03b_partial_method_local_object(x):
    st = Stepper(0.7)
    return np.sum(st.run(x, 0.2, 3))


def p04_partial_nested_def(x):
    c = x[0]

    def g(v, a=1.0):
        return np.sin(v * a) + c * v

    h = partial(g, a=2.0)
    return np.sum(my_map(h, [x[1], x[2]]))


def p05_partial_other_module(x):
    f = partial(third.soft, k=x[0])
    return np.sum(f(x))


def p06_partial_bound_later(x):
    f = partial(scaled_power, e=3.0)
    y = x * 2.0
    z = f(y)
    w = f(z * 0.1, s=0.5)
    return np.sum(w)


def p07_partial_in_loop(x):
    f = partial(scaled_power, e=2.0, s=0.5)
    y = x
    for _ in range(3):
        y = f(y) + 0.1
    return np.sum(y)


def p08_partial_override_kw(x):
    f = partial(quad_loss, target=1.0, scale=2.0)
    return f(x, scale=x[0]) + f(x)


def p09_partials_in_list(x):
    fs = [partial(scaled_power, e=2.0), partial(scaled_power, e=3.0, s=0.5)]
    total = 0.0
    for f in fs:
        total = total + np.sum(f(x))
    return total


GLOBAL_PARTIALS = [partial(scaled_power, e=2.0), partial(scaled_power, e=3.0, s=0.5)]


def p09b_partials_in_global_list(x):
    total = 0.0
    for f in GLOBAL_PARTIALS:
        total = total + np.sum(f(x))
    return total + np.sum(GLOBAL_PARTIALS[1](x * 0.5))


def p10_partials_in_dict(x):
    losses = {"a": partial(quad_loss, target=0.5), "b": partial(quad_loss, scale=3.0)}
    return losses["a"](x) + losses["b"](x * 0.5)


def p11_partial_of_partial(x):
    f = partial(three, x[0])
    g = partial(f, x[1] * 2.0)
    return np.sum(g(x) ** 2)


def p12_partial_array_later_rebound(x):
    a = x * 2.0
    f = partial(quad_loss, target=a)
    a = a + 10.0
    return f(x * 3.0) + np.sum(a) * 0.01


def p13_partial_array_updated_in_place(x):
    a = x * 2.0
    f = partial(quad_loss, target=a)
    a[0] = 5.0
    return f(x * 3.0)


def p13b_lambda_default_array_updated_in_place(x):
    a = x * 2.0
    f = lambda v, t=a: quad_loss(v, target=t)  # noqa: E731
    a[0] = 5.0
    return f(x * 3.0)


def p13c_partial_zeros_filled_later(x):
    a = np.zeros(3)
    f = partial(quad_loss, target=a)
    a[0] = x[1]
    return f(x * 3.0)


def p13d_closure_array_updated_in_place(x):
    a = x * 2.0

    def f(v):
        return quad_loss(v, target=a)

    a[0] = 5.0
    return f(x * 3.0)


def p14_partial_scalar_later_changed(x):
    k = x[0] * 1.0
    rhs = partial(decay, k=k)
    k = k * 10.0
    return np.sum(rhs(x)) + k


def p15_partial_positional_into_helper(x):
    rhs = partial(decay_t, k=0.5, c=x[1])
    y = euler(rhs, x, 0.1, 3)
    return np.sum(y)


def p16_partial_opt_step(x):
    def loss_grad(w, t=0.0):
        return 2.0 * (w - t)

    step = partial(loss_grad, t=x[2])
    w = x
    for _ in range(2):
        w = opt_step(step, w, 0.1)
    return np.sum(w**2)


def p17_partial_to_builtin_map(x):
    vals = list(map(partial(scaled_power, e=2.0, s=x[0]), [x[1], x[2]]))
    return sum(vals)


def p18_partial_of_partial_kw_override(x):
    f = partial(scaled_power, e=2.0, s=2.0)
    g = partial(f, s=0.25)
    return np.sum(g(x)) + np.sum(g(x, e=3.0))


# ---------------------------------------------------------------- 2. callbacks


def p19_fit_callback(x):
    def loss(p):
        return np.sum(np.sin(p) * x)

    return fit(loss, x, 3)


def p20_fit_module_callback(x):
    return fit(softplus_sum, x, 2)


def softplus_sum(p):
    return np.sum(softplus(p))


CALLBACKS = [np.tanh, cube, SCALE_OBJ]


def p21_local_list_of_callbacks_to_helper(x):
    cbs = [np.tanh, cube, SCALE_OBJ]
    return np.sum(apply_all(cbs, x))


def p21b_global_list_of_callbacks_to_helper(x):
    return np.sum(apply_all(CALLBACKS, x))


def p21c_local_list_of_callbacks_looped(x):
    cbs = [np.tanh, cube]
    h = x
    for cb in cbs:
        h = cb(h)
    return np.sum(h)


def p21d_lambda_in_list_of_callbacks(x):  # (refused until session 37)
    cbs = [np.tanh, lambda v: v * 0.5 + 1.0]
    return np.sum(apply_all(cbs, x))


def r22_dict_activation_by_string(x):
    act = ACTS[CFG["act"]]
    return np.sum(act(x * 2.0))


def p23_dict_activation_literal_key_bound(x):
    act = ACTS["cube"]
    return np.sum(act(x) + ACTS["tanh"](x))


def p23b_dict_activation_literal_key_called(x):
    return np.sum(ACTS["cube"](x) + ACTS["tanh"](x))


def p24_callback_tuple(x):
    def pair(v):
        return np.sin(v), v * v

    return np.sum(apply_pair(pair, x))


# (refused until session 41, as r25_callable_object_made_here_callback: an object made here
# given to a helper, which is now inlined and follows the object's class)
def p25c_callable_object_made_here_callback(x):
    sc = Scale(2.0)
    return np.sum(rk_integrate(sc, x, 0.1, 3))


def p25b_callable_object_callback(x):
    return np.sum(rk_integrate(SCALE_OBJ, x, 0.1, 3))


def r26_lambda_defaults_loop_vars_in_list(x):
    fs = []
    for k in range(3):
        fs.append(lambda v, k=k: v * (k + 1.0))
    total = 0.0
    for f in fs:
        total = total + np.sum(f(x) ** 2)
    return total


def p27b_lambda_defaults_comprehension(x):
    fs = [lambda v, p=p: v**p for p in (1.0, 2.0, 3.0)]
    return sum(np.sum(f(x)) for f in fs)


POLY = Poly(0.5)


def r28_bound_method_of_local_object_callback(x):
    p = Poly(0.5)
    return np.sum(my_map(p.value, [x[0], x[1] * x[2]]))


def p28b_bound_method_callback(x):
    return np.sum(my_map(POLY.value, [x[0], x[1] * x[2]]))


def p28c_lambda_loop_default_to_helper(x):
    t = 0.0
    for k in range(3):
        t = t + np.sum(rk_integrate(lambda v, k=k: -v * (k + 1.0), x, 0.1, 2))
    return t


def p29_lambda_capturing_diff_value(x):
    s = np.sum(x)
    fn = lambda v: v * s  # noqa: E731
    return np.sum(rk_integrate(fn, x, 0.05, 2))


def p30_callback_ode_lambda_default(x):
    y = rk_integrate(lambda v, a=0.3: -a * v**3, x, 0.1, 3)
    return np.sum(y)


def p31_numpy_func_callback(x):
    return np.sum(rk_integrate(np.cos, x, 0.1, 3))


# ---------------------------------------------------------------- 3. defaults of any value


def h_array_default(v, w=np.array([1.0, 2.0, 3.0])):  # noqa: B008
    return np.sum(v * w)


def h_func_default(v, f=np.cos):
    return np.sum(f(v))


def h_dict_default(v, opts={"a": 2.0, "b": 0.5}):  # noqa: B006
    return np.sum(opts["a"] * v**2 + opts["b"] * v)


def h_tuple_default(v, pair=(1.5, np.array([0.5, 1.0, 2.0]))):  # noqa: B008
    s, w = pair
    return s * np.sum(w * v)


def h_obj_default(v, model=Poly(2.0)):  # noqa: B008
    return np.sum(model.value(v))


def h_mixed(v, w=np.ones(3), f=np.sin, scale=2.0):  # noqa: B008
    return scale * np.sum(f(v) * w)


MUT_DEFAULT = np.array([1.0, -1.0, 0.5])


def h_mut_default(v, w=MUT_DEFAULT):
    return np.sum(np.sin(v) * w)


def h_replaced_default(v, k=2.0):
    return np.sum(v**k)


def h_replaced_func_default(v, f=np.sin):
    return np.sum(f(v))


def p32_array_default_used(x):
    return h_array_default(x)


def p33_array_default_overridden(x):
    return h_array_default(x, w=x * 0.5)


def p34_func_default_used_and_overridden(x):
    return h_func_default(x) + h_func_default(x, f=np.tanh) + h_func_default(x, cube)


def p35_dict_default(x):
    return h_dict_default(x) + h_dict_default(x, {"a": x[0], "b": 1.0})


def p36_tuple_default(x):
    return h_tuple_default(x) + h_tuple_default(x, (x[1], x))


def p37_object_default(x):
    return h_obj_default(x) + h_obj_default(x, POLY)


def p37b_object_made_here_given_to_helper(x):
    return h_obj_default(x, Poly(x[0]))


def p38_mixed_defaults(x):
    return h_mixed(x) + h_mixed(x, f=np.tanh, scale=x[2])


def p39_mut_default(x):
    return h_mut_default(x * 2.0)


def p40_replaced_default(x):
    return h_replaced_default(x)


def p41_replaced_func_default(x):
    return h_replaced_func_default(x)


def p42_default_partial(x, f=partial(scaled_power, e=2.0, s=3.0)):  # noqa: B008
    return np.sum(f(x))


def p43_nested_def_function_default_used(x):
    def run(v, cb=softplus, n=2):
        for _ in range(n):
            v = cb(v) * 0.5
        return v

    return np.sum(run(x)) + np.sum(run(x, cb=np.tanh, n=3))


def p43b_nested_def_function_default_overridden(x):
    def run(v, cb=softplus, n=2):
        for _ in range(n):
            v = cb(v) * 0.5
        return v

    return np.sum(run(x, cb=np.tanh, n=3)) + np.sum(run(x, np.sin))


def p44b_partial_of_helper_with_function_default(x):
    f = partial(h_func_default)
    return f(x)


def p44c_partial_of_helper_with_array_default(x):
    f = partial(h_array_default)
    return f(x) + f(x * 2.0, w=x)


def p44_partial_of_helper_with_defaults(x):
    f = partial(h_mixed, f=np.cos)
    return f(x) + f(x, scale=x[0])


def p45_math_partial_scalar(x):
    f = partial(math.pow, 1.5)
    return f(x[0]) + x[1]


def p46_partial_from_other_module_via_helper(x):
    f = partial(third.soft, k=2.0)
    return np.sum(rk_integrate(f, x, 0.1, 2)) + np.sum(my_map(other.shifted_square, [x[0], x[1]]))


# (p03b, p27b and p37b were r03, r27 and r37, refused until session 39: a method of an object
# made here, a comprehension of lambdas, an object made here given to a helper)
PROGRAMS = {n: f for n, f in sorted(globals().items()) if n[:1] == "p" and n[1:3].isdigit()}
REFUSED = {n: f for n, f in sorted(globals().items()) if n[:1] == "r" and n[1:3].isdigit()}

"""Programs for test_defaults_and_inner_grads_independent.py (written from the README only).

Helpers whose defaults are functions, lambdas or objects with methods, and functions that
call ``ad.grad(g)(x)`` / ``ad.value_and_grad(g)(x)`` / a module-level ``ad.grad(g)`` inside.
Rebinding scenarios each use their own functions so that tests do not disturb each other.
"""

import numpy as np

import s2s_ad as ad


# --------------------------------------------------------------------------- activations
def softplus(v):
    return np.log1p(np.exp(v))


def cube(v):
    return v * v * v


def quartic_well(r):
    return 0.25 * r**4 - 0.5 * r**2


def harmonic(r):
    return 0.5 * r * r


def morse(r):
    return (1.0 - np.exp(-1.5 * (r - 0.4))) ** 2


# --------------------------------------------------------------------------- objects
class L2:
    def __init__(self, lam):
        self.lam = lam

    def __call__(self, w):
        return self.lam * np.sum(w**2)


class ElasticNet:
    def __init__(self, l1, l2):
        self.l1, self.l2 = l1, l2

    def smooth_abs(self, w):
        return np.sqrt(w * w + 1e-2)

    def penalty(self, w):
        return self.l1 * np.sum(self.smooth_abs(w)) + self.l2 * np.sum(w * w)


class Model:
    def __init__(self, W, b, act=np.tanh):
        self.W, self.b, self.act = W, b, act

    def forward(self, x):
        return self.act(self.W @ x + self.b)

    def __call__(self, x):
        return self.forward(x)


W0 = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]])
B0 = np.array([0.05, -0.1])
REG = L2(0.3)
NET = ElasticNet(0.2, 0.05)
MODEL = Model(W0, B0)


# --------------------------------------------------------------------------- static programs
def layer(x, act=np.tanh):
    return act(1.5 * x + 0.25)


def layer_lambda(x, act=lambda v: v * v + np.sin(v)):
    return act(x) * 0.5 + x


def layer_softplus(x, act=softplus):
    return act(x) - 0.1 * x


def penalty(w, reg=REG):
    return reg(w)


def elastic(w, reg=NET):
    return reg.penalty(w)


def head(x, model=MODEL):
    return np.sum(model(x) ** 2)


def layer_kw(x, *, act=softplus, scale=0.7):
    return scale * act(x)


def p_default_tanh(x):
    return np.sum(layer(x) ** 2)


def p_explicit_softplus(x):
    return np.sum(layer(x, act=softplus) ** 2) + np.sum(layer(x, softplus))


def p_explicit_lambda(x):
    return np.sum(layer(x, lambda v: np.exp(-v * v)))


def p_lambda_default(x):
    return np.sum(layer_lambda(x))


def p_lambda_default_overridden(x):
    return np.sum(layer_lambda(x, act=cube)) + np.sum(layer_lambda(x))


def p_object_default(x):
    return np.sum(np.sin(x)) + penalty(x)


def p_object_explicit(x):
    return np.sum(np.sin(x)) + penalty(x, reg=L2_ALT) + penalty(x, NET.penalty)


L2_ALT = L2(1.7)


def p_object_method_default(x):
    return np.sum(np.cos(x) * x) + elastic(x)


def p_model_default(x):
    return head(x) + 0.1 * head(x, model=MODEL_ALT)


MODEL_ALT = Model(W0 * 2.0, -B0, act=softplus)


def p_kwonly(x):
    return np.sum(layer_kw(x)) + np.sum(layer_kw(x, act=np.tanh, scale=1.3))


def p_own_defaults(x, act=softplus, reg=REG, *, k=cube, scale=2.0):
    return np.sum(k(act(x))) * scale + reg(x)


# several levels: energy -> pair_energy(potential=...) -> potential(default) ...
def pair_energy(r, potential=quartic_well):
    return potential(r)


def total_energy(pos, pair=pair_energy):
    diffs = pos[1:] - pos[:-1]
    r = np.sqrt(diffs * diffs + 0.01)
    return np.sum(pair(r))


def p_physics(x):
    return total_energy(x) + 0.5 * np.sum(x * x)


def p_physics_explicit(x):
    return total_energy(x, pair=lambda r: pair_energy(r, potential=morse))


# inner gradients
def inner_loss(x):
    return np.sum(np.sin(x) * x) + 0.5 * np.sum(x**4)


def p_meta_step(x):
    lr = 0.1
    y = x - lr * ad.grad(inner_loss)(x)
    return np.sum(y**2) + inner_loss(y)


def p_meta_value_and_grad(x):
    v, d = ad.value_and_grad(inner_loss)(x)
    return v * 0.3 + np.sum(d * d)


D_INNER = ad.grad(inner_loss)


def p_meta_module_level(x):
    y = x - 0.05 * D_INNER(x)
    y = y - 0.05 * D_INNER(y)
    return np.sum(np.tanh(y))


def loss_with_obj_default(x, reg=REG):
    return np.sum(np.cos(x)) + reg(x)


def p_inner_grad_object_default(x):
    return np.sum((x - 0.2 * ad.grad(loss_with_obj_default)(x)) ** 2)


def loss_with_fn_default(x, act=np.sin):
    return np.sum(act(x) * x)


def p_inner_grad_fn_default(x):
    return np.sum((x - 0.2 * ad.grad(loss_with_fn_default)(x)) ** 2)


def loss_with_scalar_default(x, c=0.7):
    return np.sum(np.sin(c * x) * x)


def p_inner_grad_scalar_default(x):
    return np.sum((x - 0.2 * ad.grad(loss_with_scalar_default)(x)) ** 2)


def p_meta_two_steps_lambda(x):
    step = lambda z, lr=0.1: z - lr * ad.grad(inner_loss)(z)  # noqa: E731
    return np.sum(step(step(x)) ** 2)


def p_mixed_default_and_explicit(x):
    return (
        np.sum(layer(x)) + np.sum(layer(x, cube)) + np.sum(layer(x, act=lambda v: v * np.tanh(v)))
    )


STATIC_PROGRAMS = [
    p_default_tanh,
    p_explicit_softplus,
    p_explicit_lambda,
    p_lambda_default,
    p_lambda_default_overridden,
    p_object_default,
    p_object_explicit,
    p_object_method_default,
    p_model_default,
    p_kwonly,
    p_own_defaults,
    p_physics,
    p_physics_explicit,
    p_meta_step,
    p_meta_value_and_grad,
    p_meta_module_level,
    p_inner_grad_object_default,
    p_inner_grad_fn_default,
    p_inner_grad_scalar_default,
    p_meta_two_steps_lambda,
]


# --------------------------------------------------------------------------- rebinding scenarios
# Each scenario: a function `f` of x, and `mutate()` / `restore()`.


# R1: helper's function default rebound via __defaults__
def r1_layer(x, act=np.tanh):
    return act(x * 1.2)


def r1_f(x):
    return np.sum(r1_layer(x) ** 2)


# R2: object default, its class's method redefined
class R2Reg:
    def __init__(self, lam):
        self.lam = lam

    def __call__(self, w):
        return self.lam * np.sum(w**2)


R2_REG = R2Reg(0.4)


def r2_penalty(w, reg=R2_REG):
    return reg(w)


def r2_f(x):
    return np.sum(np.sin(x)) + r2_penalty(x)


# R3: object default replaced by another object of the same class (other data)
class R3Reg:
    def __init__(self, lam):
        self.lam = lam

    def penalty(self, w):
        return self.lam * np.sum(w**4)


def r3_pen(w, reg=R3Reg(0.5)):  # noqa: B008 (the point of the test)
    return reg.penalty(w)


def r3_f(x):
    return np.sum(x * np.cos(x)) + r3_pen(x)


# R4: keyword-only function default rebound via __kwdefaults__
def r4_layer(x, *, act=np.tanh, scale=1.0):
    return scale * act(x)


def r4_f(x):
    return np.sum(r4_layer(x) * x)


# R5: the differentiated function's own defaults rebound
def r5_f(x, act=np.sin, reg=REG):
    return np.sum(act(x) * x) + reg(x)


# R6: lambda default rebound to another lambda
def r6_layer(x, act=lambda v: v * v):
    return act(x) + 0.1 * x


def r6_f(x):
    return np.sum(r6_layer(x))


# R7: several levels: the default of the helper given as a default rebound
def r7_potential(r, shape=harmonic):
    return shape(r) * 2.0


def r7_energy(pos, pot=r7_potential):
    d = pos[1:] - pos[:-1]
    return np.sum(pot(d))


def r7_f(x):
    return r7_energy(x) + np.sum(x**2) * 0.1


# R8: the global named in a default expression rebound: the default must NOT change
R8_ACT = np.tanh


def r8_layer(x, act=R8_ACT):
    return act(x)


def r8_f(x):
    return np.sum(r8_layer(x) ** 2)


# R9: default object's attribute function rebound (model.act = softplus)
R9_MODEL = Model(W0.copy(), B0.copy())


def r9_head(x, model=R9_MODEL):
    return np.sum(model(x) ** 2)


def r9_f(x):
    return r9_head(x)


# R10: inner grad: helper g uses redefined (global name rebound)
def r10_helper(v):
    return np.sin(v)


def r10_g(x):
    return np.sum(r10_helper(x) * x)


def r10_f(x):
    return np.sum((x - 0.1 * ad.grad(r10_g)(x)) ** 2)


# R11: inner grad: a global number g reads rebound
R11_SCALE = 1.0


def r11_g(x):
    return np.sum(np.sin(R11_SCALE * x))


def r11_f(x):
    return np.sum((x - 0.3 * ad.grad(r11_g)(x)) ** 2)


# R12: inner grad: a method of a model g uses redefined
class R12Model:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return np.tanh(self.W @ x)


R12_MODEL = R12Model(W0.copy())


def r12_g(x):
    return np.sum(R12_MODEL.forward(x) ** 2)


def r12_f(x):
    return np.sum((x - 0.5 * ad.grad(r12_g)(x)) ** 2)


# R13: inner grad: g's scalar default rebound
def r13_g(x, c=1.0):
    return np.sum(np.sin(c * x) * x)


def r13_f(x):
    return np.sum((x - 0.2 * ad.grad(r13_g)(x)) ** 2)


# R14: module-level dg = grad(g); g's helper rebound
def r14_helper(v):
    return np.exp(-v * v)


def r14_g(x):
    return np.sum(r14_helper(x))


R14_DG = ad.grad(r14_g)


def r14_f(x):
    return np.sum((x - 0.3 * R14_DG(x)) ** 2)


# R15: value_and_grad inside; g's helper rebound
def r15_helper(v):
    return np.cos(v)


def r15_g(x):
    return np.sum(r15_helper(x) * x)


def r15_f(x):
    v, d = ad.value_and_grad(r15_g)(x)
    return v * v + np.sum(d * x)


# R16: inner grad of g whose default is an object; the object's class method redefined
class R16Reg:
    def __init__(self, lam):
        self.lam = lam

    def __call__(self, w):
        return self.lam * np.sum(w**2)


R16_REG = R16Reg(0.6)


def r16_g(x, reg=R16_REG):
    return np.sum(np.cos(x)) + reg(x)


def r16_f(x):
    return np.sum((x - 0.2 * ad.grad(r16_g)(x)) ** 2)


# R17: inner grad of g whose object default is replaced via __defaults__
def r17_g(x, reg=L2(0.2)):  # noqa: B008 (the point of the test)
    return np.sum(np.sin(x)) + reg(x)


def r17_f(x):
    return np.sum((x - 0.25 * ad.grad(r17_g)(x)) ** 2)


# R18: meta-learning: loss uses a model default; model's method redefined (module-level dg)
class R18Model:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def predict(self, x):
        return np.tanh(self.W @ x + self.b)


R18_MODEL = R18Model(W0.copy(), B0.copy())


def r18_loss(x, model=R18_MODEL):
    return np.sum(model.predict(x) ** 2) + 0.05 * np.sum(x**2)


R18_DLOSS = ad.grad(r18_loss)


def r18_f(x):
    y = x - 0.5 * R18_DLOSS(x)
    return r18_loss(y)


# R19: inner grad of g calling a helper with a function default; helper's default rebound
def r19_layer(x, act=np.sin):
    return act(x)


def r19_g(x):
    return np.sum(r19_layer(x) * x)


def r19_f(x):
    return np.sum((x - 0.2 * ad.grad(r19_g)(x)) ** 2)


# R20: default object (ElasticNet-like) whose helper method redefined, two levels down
class R20Net:
    def __init__(self, l1):
        self.l1 = l1

    def smooth_abs(self, w):
        return np.sqrt(w * w + 1e-2)

    def penalty(self, w):
        return self.l1 * np.sum(self.smooth_abs(w))


R20_NET = R20Net(0.3)


def r20_reg(w, net=R20_NET):
    return net.penalty(w)


def r20_f(x):
    return np.sum(np.sin(x)) + r20_reg(x)


def _scenarios():
    g = globals()
    saved = {}

    def setg(name, value):
        saved.setdefault(("g", name), g[name])
        g[name] = value

    def setattr_(obj, name, value):
        saved.setdefault(("a", id(obj), name), (obj, name, getattr(obj, name)))
        setattr(obj, name, value)

    def restore_all():
        for key, val in list(saved.items()):
            if key[0] == "g":
                g[key[1]] = val
            else:
                obj, name, old = val
                setattr(obj, name, old)
        saved.clear()

    def new_r2_call(self, w):
        return self.lam * np.sum(w**4) + np.sum(np.sin(w))

    def new_r10_helper(v):
        return np.cos(v) * v

    def new_r12_forward(self, x):
        return softplus(self.W @ x)

    def new_r14_helper(v):
        return np.sin(v) ** 2

    def new_r15_helper(v):
        return np.tanh(v) * 2.0

    def new_r16_call(self, w):
        return self.lam * np.sum(w**4)

    def new_r18_predict(self, x):
        return softplus(self.W @ x - self.b)

    def new_r20_smooth_abs(self, w):
        return np.log(np.cosh(3.0 * w))

    return {
        "R1_helper_fn_default_rebound": (
            r1_f,
            lambda: setattr_(r1_layer, "__defaults__", (softplus,)),
        ),
        "R2_object_default_class_method_redefined": (
            r2_f,
            lambda: setattr_(R2Reg, "__call__", new_r2_call),
        ),
        "R3_object_default_replaced": (
            r3_f,
            lambda: setattr_(r3_pen, "__defaults__", (R3Reg(2.5),)),
        ),
        "R4_kwonly_default_rebound": (
            r4_f,
            lambda: setattr_(r4_layer, "__kwdefaults__", {"act": cube, "scale": 0.5}),
        ),
        "R5_own_defaults_rebound": (
            r5_f,
            lambda: setattr_(r5_f, "__defaults__", (softplus, L2(1.1))),
        ),
        "R6_lambda_default_rebound": (
            r6_f,
            lambda: setattr_(r6_layer, "__defaults__", (lambda v: np.sin(v) * v,)),
        ),
        "R7_nested_default_rebound": (
            r7_f,
            lambda: setattr_(r7_potential, "__defaults__", (morse,)),
        ),
        "R8_global_in_default_rebound_no_effect": (
            r8_f,
            lambda: setg("R8_ACT", softplus),
        ),
        "R9_default_object_attr_fn_rebound": (
            r9_f,
            lambda: setattr_(R9_MODEL, "act", softplus),
        ),
        "R10_inner_grad_helper_redefined": (
            r10_f,
            lambda: setg("r10_helper", new_r10_helper),
        ),
        "R11_inner_grad_global_rebound": (
            r11_f,
            lambda: setg("R11_SCALE", 2.5),
        ),
        "R12_inner_grad_model_method_redefined": (
            r12_f,
            lambda: setattr_(R12Model, "forward", new_r12_forward),
        ),
        "R13_inner_grad_scalar_default_rebound": (
            r13_f,
            lambda: setattr_(r13_g, "__defaults__", (2.0,)),
        ),
        "R14_module_dg_helper_redefined": (
            r14_f,
            lambda: setg("r14_helper", new_r14_helper),
        ),
        "R15_inner_value_and_grad_helper_redefined": (
            r15_f,
            lambda: setg("r15_helper", new_r15_helper),
        ),
        "R16_inner_grad_object_default_method_redefined": (
            r16_f,
            lambda: setattr_(R16Reg, "__call__", new_r16_call),
        ),
        "R17_inner_grad_object_default_replaced": (
            r17_f,
            lambda: setattr_(r17_g, "__defaults__", (L2(1.5),)),
        ),
        "R18_meta_module_dg_model_method_redefined": (
            r18_f,
            lambda: setattr_(R18Model, "predict", new_r18_predict),
        ),
        "R19_inner_grad_helper_fn_default_rebound": (
            r19_f,
            lambda: setattr_(r19_layer, "__defaults__", (np.tanh,)),
        ),
        "R20_default_object_helper_method_redefined": (
            r20_f,
            lambda: setattr_(R20Net, "smooth_abs", new_r20_smooth_abs),
        ),
    }, restore_all


SCENARIOS, restore_all = _scenarios()

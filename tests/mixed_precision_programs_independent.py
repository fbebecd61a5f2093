"""Programs where floats of several dtypes meet, for test_mixed_precision_seeds_independent.

Each first-order case is (id, function, arguments, exact gradient): the exact gradient is
written by hand in float64 from the same float32/float16 values the plain call promotes, so
it is what the float64 arithmetic of the plain call differentiates to, up to a few roundings.
"""

import collections
import dataclasses
import functools
import types

import numpy as np

X = np.array([0.3, -1.7, 2.2])
X32 = X.astype(np.float32)

S32 = np.float32(0.1)
S16 = np.float16(0.1)
LAM32 = np.float32(1e-3)
ARR32 = np.array([0.5, 0.3, 0.7], dtype=np.float32)
W16 = np.array([0.1, 0.3, 0.6], dtype=np.float16)
W32 = np.array([0.2, 0.3, 0.9], dtype=np.float32)
TARGET = np.array([1.0, 2.0, 3.0])
W64 = np.array([0.5, -1.0, 2.0])

# containers holding float32/float16 scalars: module globals the loss reads by item
CFG = {"scale": np.float32(0.1)}
CFG16 = {"scale": np.float16(0.1)}
NESTED = {"opt": {"scale": np.float32(0.1)}}
TUP = (np.float32(0.1), 2)
LST = [np.float32(0.1)]
Point = collections.namedtuple("Point", "scale")
NT = Point(np.float32(0.1))
NS = types.SimpleNamespace(scale=np.float32(0.1))


class Consts:
    scale = np.float32(0.1)


@dataclasses.dataclass
class Hyper:
    lam: object
    scale: object


class Scaler:
    def __init__(self):
        self.scale = np.float32(0.1)

    def get(self):
        return self.scale

    def apply(self, x):
        return np.sum(x * x) / self.scale


SCALER = Scaler()


# ---- divided by a float32 value found in many ways: d/dx = 2 x / float64(s) ----


def global_scalar(x):
    return np.sum(x * x) / S32


def literal32(x):
    return np.sum(x * x) / np.float32(0.1)


def literal_half(x):
    return np.sum(x * x) / np.half(0.1)


def astype_name(x):
    return np.sum(x * x) / np.array(0.1).astype("float32")


def astype_char(x):
    return np.sum(x * x) / np.array(0.1).astype("f")


def dtype_keyword_f4(x):
    return np.sum(x * x) / np.asarray(0.1, dtype="f4")


def class_attribute(x):
    return np.sum(x * x) / Consts.scale


def namespace_attribute(x):
    return np.sum(x * x) / NS.scale


def namedtuple_attribute(x):
    return np.sum(x * x) / NT.scale


def namedtuple_item(x):
    return np.sum(x * x) / NT[0]


def global_dict_item(x):
    return np.sum(x * x) / CFG["scale"]


def global_dict_item_f16(x):
    return np.sum(x * x) / CFG16["scale"]


def global_nested_dict_item(x):
    return np.sum(x * x) / NESTED["opt"]["scale"]


def global_tuple_item(x):
    return np.sum(x * x) / TUP[0]


def global_list_item(x):
    return np.sum(x * x) / LST[0]


def global_list_unpacked(x):
    (s,) = LST
    return np.sum(x * x) / s


def loop_over_global_list(x):
    acc = np.sum(x * x)
    for s in LST:
        acc = acc / s
    return acc


def _scale32():
    return np.float32(0.1)


def _scale_via_helper():
    return _scale32() * 1.0


def _scale_from_list():
    return LST[0]


def helper_returns_f32(x):
    return np.sum(x * x) / _scale32()


def helper_of_helper(x):
    return np.sum(x * x) / _scale_via_helper()


def helper_returns_list_item(x):
    return np.sum(x * x) / _scale_from_list()


def method_returns_f32(x):
    return np.sum(x * x) / SCALER.get()


def method_computes_loss(x):
    return SCALER.apply(x)


def lambda_returns_f32(x):
    s = lambda: np.float32(0.1)  # noqa: E731
    return np.sum(x * x) / s()


def _divide(x, s):
    return np.sum(x * x) / s


partial_f32 = functools.partial(_divide, s=np.float32(0.1))


def default_f32(x, s=np.float32(0.1)):  # noqa: B008
    return np.sum(x * x) / s


def _make_closure_scalar():
    c = np.float32(0.1)

    def closure_scalar(x):
        return np.sum(x * x) / c

    return closure_scalar


closure_scalar = _make_closure_scalar()


def _make_closure_dict():
    cfg = {"scale": np.float32(0.1)}

    def closure_dict_item(x):
        return np.sum(x * x) / cfg["scale"]

    return closure_dict_item


closure_dict_item = _make_closure_dict()


def argument_object_attribute(x, hp):
    return np.sum(x * x) / hp.scale


def argument_tuple_item(x, t):
    return np.sum(x * x) / t[0]


def argument_dict_item(x, d):
    return np.sum(x * x) / d["scale"]


def argument_scalar(x, s):
    return np.sum(x * x) / s


# ---- realistic losses ----


def _make_closure_array():
    c = ARR32.copy()

    def closure_array(x):
        return np.sum(x / c)

    return closure_array


closure_array = _make_closure_array()


def regularised(x):
    return np.sum((x - 1.0) ** 2) + LAM32 * np.sum(x * x)


def regularised_object(x, hp):
    return np.sum((x - 1.0) ** 2) + hp.lam * np.sum(x * x)


def weighted_mse_f16(x):
    r = x - TARGET
    return np.sum(W16 * r * r) / np.sum(W16)


def normalised_weights(x):
    w = W32 / np.sum(W32)
    return np.sum(w * x * x)


def average_f16(x):
    return np.average(x * x, weights=W16)


def average_f32(x):
    return np.average(x, weights=W32 * np.float32(3.0))


def loop_accumulate(x):
    acc = 0.0
    for i in range(3):
        acc = acc + x[i] * ARR32[i]
    return acc / np.sum(ARR32)


def branch_f32(x):
    if np.sum(x) > 0:  # noqa: SIM108 (a branch statement on purpose)
        d = np.float32(0.1)
    else:
        d = 0.2
    return np.sum(x * x) / d


def count_f32(x):
    n = np.float32(len(x))
    return np.sum(x * x) / n


def exp_of_ratio(x):
    return np.exp(np.sum(x) / np.float32(0.3))


def physics(v, dt, g):
    pos = 0.0
    for _ in range(5):
        v = v - g * dt
        pos = pos + v * dt
    return np.sum(pos * pos)


def mlp_head(w2, h32, y):
    out = h32 @ w2
    return np.sum((out - y) ** 2) / np.float32(h32.shape[0])


def f32_input_f64_loss(x):
    return np.sum(x.astype(np.float64) ** 2) / np.float32(0.1)


def f32_input_times_f64(w):
    return np.sum(w * W64)


# ---- one dtype throughout ----


def all_f32(x):
    return np.sum(x * x) / np.float32(0.1) + np.float32(0.3) * np.sum(x)


def all_f32_mean(x):
    return np.mean(np.tanh(x)) / np.float32(0.3)


def all_f64(x):
    return np.sum(x * x) / np.float64(0.1) + 0.3 * np.sum(x)


def all_f16(x):
    return np.sum(x * x) / np.float16(3.0)


# ---- second order: d2/dx2 sum(x**3)/s = diag(6 x / float64(s)) ----


def cube_global(x):
    return np.sum(x**3) / S32


def cube_literal16(x):
    return np.sum(x**3) / np.float16(0.1)


def cube_helper(x):
    return np.sum(x**3) / _scale32()


def cube_dict_item(x):
    return np.sum(x**3) / CFG["scale"]


def cube_tuple_item(x):
    return np.sum(x**3) / TUP[0]


def _f64(v):
    return np.asarray(v, dtype=np.float64)


def _sq_over(s):
    return lambda x: 2.0 * x / np.float64(s)


H = np.tanh(np.arange(6.0).reshape(2, 3) / 5).astype(np.float32)
Y = np.array([0.5, -0.25])
HP = Hyper(np.float32(1e-3), np.float32(0.1))
DT, G = np.float32(0.01), np.float32(9.81)
V0 = np.array([1.0, 2.0, -0.5])


def _physics_grad(v):
    pos = 0.0
    for _ in range(5):
        v = v - G * DT
        pos = pos + v * DT
    return 2.0 * pos * (5 * np.float64(DT))


def _mlp_grad(w2):
    r = H @ w2 - Y
    return _f64(H).T @ (2.0 * r) / np.float64(np.float32(2))


_sum_sq = np.float64(np.sum(ARR32))

# (id, function, arguments, exact float64 gradient with respect to the first argument)
FIRST_ORDER = [
    ("global_scalar", global_scalar, (X,), _sq_over(S32)),
    ("literal32", literal32, (X,), _sq_over(S32)),
    ("literal_half", literal_half, (X,), _sq_over(S16)),
    ("astype_name", astype_name, (X,), _sq_over(S32)),
    ("astype_char", astype_char, (X,), _sq_over(S32)),
    ("dtype_keyword_f4", dtype_keyword_f4, (X,), _sq_over(S32)),
    ("class_attribute", class_attribute, (X,), _sq_over(S32)),
    ("namespace_attribute", namespace_attribute, (X,), _sq_over(S32)),
    ("namedtuple_attribute", namedtuple_attribute, (X,), _sq_over(S32)),
    ("namedtuple_item", namedtuple_item, (X,), _sq_over(S32)),
    ("global_dict_item", global_dict_item, (X,), _sq_over(S32)),
    ("global_dict_item_f16", global_dict_item_f16, (X,), _sq_over(S16)),
    ("global_nested_dict_item", global_nested_dict_item, (X,), _sq_over(S32)),
    ("global_tuple_item", global_tuple_item, (X,), _sq_over(S32)),
    ("global_list_item", global_list_item, (X,), _sq_over(S32)),
    ("global_list_unpacked", global_list_unpacked, (X,), _sq_over(S32)),
    ("loop_over_global_list", loop_over_global_list, (X,), _sq_over(S32)),
    ("helper_returns_f32", helper_returns_f32, (X,), _sq_over(S32)),
    ("helper_of_helper", helper_of_helper, (X,), _sq_over(S32)),
    ("helper_returns_list_item", helper_returns_list_item, (X,), _sq_over(S32)),
    ("method_returns_f32", method_returns_f32, (X,), _sq_over(S32)),
    ("method_computes_loss", method_computes_loss, (X,), _sq_over(S32)),
    ("lambda_returns_f32", lambda_returns_f32, (X,), _sq_over(S32)),
    ("partial_f32", partial_f32, (X,), _sq_over(S32)),
    ("default_f32", default_f32, (X,), _sq_over(S32)),
    ("closure_scalar", closure_scalar, (X,), _sq_over(S32)),
    ("closure_dict_item", closure_dict_item, (X,), _sq_over(S32)),
    ("argument_scalar", argument_scalar, (X, S32), _sq_over(S32)),
    ("argument_object_attribute", argument_object_attribute, (X, HP), _sq_over(S32)),
    ("argument_tuple_item", argument_tuple_item, (X, (S32, 2)), _sq_over(S32)),
    ("argument_dict_item", argument_dict_item, (X, {"scale": S32}), _sq_over(S32)),
    ("closure_array", closure_array, (X,), lambda x: 1.0 / _f64(ARR32)),
    (
        "regularised",
        regularised,
        (X,),
        lambda x: 2.0 * (x - 1.0) + 2.0 * np.float64(LAM32) * x,
    ),
    (
        "regularised_object",
        regularised_object,
        (X, HP),
        lambda x: 2.0 * (x - 1.0) + 2.0 * np.float64(HP.lam) * x,
    ),
    (
        "weighted_mse_f16",
        weighted_mse_f16,
        (X,),
        lambda x: 2.0 * _f64(W16) * (x - TARGET) / np.float64(np.sum(W16)),
    ),
    (
        "normalised_weights",
        normalised_weights,
        (X,),
        lambda x: 2.0 * _f64(W32 / np.sum(W32)) * x,
    ),
    (
        "average_f16",
        average_f16,
        (X,),
        lambda x: 2.0 * x * _f64(W16) / np.sum(_f64(W16)),
    ),
    (
        "average_f32",
        average_f32,
        (X,),
        lambda x: _f64(W32 * np.float32(3.0)) / np.sum(_f64(W32 * np.float32(3.0))),
    ),
    ("loop_accumulate", loop_accumulate, (X,), lambda x: _f64(ARR32) / _sum_sq),
    ("branch_f32", branch_f32, (X,), _sq_over(S32)),
    ("count_f32", count_f32, (X,), lambda x: 2.0 * x / 3.0),
    (
        "exp_of_ratio",
        exp_of_ratio,
        (X,),
        lambda x: (
            np.full(3, np.exp(np.sum(x) / np.float64(np.float32(0.3))))
            / np.float64(np.float32(0.3))
        ),
    ),
    ("physics", physics, (V0, DT, G), _physics_grad),
    ("mlp_head", mlp_head, (W64, H, Y), _mlp_grad),
    (
        "f32_input_f64_loss",
        f32_input_f64_loss,
        (X32,),
        lambda x: 2.0 * _f64(x) / np.float64(S32),
    ),
]

# one dtype throughout: grad must be vjp's pullback of 1.0 bit for bit
SINGLE_DTYPE = [
    ("all_f32", all_f32, (X32,)),
    ("all_f32_mean", all_f32_mean, (X32,)),
    ("all_f16", all_f16, (X.astype(np.float16),)),
    ("all_f64", all_f64, (X,)),
]

# (id, function, s): Hessian diag(6 x / float64(s))
SECOND_ORDER = [
    ("cube_global", cube_global, S32),
    ("cube_literal16", cube_literal16, S16),
    ("cube_helper", cube_helper, S32),
    ("cube_dict_item", cube_dict_item, S32),
    ("cube_tuple_item", cube_tuple_item, S32),
]

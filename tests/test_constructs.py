"""Every construct of the foundation, in both modes, against central differences.

Each row differentiates a function with respect to all its float arguments: the JVP is
checked against central differences, the VJP against the JVP (dot-product test), and for
scalar functions `grad` in reverse mode against `grad` in forward mode.
"""

import math

import numpy as np
from derivative_tests import derivative_tests

SCALE = 1.5  # a module-level global: read, not differentiated
A = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]])


def arithmetic(x, y):
    return x * y + x / y - y**3 + (-x) + (+y)


def assignment_chain(x, y):
    a = x * y
    b = a + x
    c = b * a
    return c


def reassignment(x):
    y = x * 2.0
    y = y * y
    y = y - x
    return y


def augmented(x, y):
    z = x
    z += y
    z *= x
    z -= 1.0
    z /= y
    z **= 2
    return z


def annotated(x):
    z: float = x * x
    return z


def tuple_unpacking(x, y):
    a, b = x * y, x + y
    a, b = b, a  # swap
    return a / b


def tuple_of_names(x, y):
    t = (x, y)
    u, v = t
    return u * v


def chained_assignment(x):
    a = b = x * 3.0
    return a * b


def power_forms(x, y):
    return x**2 + x**0.5 + 2.0**x + x**y + x**1


def abs_builtin(x):
    return abs(x) * x


def math_functions(x):
    a = math.sin(x) + math.cos(x) + math.tan(x) + math.exp(x) + math.log(x)
    b = math.sqrt(x) + math.tanh(x) + math.sinh(x) + math.cosh(x) + math.atan(x)
    c = math.log(x, 2.0) + math.log10(x) + math.log2(x) + math.log1p(x) + math.expm1(x)
    d = math.asin(x / 4.0) + math.acos(x / 4.0) + math.asinh(x) + math.acosh(x + 1.0)
    e = math.atanh(x / 4.0) + math.erf(x) + math.erfc(x) + math.pow(x, 1.5) + math.fabs(x)
    f = math.atan2(x, 2.0) + math.hypot(x, 3.0) + math.degrees(x) + math.radians(x)
    return a + b + c + d + e + f + math.pi * x + math.cbrt(x)


def numpy_elementwise(x):
    a = np.sin(x) + np.cos(x) + np.tan(x) + np.exp(x) + np.log(x) + np.sqrt(x)
    b = np.tanh(x) + np.arctan(x) + np.square(x) + np.reciprocal(x) + np.abs(x)
    c = np.exp2(x) + np.expm1(x) + np.log2(x) + np.log10(x) + np.log1p(x) + np.cbrt(x)
    d = np.arcsin(x / 4.0) + np.arccos(x / 4.0) + np.arcsinh(x) + np.arccosh(x + 1.0)
    return np.sum(a + b + c + d + np.arctanh(x / 4.0) + np.sinh(x) + np.cosh(x))


def numpy_binary(x, y):
    z = np.add(x, y) * np.multiply(x, y) - np.subtract(x, y) / np.divide(y, x)
    return np.sum(z + np.power(x, y) + np.arctan2(x, y) + np.hypot(x, y) + np.negative(x))


def broadcasting(x, b, s):
    return np.sum(x * b + s / b - x / s)


def broadcast_rows(m, row, col):
    return np.mean((m + row) * col)


def reductions(x):
    a = np.sum(x, axis=0)
    b = np.sum(x, axis=1, keepdims=True)
    c = np.mean(x, axis=-1)
    d = np.mean(x, 0, keepdims=True)
    return np.sum(a) + np.sum(b * b) + np.mean(c * c) + np.sum(d) * np.mean(x)


def reduce_axes_tuple(x):
    return np.sum(np.sum(x * x, axis=(0, 2)))


def matmul(w, x, b):
    return np.sum(np.tanh(w @ x + b))


def matrix_products(a, b, v):
    m = a @ b
    w = np.dot(a, v)
    u = np.matmul(m, np.ones(2))
    return np.sum(m * m) + np.dot(w, w) + np.sum(u)


def vector_matrix(v, m):
    return np.sum((v @ m) ** 2) + v @ v


def uses_globals(x):
    return SCALE * np.sum(A @ x) + np.pi * np.sum(x)


def make_closure(c):
    def closed(x):
        return c * x * x

    return closed


closed_over = make_closure(2.5)


def keyword_defaults(x, y=2.0, *, p=3.0):
    return x**p + y * x


def keyword_call(x):
    return np.sum(x**2, axis=None, keepdims=False)


def unused_argument(x, y):
    return x * x


def constant_output(x):
    return 3.0


def nondiff_inside(x):
    n = np.size(x)
    return np.sum(x) / n + np.floor(2.5) * np.sum(x)


def multiple_outputs(x, y):
    return x * y, np.sin(x)


def same_output_twice(x):
    y = x * x
    return y, y


def returns_argument(x, y):
    return x


def float32_inputs(x):
    return np.sum(np.tanh(x) * 2.0)


def x_squared(x):
    return x * x


rng = np.random.default_rng(0)
M34 = rng.standard_normal((3, 4))
V4 = rng.standard_normal(4)
V3 = rng.standard_normal(3)

CASES = [
    (arithmetic, (1.3, 0.7)),
    (assignment_chain, (1.3, -0.4)),
    (reassignment, (0.8,)),
    (augmented, (1.3, 0.7)),
    (annotated, (1.7,)),
    (tuple_unpacking, (1.3, 0.7)),
    (tuple_of_names, (1.3, 0.7)),
    (chained_assignment, (0.9,)),
    (power_forms, (1.3, 0.7)),
    (abs_builtin, (-1.3,)),
    (math_functions, (1.2,)),
    (numpy_elementwise, (np.array([0.5, 1.2, 2.0]),)),
    (numpy_binary, (np.array([0.5, 1.2, 2.0]), np.array([1.5, 0.2, 0.7]))),
    (broadcasting, (M34, V4, 1.7)),
    (broadcast_rows, (M34, V4.reshape(1, 4), V3.reshape(3, 1))),
    (reductions, (M34,)),
    (reduce_axes_tuple, (rng.standard_normal((2, 3, 4)),)),
    (matmul, (M34, V4, V3)),
    (vector_matrix, (V3, M34)),
    (matrix_products, (M34, rng.standard_normal((4, 2)), V4)),
    (uses_globals, (V3,)),
    (keyword_defaults, (1.3,)),
    (keyword_defaults, (1.3, 0.4)),
    (keyword_call, (V4,)),
    (unused_argument, (1.3, 0.4)),
    (nondiff_inside, (V4,)),
    (multiple_outputs, (1.3, 0.4)),
    (same_output_twice, (1.3,)),
    (returns_argument, (1.3, 0.4)),
    (closed_over, (1.3,)),
]


test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)

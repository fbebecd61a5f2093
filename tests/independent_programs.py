"""Random programs written independently of s2s_ad's own generator and transforms.

The grammar comes from the README's "What is supported today" table, its rule list
(`s2s-ad rules --list`) and issue 14's edge cases; it was written without reading the
library's source or its other tests.  `generate(seed)` returns a `Program`: the source of a
module holding the function `f`, its helpers, its globals, and `_args()`/`WRT` (the point
and the arguments differentiated), fully determined by the seed; kinds rotate with the seed.

Issue 16's kinds (STRUCTURED_KINDS) take what people hold parameters in: `pytree_args` a
list of (W, b) tuples, a dict, a dict of a list of layers, a tuple of dicts or a list of
vectors (read by `for W, b in params`, `params[-1]`, `params[i]['w']`, len, zip, slices,
star unpacking, a helper given the whole list); `dataclass_params` a dataclass (plain,
frozen, with a method, with an int field, of a list of Layer dataclasses) or a NamedTuple
read as `p.w`; `callback` a function value (a function, lambda, functools.partial, closure
from a factory, callable object, bound method, NumPy function) called directly, through a
helper, through map, from a list or a dict.  The checker flattens these by its own rules
(`_node`), never s2s_ad's: central differences leaf by leaf, and gradients, tangents and
cotangents structured as the argument (the same containers, the NamedTuple or dataclass
class, the same keys, None at int fields).

`check(program, workdir)` writes the module to a real file, imports it and runs the public
API against the plain call and central differences:

- the plain value; `value_and_grad`'s value, `jvp`'s and `vjp`'s primal outputs equal it;
- `grad` (reverse) and `grad(mode="forward")` agree with central differences (two step
  sizes before a mismatch is declared; a function whose differences disagree with each
  other at the point is `nonsmooth` and skipped) and with each other;
- the dot-product test between `jvp` and `vjp`.

Outcomes: ok, refused (an `s2s_ad.S2SError` naming the program's file with a line number),
mismatch, internal (any other exception, or a refusal without that location), nonsmooth
(skipped).
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib.util
import itertools
import math
import os
import random
import re
import sys
import traceback
import warnings
import zlib

import numpy as np

# issue 16: a structure, a record of parameters, a function value as an argument
STRUCTURED_KINDS = ("pytree_args", "dataclass_params", "callback")
KINDS = (
    "expr",
    "broadcast",
    "branch",
    "range_loop",
    "iter_loop",
    "while_loop",
    "early_return",
    "helpers",
    "closure",
    "element_update",
    "lists",
    "views",
    "joining",
    "stats",
    *STRUCTURED_KINDS,
)

# ---------------------------------------------------------------------------------------
# values and intervals


@dataclasses.dataclass
class Var:
    name: str
    shape: tuple
    lo: float
    hi: float
    active: bool
    owned: bool = False  # a fresh local array: in-place updates do not reach an argument


@dataclasses.dataclass
class E:
    src: str
    shape: tuple
    lo: float
    hi: float
    active: bool


def _bound(e):
    return max(abs(e.lo), abs(e.hi))


def _fmt(c):
    return repr(round(float(c), 3))


def _hull(a, b):
    return min(a[0], b[0]), max(a[1], b[1])


def _mul_iv(a, b):
    ps = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]]
    return min(ps), max(ps)


def _size(shape):
    return int(np.prod(shape)) if shape else 1


# unary functions: template, domain ("any", ("pos", lo), ("abs", B), ("nz", d)), scalar-only
UNARY = [
    ("np.sin({})", "any"),
    ("np.cos({})", "any"),
    ("np.tanh({})", "any"),
    ("np.arctan({})", "any"),
    ("np.exp({})", ("abs", 2.5)),
    ("np.log({})", ("pos", 0.3)),
    ("np.sqrt({})", ("pos", 0.3)),
    ("np.log1p({})", ("pos", -0.4)),
    ("np.square({})", ("abs", 4.0)),
    ("({}) ** 2", ("abs", 4.0)),
    ("({}) ** 3", ("abs", 2.5)),
    ("np.reciprocal({})", ("pos", 0.4)),
    ("1.0 / ({})", ("nz", 0.4)),
    ("np.cbrt({})", ("nz", 0.3)),
    ("np.abs({})", ("nz", 0.2)),
    ("abs({})", ("nz", 0.2)),
    ("np.arcsinh({})", "any"),
    ("np.sinh({})", ("abs", 2.5)),
    ("np.cosh({})", ("abs", 2.5)),
    ("np.expm1({})", ("abs", 2.5)),
    ("np.exp2({})", ("abs", 3.0)),
    ("np.log2({})", ("pos", 0.3)),
    ("np.log10({})", ("pos", 0.3)),
    ("np.arcsin({})", ("abs", 0.85)),
    ("np.arccos({})", ("abs", 0.85)),
    ("np.arctanh({})", ("abs", 0.8)),
    ("np.arccosh({})", ("pos", 1.3)),
    ("np.negative({})", "any"),
    ("-({})", "any"),
    ("np.deg2rad({})", "any"),
    ("({}) ** 1.5", ("pos", 0.3)),
    ("np.power({}, 2.5)", ("pos", 0.3)),
    ("np.float_power({}, 2.0)", ("abs", 4.0)),
]
MATH_UNARY = [
    ("math.sin({})", "any"),
    ("math.cos({})", "any"),
    ("math.exp({})", ("abs", 2.5)),
    ("math.log({})", ("pos", 0.3)),
    ("math.sqrt({})", ("pos", 0.3)),
    ("math.tanh({})", "any"),
    ("math.atan({})", "any"),
    ("math.log1p({})", ("pos", -0.4)),
]

_SAMPLE = {}


def _image(template, lo, hi):
    """The range of template over [lo, hi], sampled (plus a margin)."""
    fn = _SAMPLE.get(template)
    if fn is None:
        fn = eval("lambda t: " + template.format("t"), {"np": np, "math": math})
        _SAMPLE[template] = fn
    ts = np.linspace(lo, hi, 201)
    with np.errstate(all="ignore"):
        ys = np.array([float(fn(float(t))) for t in ts])
    ys = ys[np.isfinite(ys)]
    if ys.size == 0:
        return -1e9, 1e9
    span = float(ys.max() - ys.min())
    return float(ys.min()) - 0.02 * span - 1e-3, float(ys.max()) + 0.02 * span + 1e-3


# the functions given as arguments: name, definition, unary
CALLBACKS = (
    ("softplus", ["def softplus(u):", "    return np.log1p(np.exp(u))"], True),
    ("bump", ["def bump(u):", "    return u / (1.0 + u * u)"], True),
    ("scaled_tanh", ["def scaled_tanh(u, c=1.0):", "    return c * np.tanh(u)"], True),
    ("mix", ["def mix(a, b, w=0.5):", "    return w * a + (1.0 - w) * np.sin(b)"], False),
)


# ---------------------------------------------------------------------------------------
# the generator


class Gen:
    def __init__(self, seed, kind=None):
        self.seed = seed
        self.r = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.kind = kind or self.r.choice(KINDS)
        self.n = self.r.choice([3, 4, 5])
        self.m = self.r.choice([2, 3])
        self.env: dict[str, Var] = {}
        self.lines: list[str] = []
        self.top: list[str] = []  # globals and helpers
        self.ind = 1
        self.count = 0
        self.float32 = False
        self.args: list[tuple[str, str, object]] = []  # name, literal source, value
        self.wrt: list[int] = []
        self.uses_s2s = False  # the program marks a loop with s2s_ad.checkpoint
        self.imports: set[str] = set()  # what the issue 16 kinds import besides math, numpy
        self.must: list[str] = []  # values the result must use (the structure reaches it)

    # -- helpers --------------------------------------------------------------------
    def fresh(self, stem="t"):
        self.count += 1
        return f"{stem}{self.count}"

    def emit(self, line):
        self.lines.append("    " * self.ind + line)

    @contextlib.contextmanager
    def block(self, header):
        self.emit(header)
        self.ind += 1
        before = {k: dataclasses.replace(v) for k, v in self.env.items()}
        n_lines = len(self.lines)
        yield
        if len(self.lines) == n_lines:
            self.emit("pass")
        self.ind -= 1
        # names made inside the block are gone; names updated inside widen to the hull
        for k in list(self.env):
            if k not in before:
                del self.env[k]
            else:
                old = before[k]
                v = self.env[k]
                v.lo, v.hi = _hull((old.lo, old.hi), (v.lo, v.hi))
                v.active = v.active or old.active

    def vars_of(self, shape=None, active=None):
        out = []
        for v in self.env.values():
            if shape is not None and v.shape != shape:
                continue
            if active is not None and v.active != active:
                continue
            out.append(v)
        return out

    def assign(self, e, stem="t", owned=None):
        name = self.fresh(stem)
        self.emit(f"{name} = {e.src}")
        if owned is None:  # a bare name or a subscript may share memory with its base
            owned = bool(e.shape) and not re.fullmatch(r"[A-Za-z_]\w*(\[.*\])?", e.src)
        self.env[name] = Var(name, e.shape, e.lo, e.hi, e.active, owned)
        return self.env[name]

    def update(self, var, e):
        """var = e, with e of var's shape."""
        self.emit(f"{var.name} = {e.src}")
        var.lo, var.hi, var.active = e.lo, e.hi, e.active or var.active
        var.owned = bool(e.shape)

    # -- domains ----------------------------------------------------------------------
    def squash(self, e, b=1.0):
        if _bound(e) <= b:
            return e
        fn = self.r.choice(["np.tanh", "np.sin", "np.arctan"])
        scale = b if fn != "np.arctan" else b / 1.58
        src = f"{fn}({e.src})" if scale == 1.0 else f"{_fmt(scale)} * {fn}({e.src})"
        return E(src, e.shape, -b, b, e.active)

    def make_pos(self, e, lo_min):
        if e.lo >= lo_min:
            return e
        if lo_min <= 0.8 and self.r.random() < 0.3 and _bound(e) < 3:
            return E(f"(1.0 + {e.src} ** 2)", e.shape, 1.0, 1.0 + _bound(e) ** 2, e.active)
        c = round(lo_min - e.lo + 0.2, 2)
        return E(f"({_fmt(c)} + {e.src})", e.shape, e.lo + c, e.hi + c, e.active)

    def fix_domain(self, e, dom):
        if dom == "any":
            return e
        what, p = dom
        if what == "pos":
            e = self.squash(e, 3.0) if _bound(e) > 6 else e
            return self.make_pos(e, p)
        if what == "abs":
            return self.squash(e, p)
        if what == "nz":
            if e.lo >= p or e.hi <= -p:
                return e
            e = self.squash(e, 3.0) if _bound(e) > 6 else e
            return self.make_pos(e, p)
        raise AssertionError(dom)

    # -- expressions --------------------------------------------------------------------
    def const(self, shape):
        if not shape:
            c = round(self.r.uniform(-1.5, 1.5), 2)
            return E(_fmt(c), (), c, c, False)
        choice = self.r.random()
        if len(shape) == 1:
            k = shape[0]
            if choice < 0.3:
                a, b = sorted(round(self.r.uniform(-1.5, 1.5), 1) for _ in range(2))
                return E(f"np.linspace({_fmt(a)}, {_fmt(b)}, {k})", shape, a, b, False)
            if choice < 0.45:
                c = round(self.r.uniform(-1.5, 1.5), 2)
                return E(f"np.full({k}, {_fmt(c)})", shape, c, c, False)
            if choice < 0.6:
                return E(f"np.ones({k})", shape, 1.0, 1.0, False)
            if choice < 0.7:
                return E(f"np.zeros({k})", shape, 0.0, 0.0, False)
            if choice < 0.8:
                return E(f"(np.arange({k}.0) * 0.25)", shape, 0.0, 0.25 * (k - 1), False)
        else:
            if choice < 0.25:
                c = round(self.r.uniform(-1.5, 1.5), 2)
                return E(f"np.full({shape}, {_fmt(c)})", shape, c, c, False)
            if choice < 0.45:
                return E(f"np.ones({shape})", shape, 1.0, 1.0, False)
            if choice < 0.55:
                return E(f"np.zeros({shape})", shape, 0.0, 0.0, False)
        return self.global_array(shape)

    def global_array(self, shape):
        for line in self.top:
            m = re.match(r"(G\d+) = .*# shape (\(.*\)) \[(.*), (.*)\]$", line)
            if m and eval(m.group(2)) == shape and self.r.random() < 0.6:
                return E(m.group(1), shape, float(m.group(3)), float(m.group(4)), False)
        vals = np.round(self.np_rng.uniform(-1.5, 1.5, size=shape), 2)
        name = f"G{len(self.top) + 1}"
        lit = np.array2string(vals, separator=", ", max_line_width=10**6)
        lo, hi = float(vals.min()), float(vals.max())
        self.top.append(f"{name} = np.array({lit})  # shape {shape} [{lo}, {hi}]")
        return E(name, shape, lo, hi, False)

    def leaf(self, shape, want_active=None):
        cands = self.vars_of(shape)
        act = [v for v in cands if v.active]
        if want_active is None:
            want_active = self.r.random() < 0.75
        if want_active and act:
            v = self.r.choice(act)
        elif cands and self.r.random() < 0.6:
            v = self.r.choice(cands)
        else:
            if shape and len(shape) == 1 and self.r.random() < 0.5:
                # a slice or row of something larger
                e = self.slice_to(shape)
                if e is not None:
                    return e
            return self.const(shape)
        return E(v.name, v.shape, v.lo, v.hi, v.active)

    def slice_to(self, shape):
        (k,) = shape
        for v in self.r.sample(list(self.env.values()), len(self.env)):
            if len(v.shape) == 1 and v.shape[0] > k:
                s = self.r.randrange(0, v.shape[0] - k + 1)
                form = self.r.choice(
                    [f"[{s}:{s + k}]", f"[{s}:{s + k}]", f"[-{k}:]" if s else f"[:{k}]"]
                )
                return E(f"{v.name}{form}", shape, v.lo, v.hi, v.active)
            if len(v.shape) == 2 and v.shape[1] == k:
                i = self.r.randrange(-v.shape[0], v.shape[0])
                return E(f"{v.name}[{i}]", shape, v.lo, v.hi, v.active)
            if len(v.shape) == 2 and v.shape[0] == k:
                j = self.r.randrange(v.shape[1])
                return E(f"{v.name}[:, {j}]", shape, v.lo, v.hi, v.active)
        return None

    def expr(self, shape, depth=2):
        if depth <= 0:
            return self.leaf(shape)
        p = self.r.random()
        if p < 0.12:
            return self.leaf(shape)
        if p < 0.5:
            return self.binop(shape, depth)
        if p < 0.75:
            return self.unary(shape, depth)
        if p < 0.9:
            e = self.reduce_to(shape, depth)
            if e is not None:
                return e
        e = self.matmul_to(shape, depth)
        if e is not None:
            return e
        return self.binop(shape, depth)

    def array_op(self, shape, depth):
        """Shape-keeping operations on arrays: methods, flips, clips, sorts, masks."""
        e = self.expr(shape, depth - 1)
        lo, hi = e.lo, e.hi
        pe = self._paren(e)
        ops = ["copy", "flip", "roll", "clip", "where", "reshape"]
        if len(shape) == 1:
            ops += ["cumsum", "rev", "sort", "take"]
        else:
            ops += ["transpose", "fliplr"]
        op = self.r.choice(ops)
        if op == "copy":
            src = self.r.choice([f"{pe}.copy()", f"np.copy({e.src})", f"{pe}.astype(np.float64)"])
        elif op == "flip":
            src = f"np.flip({e.src})"
        elif op == "roll":
            src = f"np.roll({e.src}, {self.r.choice([1, -1, 2])})"
        elif op == "clip":
            a, b = sorted((self.threshold(lo, hi), self.threshold(lo, hi)))
            b = b + 0.2
            src = self.r.choice(
                [f"np.clip({e.src}, {_fmt(a)}, {_fmt(b)})", f"{pe}.clip({_fmt(a)}, {_fmt(b)})"]
            )
            lo, hi = a, b
        elif op == "where":
            t = self.threshold(lo, hi)
            src = f"np.where({e.src} > {_fmt(t)}, {e.src}, 0.5 * {e.src})"
            lo, hi = min(lo, 0.5 * lo), max(hi, 0.5 * hi)
        elif op == "reshape":
            src = (
                f"{pe}.reshape({shape})"
                if self.r.random() < 0.5
                else f"np.reshape({e.src}, {shape})"
            )
        elif op == "cumsum":
            k = shape[0]
            src = self.r.choice([f"np.cumsum({e.src})", f"{pe}.cumsum()"])
            lo, hi = min(lo, k * lo), max(hi, k * hi)
        elif op == "rev":
            src = f"{pe}[::-1]"
        elif op == "sort":
            src = f"np.sort({e.src})"
        elif op == "take":
            k = shape[0]
            idx = [self.r.randrange(k) for _ in range(k)]
            src = self.r.choice([f"np.take({e.src}, {idx})", f"{pe}[{idx}]"])
        elif op == "transpose":
            src = self.r.choice([f"{pe}.T.T", f"np.transpose({e.src}).T", f"{pe}.transpose().T"])
        else:
            src = f"np.fliplr({e.src})"
        return E(src, shape, lo, hi, e.active)

    def unary(self, shape, depth):
        if shape and self.r.random() < 0.25:
            return self.array_op(shape, depth)
        table = UNARY + (MATH_UNARY if not shape else [])
        tmpl, dom = self.r.choice(table)
        e = self.fix_domain(self.expr(shape, depth - 1), dom)
        lo, hi = _image(tmpl, e.lo, e.hi)
        return E(tmpl.format(e.src), shape, lo, hi, e.active)

    def operand_shapes(self, shape):
        if not shape:
            return [((), ())]
        if len(shape) == 1:
            return [(shape, shape), ((), shape), (shape, ()), (shape, shape)]
        _m, n = shape
        return [
            (shape, shape),
            ((), shape),
            (shape, ()),
            ((n,), shape),
            (shape, (n,)),
            ("col", shape),
            (shape, "col"),
        ]

    def operand(self, s, target, depth):
        if s == "col":
            e = self.expr((target[0],), depth)
            return E(f"{e.src}[:, None]", (target[0], 1), e.lo, e.hi, e.active)
        return self.expr(s, depth)

    def binop(self, shape, depth):
        sa, sb = self.r.choice(self.operand_shapes(shape))
        a = self.operand(sa, shape, depth - 1)
        op = self.r.choice(
            ["+", "-", "*", "*", "/", "np.add", "np.multiply", "np.subtract", "max", "hyp"]
        )
        if op == "/":
            b = self.fix_domain(self.operand(sb, shape, depth - 1), ("nz", 0.4))
            inv = (1.0 / b.hi, 1.0 / b.lo)
            lo, hi = _mul_iv((a.lo, a.hi), (min(inv), max(inv)))
            return E(f"{a.src} / {b.src}", shape, lo, hi, a.active or b.active)
        b = self.operand(sb, shape, depth - 1)
        if b.src == a.src:  # x - x and max(x, x) are degenerate points (zero, ties)
            b = self.const(b.shape) if sb != "col" else b
            if b.src == a.src:
                b = E(f"({b.src} + 0.5)", b.shape, b.lo + 0.5, b.hi + 0.5, b.active)
        act = a.active or b.active
        if op in ("+", "np.add"):
            lo, hi = a.lo + b.lo, a.hi + b.hi
        elif op in ("-", "np.subtract"):
            lo, hi = a.lo - b.hi, a.hi - b.lo
        elif op in ("*", "np.multiply"):
            lo, hi = _mul_iv((a.lo, a.hi), (b.lo, b.hi))
        elif op == "max":
            fn = self.r.choice(["np.maximum", "np.minimum", "np.fmax", "np.fmin"])
            if not shape and self.r.random() < 0.3:
                fn = self.r.choice(["max", "min"])
                if a.shape or b.shape:
                    fn = "np.maximum"
            return E(f"{fn}({a.src}, {b.src})", shape, min(a.lo, b.lo), max(a.hi, b.hi), act)
        else:
            fn = self.r.choice(["np.hypot", "np.arctan2", "np.logaddexp"])
            if fn == "np.arctan2":
                b = self.make_pos(b, 0.3)
                return E(f"np.arctan2({a.src}, {b.src})", shape, -1.6, 1.6, act)
            if fn == "np.hypot":
                b = self.make_pos(b, 0.3)
                hi = math.hypot(_bound(a), _bound(b))
                return E(f"np.hypot({a.src}, {b.src})", shape, 0.3, hi, act)
            a, b = self.squash(a, 3.0), self.squash(b, 3.0)
            return E(
                f"np.logaddexp({a.src}, {b.src})",
                shape,
                max(a.lo, b.lo),
                max(a.hi, b.hi) + 0.7,
                act,
            )
        src = f"{op}({a.src}, {b.src})" if op.startswith("np.") else f"({a.src} {op} {b.src})"
        return E(src, shape, lo, hi, act)

    def reduce_to(self, shape, depth):
        if not shape:
            src_shape = self.r.choice([(self.n,), (self.n,), (self.m, self.n)])
            a = self.expr(src_shape, depth - 1)
            k = _size(src_shape)
            red = self.r.choice(
                ["sum", "mean", "max", "min", "prod", "std", "var", "norm", "msum", "mmean", "dot"]
            )
            if red == "sum":
                if self.r.random() < 0.3:
                    t = self.threshold(a.lo, a.hi)
                    pa = self._paren(a)
                    src = self.r.choice(
                        [f"np.sum({pa}[{pa} > {_fmt(t)}])", f"{pa}[{pa} < {_fmt(t)}].sum()"]
                    )
                    return E(src, (), -k * _bound(a), k * _bound(a), a.active)
                return E(f"np.sum({a.src})", (), k * a.lo, k * a.hi, a.active)
            if red == "msum":
                return E(f"{self._paren(a)}.sum()", (), k * a.lo, k * a.hi, a.active)
            if red in ("mean", "mmean"):
                src = f"np.mean({a.src})" if red == "mean" else f"{self._paren(a)}.mean()"
                return E(src, (), a.lo, a.hi, a.active)
            if red in ("max", "min"):
                fn = self.r.choice([f"np.{red}", f"np.a{red}"])
                return E(f"{fn}({a.src})", (), a.lo, a.hi, a.active)
            if red == "prod":
                a = self.squash(a, 1.2)
                b = 1.2**k
                return E(f"np.prod({a.src})", (), -b, b, a.active)
            if red in ("std", "var", "norm"):
                # a spread-out offset keeps the point off zero variance (where the
                # derivative of std does not exist)
                g = self.global_array(src_shape)
                a = E(f"({a.src} + {g.src})", src_shape, a.lo + g.lo, a.hi + g.hi, a.active)
            if red in ("std", "var"):
                ddof = self.r.choice(["", "", ", ddof=1"])
                w = a.hi - a.lo
                hi = w * 2 if red == "std" else (w * 2) ** 2
                return E(f"np.{red}({a.src}{ddof})", (), 0.0, hi + 1e-3, a.active)
            if red == "norm":
                a = self.make_pos(a, 0.3) if self.r.random() < 0.5 else a
                return E(f"np.linalg.norm({a.src})", (), 0.0, math.sqrt(k) * _bound(a), a.active)
            b = self.expr(src_shape, depth - 1)
            lo, hi = _mul_iv((a.lo, a.hi), (b.lo, b.hi))
            if len(src_shape) == 1:
                form = self.r.choice(
                    ["np.dot({}, {})", "({} @ {})", "np.vdot({}, {})", "np.inner({}, {})"]
                )
                return E(form.format(a.src, b.src), (), k * lo, k * hi, a.active or b.active)
            return E(f"np.sum({a.src} * {b.src})", (), k * lo, k * hi, a.active or b.active)
        if len(shape) == 1:
            k = shape[0]
            if k == self.n:
                a = self.expr((self.m, self.n), depth - 1)
                axis, cnt = 0, self.m
            elif k == self.m:
                a = self.expr((self.m, self.n), depth - 1)
                axis, cnt = 1, self.n
            else:
                return None
            red = self.r.choice(["sum", "mean", "max", "std", "cumsum"])
            if red == "cumsum":
                return E(
                    f"np.cumsum({a.src}, axis={axis})[-1]"
                    if axis == 0
                    else f"np.cumsum({a.src}, axis=1)[:, -1]",
                    shape,
                    cnt * a.lo,
                    cnt * a.hi,
                    a.active,
                )
            if red == "sum":
                return E(f"np.sum({a.src}, axis={axis})", shape, cnt * a.lo, cnt * a.hi, a.active)
            if red == "mean":
                return E(f"{self._paren(a)}.mean(axis={axis})", shape, a.lo, a.hi, a.active)
            if red == "max":
                return E(f"np.max({a.src}, axis={axis})", shape, a.lo, a.hi, a.active)
            fn = self.r.choice(["std", "var"])
            g = self.global_array((self.m, self.n))
            a = E(f"({a.src} + {g.src})", a.shape, a.lo + g.lo, a.hi + g.hi, a.active)
            w = a.hi - a.lo
            return E(
                f"np.{fn}({a.src}, axis={axis})",
                shape,
                0.0,
                (w if fn == "std" else w * w) + 1e-3,
                a.active,
            )
        return None

    @staticmethod
    def _paren(e):
        return e.src if re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", e.src) else f"({e.src})"

    def matmul_to(self, shape, depth):
        m, n = self.m, self.n
        if shape == (m,):
            a = self.expr((m, n), depth - 1)
            b = self.expr((n,), depth - 1)
            form = self.r.choice(["({} @ {})", "np.dot({}, {})", "np.matmul({}, {})"])
            src = form.format(a.src, b.src)
        elif shape == (n,):
            a = self.expr((m,), depth - 1)
            b = self.expr((m, n), depth - 1)
            if self.r.random() < 0.5:
                src = f"({a.src} @ {b.src})"
            else:
                src = (
                    f"{self._paren(b)}.T.dot({a.src})"
                    if self.r.random() < 0.3
                    else f"({b.src}.T @ {a.src})"
                )
        elif shape == (m, n):
            a = self.expr((m,), depth - 1)
            b = self.expr((n,), depth - 1)
            src = f"np.outer({a.src}, {b.src})"
        else:
            return None
        k = n if shape == (m,) else m
        lo, hi = _mul_iv((a.lo, a.hi), (b.lo, b.hi))
        return E(
            src,
            shape,
            k * lo if shape != (m, n) else lo,
            k * hi if shape != (m, n) else hi,
            a.active or b.active,
        )

    def small(self, shape, depth=2, b=1.5):
        return self.squash(self.expr(shape, depth), b)

    def threshold(self, lo, hi):
        """A branch threshold inside [lo, hi], or beside it when the range is a point (an
        exactly known value must not sit on its own threshold)."""
        if hi - lo < 0.3:
            return round(self.r.choice([lo - 0.15, hi + 0.15]), 2) + 0.0037
        return round(self.r.uniform(lo, hi), 2) + 0.0037

    def cond(self):
        """A comparison on a differentiated value with a threshold inside its range."""
        e = self.small(self.r.choice([(), (), (self.n,)]), 1, 3.0)
        if e.shape:
            e = E(f"np.sum({e.src})", (), e.lo * self.n, e.hi * self.n, e.active)
        t = self.threshold(e.lo, e.hi)
        op = self.r.choice([">", "<", ">=", "<="])
        c = f"{e.src} {op} {_fmt(t)}"
        if self.r.random() < 0.2:
            e2 = self.small((), 1, 3.0)
            c2 = f"{e2.src} > {_fmt(self.threshold(e2.lo, e2.hi))}"
            c = f"{c} {self.r.choice(['and', 'or'])} {c2}"
        if self.r.random() < 0.1:
            c = f"not ({c})"
        return c

    # -- arguments -------------------------------------------------------------------
    def make_args(self):
        r = self.r
        n_active = r.choice([1, 1, 2, 2, 3])
        self.float32 = r.random() < 0.07
        names = ["x", "y", "z"]
        for i in range(n_active):
            kind = r.choice(["float", "f64", "vec", "vec", "vec", "mat"])
            if i == 0 and kind in ("float", "f64") and r.random() < 0.5:
                kind = "vec"
            self.add_arg(names[i], kind, active=True)
        if r.random() < 0.35:
            self.add_arg("data", r.choice(["vec", "mat", "mat"]), active=False)

    def add_arg(self, name, kind, active):
        r = self.r
        if kind in ("float", "f64"):
            v = round(r.uniform(0.2, 1.4) * r.choice([1, 1, -1]), 3)
            lit = _fmt(v) if kind == "float" else f"np.float64({_fmt(v)})"
            val = v if kind == "float" else np.float64(v)
            shape, lo, hi = (), v, v
        else:
            shape = (self.n,) if kind == "vec" else (self.m, self.n)
            vals = np.round(self.np_rng.uniform(-1.4, 1.4, size=shape), 3)
            lit = np.array2string(vals, separator=", ", max_line_width=10**6)
            f32 = self.float32 and active
            lit = f"np.array({lit}{', dtype=np.float32' if f32 else ''})"
            val = vals.astype(np.float32 if f32 else np.float64)
            lo, hi = float(vals.min()), float(vals.max())
        if active:
            self.wrt.append(len(self.args))
        self.args.append((name, lit, val))
        self.env[name] = Var(name, shape, lo, hi, active, owned=False)

    # -- the program ----------------------------------------------------------------
    def program(self):
        if self.kind not in STRUCTURED_KINDS:  # those make their own arguments
            self.make_args()
        body_kind = getattr(self, "k_" + self.kind)
        body_kind()
        ret = self.final()
        self.emit(f"return {ret}")
        params = ", ".join(a[0] for a in self.args)
        wrt = tuple(self.wrt)
        if len(wrt) == 1 and self.r.random() < 0.5:
            wrt = wrt[0] if self.r.random() < 0.5 else self.args[wrt[0]][0]
        args_src = ", ".join(a[1] for a in self.args)
        top = [re.sub(r"  # shape.*$", "", line) for line in self.top]
        src = "\n".join(
            [
                *sorted(
                    {"import math", *self.imports}, key=lambda line: (line.startswith("from"), line)
                ),
                "",
                "import numpy as np",
                "",
                *top,
                "",
                "",
                f"def f({params}):",
                *self.lines,
                "",
                "",
                "def _args():",
                f"    return ({args_src},)",
                "",
                "",
                f"WRT = {wrt!r}",
                "",
            ]
        )
        src = re.sub(r"\n{3,}", "\n\n\n", src)
        return src, wrt

    def final(self):
        """A real scalar from some of the live values, at least one differentiated."""
        terms = []
        act = [v for v in self.env.values() if v.active and v.name not in [a[0] for a in self.args]]
        act = act or [v for v in self.env.values() if v.active]
        chosen = self.r.sample(act, min(len(act), self.r.choice([1, 2, 2, 3])))
        if self.must and not any(v.name in self.must for v in chosen):
            chosen.append(self.env[self.r.choice(self.must)])
        for v in chosen:
            e = E(v.name, v.shape, v.lo, v.hi, v.active)
            if v.shape:
                red = self.r.choice(
                    [
                        "np.sum({})",
                        "np.mean({})",
                        "{}.sum()",
                        "np.sum(np.sin({}))",
                        "np.sum({} ** 2)",
                    ]
                )
                terms.append(red.format(e.src))
            else:
                terms.append(
                    self.r.choice(["{}", "{}", "np.sin({})", "{} * {}"]).format(e.src, e.src)
                )
        return " + ".join(terms)

    # -- statement kinds ---------------------------------------------------------------
    def stmts(self, count=None, depth=2):
        for _ in range(count or self.r.randint(1, 3)):
            shape = self.r.choice([(), (self.n,), (self.n,), (self.m, self.n)])
            p = self.r.random()
            olds = self.vars_of(shape)
            olds = [v for v in olds if v.name not in dict((a[0], 1) for a in self.args)]
            olds = [v for v in olds if v.name not in self.must]  # keep what must reach the result
            if olds and p < 0.3:
                v = self.r.choice(olds)
                e = self.small(shape, depth, 4.0)
                if self.r.random() < 0.5 and not shape:
                    op = self.r.choice(["+=", "-=", "*="])
                    if op == "*=":
                        e = self.squash(e, 1.0)
                        lo, hi = _mul_iv((v.lo, v.hi), (e.lo, e.hi))
                    elif op == "+=":
                        lo, hi = v.lo + e.lo, v.hi + e.hi
                    else:
                        lo, hi = v.lo - e.hi, v.hi - e.lo
                    self.emit(f"{v.name} {op} {e.src}")
                    v.lo, v.hi, v.active = lo, hi, v.active or e.active
                else:
                    self.update(v, e)
            elif p < 0.38 and not shape:
                e = self.small(shape, depth, 4.0)
                name = self.fresh("u")
                self.emit(f"{name}: float = {e.src}")
                self.env[name] = Var(name, (), e.lo, e.hi, e.active)
            elif p < 0.44:
                e = self.small(shape, depth, 4.0)
                n1, n2 = self.fresh("u"), self.fresh("w")
                self.emit(f"{n1} = {n2} = {e.src}")
                self.env[n1] = Var(n1, shape, e.lo, e.hi, e.active)
                self.env[n2] = Var(n2, shape, e.lo, e.hi, e.active)
            elif p < 0.5 and len(self.nonargs(shape)) >= 2:
                v1, v2 = self.r.sample(self.nonargs(shape), 2)
                self.emit(f"{v1.name}, {v2.name} = {v2.name}, {v1.name}")
                for a, b in ((v1, v2), (v2, v1)):
                    a.lo, a.hi, a.active, a.owned = b.lo, b.hi, b.active, b.owned
                v1.lo, v2.lo = min(v1.lo, v2.lo), min(v1.lo, v2.lo)
                v1.hi, v2.hi = max(v1.hi, v2.hi), max(v1.hi, v2.hi)
            else:
                self.assign(self.small(shape, depth, 4.0))

    def k_expr(self):
        self.stmts(self.r.randint(1, 4), depth=3)
        if self.r.random() < 0.2:
            # a complex intermediate value (issue 14, case 6): real in, real out
            s = self.small((), 1, 1.5)
            form = self.r.choice(
                [
                    "np.abs(np.exp(1j * {s}) + 2.0) ** 2",
                    "np.real(np.exp(1j * {s}) * (1.0 + 2.0j))",
                    "np.imag((1.0 + 1j * {s}) ** 2)",
                    "np.abs(({s} + 1j) * ({s} - 2j))",
                ]
            )
            self.assign(E(form.format(s=s.src), (), -6, 10, s.active), "cz")

    def k_broadcast(self):
        n, m = self.n, self.m
        for _ in range(self.r.randint(1, 3)):
            s = self.leaf(self.r.choice([(), (n,)]), want_active=True)
            if not s.active:
                s = self.leaf((), want_active=True)
            big = (n,) if not s.shape else (m, n)
            if not s.shape and self.r.random() < 0.4:
                big = (m, n)
            p = self.r.randrange(6)
            passive = self.const(big)
            if "data" in self.env and self.env["data"].shape == big and self.r.random() < 0.5:
                d = self.env["data"]
                passive = E("data", big, d.lo, d.hi, False)
            op = self.r.choice(["+", "-", "*"])
            if op == "*":
                lo, hi = _mul_iv((passive.lo, passive.hi), (s.lo, s.hi))
            else:
                lo, hi = passive.lo - _bound(s), passive.hi + _bound(s)
            if p == 0:  # passive op active (either order) into a variable, read back by index
                src = (
                    f"{passive.src} {op} {s.src}"
                    if self.r.random() < 0.5
                    else f"{s.src} {op} {passive.src}"
                )
                v = self.assign(E(src, big, lo, hi, True), "a")
                idx = self.r.choice(
                    ["[1]", "[-1]", "[0]"] + (["[1, 2]", "[-1, 0]"] if len(big) == 2 else [])
                )
                sh = big[1:] if len(idx.split(",")) == 1 else ()
                self.assign(E(f"{v.name}{idx}", sh, lo, hi, True))
            elif p == 1:  # a buffer += active
                buf = self.fresh("buf")
                ctor = self.r.choice(
                    [f"np.zeros({big})", f"np.ones({big})", f"np.full({big}, 0.5)"]
                )
                self.emit(f"{buf} = {ctor}")
                aop = self.r.choice(["+=", "-=", "*="])
                self.emit(f"{buf} {aop} {s.src}")
                self.env[buf] = Var(buf, big, -_bound(s) - 1, _bound(s) + 1, True, owned=True)
            elif p == 2:  # reduction of the broadcast straight away
                red = self.r.choice(["np.sum", "np.mean", "np.max"])
                src = (
                    f"{red}({passive.src} {op} {s.src})"
                    if self.r.random() < 0.5
                    else f"{red}({s.src} {op} {passive.src})"
                )
                k = _size(big) if red == "np.sum" else 1
                self.assign(E(src, (), -k * max(abs(lo), abs(hi)), k * max(abs(lo), abs(hi)), True))
            elif p == 3 and not s.shape:  # np.full(n, c) - s, and friends
                c = round(self.r.uniform(-1, 1), 2)
                ctor = self.r.choice(
                    [f"np.full({n}, {_fmt(c)})", f"np.linspace(0.0, 1.0, {n})", f"np.ones({n})"]
                )
                self.assign(E(f"{ctor} {op} {s.src}", (n,), -3, 3, True))
            elif (
                p == 4 and len(big) == 2 and s.shape == (n,)
            ):  # matrix-vector with a passive matrix
                form = self.r.choice(["{P} @ {s}", "np.dot({P}, {s})", "{s} @ {P}.T"])
                self.assign(E(form.format(P=passive.src, s=s.src), (m,), -10, 10, True))
            else:
                self.stmts(1)
        self.stmts(self.r.randint(0, 2))

    def k_branch(self):
        self.stmts(self.r.randint(1, 2))
        targets = self.r.sample(self.nonargs() or [self.assign(self.small((), 1))], 1)
        v = targets[0]
        p = self.r.random()
        if p < 0.35:
            # conditional expression; sometimes an array built in one branch
            a = self.small(v.shape, 2, 3.0)
            b = self.small(v.shape, 2, 3.0) if self.r.random() < 0.6 else self.const(v.shape)
            if v.shape and self.r.random() < 0.5:
                b = self.const(v.shape)
            self.update(
                v,
                E(
                    f"{a.src} if {self.cond()} else {b.src}",
                    v.shape,
                    min(a.lo, b.lo),
                    max(a.hi, b.hi),
                    True,
                ),
            )
        else:
            with self.block(f"if {self.cond()}:"):
                self.update(v, self.small(v.shape, 2, 3.0))
                if self.r.random() < 0.3:
                    with self.block(f"if {self.cond()}:"):
                        self.stmts(1)
                        self.update(v, self.small(v.shape, 2, 3.0))
            for _ in range(self.r.choice([0, 1, 1, 2])):
                with self.block(f"elif {self.cond()}:"):
                    self.update(v, self.small(v.shape, 2, 3.0))
            if self.r.random() < 0.7:
                with self.block("else:"):
                    self.stmts(self.r.randint(0, 1))
                    self.update(v, self.small(v.shape, 2, 3.0))
        self.stmts(self.r.randint(0, 2))

    def nonargs(self, shape=None):
        argn = {a[0] for a in self.args} | set(self.must)
        return [v for v in self.vars_of(shape) if v.name not in argn]

    def acc_init(self, shape=()):
        e = self.small(shape, 1, 1.5) if self.r.random() < 0.6 else self.const(shape)
        return self.assign(e, "acc")

    def loop_update(self, acc, iters, extra=None, budget=3.0):
        """acc = acc + c * term, with the growth over iters iterations under budget."""
        init = (acc.lo, acc.hi)
        w = _bound(acc) + budget + 0.5
        acc.lo, acc.hi = -w, w
        term = self.expr(acc.shape if self.r.random() < 0.8 else (), 2)
        if extra is not None and self.r.random() < 0.7:
            term = E(
                f"({term.src} * {extra.src})",
                term.shape,
                *_mul_iv((term.lo, term.hi), (extra.lo, extra.hi)),
                True,
            )
        term = self.squash(term, 1.0) if _bound(term) > 1.0 else term
        c = round(budget / (max(iters, 1) * max(_bound(term), 1e-3)), 2) or 0.01
        form = self.r.choice(["{a} = {a} + {c} * {t}", "{a} += {c} * {t}", "{a} = {a} - {c} * {t}"])
        if acc.shape and form.startswith("{a} +=") and not acc.owned:
            form = "{a} = {a} + {c} * {t}"
        if self.r.random() < 0.2:
            form = "{a} = np.tanh({a}) + {c} * {t}"
        self.emit(form.format(a=acc.name, c=_fmt(c), t=term.src))
        acc.lo, acc.hi = init[0] - budget - 1, init[1] + budget + 1
        acc.active = acc.active or term.active

    def range_form(self):
        n = self.n
        forms = [
            (f"range({n})", list(range(n))),
            (f"range(1, {n})", list(range(1, n))),
            (f"range(0, {n}, 2)", list(range(0, n, 2))),
            (f"range({n - 1}, -1, -1)", list(range(n - 1, -1, -1))),
            (f"range({n - 1}, 0, -2)", list(range(n - 1, 0, -2))),
            ("range(len(x))" if self.env["x"].shape else f"range({n})", list(range(n))),
            (f"range(2, {n})", list(range(2, n))),
            (f"range({n} - 1, 0, -1)", list(range(n - 1, 0, -1))),
        ]
        if self.env["x"].shape:
            forms.append(("range(x.shape[0])", list(range(self.env["x"].shape[0]))))
        return self.r.choice(forms)

    def indexed(self, i, values):
        """An active element read with the loop index i."""
        vecs = [v for v in self.vars_of() if len(v.shape) >= 1 and v.shape[0] > max(values)]
        vecs = [v for v in vecs if v.active] or vecs
        if not vecs:
            return None
        v = self.r.choice(vecs)
        form = self.r.choice(["{v}[{i}]", "{v}[{i}]", "{v}[-1 - {i}]", "{v}[{i} - 1]"])
        sh = v.shape[1:]
        e = E(form.format(v=v.name, i=i), sh, v.lo, v.hi, v.active)
        if sh:
            e = E(f"np.sum({e.src})", (), sh[0] * v.lo, sh[0] * v.hi, v.active)
        return e

    def k_range_loop(self):
        self.stmts(self.r.randint(0, 2))
        acc = self.acc_init(self.r.choice([(), (), (self.n,)]))
        src, values = self.range_form()
        i = self.r.choice(["i", "k", "j"])
        if not values:
            src, values = f"range({self.n})", list(range(self.n))
        nested = self.r.random() < 0.2
        use_else = self.r.random() < 0.3
        if self.r.random() < 0.12:
            src = f"s2s_ad.checkpoint({src}{self.r.choice(['', ', every=2'])})"
            self.uses_s2s = True
        with self.block(f"for {i} in {src}:"):
            self.exits(i, values)
            el = self.indexed(i, values)
            if nested:
                with self.block(f"for j2 in range({self.r.randint(1, 3)}):"):
                    self.loop_update(acc, len(values) * 3, el)
            else:
                self.loop_update(acc, len(values), el)
        if use_else:
            with self.block("else:"):
                self.update(
                    acc,
                    self.small(acc.shape, 1, 3.0)
                    if self.r.random() < 0.5
                    else E(
                        f"{acc.name} * 1.5",
                        acc.shape,
                        acc.lo * 1.5 - 1,
                        acc.hi * 1.5 + 1,
                        acc.active,
                    ),
                )
        if self.r.random() < 0.6:  # the loop variable after the loop
            self.emit(f"{acc.name} = {acc.name} * ({i} + 1.0)")
            m = max(values) + 1
            acc.lo, acc.hi = min(acc.lo * m, acc.lo), max(acc.hi * m, acc.hi)

    def exits(self, i, values):
        p = self.r.random()
        if p < 0.25:
            self.emit(f"if {i} == {self.r.choice(values)}:")
            self.emit("    " + self.r.choice(["break", "continue"]))
        elif p < 0.4:
            with self.block(f"if {self.cond()}:"):
                self.emit(self.r.choice(["break", "continue"]))

    def k_iter_loop(self):
        self.stmts(self.r.randint(0, 2))
        vecs = [v for v in self.vars_of() if len(v.shape) == 1]
        if not vecs:
            vecs = [self.assign(self.small((self.n,), 1, 2.0))]
        v = self.r.choice([w for w in vecs if w.active] or vecs)
        acc = self.acc_init(())
        p = self.r.random()
        k = v.shape[0]
        env_e = None
        if p < 0.3:
            head, e, idx = f"for e in {v.name}:", "e", None
        elif p < 0.6:
            start = self.r.choice(["", ", start=1", ", 1", ", start=2"])
            head, e, idx = f"for idx, e in enumerate({v.name}{start}):", "e", "idx"
            if self.r.random() < 0.3:
                g = self.const((k,))
                head = f"for idx, e in enumerate({g.src}{start}):"
                e = "e"
                env_e = (g.lo, g.hi, False)
        elif p < 0.85:
            w = self.r.choice([x for x in self.vars_of((k,))] + [None])
            w = E(w.name, w.shape, w.lo, w.hi, w.active) if w is not None else self.const((k,))
            head, e, idx = f"for e, w in zip({v.name}, {w.src}):", "e", None
            self.env["w"] = Var("w", (), w.lo, w.hi, w.active)
        else:
            mats = self.vars_of((self.m, self.n))
            if mats:
                mv = self.r.choice(mats)
                head, e, idx = f"for row in {mv.name}:", "row", None
                self.env["row"] = Var("row", (self.n,), mv.lo, mv.hi, mv.active)
                k = self.m
            else:
                head, e, idx = f"for e in {v.name}:", "e", None
        if e == "e":
            lohi = env_e or (v.lo, v.hi, v.active)
            self.env["e"] = Var("e", (), *lohi)
        if idx:
            self.env[idx] = Var(idx, (), 0, k + 2, False)
        after_e = self.env[e]
        with self.block(head):
            if self.r.random() < 0.4:
                c = self.r.choice(
                    [f"{e} > {_fmt(self.threshold(after_e.lo, after_e.hi))}"]
                    if e == "e"
                    else [self.cond()]
                )
                if idx and self.r.random() < 0.5:
                    c = f"{idx} == {self.r.randint(1, k)}"
                with self.block(f"if {c}:"):
                    self.emit(self.r.choice(["break", "continue", "break"]))
            ee = E(
                e if e == "e" else f"np.sum({e})",
                (),
                after_e.lo * (1 if e == "e" else self.n),
                after_e.hi * (1 if e == "e" else self.n),
                after_e.active,
            )
            self.loop_update(acc, k, ee)
            if idx and self.r.random() < 0.6:
                self.emit(f"{acc.name} = {acc.name} + 0.1 * {idx} * {e if e == 'e' else 'row[0]'}")
        if self.r.random() < 0.3:
            with self.block("else:"):
                self.emit(f"{acc.name} = {acc.name} * 2.0")
            acc.lo, acc.hi = acc.lo * 2, acc.hi * 2
        if self.r.random() < 0.7:  # loop variables after the loop
            after = f"{e} * 2.0" if e == "e" else f"np.sum({e})"
            if idx:
                after += f" + {idx}"
            self.emit(f"{acc.name} = {acc.name} + {after}")
            acc.lo, acc.hi = acc.lo - 15, acc.hi + 15

    def k_while_loop(self):
        self.stmts(self.r.randint(0, 2))
        acc = self.acc_init(self.r.choice([(), (), (self.n,)]))
        n = self.r.randint(2, 5)
        self.emit("k = 0")
        c = f"k < {n}"
        if self.r.random() < 0.3:
            e = self.small((), 1, 2.0)
            c = f"k < {n} and {e.src} < {_fmt(self.threshold(e.lo, e.hi) + 0.5)}"
        with self.block(f"while {c}:"):
            p = self.r.random()
            if p < 0.25:
                with self.block(f"if k == {self.r.randrange(n)}:"):
                    self.emit("k += 1")
                    self.emit(self.r.choice(["continue", "break"]))
            elif p < 0.4:
                with self.block(f"if {self.cond()}:"):
                    self.emit("break")
            el = self.indexed("k", list(range(n)))
            self.loop_update(acc, n, el)
            self.emit(self.r.choice(["k += 1", "k = k + 1"]))
        if self.r.random() < 0.3:
            with self.block("else:"):
                self.emit(f"{acc.name} = {acc.name} - 0.5")
        if self.r.random() < 0.4:
            self.emit(f"{acc.name} = {acc.name} * (k + 1)")
            acc.lo, acc.hi = acc.lo * (n + 1), acc.hi * (n + 1)

    def k_early_return(self):
        self.stmts(self.r.randint(1, 2))
        p = self.r.random()
        if p < 0.4:
            with self.block(f"if {self.cond()}:"):
                self.stmts(1)
                self.emit(f"return {self.final()}")
            self.stmts(self.r.randint(0, 2))
        elif p < 0.75:
            acc = self.acc_init(())
            src, values = self.range_form()
            if not values:
                src, values = f"range({self.n})", list(range(self.n))
            with self.block(f"for i in {src}:"):
                el = self.indexed("i", values)
                self.loop_update(acc, len(values), el)
                c = self.cond() if self.r.random() < 0.5 else f"i == {self.r.choice(values)}"
                with self.block(f"if {c}:"):
                    self.emit(f"return {acc.name} * {self.r.choice(['1.0', '(i + 1)', '2.0'])}")
        else:
            # an early return before a loop whose variable is read after it (issue 14, 16)
            vecs = [v for v in self.vars_of() if len(v.shape) == 1 and v.active]
            v = self.r.choice(vecs) if vecs else self.assign(self.small((self.n,), 1, 2.0))
            with self.block(f"if {self.cond()}:"):
                self.emit(f"return {self.final()}")
            acc = self.acc_init(())
            self.env["e"] = Var("e", (), v.lo, v.hi, v.active)
            with self.block(f"for e in {v.name}:"):
                self.loop_update(acc, v.shape[0], E("e", (), v.lo, v.hi, v.active))
            self.emit(f"{acc.name} = {acc.name} + e")
            acc.lo, acc.hi = acc.lo - 2, acc.hi + 2

    def k_helpers(self):
        hn = self.fresh("helper")
        nout = self.r.choice([1, 2, 3])
        outs = self.r.sample(
            ["a * b", "a + b", "np.sin(a) * b", "a - 0.5 * b", "np.tanh(a * b)", "a * a + b"], nout
        )
        default = self.r.random() < 0.4
        sig = "a, b=0.5" if default else "a, b"
        hbody = [f"def {hn}({sig}):"]
        if self.r.random() < 0.4:
            hbody.append("    a = np.tanh(a)")
        if self.r.random() < 0.3:
            g = self.global_array((self.n,))
            hbody.append(f"    b = b + 0.1 * np.sum({g.src})")
        hbody.append(f"    return {', '.join(outs)}" if nout > 1 else f"    return {outs[0]}")
        self.top += ["", *hbody, ""]
        self.stmts(self.r.randint(0, 2))
        a = self.small(self.r.choice([(), (self.n,)]), 1, 1.0)
        if default and self.r.random() < 0.5:
            call = f"{hn}({a.src})"
        else:
            b = self.small(a.shape if self.r.random() < 0.7 else (), 1, 1.0)
            call = (
                f"{hn}({a.src}, {b.src})" if self.r.random() < 0.6 else f"{hn}({a.src}, b={b.src})"
            )
        sh, lo, hi = a.shape, -3.0, 3.0
        p = self.r.random()
        if nout == 1:
            self.assign(E(call, sh, lo, hi, True), "h")
        elif p < 0.35:
            names = [self.fresh("p") for _ in range(nout)]
            self.emit(f"{', '.join(names)} = {call}")
            for nm in names:
                self.env[nm] = Var(nm, sh, lo, hi, True, owned=bool(sh))
        elif p < 0.7:
            t = self.fresh("res")
            self.emit(f"{t} = {call}")
            idx = self.r.choice([0, 1, -1, nout - 1, -nout])
            self.assign(E(f"{t}[{idx}]", sh, lo, hi, True), "h")
            if self.r.random() < 0.5:  # a helper's tuple read inside a loop
                acc = self.acc_init(())
                with self.block(f"for i in range({self.r.randint(1, 3)}):"):
                    if self.r.random() < 0.5:
                        self.emit(
                            f"return {t}[{self.r.choice([0, -1])}]"
                            + (".sum()" if sh else "")
                            + f" + {acc.name}"
                        )
                    else:
                        te = E(f"{t}[{self.r.choice([0, -1])}]", sh, lo, hi, True)
                        if sh:
                            te = E(f"np.sum({te.src})", (), -15, 15, True)
                        self.loop_update(acc, 3, te)
        else:
            # a local tuple read with negative indices
            e1, e2 = self.small(sh, 1, 2.0), self.small(sh, 1, 2.0)
            t = self.fresh("tup")
            self.emit(
                f"{t} = ({e1.src}, {e2.src}, {call}"
                + (")" if nout == 1 else f"[{self.r.choice([0, -1])}])")
            )
            self.assign(E(f"{t}[{self.r.choice([-1, -2, -3, 0, 1])}]", sh, -3, 3, True), "h")
        self.stmts(self.r.randint(0, 1))

    def k_closure(self):
        self.stmts(self.r.randint(0, 2))
        c = self.small((), 1, 1.5)
        cv = self.assign(c, "c")
        p = self.r.random()
        if p < 0.4:
            # a closure over the enclosing values, called with arguments
            with self.block("def inner(u):"):
                self.emit(f"return np.sin(u) * {cv.name} + {self.small((), 1, 1.0).src}")
            a = self.small(self.r.choice([(), (self.n,)]), 1, 2.0)
            self.assign(E(f"inner({a.src})", a.shape, -3, 3, True), "h")
            if self.r.random() < 0.5:
                acc = self.acc_init(())
                with self.block(f"for i in range({self.r.randint(1, 3)}):"):
                    self.emit(f"{acc.name} = {acc.name} + 0.3 * inner({acc.name} + i)")
                acc.lo, acc.hi = -5, 5
        elif p < 0.6:
            # a default evaluated at definition (issue 5)
            with self.block(f"def inner(u, c={cv.name}):"):
                self.emit("return u * c")
            if self.r.random() < 0.6:
                self.update(cv, self.small((), 1, 1.5))
            a = self.small((), 1, 2.0)
            self.assign(E(f"inner({a.src})", (), -3, 3, True), "h")
        elif p < 0.8:
            # a closure appending to the enclosing list (issue 4)
            self.emit("acc_list = []")
            with self.block("def add(u):"):
                self.emit(f"acc_list.append(u * {cv.name})")
            k = self.r.randint(1, 3)
            with self.block(f"for i in range({k}):"):
                self.emit(f"add({self.small((), 1, 1.0).src} + i)")
            self.assign(
                E(
                    "sum(acc_list)" if self.r.random() < 0.5 else "np.sum(np.array(acc_list))",
                    (),
                    -10,
                    10,
                    True,
                ),
                "h",
            )
        else:
            # a closure writing into an enclosing array
            self.emit(f"buf = np.zeros({self.n})")
            with self.block("def put(i, u):"):
                self.emit("buf[i] = u")
            with self.block(f"for i in range({self.n}):"):
                self.emit(f"put(i, {self.small((), 1, 1.0).src} * i)")
            self.env["buf"] = Var("buf", (self.n,), -5, 5, True, owned=True)

    def k_element_update(self):
        self.stmts(self.r.randint(0, 1))
        n, m = self.n, self.m
        shape = self.r.choice([(n,), (n,), (m, n)])
        a = self.fresh("a")
        init = self.r.choice(
            [f"np.zeros({shape})", f"np.ones({shape})", f"np.full({shape}, 0.25)", "copy"]
        )
        if init == "copy":
            e = self.small(shape, 1, 1.5)
            init = f"{e.src} * 1.0" if self.r.random() < 0.5 else f"np.copy({e.src})"
        self.emit(f"{a} = {init}")
        self.env[a] = Var(a, shape, -1.5, 1.5, "x" in init or "y" in init, owned=True)
        av = self.env[a]
        for _ in range(self.r.randint(1, 3)):
            p = self.r.random()
            if p < 0.4:
                with self.block(f"for i in range({shape[0]}):"):
                    self.env["i"] = Var("i", (), 0, shape[0], False)
                    tgt = f"{a}[i]"
                    val = self.small(shape[1:], 1, 1.0)
                    op = self.r.choice(["=", "+=", "-=", "*="])
                    if op != "=":
                        val = E(f"0.5 * {val.src}", val.shape, -0.5, 0.5, val.active)
                    self.emit(f"{tgt} {op} {val.src}")
            elif p < 0.7:
                idx = self.r.choice(
                    [
                        f"[{self.r.randrange(shape[0])}]",
                        f"[-{self.r.randint(1, shape[0])}]",
                        "[1:3]",
                        "[::2]",
                    ]
                )
                if len(shape) == 2 and self.r.random() < 0.5:
                    idx = self.r.choice(
                        [
                            f"[{self.r.randrange(m)}, :]",
                            f"[:, {self.r.randrange(n)}]",
                            f"[0, {self.r.randrange(n)}]",
                        ]
                    )
                val = self.small((), 1, 1.0)
                op = self.r.choice(["=", "+=", "-=", "*="])
                self.emit(f"{a}{idx} {op} {val.src}")
            else:
                # a mask
                self.emit(
                    f"{a}[{a} > {_fmt(round(self.r.uniform(-0.2, 0.2), 2))}] "
                    f"{self.r.choice(['=', '*='])} 0.5"
                )
            av.active = True
        av.lo, av.hi = -3, 3
        self.stmts(self.r.randint(0, 1))

    def k_lists(self):
        self.stmts(self.r.randint(0, 1))
        xs = self.fresh("xs")
        shape = self.r.choice([(), (), (self.n,)])
        if self.r.random() < 0.3:
            e1, e2 = self.small(shape, 1, 1.5), self.small(shape, 1, 1.5)
            self.emit(f"{xs} = [{e1.src}, {e2.src}]")
            k = 2
        else:
            self.emit(f"{xs} = []")
            k = 0
        it = self.r.randint(1, 4)
        with self.block(f"for i in range({it}):"):
            self.env["i"] = Var("i", (), 0, it, False)
            e = self.small(shape, 2, 1.5)
            self.emit(f"{xs}.append({e.src} * (i + 1.0))")
        k += it
        p = self.r.random()
        if p < 0.3:
            self.assign(E(f"sum({xs})", shape, -15, 15, True), "h")
        elif p < 0.6:
            fn = self.r.choice(["np.stack", "np.array"])
            self.assign(E(f"{fn}({xs})", (k, *shape), -6, 6, True), "st")
        elif p < 0.8:
            self.assign(E(f"{xs}[{self.r.choice([0, -1, k - 1])}]", shape, -6, 6, True), "h")
        else:
            acc = self.acc_init(shape)
            with self.block(f"for u in {xs}:"):
                self.env["u"] = Var("u", shape, -6, 6, True)
                self.emit(f"{acc.name} = {acc.name} + 0.2 * np.sin(u)")
            acc.lo, acc.hi = -3, 3

    def k_views(self):
        self.stmts(self.r.randint(0, 1))
        n, m = self.n, self.m
        shape = self.r.choice([(n,), (m, n)])
        base = self.small(shape, 1, 1.5)
        a = self.fresh("a")
        self.emit(f"{a} = {base.src} * 1.0")
        self.env[a] = Var(a, shape, -1.5, 1.5, True, owned=True)
        v = self.fresh("v")
        val = self.small((), 1, 1.0)
        p = self.r.random()
        if p < 0.12:
            # a false alias (issue 17): b = a in a loop, a rebound, then a written after it
            self.emit(f"{v} = {a}")
            with self.block(f"for i in range({self.r.randint(1, 3)}):"):
                self.emit(f"{v} = {a}")
                self.emit(f"{a} = np.tanh({a}) + 0.1 * {val.src}")
            idx = "[0]" if len(shape) == 1 else "[0, 1]"
            self.emit(f"{a}{idx} {self.r.choice(['+=', '=', '*='])} 1.5")
            self.emit(f"r = np.sum({a} * {a}) + np.sum({v} * {v})")
            self.env["r"] = Var("r", (), -20, 20, True)
            return
        if p < 0.22:
            # the base written while a view of it (or a list holding it) is live
            if self.r.random() < 0.5:
                view = self.r.choice(["[1:3]", "[:2]"] if len(shape) == 1 else ["[0]", "[:, 1]"])
                self.emit(f"{v} = {a}{view}")
            else:
                self.emit(f"{v} = [{a}, {val.src}]")
            w = self.r.choice([f"{a}[1] = {val.src}", f"{a} *= 2.0", f"{a} += {val.src}"])
            self.emit(w)
            self.emit(f"r = np.sum({a}) + np.sum({v}[0] * {v}[-1])")
            self.env["r"] = Var("r", (), -20, 20, True)
            return
        if p < 0.45:
            view = self.r.choice(
                ["[1:3]", "[::2]", "[:2]"] if len(shape) == 1 else ["[0]", "[:, 1]", "[1:, :]"]
            )
            self.emit(f"{v} = {a}{view}")
        elif p < 0.62:
            self.emit(f"{v} = {a}" if self.r.random() < 0.7 else f"{v} = np.asarray({a})")
        else:
            view = self.r.choice(
                [
                    ".T",
                    ".ravel()",
                    f".reshape({-1 if len(shape) == 2 else (1, n)})",
                    "[...]",
                    ".reshape(-1)",
                ]
            )
            self.emit(f"{v} = {a}{view}")
        q = self.r.random()
        if q < 0.6:
            op = self.r.choice(["+=", "-=", "*=", "/="])
            rhs = val.src if op != "/=" else f"(2.0 + {val.src})"
            if op == "*=" and self.r.random() < 0.5:
                rhs = "2.0"
            self.emit(f"{v} {op} {rhs}")
        elif q < 0.8:
            idx = self.r.choice(["[0]", "[-1]", "[...]"])
            self.emit(f"{v}{idx} = {val.src}")
        else:
            # the in-place update inside a loop
            with self.block(f"for i in range({self.r.randint(1, 3)}):"):
                self.emit(f"{v} {self.r.choice(['+=', '-='])} 0.5 * {val.src}")
        if self.r.random() < 0.3:
            self.emit(f"{a} = np.tanh({a})")
        self.emit(f"r = np.sum({a} * {a}) + np.sum({v})")
        self.env["r"] = Var("r", (), -20, 20, True)

    def k_joining(self):
        self.stmts(self.r.randint(0, 1))
        n = self.n
        a = self.small((n,), 1, 1.5)
        b = self.small(self.r.choice([(n,), ()]) if self.r.random() < 0.5 else (n,), 1, 1.5)
        p = self.r.random()
        if p < 0.3:
            k = n + (n if b.shape else 1)
            self.assign(E(f"np.r_[{a.src}, {b.src}]", (k,), -1.5, 1.5, True), "j")
        elif p < 0.45 and b.shape:
            self.assign(E(f"np.c_[{a.src}, {b.src}]", (n, 2), -1.5, 1.5, True), "j")
        elif p < 0.6 and b.shape:
            self.assign(E(f"np.concatenate([{a.src}, {b.src}])", (2 * n,), -1.5, 1.5, True), "j")
        elif p < 0.75 and b.shape:
            fn = self.r.choice(["np.stack", "np.vstack"])
            self.assign(E(f"{fn}([{a.src}, {b.src}])", (2, n), -1.5, 1.5, True), "j")
        elif b.shape:
            self.assign(E(f"np.hstack(({a.src}, {b.src}))", (2 * n,), -1.5, 1.5, True), "j")
        else:
            self.assign(E(f"np.r_[{b.src}, {a.src}]", (n + 1,), -1.5, 1.5, True), "j")
        j = list(self.env.values())[-1]
        if self.r.random() < 0.6:
            idx = (
                self.r.choice(["[1:]", "[:-1]", "[::2]", "[-1]", "[0]"])
                if len(j.shape) == 1
                else self.r.choice(["[:, 0]", "[1]", "[-1, :]"])
            )
            sh = np.zeros(j.shape)[tuple(_parse_idx(idx))].shape
            self.assign(E(f"{j.name}{idx}", sh, -1.5, 1.5, True), "j")
        self.stmts(self.r.randint(0, 1))

    def k_stats(self):
        self.stmts(self.r.randint(0, 1))
        n, m = self.n, self.m
        for _ in range(self.r.randint(1, 2)):
            fn = self.r.choice(["np.std", "np.var", "np.std", "np.var", ".std", ".var"])
            src_shape = self.r.choice([(n,), (m, n), (1,)])
            if src_shape == (1,):
                e = self.leaf((n,), want_active=True)
                e = E(
                    f"{e.src}[{self.r.choice(['0:1', '-1:', '1:2'])}]", (1,), e.lo, e.hi, e.active
                )
            else:
                e = self.small(src_shape, 1, 2.0)
                g = self.global_array(src_shape)
                e = E(f"({e.src} + {g.src})", src_shape, e.lo + g.lo, e.hi + g.hi, e.active)
            kw = ""
            sh = ()
            if len(src_shape) == 2 and self.r.random() < 0.6:
                ax = self.r.choice([0, 1, -1])
                kw = f", axis={ax}" if not fn.startswith(".") else f"axis={ax}"
                sh = (src_shape[1],) if ax == 0 else (src_shape[0],)
            if src_shape != (1,) and self.r.random() < 0.3:
                kw += ", ddof=1" if not fn.startswith(".") or kw else "ddof=1"
            if fn.startswith("."):
                src = f"{self._paren(e)}{fn}({kw.lstrip(', ')})"
            else:
                src = f"{fn}({e.src}{kw})"
            if self.r.random() < 0.2:
                src = f"np.sqrt({src} + 0.1)"
            self.assign(E(src, sh, 0.0, 20.0, e.active), "s")
        self.stmts(self.r.randint(0, 1))

    # -- issue 16: structures, records and function values as arguments ---------------
    def array_lit(self, shape, lo, hi):
        """(source, bound) of a literal float array drawn in [lo, hi]."""
        vals = np.round(self.np_rng.uniform(lo, hi, size=shape), 3)
        lit = np.array2string(vals, separator=", ", max_line_width=10**6)
        return f"np.array({lit})", float(np.max(np.abs(vals))) if vals.size else 0.0

    def float_lit(self, lo, hi):
        return _fmt(round(self.r.uniform(lo, hi), 3))

    def keep(self, var):
        """var must reach the result: the structure or the function value is differentiated."""
        self.must.append(var.name)
        return var

    def structured_arg(self, name, lit):
        """A differentiated argument that is a structure (not an entry of env)."""
        self.wrt.append(len(self.args))
        self.args.append((name, lit, None))

    def data_arg(self, shape, active=None):
        """The input `x` the structured parameters act on: data, or differentiated too."""
        if active is None:
            active = self.r.random() < 0.3
        self.add_arg("x", "vec" if shape == (self.n,) else "mat", active=active)
        return self.env["x"]

    def top_def(self, lines):
        self.top += ["", *lines, ""]

    def layer_widths(self):
        return [self.n] + [self.r.choice([2, 3, 4]) for _ in range(self.r.randint(1, 3))]

    def layers_lit(self, widths, pair="tuple"):
        """`[(W1, b1), ...]` for h @ W + b through the widths (W scaled by 1/sqrt(fan-in))."""
        items = []
        for d_in, d_out in itertools.pairwise(widths):
            s = 1.0 / math.sqrt(d_in)
            w, _ = self.array_lit((d_in, d_out), -s, s)
            b, _ = self.array_lit((d_out,), -0.5, 0.5)
            items.append(f"({w}, {b})" if pair == "tuple" else f"[{w}, {b}]")
        return "[" + ", ".join(items) + "]"

    def forward_helper(self):
        """A module-level helper given the whole list of layers."""
        act = self.r.choice(["np.tanh", "np.sin", "np.arctan"])
        name = self.fresh("forward")
        self.top_def(
            [
                f"def {name}(layers, h):",
                "    for W, b in layers:",
                f"        h = {act}(h @ W + b)",
                "    return h",
            ]
        )
        return name

    def run_layers(self, ps, h, nl):
        """h through the layers of the list ps (nl of them), in one of the ways people write
        it; the name of the result."""
        act = self.r.choice(["np.tanh", "np.tanh", "np.sin"])
        form = self.r.choice(["for", "for", "index", "last", "helper", "zip", "enumerate", "star"])
        out = self.fresh("h")
        self.emit(f"{out} = {h}")
        if form == "for":
            with self.block(f"for W, b in {ps}:"):
                self.emit(f"{out} = {act}({out} @ W + b)")
        elif form == "index":
            with self.block(f"for i in range(len({ps})):"):
                self.emit(f"W, b = {ps}[i]")
                self.emit(f"{out} = {act}({out} @ W + b)")
        elif form == "last":
            with self.block(f"for W, b in {ps}[:-1]:"):
                self.emit(f"{out} = {act}({out} @ W + b)")
            self.emit(f"W_out, b_out = {ps}[-1]")
            self.emit(f"{out} = 0.5 * ({out} @ W_out + b_out)")
        elif form == "helper":
            fwd = self.forward_helper()
            if nl > 1 and self.r.random() < 0.4:
                self.emit(f"{out} = {fwd}({ps}[:1], {out})")
                self.emit(f"{out} = {fwd}({ps}[1:], {out})")
            else:
                self.emit(f"{out} = {fwd}({ps}, {out})")
        elif form == "zip":
            g = f"GAINS{self.fresh('')}"
            gains = [round(self.r.uniform(0.5, 1.5), 2) for _ in range(nl)]
            self.top.append(f"{g} = {gains!r}")
            with self.block(f"for (W, b), g in zip({ps}, {g}):"):
                self.emit(f"{out} = {act}(g * ({out} @ W) + b)")
        elif form == "enumerate":
            with self.block(f"for k, (W, b) in enumerate({ps}):"):
                self.emit(f"{out} = {act}({out} @ W + b) * (1.0 + 0.1 * k)")
        else:
            self.emit(f"first, *rest = {ps}")
            self.emit(f"{out} = {act}({out} @ first[0] + first[1])")
            with self.block("for W, b in rest:"):
                self.emit(f"{out} = {act}({out} @ W + b)")
        return out

    def penalty(self, ps):
        """A scalar read from every layer: a weight penalty or the biases joined."""
        p = self.r.random()
        name = self.fresh("reg")
        if p < 0.35:
            self.emit(f"{name} = 0.0")
            with self.block(f"for W, _ in {ps}:"):
                self.emit(f"{name} = {name} + np.sum(W ** 2)")
        elif p < 0.65:
            self.emit(f"{name} = sum([np.sum(W * W) for W, b in {ps}])")
        elif p < 0.85:
            self.emit(f"{name} = np.sum(np.concatenate([b for _, b in {ps}]) ** 2)")
        else:
            self.emit(f"{name} = np.sum({ps}[-1][1]) + np.sum({ps}[0][0] ** 2) / len({ps})")
        self.env[name] = Var(name, (), -20.0, 20.0, True)
        self.must.append(name)

    def k_pytree_args(self):
        n, m = self.n, self.m
        form = self.r.choice(["layers", "layers", "dict", "nested", "records", "arrays"])
        if form == "arrays":
            self.k_array_list()
            return
        batch = self.r.random() < 0.5
        x = self.data_arg((m, n) if batch else (n,))
        widths = self.layer_widths()
        nl = len(widths) - 1
        if form == "layers":
            self.structured_arg(
                "params", self.layers_lit(widths, self.r.choice(["tuple"] * 4 + ["list"]))
            )
            h = self.run_layers("params", x.name, nl)
            if self.r.random() < 0.6:
                self.penalty("params")
        elif form == "dict":
            # a flat dict of named parameters: a linear model and its scale
            w, _ = self.array_lit((n,), -1.0, 1.0)
            keys = {"w": w, "b": self.float_lit(-0.5, 0.5), "log_s": self.float_lit(-0.5, 0.5)}
            if self.r.random() < 0.4:
                keys["v"], _ = self.array_lit((n,), -1.0, 1.0)
            lit = "{" + ", ".join(f"{k!r}: {v}" for k, v in keys.items()) + "}"
            self.structured_arg("params", lit)
            z = self.fresh("z")
            self.emit(f"{z} = {x.name} @ params['w'] + params['b']")
            if "v" in keys:
                self.emit(f"{z} = {z} + np.tanh({x.name} @ params['v'])")
            h = self.fresh("h")
            self.emit(f"{h} = np.exp(params['log_s']) * np.tanh({z})")
            widths = [n, 1]  # h has the batch shape
            if self.r.random() < 0.6:
                reg = self.fresh("reg")
                loop = self.r.choice(
                    [
                        "for v in params.values():",
                        "for key in params:",
                        "for _, v in params.items():",
                    ]
                )
                self.emit(f"{reg} = 0.0")
                with self.block(loop):
                    val = "params[key]" if "key" in loop else "v"
                    self.emit(f"{reg} = {reg} + np.sum({val} ** 2)")
                self.env[reg] = Var(reg, (), 0.0, 10.0, True)
            hshape = (m,) if batch else ()
            self.env[h] = Var(h, hshape, -2.0, 2.0, True)
            self.must.append(h)
            self.stmts(self.r.randint(0, 1))
            return
        elif form == "nested":
            # a dict of a list of layers and a dict for the readout
            w, _ = self.array_lit((widths[-1],), -1.0, 1.0)
            lit = (
                "{'layers': "
                + self.layers_lit(widths)
                + ", 'out': {'w': "
                + w
                + ", 'b': "
                + self.float_lit(-0.5, 0.5)
                + "}}"
            )
            self.structured_arg("params", lit)
            if self.r.random() < 0.5:
                h = self.run_layers("params['layers']", x.name, nl)
            else:
                self.emit("layers = params['layers']")
                h = self.run_layers("layers", x.name, nl)
            y = self.fresh("y")
            self.emit(f"{y} = {h} @ params['out']['w'] + params['out']['b']")
            self.env[y] = Var(y, (m,) if batch else (), -4.0, 4.0, True)
            self.must.append(y)
            if self.r.random() < 0.4:
                self.penalty("params['layers']")
        else:
            # a tuple of dicts, one per layer
            items = []
            for d_in, d_out in itertools.pairwise(widths):
                s = 1.0 / math.sqrt(d_in)
                w, _ = self.array_lit((d_in, d_out), -s, s)
                b, _ = self.array_lit((d_out,), -0.5, 0.5)
                items.append(f"{{'w': {w}, 'b': {b}}}")
            self.structured_arg("params", "(" + ", ".join(items) + ",)")
            h = self.fresh("h")
            self.emit(f"{h} = {x.name}")
            with self.block("for layer in params:"):
                self.emit(f"{h} = np.tanh({h} @ layer['w'] + layer['b'])")
            if self.r.random() < 0.4:
                self.emit(f"{h} = {h} + 0.1 * np.sum(params[-1]['b'])")
        shape = (m, widths[-1]) if batch else (widths[-1],)
        self.env[h] = Var(h, shape, -3.0, 3.0, True)
        self.must.append(h)
        self.stmts(self.r.randint(0, 1))

    def k_array_list(self):
        """A differentiated list (or tuple) of vectors: joined, stacked, summed, paired."""
        n = self.n
        k = self.r.randint(2, 4)
        lits = [self.array_lit((n,), -1.2, 1.2)[0] for _ in range(k)]
        lit = (
            "[" + ", ".join(lits) + "]" if self.r.random() < 0.75 else "(" + ", ".join(lits) + ",)"
        )
        self.structured_arg("xs", lit)
        if self.r.random() < 0.3:
            self.add_arg("y", "vec", active=True)
        p = self.r.random()
        if p < 0.25:
            self.keep(self.assign(E("np.concatenate(xs)", (k * n,), -1.2, 1.2, True), "j"))
        elif p < 0.45:
            self.keep(self.assign(E("np.stack(xs)", (k, n), -1.2, 1.2, True), "st"))
        elif p < 0.6:
            self.keep(self.assign(E("sum(xs) / len(xs)", (n,), -1.2, 1.2, True), "mean"))
        elif p < 0.8:
            acc = self.fresh("acc")
            self.emit(f"{acc} = 0.0")
            with self.block("for a, b in zip(xs, xs[1:]):"):
                self.emit(f"{acc} = {acc} + np.sum((b - a) ** 2)")
            self.env[acc] = Var(acc, (), 0.0, 40.0, True)
            self.must.append(acc)
        else:
            self.keep(self.assign(E("xs[-1] * xs[0]", (n,), -1.5, 1.5, True), "t"))
        if self.r.random() < 0.4:
            self.keep(self.assign(E("np.tanh(xs[1]) @ xs[0]", (), -5.0, 5.0, True), "t"))
        self.stmts(self.r.randint(0, 2))

    def k_dataclass_params(self):
        n, m = self.n, self.m
        self.imports.add("from dataclasses import dataclass")
        style = self.r.choice(["dataclass", "dataclass", "frozen", "namedtuple", "nested"])
        batch = self.r.random() < 0.4
        x = self.data_arg((m, n) if batch else (n,))
        steps = self.r.random() < 0.2 and style != "nested"
        method = self.r.random() < 0.3
        if style == "namedtuple":
            self.imports.discard("from dataclasses import dataclass")
            self.imports.add("from typing import NamedTuple")
            head = ["class Params(NamedTuple):"]
        else:
            deco = "@dataclass(frozen=True)" if style == "frozen" else "@dataclass"
            head = [deco, "class Params:"]
        if style == "nested":
            self.top_def(["@dataclass", "class Layer:", "    W: np.ndarray", "    b: np.ndarray"])
            widths = self.layer_widths()
            fields = ["    layers: list", "    scale: float"]
            layers = []
            for d_in, d_out in itertools.pairwise(widths):
                s = 1.0 / math.sqrt(d_in)
                layers.append(
                    f"Layer({self.array_lit((d_in, d_out), -s, s)[0]}, "
                    f"{self.array_lit((d_out,), -0.5, 0.5)[0]})"
                )
            lit = f"Params([{', '.join(layers)}], {self.float_lit(0.5, 1.5)})"
            self.top_def(head + fields)
            self.structured_arg("p", lit)
            h = self.fresh("h")
            self.emit(f"{h} = {x.name}")
            with self.block("for layer in p.layers:"):
                self.emit(f"{h} = np.tanh({h} @ layer.W + layer.b)")
            self.emit(f"{h} = p.scale * {h}")
            shape = (m, widths[-1]) if batch else (widths[-1],)
            self.keep(self.env.setdefault(h, Var(h, shape, -1.5, 1.5, True)))
            self.stmts(self.r.randint(0, 1))
            return
        fields = ["    w: np.ndarray", "    b: float", "    scale: float"]
        if steps:
            fields.append("    steps: int = 2")
        if method:
            fields += [
                "",
                "    def predict(self, x):",
                "        return self.scale * np.tanh(x @ self.w + self.b)",
            ]
        self.top_def(head + fields)
        w, _ = self.array_lit((n,), -1.0, 1.0)
        b, scale = self.float_lit(-0.5, 0.5), self.float_lit(0.5, 1.5)
        if self.r.random() < 0.5:
            lit = f"Params({w}, {b}, {scale})"
        else:
            lit = f"Params(w={w}, b={b}, scale={scale})"
        self.structured_arg("p", lit)
        hshape = (m,) if batch else ()
        h = self.fresh("h")
        p = self.r.random()
        if method:
            self.emit(f"{h} = p.predict({x.name})")
        elif style == "namedtuple" and p < 0.4:
            self.emit("w, b, scale = p")
            self.emit(f"{h} = scale * np.tanh({x.name} @ w + b)")
        elif p < 0.6:
            self.emit(f"{h} = p.scale * np.tanh({x.name} @ p.w + p.b)")
        else:
            helper = self.fresh("predict")
            self.top_def(
                [
                    f"def {helper}(params, x):",
                    "    z = x @ params.w + params.b",
                    "    return params.scale * np.tanh(z)",
                ]
            )
            self.emit(f"{h} = {helper}(p, {x.name})")
        self.keep(self.env.setdefault(h, Var(h, hshape, -1.5, 1.5, True)))
        if steps:
            u = self.fresh("u")
            self.emit(f"{u} = p.w")
            with self.block("for _ in range(p.steps):"):
                self.emit(f"{u} = np.sin({u}) * p.b + 0.5 * {u}")
            self.keep(self.env.setdefault(u, Var(u, (n,), -1.5, 1.5, True)))
        if self.r.random() < 0.2 and style != "namedtuple":
            # a record built inside from the argument's fields
            self.emit("q = Params(w=0.5 * p.w, b=p.b + 1.0, scale=p.scale)")
            self.keep(self.assign(E("np.sum(q.w ** 2) * q.b", (), -10.0, 10.0, True), "t"))
        self.stmts(self.r.randint(0, 1))

    def callback_value(self, unary):
        """The source of a function value given as an argument: a module-level function, a
        lambda, a functools.partial, a closure from a factory, a callable object, a bound
        method, or a NumPy function."""
        if not unary:
            self.top_def(CALLBACKS[3][1])
            p = self.r.random()
            if p < 0.4:
                return "mix"
            if p < 0.7:
                self.imports.add("import functools")
                return f"functools.partial(mix, w={self.float_lit(0.2, 0.8)})"
            return f"lambda a, b: a * np.cos(b) + {self.float_lit(0.1, 0.9)}"
        p = self.r.random()
        if p < 0.25:
            name, lines, _ = self.r.choice(CALLBACKS[:3])
            self.top_def(lines)
            return name
        if p < 0.45:
            return self.r.choice(
                [
                    "lambda u: np.sin(u) * 0.5",
                    "lambda u: u * u - 0.3 * u",
                    "lambda u: np.tanh(2.0 * u)",
                ]
            )
        if p < 0.65:
            self.imports.add("import functools")
            self.top_def(CALLBACKS[2][1])
            return f"functools.partial(scaled_tanh, c={self.float_lit(0.3, 1.5)})"
        if p < 0.75:
            self.top_def(
                [
                    "def make_act(c):",
                    "    def act(u):",
                    "        return np.tanh(c * u) + 0.1 * u",
                    "",
                    "    return act",
                ]
            )
            return f"make_act({self.float_lit(0.5, 1.5)})"
        if p < 0.9:
            self.top_def(
                [
                    "class Affine:",
                    "    def __init__(self, a, c):",
                    "        self.a = a",
                    "        self.c = c",
                    "",
                    "    def __call__(self, u):",
                    "        return self.a * np.tanh(u) + self.c",
                    "",
                    "    def squash(self, u):",
                    "        return self.a * u / (1.0 + u * u)",
                ]
            )
            obj = f"Affine({self.float_lit(0.5, 1.5)}, {self.float_lit(-0.5, 0.5)})"
            return obj if self.r.random() < 0.5 else obj + ".squash"
        return self.r.choice(["np.tanh", "np.sin", "np.arctan"])

    def k_callback(self):
        n = self.n
        unary = self.r.random() < 0.8
        self.add_arg("x", "vec", active=True)
        if self.r.random() < 0.3:
            self.add_arg("y", self.r.choice(["float", "vec"]), active=True)
        fn = self.r.choice(["fn", "act", "loss_fn"])
        value = self.callback_value(unary)
        where = self.r.randrange(len(self.args) + 1)
        self.wrt = [w + (w >= where) for w in self.wrt]
        self.args.insert(where, (fn, value, None))
        self.stmts(self.r.randint(0, 1))
        for _ in range(self.r.randint(1, 2)):
            shape = self.r.choice([(), (n,), (n,)])
            a = self.small(shape, 1, 1.5)
            if not a.active:  # the function value is called on a differentiated value
                a = E("np.tanh(x)" if shape else "np.tanh(np.sum(x))", shape, -1.0, 1.0, True)
            b = self.small(shape, 1, 1.5)
            call = f"{fn}({a.src})" if unary else f"{fn}({a.src}, {b.src})"
            args = f"{a.src}" if unary else f"{a.src}, {b.src}"
            p = self.r.random()
            if p < 0.35:
                self.keep(self.assign(E(call, shape, -2.5, 2.5, True), "h"))
            elif p < 0.55:
                helper = self.fresh("apply")
                params = "u" if unary else "u, v"
                self.top_def([f"def {helper}(f, {params}):", f"    return f({params})"])
                self.keep(self.assign(E(f"{helper}({fn}, {args})", shape, -2.5, 2.5, True), "h"))
            elif p < 0.7 and unary:
                self.keep(self.assign(E(f"{fn}({fn}({a.src}))", shape, -2.5, 2.5, True), "h"))
            elif p < 0.85 and unary:
                hs = self.fresh("hs")
                self.emit(f"{hs} = list(map({fn}, [{a.src}, {b.src}]))")
                self.keep(self.assign(E(f"{hs}[0] + 0.5 * {hs}[-1]", shape, -4.0, 4.0, True), "h"))
            else:
                other = "np.sin" if unary else "np.multiply"
                ops = self.fresh("ops")
                if self.r.random() < 0.5:
                    self.emit(f"{ops} = [{fn}, {other}]")
                    acc = self.keep(
                        self.assign(E(f"{ops}[0]({args})", shape, -2.5, 2.5, True), "h")
                    )
                    with self.block(f"for op in {ops}[1:]:"):
                        self.emit(f"{acc.name} = {acc.name} + 0.5 * op({args})")
                    acc.lo, acc.hi = -4.0, 4.0
                else:
                    self.emit(f"{ops} = {{'act': {fn}, 'other': {other}}}")
                    self.keep(
                        self.assign(
                            E(f"{ops}['act']({args}) - {ops}['other']({args})", shape, -5, 5, True),
                            "h",
                        )
                    )
        self.stmts(self.r.randint(0, 1))


def _parse_idx(idx):
    inner = idx.strip("[]")
    out = []
    for part in inner.split(","):
        part = part.strip()
        if ":" in part:
            out.append(slice(*[int(p) if p else None for p in part.split(":")]))
        else:
            out.append(int(part))
    return out


@dataclasses.dataclass
class Program:
    seed: int
    kind: str
    source: str
    float32: bool


def _valid(source):
    """The plain function runs at its point without floating-point trouble."""
    ns = {}
    try:
        with np.errstate(all="raise"), warnings.catch_warnings():
            warnings.simplefilter("error")
            code = compile(source, "<candidate>", "exec")
            exec(code, ns)
            val = ns["f"](*ns["_args"]())
            val = float(val)
    except Exception:
        return False
    return math.isfinite(val) and abs(val) < 1e6


def generate(seed, kind=None):
    """The program for seed (deterministic); candidates that fail at their point are redrawn."""
    r = random.Random(seed)
    kind = kind or KINDS[seed % len(KINDS)]
    for _attempt in range(50):
        g = Gen(r.randrange(2**32), kind)
        try:
            src, _ = g.program()
        except (IndexError, KeyError, ValueError):
            continue
        if _valid(src):
            return Program(seed, kind, src, g.float32)
    raise RuntimeError(f"no valid program for seed {seed}")


# ---------------------------------------------------------------------------------------
# the checks


@dataclasses.dataclass
class Result:
    seed: int
    kind: str
    outcome: str  # ok | refused | mismatch | internal | nonsmooth
    detail: str = ""
    refusal: str = ""  # the message kind of a refusal
    source: str = ""


class Mismatch(Exception):
    pass


# fuzz_independent.py sets this: each program that passed the first-order checks is also
# checked at second order (`_check_hvp`); CI's test_independent_programs.py does not.
SECOND_ORDER = False


def load(program, workdir):
    name = f"indep_{program.seed}"
    path = os.path.join(workdir, name + ".py")
    with open(path, "w") as fh:
        fh.write(program.source)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod, path


# structured arguments (issue 16): flattened here, by the checker's own rules, so that a
# mistake in s2s_ad's structure handling cannot hide itself


def _node(value):
    """(keys, children) of a tuple, list, dict, NamedTuple or dataclass; None for a leaf."""
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        return tuple(type(value)._fields), list(value)
    if isinstance(value, tuple | list):
        return tuple(range(len(value))), list(value)
    if isinstance(value, dict):
        return tuple(value), list(value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        keys = tuple(fl.name for fl in dataclasses.fields(value))
        return keys, [getattr(value, k) for k in keys]
    return None


def _has_derivative(leaf):
    """A float scalar or a float array; ints, strings, None and functions are static."""
    if isinstance(leaf, np.ndarray):
        return leaf.dtype.kind == "f"
    return isinstance(leaf, float | np.floating)


def _rebuild(value, children):
    """A container of value's type (the same NamedTuple or dataclass) holding children."""
    keys, _ = _node(value)
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        return type(value)(*children)
    if isinstance(value, tuple | list):
        return type(value)(children)
    if isinstance(value, dict):
        return dict(zip(keys, children, strict=True))
    return dataclasses.replace(value, **dict(zip(keys, children, strict=True)))


def _map(fn, value):
    """value with every leaf replaced by fn(leaf)."""
    node = _node(value)
    if node is None:
        return fn(value)
    return _rebuild(value, [_map(fn, c) for c in node[1]])


def _float_paths(value, path=()):
    """The paths (keys from value down) of the leaves with a derivative, depth first; a
    plain array or float is its own leaf at the path ()."""
    node = _node(value)
    if node is None:
        return [path] if _has_derivative(value) else []
    return [q for k, c in zip(*node, strict=True) for q in _float_paths(c, (*path, k))]


def _get(value, path):
    for k in path:
        keys, children = _node(value)
        value = children[keys.index(k)]
    return value


def _set(value, path, leaf):
    """A copy of value's containers along path, with leaf at its end."""
    if not path:
        return leaf
    keys, children = _node(value)
    i = keys.index(path[0])
    children[i] = _set(children[i], path[1:], leaf)
    return _rebuild(value, children)


def _step(container, key):
    record = dataclasses.is_dataclass(container) or hasattr(type(container), "_fields")
    return f".{key}" if record else f"[{key!r}]"


def _label(name, value, path):
    """`params[0][1]`, `p.w`: how the program's text would name the leaf at path."""
    out = name
    for k in path:
        out += _step(value, k)
        value = _get(value, (k,))
    return out


def _unlike(g, a, where):
    """Why the derivative g is not structured as the argument a (the same container types,
    NamedTuple and dataclass classes, keys and fields; None at static leaves), or None."""
    node = _node(a)
    if node is None:
        if not _has_derivative(a):
            return None if g is None else f"{where} is static, its derivative is {g!r}, not None"
        if g is None or _node(g) is not None:
            return f"{where} has {type(g).__name__} as derivative, not a float or an array"
        return None
    if type(g) is not type(a):
        return f"{where} comes back as {type(g).__name__}, not as {type(a).__name__}"
    gkeys, gchildren = _node(g)
    if len(gkeys) != len(node[0]) or set(gkeys) != set(node[0]):
        return f"{where} has the keys {list(gkeys)}, not {list(node[0])}"
    for k, c in zip(*node, strict=True):
        why = _unlike(gchildren[gkeys.index(k)], c, where + _step(a, k))
        if why:
            return why
    return None


def _grad_leaves(mode, grads, args, idx, names):
    """The derivatives' leaves in order (one per leaf with a derivative of each argument
    differentiated), after checking each is structured as its argument."""
    out = []
    for i, g in zip(idx, grads, strict=False):
        if _node(args[i]) is not None:
            why = _unlike(g, args[i], names[i])
            if why:
                raise Mismatch(f"{mode}: not structured as the argument: {why}")
        out += [_get(g, path) for path in _float_paths(args[i])]
    return out


def _copy_leaf(a):
    return np.array(a, copy=True) if isinstance(a, np.ndarray) else a


def _copy(args):
    return tuple(_copy_leaf(a) if _node(a) is None else _map(_copy_leaf, a) for a in args)


def _as_tuple(g, k):
    if k == 1 and not isinstance(g, tuple):
        return (g,)
    return tuple(g)


def _close(a, b, rtol, atol):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _fd(f, args, idx, h, path=()):
    """Central differences of f with respect to args[idx] (its leaf at path when it is a
    structure), in float64, and the one-sided differences (forward, backward) at the same
    step."""
    base = [np.asarray(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
    x = _get(base[idx], path)
    f0 = float(f(*_copy(base)))
    xs = np.asarray(x, dtype=np.float64)
    central, fwd, bwd = (np.zeros(xs.shape) for _ in range(3))
    for pos in np.ndindex(xs.shape):
        step = h * max(1.0, abs(float(xs[pos])))
        if isinstance(x, np.ndarray):
            xp, xm = x.copy(), x.copy()
            xp[pos] += step
            xm[pos] -= step
        else:
            xp, xm = float(x) + step, float(x) - step
        ap, am = list(base), list(base)
        ap[idx], am[idx] = _set(base[idx], path, xp), _set(base[idx], path, xm)
        fp, fm = float(f(*_copy(ap))), float(f(*_copy(am)))
        central[pos] = (fp - fm) / (2 * step)
        fwd[pos] = (fp - f0) / step
        bwd[pos] = (f0 - fm) / step
    if not isinstance(x, np.ndarray):
        return float(central), float(fwd), float(bwd)
    return central, fwd, bwd


def _wrt_indices(wrt, names):
    if isinstance(wrt, tuple):
        return [w if isinstance(w, int) else names.index(w) for w in wrt]
    return [wrt if isinstance(wrt, int) else names.index(wrt)]


def _message_kind(msg):
    first = msg.strip().splitlines()[0] if msg.strip() else ""
    first = re.sub(r"^.*?\.py:\d+(:\d+)?:?\s*", "", first)
    first = re.sub(r"`[^`]*`", "`_`", first)
    first = re.sub(r"'[^']*'", "'_'", first)
    first = re.sub(r"\d+", "N", first)
    return first[:90]


def _located(msg, path):
    """The message names the program's file with a line: `indep_7.py:12` or `..., line 12`."""
    names = "|".join(re.escape(p) for p in (path, os.path.basename(path)))
    return re.search(rf'(?:{names})(?::\d+|"?,? line \d+)', msg) is not None


def check(program, workdir):
    import s2s_ad as ad

    res = Result(program.seed, program.kind, "ok", source=program.source)
    try:
        mod, path = load(program, workdir)
    except Exception as exc:  # the generator's own fault
        res.outcome, res.detail = "internal", f"generator: module does not import: {exc!r}"
        return res
    f = mod.f
    args = mod._args()
    names = list(f.__code__.co_varnames[: f.__code__.co_argcount])
    wrt = mod.WRT
    idx = _wrt_indices(wrt, names)
    f32 = program.float32
    rtol_fd, rtol_fr = (3e-3, 1e-4) if f32 else (1e-5, 1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = f(*_copy(args))
        scale = max(1.0, abs(float(plain)))
        atol_fd = (3e-3 if f32 else 1e-6) * scale

        def fd_for(i, h, path):
            return _fd(f, args, i, h, path)

        steps = {}

        def fd_check(mode, grads):
            for i, g in zip(idx, grads, strict=False):
                if g is None:
                    raise Mismatch(f"{mode}: no gradient for argument {names[i]}")
                _grad_leaves(mode, (g,), args, (i,), names)  # structured as args[i]
                for path in _float_paths(args[i]):
                    fd_leaf(mode, i, path, _get(args[i], path), _get(g, path))

        def fd_leaf(mode, i, path, a, g):
            name = _label(names[i], args[i], path)
            if isinstance(a, np.ndarray) and np.shape(g) != a.shape:
                raise Mismatch(f"{mode}: gradient of {name} has shape {np.shape(g)}, not {a.shape}")
            if (
                isinstance(a, np.ndarray)
                and a.dtype == np.float32
                and getattr(g, "dtype", None) != np.float32
            ):
                raise Mismatch(
                    f"{mode}: gradient of float32 {name} has dtype {getattr(g, 'dtype', type(g))}"
                )
            if (i, path, 1e-6) not in steps:
                steps[i, path, 1e-6] = fd_for(i, 1e-6, path)
            h1, fwd1, bwd1 = steps[i, path, 1e-6]
            if _close(g, h1, rtol_fd, atol_fd):
                return
            if (i, path, 1e-4) not in steps:
                steps[i, path, 1e-4] = fd_for(i, 1e-4, path)
            h2 = steps[i, path, 1e-4][0]
            if _close(g, h2, rtol_fd, atol_fd):
                return
            if not _close(h1, h2, 10 * rtol_fd, 10 * atol_fd):
                raise _Nonsmooth(f"central differences disagree for {name}: {h1} vs {h2}")
            if not _close(fwd1, bwd1, 1e-3, 1e-3 * scale):
                # a kink at the point (a tie in a max, abs at 0): one-sided slopes differ
                raise _Nonsmooth(f"one-sided differences disagree for {name}")
            raise Mismatch(
                f"{mode}: d/d{name} = {np.round(g, 10)!r}, central differences {np.round(h1, 10)!r}"
            )

        def draw(a):
            """A random tangent like the leaf a (None for a static one)."""
            if isinstance(a, np.ndarray):
                return rng.standard_normal(a.shape).astype(a.dtype)
            return type(a)(rng.standard_normal()) if _has_derivative(a) else None

        def dot(mode, grads, tangents):
            """<grads, tangents> over the differentiated arguments' leaves."""
            gs = _grad_leaves(mode, grads, args, idx, names)
            ts = _grad_leaves(mode, [tangents[i] for i in idx], args, idx, names)
            return sum(
                float(np.sum(np.asarray(g, np.float64) * np.asarray(t, np.float64)))
                for g, t in zip(gs, ts, strict=True)
            )

        stage = "value_and_grad"
        try:
            vtol = 1e-6 if f32 else 1e-12
            v, g_vg = ad.value_and_grad(f, wrt=wrt)(*_copy(args))
            if not _close(v, plain, vtol, 1e-14):
                raise Mismatch(f"value_and_grad: value {v!r}, plain call {plain!r}")
            g_vg = _as_tuple(g_vg, len(idx)) if isinstance(wrt, tuple) else (g_vg,)
            stage = "grad (reverse)"
            g_r = ad.grad(f, wrt=wrt)(*_copy(args))
            g_r = tuple(g_r) if isinstance(wrt, tuple) else (g_r,)
            fd_check("reverse", g_r)
            leaves_r = _grad_leaves("reverse", g_r, args, idx, names)
            leaves_vg = _grad_leaves("value_and_grad", g_vg, args, idx, names)
            for a, b in zip(leaves_vg, leaves_r, strict=False):
                if not _close(a, b, rtol_fr, 1e-12 * scale):
                    raise Mismatch(f"value_and_grad's gradient {a!r} differs from grad's {b!r}")
            stage = "grad (forward)"
            g_f = ad.grad(f, wrt=wrt, mode="forward")(*_copy(args))
            g_f = tuple(g_f) if isinstance(wrt, tuple) else (g_f,)
            fd_check("forward", g_f)
            for a, b in zip(_grad_leaves("forward", g_f, args, idx, names), leaves_r, strict=False):
                if not _close(a, b, rtol_fr, (1e-12 if not f32 else 1e-5) * scale):
                    raise Mismatch(f"forward {a!r} differs from reverse {b!r} beyond {rtol_fr}")
            stage = "jvp"
            rng = np.random.default_rng(zlib.crc32(str(program.seed).encode()))
            tangents = [_map(draw, a) if i in idx else None for i, a in enumerate(args)]
            out, tout = ad.jvp(f, _copy(args), tuple(tangents))
            if not _close(out, plain, vtol, 1e-14):
                raise Mismatch(f"jvp: primal {out!r}, plain call {plain!r}")
            expect = dot("reverse", g_r, tangents)
            if not _close(tout, expect, 100 * rtol_fr, 1e-9 * scale):
                raise Mismatch(f"jvp: tangent {tout!r}, gradient . direction {expect!r}")
            stage = "vjp"
            out2, pullback = ad.vjp(f, *_copy(args))
            if not _close(out2, plain, vtol, 1e-14):
                raise Mismatch(f"vjp: primal {out2!r}, plain call {plain!r}")
            u = 0.7
            cts = pullback(u)
            dot_ct = dot("vjp: the cotangent", [cts[i] for i in idx], tangents)
            if not _close(dot_ct, u * float(tout), 100 * rtol_fr, 1e-9 * scale):
                raise Mismatch(
                    f"dot-product test: <v, J^T u> = {dot_ct!r}, <J v, u> = {u * float(tout)!r}"
                )
            if SECOND_ORDER and not f32:  # float32: too coarse for second differences
                stage = "hvp"
                _check_hvp(ad, f, args, wrt, idx, names, tangents, draw, scale)
        except Mismatch as exc:
            res.outcome, res.detail = "mismatch", str(exc)
        except _Nonsmooth as exc:
            res.outcome, res.detail = "nonsmooth", str(exc)
        except ad.S2SError as exc:
            msg = str(exc)
            if _located(msg, path):
                kind = f"{type(exc).__name__}: {_message_kind(msg)}"
                second = "second order (hvp): " if stage == "hvp" else ""
                res.outcome, res.refusal = "refused", second + kind
                res.detail = f"{stage}: {msg.splitlines()[0] if msg else ''}"
            else:
                res.outcome = "internal"
                res.detail = f"{stage}: unlocated {type(exc).__name__}: {msg}"
        except Exception as exc:
            tb = traceback.format_exc(limit=-4)
            res.outcome, res.detail = "internal", f"{stage}: {type(exc).__name__}: {exc}\n{tb}"
    return res


class _Nonsmooth(Exception):
    pass


def _check_hvp(ad, f, args, wrt, idx, names, v, draw, scale):
    """Second order through the public API, along the first-order check's tangent `v` and
    a second random direction `u`: `hvp`'s gradient is `grad`'s, ⟨u, H v⟩ = ⟨v, H u⟩, and
    H v equals central differences of the gradient along v where those are smooth."""
    from s2s_ad.testing import _shift

    u = [_map(draw, a) if i in idx else None for i, a in enumerate(args)]

    def leaves(mode, value):
        return [
            np.ravel(np.asarray(x, np.float64))
            for x in _grad_leaves(
                mode, _as_tuple(value, len(idx)) if len(idx) > 1 else (value,), args, idx, names
            )
        ]

    def flat(mode, value):
        parts = leaves(mode, value)
        return np.concatenate(parts) if parts else np.zeros(0)

    def gradient(at):
        g = ad.grad(f, wrt=wrt)(*_copy(list(at)))
        parts = leaves("grad", g if not isinstance(wrt, tuple) or len(idx) > 1 else g[0])
        return np.concatenate(parts) if parts else np.zeros(0)

    g_v, h_v = ad.hvp(f, _copy(args), tuple(v))
    _, h_u = ad.hvp(f, _copy(args), tuple(u))
    here = gradient(args)
    if not _close(flat("hvp", g_v), here, 1e-12, 1e-12 * scale):
        raise Mismatch("hvp: its gradient differs from grad's")
    h_v, h_u = flat("hvp", h_v), flat("hvp", h_u)
    flat_v = flat("tangent", tuple(v[i] for i in idx) if len(idx) > 1 else v[idx[0]])
    flat_u = flat("tangent", tuple(u[i] for i in idx) if len(idx) > 1 else u[idx[0]])
    left, right = float(flat_u @ h_v), float(flat_v @ h_u)
    size = max(
        1.0, float(np.max(np.abs(h_v), initial=0.0)), float(np.max(np.abs(h_u), initial=0.0))
    )
    if abs(left - right) > 1e-9 * size * max(1.0, abs(left)):
        raise Mismatch(f"hvp: <u, Hv> = {left!r} but <v, Hu> = {right!r} (not symmetric)")
    h = 1e-5
    at = {k: gradient(_shift(tuple(args), tuple(v), k * h)) for k in (1, -1, 2, -2)}
    central, wider = (at[1] - at[-1]) / (2 * h), (at[2] - at[-2]) / (4 * h)
    ahead, behind = (at[1] - here) / h, (here - at[-1]) / h
    if not (_close(ahead, behind, 1e-3, 1e-4 * size) and _close(central, wider, 1e-3, 1e-4 * size)):
        return  # a kink or jump of the gradient along v
    if not _close(h_v, central, 1e-4, 1e-5 * size):
        raise Mismatch(
            f"hvp: H v = {np.round(h_v, 8)!r}, central differences {np.round(central, 8)!r}"
        )


def signature(res):
    """A short name for the kind of a failure: where it showed and what it was."""
    d = res.detail
    if res.outcome == "mismatch":
        head = d.split(":")[0]
        if "value" in d.split(",")[0] or "primal" in d.split(",")[0]:
            return f"{head}: wrong primal value"
        if head in ("reverse", "forward"):
            return f"{head}: derivative differs from central differences"
        return head + ": " + re.sub(r"[-\d.e]+|array\(.*", "", d.split(":", 1)[1])[:50]
    stage, _, rest = d.partition(": ")
    rest = re.sub(r"'[^']*'", "'_'", rest.splitlines()[0] if rest else "")
    rest = re.sub(r"\d+", "N", rest)
    return f"{stage}: {rest[:70]}"


def run_one(seed, workdir, kind=None):
    try:
        prog = generate(seed, kind)
    except RuntimeError as exc:
        return Result(seed, kind or "?", "internal", f"generator: {exc}")
    return check(prog, workdir)


# ---------------------------------------------------------------------------------------
# minimizing a failure


def _candidates(source):
    """Smaller versions of source: a top-level definition or a statement of f dropped, a
    call replaced by its first argument, an operation by one of its operands."""
    tree = ast.parse(source)
    out = []
    body = tree.body
    for i, node in enumerate(body):
        if isinstance(node, ast.Assign | ast.FunctionDef) and getattr(node, "name", "") not in (
            "f",
            "_args",
        ):
            if isinstance(node, ast.Assign) and node.targets[0].id == "WRT":
                continue
            out.append(("drop top", i, None))
    f = next(n for n in body if isinstance(n, ast.FunctionDef) and n.name == "f")

    def stmt_lists(node):
        for field in ("body", "orelse"):
            lst = getattr(node, field, None)
            if isinstance(lst, list) and lst and isinstance(lst[0], ast.stmt):
                yield lst
                for st in lst:
                    yield from stmt_lists(st)

    for k, lst in enumerate(stmt_lists(f)):
        for j in range(len(lst)):
            out.append(("drop stmt", k, j))
    n_expr = sum(1 for _ in ast.walk(f))
    for e in range(n_expr):
        out.append(("expr", e, 0))
        out.append(("expr", e, 1))
    return out


def _apply(source, cand):
    tree = ast.parse(source)
    what, a, b = cand
    f = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f")
    if what == "drop top":
        del tree.body[a]
    elif what == "drop stmt":
        lists = []

        def walk(node):
            for field in ("body", "orelse"):
                lst = getattr(node, field, None)
                if isinstance(lst, list) and lst and isinstance(lst[0], ast.stmt):
                    lists.append((node, field, lst))
                    for st in lst:
                        walk(st)

        walk(f)
        node, field, lst = lists[a]
        del lst[b]
        if not lst:
            if field == "orelse":
                pass
            else:
                lst.append(ast.Pass())
    else:
        nodes = list(ast.walk(f))
        if a >= len(nodes):
            return None
        node = nodes[a]
        if isinstance(node, ast.Call) and node.args and b == 0:
            repl = node.args[0]
        elif isinstance(node, ast.BinOp):
            repl = node.left if b == 0 else node.right
        elif isinstance(node, ast.IfExp):
            repl = node.body if b == 0 else node.orelse
        else:
            return None
        for parent in ast.walk(f):
            for field, value in ast.iter_fields(parent):
                if value is node:
                    setattr(parent, field, repl)
                elif isinstance(value, list):
                    for i, v in enumerate(value):
                        if v is node:
                            value[i] = repl
    try:
        return ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    except Exception:
        return None


def minimize(program, workdir, budget=60):
    """The shortest source found that fails as program does (same outcome and signature)."""
    first = check(program, workdir)
    if first.outcome not in ("mismatch", "internal"):
        return program.source, first
    want = (first.outcome, signature(first))
    best, best_res, tries = program.source, first, 0
    progress = True
    while progress and tries < budget:
        progress = False
        i = 0
        cands = _candidates(best)
        while i < len(cands) and tries < budget:
            src = _apply(best, cands[i])
            i += 1
            if src is None or len(src) >= len(best) or not _valid(src):
                continue
            tries += 1
            prog = Program(f"{program.seed}_m{tries}", program.kind, src, program.float32)
            res = check(prog, workdir)
            if (res.outcome, signature(res)) == want:
                best, best_res, progress = src, res, True
                cands = _candidates(best)
                i -= 1
    return best, best_res

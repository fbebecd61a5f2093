"""Rules for NumPy's less common functions (issue 18's NumPy tail), each written with
functions that have rules themselves, so second derivatives follow.

Before: `np.kron(a, x)`, `np.linspace(x[0], x[1], 5)`, `np.polyval(p, x)` … stopped with
"no derivative rule". After: exact derivatives in both modes; forms whose derivative is not
implemented (np.linspace with retstep=True) are refused at the user's line.

Real and imaginary parts: s2s_ad refuses complex values where they appear (api.py), so
these functions only ever see real inputs: `np.real`, `np.conj`, `np.real_if_close` are the
identity and `np.imag`, `np.angle` are piecewise constant (no derivative).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import runtime as rt
from .joining import joined
from .registry import REQUIRED, SAME_CALL, Rule, Site, elementwise, nondifferentiable, registrar
from .shapes import BACK_TO_SHAPE, RESHAPED, linear

register = registrar("tail")

# ---- moving elements -------------------------------------------------------------------
linear("np.atleast_3d", np.atleast_3d, BACK_TO_SHAPE, batched=RESHAPED)
linear(
    "np.rollaxis",
    np.rollaxis,
    "np.moveaxis(d, rt.rolled_position(x, axis, start), axis)",
    (("axis", None), ("start", 0)),
)
for _label, _fn, _axis in [("np.vsplit", np.vsplit, 0), ("np.dsplit", np.dsplit, 2)]:
    joined(
        _label,
        _fn,
        f"np.concatenate(d, {_axis})",
        (("indices_or_sections", None),),
        jvp=f"rt.Derivatives({_label}(d, indices_or_sections))",
    )
joined(
    "np.hsplit",
    np.hsplit,
    "np.hstack(d)",
    (("indices_or_sections", None),),
    jvp="rt.Derivatives(np.hsplit(d, indices_or_sections))",
)
joined("np.column_stack", np.column_stack, "rt.concatenate_vjp(d, x, 1, rt.column)")
register(rt.rolled_position, nondifferentiable("rt.rolled_position"))
linear("rt.column", rt.column, BACK_TO_SHAPE)


def _append_vjp(k: int):
    def template(site: Site) -> str:
        if site.is_const("axis") and site.const("axis") is None:  # both flattened first
            piece = "d[: np.size(arr)]" if k == 0 else "d[np.size(arr) :]"
        else:
            piece = f"np.split(d, [np.shape(arr)[axis]], axis)[{k}]"
        return f"np.reshape({piece}, np.shape({('arr', 'values')[k]}))"

    return template


register(
    np.append,
    Rule(
        "np.append",
        ("arr", "values"),
        ("np.append(d, rt.zeros_like(values), axis)", "np.append(rt.zeros_like(arr), d, axis)"),
        (_append_vjp(0), _append_vjp(1)),
        keywords=(("axis", None),),
    ),
)

# ---- elementwise -------------------------------------------------------------------------
# nan → 0, ±inf → the largest float: constants, so those elements carry no derivative
register(
    np.nan_to_num,
    Rule(
        "np.nan_to_num",
        ("x",),
        ("np.where(np.isfinite(x), d, 0.0)",),
        ("np.where(np.isfinite(x), d, 0.0)",),
        keywords=(("copy", True), ("nan", 0.0), ("posinf", None), ("neginf", None)),
        diagonal=True,
    ),
)
# copysign(x, y) = ±x: the slope is ±1; the sign of `y` only picks it (a selector)
register(
    np.copysign,
    Rule(
        "np.copysign",
        ("x",),
        ("d * (np.sign(x) * np.sign(ans))",),
        ("rt.unbroadcast(d * (np.sign(x) * np.sign(ans)), x)",),
        keywords=(("y", None),),
        positional=("x", "y"),
        selectors=("y",),
    ),
)
for _label, _fn in [("np.real", np.real), ("np.conj", np.conj)]:  # np.conjugate is np.conj
    register(_fn, elementwise(_label, ("x",), "d"))
register(
    np.real_if_close,
    replace(elementwise("np.real_if_close", ("x",), "d"), keywords=(("tol", 100),)),
)
for _label, _fn in [("np.imag", np.imag), ("np.angle", np.angle)]:
    register(_fn, nondifferentiable(_label))

# ---- products and sums -------------------------------------------------------------------
# kron(a, b) is bilinear; the adjoint cuts the cotangent into (a₀, b₀, a₁, b₁, …) axes and
# contracts the other operand's axes away
_KRON_VJP = (
    "np.reshape(np.einsum(rt.kron_subscripts({a}, {b}, {k}), np.reshape(d, rt.kron_shape({a}, "
    "{b})), np.reshape({o}, rt.kron_padded({o}, {m}))), np.shape({m}))"
)
register(
    np.kron,
    Rule(
        "np.kron",
        ("a", "b"),
        ("np.kron(d, b)", "np.kron(a, d)"),
        (
            _KRON_VJP.format(a="a", b="b", k=0, o="b", m="a"),
            _KRON_VJP.format(a="a", b="b", k=1, o="a", m="b"),
        ),
    ),
)
for _helper in (rt.kron_shape, rt.kron_padded, rt.kron_subscripts, rt.convolve_padding):
    register(_helper, nondifferentiable(f"rt.{_helper.__name__}"))
register(rt.along_axis, nondifferentiable("rt.along_axis"))
linear("rt.sample_points", rt.sample_points, "d")  # the identity on 1-D sample points

# convolve(a, v) is bilinear; the adjoint of the full convolution correlates the cotangent
# with the other operand (a 'same' or 'valid' result is the full one cut: zeros pad it back)
_PADDED = "np.pad(d, rt.convolve_padding(a, v, mode))"
register(
    np.convolve,
    Rule(
        "np.convolve",
        ("a", "v"),
        ("np.convolve(d, v, mode)", "np.convolve(a, d, mode)"),
        (f"np.convolve({_PADDED}, v[::-1], 'valid')", f"np.convolve({_PADDED}, a[::-1], 'valid')"),
        keywords=(("mode", "full"),),
    ),
)

# polyval(p, x) = Σ pᵢ x^(n-1-i): linear in p; its slope in x is the derivative polynomial
_SLOPE = "np.polyval(p[:-1] * np.arange(np.size(p) - 1, 0, -1), x)"
_POWERS = "np.reshape(x, (1, -1)) ** np.reshape(np.arange(np.size(p) - 1, -1, -1.0), (-1, 1))"
register(
    np.polyval,
    Rule(
        "np.polyval",
        ("p", "x"),
        ("np.polyval(d, x)", f"d * {_SLOPE}"),
        (f"np.sum(np.reshape(d, (1, -1)) * {_POWERS}, axis=1)", f"d * {_SLOPE}"),
    ),
)


# linspace(start, stop) = start·(1 - t) + stop·t, t = k / (num - 1) (or k / num): linear in
# both ends, jointly
def _linspace_end(k: int, jvp: bool):
    def template(site: Site) -> str:
        if jvp:
            ends = ("d", "rt.zeros_like(stop)") if k == 0 else ("rt.zeros_like(start)", "d")
            return f"np.linspace({ends[0]}, {ends[1]}, num, endpoint, axis=axis)"
        weights = (
            "np.linspace(1.0, 0.0, num, endpoint)"
            if k == 0
            else ("np.linspace(0.0, 1.0, num, endpoint)")
        )
        end = ("start", "stop")[k]
        return f"rt.unbroadcast(np.tensordot({weights}, np.moveaxis(d, axis, 0), 1), {end})"

    return template


register(
    np.linspace,
    Rule(
        "np.linspace",
        ("start", "stop"),
        (_linspace_end(0, True), _linspace_end(1, True)),
        (_linspace_end(0, False), _linspace_end(1, False)),
        # no `retstep`: a call with it (a tuple result) is refused as an unknown keyword
        keywords=(("num", 50), ("endpoint", True), ("dtype", None), ("axis", 0)),
        positional=("start", "stop", "num", "endpoint"),
    ),
)


# trapezoid(y, x) = Σ (y[i] + y[i+1]) / 2 · (x[i+1] - x[i]) along `axis`: linear in y, each
# element weighted by half the two steps beside it; in x, a sum of the averages times the
# steps' tangents
def _has_x(site: Site) -> bool:
    return "x" in site.params and not (site.is_const("x") and site.const("x") is None)


_AVERAGES = "np.moveaxis((np.moveaxis(y, axis, 0)[1:] + np.moveaxis(y, axis, 0)[:-1]) * 0.5, 0, -1)"
_STEP_WEIGHTS = (
    "np.reshape(0.5 * (np.concatenate([np.diff(rt.sample_points(x)), [0.0]]) + "
    "np.concatenate([[0.0], np.diff(x)])), rt.along_axis(y, axis))"
)


def _trapezoid_y_vjp(site: Site) -> str:
    weights = _STEP_WEIGHTS if _has_x(site) else "rt.trapezoid_weights(y, axis, dx)"
    return f"np.expand_dims(d, axis) * {weights}"


_X_COTANGENT = (
    f"np.sum(np.reshape({_AVERAGES} * np.expand_dims(d, -1), (-1, np.size(x) - 1)), axis=0)"
)
_trapezoid = getattr(np, "trapezoid", None) or np.trapz  # NumPy 2 renamed np.trapz
register(
    _trapezoid,
    Rule(
        f"np.{_trapezoid.__name__}",
        ("y", "x"),
        (SAME_CALL, f"np.sum({_AVERAGES} * np.diff(d), axis=-1)"),
        (
            _trapezoid_y_vjp,
            f"-np.diff(np.concatenate([[0.0], {_X_COTANGENT}, [0.0]]))",
        ),
        keywords=(("dx", 1.0), ("axis", -1)),
        positional=("y", "x", "dx", "axis"),
        variadic=True,
    ),
)

# interp(x, xp, fp): piecewise linear. In x the slope of the piece x lies on (0 outside
# the sample points, where the result is flat); in fp linear: each point takes (1 - t) of
# fp[j] and t of fp[j + 1]. The sample points `xp` only place the pieces (a selector would
# drop their derivative: they are refused when differentiated). `period` is refused as an
# unknown keyword.
_J = "rt.interval(x, xp)"
_SLOPE_X = f"np.where(rt.inside(x, xp), (fp[{_J} + 1] - fp[{_J}]) / (xp[{_J} + 1] - xp[{_J}]), 0.0)"
_JR = "rt.interval(np.ravel(x), xp)"
_T = f"np.clip((np.ravel(x) - xp[{_JR}]) / (xp[{_JR} + 1] - xp[{_JR}]), 0.0, 1.0)"


def _interp_fp_vjp(site: Site) -> str:
    g = "np.ravel(rt.broadcast_tangent(d, x))"
    for end, test in [("left", "np.ravel(x) >= xp[0]"), ("right", "np.ravel(x) <= xp[-1]")]:
        if not (site.is_const(end) and site.const(end) is None):  # a fixed value outside
            g = f"np.where({test}, {g}, 0.0)"
    n = "np.size(fp)"
    lower = f"rt.onehot({_JR}, {n}).T @ ({g} * (1.0 - {_T}))"
    return f"{lower} + rt.onehot({_JR} + 1, {n}).T @ ({g} * {_T})"


def _interp_fp_jvp(site: Site) -> str:
    ends = [
        "None" if site.is_const(e) and site.const(e) is None else "0.0" for e in ("left", "right")
    ]
    return f"np.interp(x, xp, d, {ends[0]}, {ends[1]})"


register(
    np.interp,
    Rule(
        "np.interp",
        ("x", "fp"),
        (f"d * {_SLOPE_X}", _interp_fp_jvp),
        (f"d * {_SLOPE_X}", _interp_fp_vjp),
        keywords=(("xp", REQUIRED), ("left", None), ("right", None)),
        positional=("x", "xp", "fp", "left", "right"),
    ),
)
for _helper in (rt.trapezoid_weights, rt.interval, rt.inside, rt.onehot):
    register(_helper, nondifferentiable(f"rt.{_helper.__name__}"))

# partition moves elements like a sort (the order np.argpartition gives)
_ORDER = "rt.partition_order(x, kth, axis, ans)"
register(
    np.partition,
    Rule(
        "np.partition",
        ("x",),
        (f"np.take_along_axis(d, {_ORDER}, axis)",),
        (f"rt.take_along_axis_vjp(d, x, {_ORDER}, axis)",),
        keywords=(("kth", REQUIRED), ("axis", -1)),
        positional=("x", "kth", "axis"),
    ),
)
register(rt.partition_order, nondifferentiable("rt.partition_order"))

# select(conditions, choices, default): each element is the first choice whose condition
# holds, else the default: a sum of masked choices (the conditions only pick: selectors)
_MASKS = "rt.select_masks(condlist, choicelist)"
register(
    np.select,
    Rule(
        "np.select",
        ("choicelist", "default"),
        (f"rt.masked_sum({_MASKS}[:-1], d)", f"{_MASKS}[-1] * d"),
        (
            f"rt.masked_split(d, {_MASKS}[:-1], choicelist)",
            f"rt.unbroadcast({_MASKS}[-1] * d, default)",
        ),
        keywords=(("condlist", REQUIRED),),
        positional=("condlist", "choicelist", "default"),
        selectors=("condlist",),
        variadic=True,
    ),
)
register(rt.select_masks, nondifferentiable("rt.select_masks"))

# pinv: the derivative of the pseudo-inverse where the rank does not change (Golub and
# Pereyra 1973): dA⁺ = -A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I - AA⁺) + (I - A⁺A) dAᵀ A⁺ᵀA⁺
_I_M = "np.eye(np.shape(a)[-2])"
_I_N = "np.eye(np.shape(a)[-1])"
register(
    np.linalg.pinv,
    Rule(
        "np.linalg.pinv",
        ("a",),
        (
            f"-ans @ d @ ans + ans @ rt.mT(ans) @ rt.mT(d) @ ({_I_M} - a @ ans)"
            f" + ({_I_N} - ans @ a) @ rt.mT(d) @ rt.mT(ans) @ ans",
        ),
        (
            f"-rt.mT(ans) @ d @ rt.mT(ans) + ({_I_M} - a @ ans) @ rt.mT(d) @ ans @ rt.mT(ans)"
            f" + rt.mT(ans) @ ans @ rt.mT(d) @ ({_I_N} - ans @ a)",
        ),
        keywords=(("rcond", None), ("hermitian", False)),
    ),
)
register(
    rt.masked_sum,
    Rule(
        "rt.masked_sum",
        ("items",),
        (SAME_CALL,),
        ("rt.masked_split(d, masks, items)",),
        keywords=(("masks", REQUIRED),),
        positional=("masks", "items"),
        selectors=("masks",),
    ),
)
register(
    rt.masked_split,
    Rule(
        "rt.masked_split",
        ("g",),
        (SAME_CALL,),
        ("rt.unbroadcast(rt.masked_sum(masks, d), g)",),
        keywords=(("masks", None), ("items", None)),
        selectors=("masks", "items"),
    ),
)

# eigvals of a matrix with distinct real eigenvalues: dλᵢ = (V⁻¹ dA V)ᵢᵢ; complex
# eigenvalues are refused (np.linalg.eig, with eigenvectors, has no rule yet)
register(
    np.linalg.eigvals,
    Rule("np.linalg.eigvals", ("a",), ("rt.eigvals_jvp(d, a)",), ("rt.eigvals_vjp(d, a)",)),
)
# (its helpers, rt.eigvals_jvp and rt.eigvals_vjp, are differentiated through their source
# for second derivatives: runtime/through.py; their rules in `d` alone are gone)

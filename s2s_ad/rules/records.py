"""Rules for records: reading an attribute (`x.w`, the primitive `getattr(x, "w")`) and
building a NamedTuple, a dataclass or an object (`rt.new_record`, `rt.new_object`).

Both are linear in the record or in its items: the tangent of `x.w` is the tangent's `w`
(`rt.attribute_jvp`), its adjoint a record derivative holding the cotangent at `w`
(`rt.attribute_vjp`); building moves the items' derivatives into a record derivative
(`rt.record_jvp`) and back (`rt.record_vjp`). Each helper is linear in its first argument
and has rules of its own, so derivative code that reads attributes can be differentiated
again (Hessians).
"""

from __future__ import annotations

from .. import runtime as rt
from .dicts import _moves
from .registry import REQUIRED, Rule, registrar

register = registrar("records")

register(
    getattr,
    Rule(
        "getattr",
        ("x",),
        ("rt.attribute_jvp(d, x, name, ans)",),
        ("rt.attribute_vjp(d, x, name)",),
        keywords=(("name", REQUIRED),),
        selectors=("name",),
        batched=("rt.attribute_jvp(d, x, name, ans, True)",),
    ),
)
# (checks of an operand of an object's operator: the derivative passes; `left`, compared by
# class only, has none through it)
register(rt.reflected_operand, Rule("rt.reflected_operand", ("x",), ("d",), ("d",), batched=("d",)))
register(rt.followed_operand, Rule("rt.followed_operand", ("x",), ("d",), ("d",), batched=("d",)))
register(
    rt.implemented,
    Rule(
        "rt.implemented",
        ("result",),
        ("d",),
        ("d",),
        keywords=(("method", None),),
        positional=("result", "method"),
        selectors=("method",),
        batched=("d",),
    ),
)
register(
    rt.right_operand,
    Rule(
        "rt.right_operand",
        ("x", "left"),
        ("d", "rt.zeros_like(ans)"),
        ("d", "rt.zeros_like(left)"),
        keywords=(("method", None),),
        positional=("x", "left", "method"),
        selectors=("method",),
        batched=("d", "rt.zeros_like(ans)"),
    ),
)
for maker in (rt.new_record, rt.new_object):
    register(
        maker,
        Rule(
            f"rt.{maker.__name__}",
            ("items",),
            ("rt.record_jvp(d, cls, names, ans)",),
            ("rt.record_vjp(d, cls, names, items)",),
            keywords=(("cls", None), ("names", None)),
            positional=("cls", "names", "items"),
            selectors=("cls", "names"),
            batched=("rt.record_jvp(d, cls, names, ans, True)",),
        ),
    )

# replaced(x, names, items): linear in the record and in the items; the tangent through `x`
# has zeros shaped like the new record's fields (`ans`: a list replaced by a longer one)
register(
    rt.replaced,
    Rule(
        "rt.replaced",
        ("x", "items"),
        ("rt.without_fields(d, ans, names)", "rt.fields_jvp(d, ans, names)"),
        ("rt.without_fields(d, x, names)", "rt.fields_vjp(d, x, names, items)"),
        keywords=(("names", None),),
        positional=("x", "names", "items"),
        selectors=("names",),
        batched=(
            "rt.without_fields(d, ans, names, True)",
            "rt.fields_jvp(d, ans, names, True)",
        ),
    ),
)


_moves("attribute_jvp", "rt.attribute_vjp(d, x, name)", ("x", "name", "like", "batched"))
_moves("attribute_vjp", "rt.attribute_jvp(d, x, name)", ("x", "name", "batched"))
_moves("record_jvp", "rt.record_vjp(d, cls, names)", ("cls", "names", "record", "batched"))
_moves("record_vjp", "rt.record_jvp(d, cls, names)", ("cls", "names", "items", "batched"))
_moves("without_fields", "rt.without_fields(d, x, names)", ("x", "names", "batched"))
_moves("fields_jvp", "rt.fields_vjp(d, x, names)", ("x", "names", "batched"))
_moves("fields_vjp", "rt.fields_jvp(d, x, names)", ("x", "names", "items", "batched"))

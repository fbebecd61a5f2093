"""Rules for the dict helpers of `runtime/dicts.py`: a dict's derivative is a dict of its
entries' derivatives (a missing entry is zero), so reading the values or items of a dict
is linear, and so is each helper that moves derivatives between dicts and lists.

Every helper derivative code calls has rules of its own, so second derivatives work: each
`*_jvp` / `*_vjp` pair is linear in its first argument, and each is the other's adjoint.
"""

from __future__ import annotations

from .. import runtime as rt
from .registry import SAME_CALL, Rule, nondifferentiable, registrar

register = registrar("runtime")

for helper in (rt.make_dict, rt.dict_keys, rt.key_present):
    register(helper, nondifferentiable(f"rt.{helper.__name__}"))


def _reads(name: str, jvp: str, vjp: str, batched: str) -> None:
    """`rt.<name>(x)`: linear in the dict `x`."""
    register(
        getattr(rt, name),
        Rule(f"rt.{name}", ("x",), (jvp,), (vjp,), batched=(batched,)),
    )


_reads("dict_values", "rt.values_jvp(d, x)", "rt.values_vjp(d, x)", "rt.values_jvp(d, x, True)")
_reads("dict_items", "rt.items_jvp(d, x)", "rt.items_vjp(d, x)", "rt.items_jvp(d, x, True)")
_reads("copy_dict", "rt.copy_dict(d)", "d", "rt.copy_dict(d)")
# {**d, **e}: `d`'s entries where `e` has none, and `e`'s
register(
    rt.updated,
    Rule(
        "rt.updated",
        ("x", "y"),
        ("rt.without_keys(d, y)", "rt.only_keys(d, y)"),
        ("rt.without_keys(d, y)", "rt.only_keys(d, y)"),
        batched=("rt.without_keys(d, y)", "rt.only_keys(d, y)"),
    ),
)
# d.pop(key): the dict without the entry, linear in it; the dropped entry's cotangent is zero
register(
    rt.without_key,
    Rule(
        "rt.without_key",
        ("x",),
        ("rt.without_key(d, key)",),
        ("rt.without_key(d, key)",),
        keywords=(("key", None),),
        positional=("x", "key"),
        selectors=("key",),
        batched=("rt.without_key(d, key)",),
    ),
)
# d.get(key, default): the entry when present, else the default
register(
    rt.dict_get,
    Rule(
        "rt.dict_get",
        ("x", "default"),
        ("rt.get_jvp(d, x, key, like=ans)", "rt.default_jvp(d, x, key)"),
        ("rt.get_vjp(d, x, key)", "rt.default_vjp(d, x, key, default)"),
        keywords=(("key", None),),
        positional=("x", "key", "default"),
        selectors=("key",),
        batched=("rt.get_jvp(d, x, key, ans)", "rt.default_jvp(d, x, key, ans)"),
    ),
)


def _moves(name: str, adjoint: str, keywords: tuple[str, ...]) -> None:
    """A helper linear in its first argument `g`; `keywords` only shape or select. The
    vector mode calls it the same way, with its last keyword `directions` or `batched` (the
    flag saying the derivative carries a leading axis of directions), if any, set True."""
    flagged = keywords and keywords[-1] in ("directions", "batched")
    given = (*keywords[:-1], "True") if flagged else keywords
    register(
        getattr(rt, name),
        Rule(
            f"rt.{name}",
            ("g",),
            (SAME_CALL,),
            (adjoint,),
            keywords=tuple((k, None) for k in keywords),
            selectors=keywords,
            batched=(f"rt.{name}(d, {', '.join(given)})",),
        ),
    )


_moves("values_jvp", "rt.values_vjp(d, x)", ("x", "directions"))
_moves("values_vjp", "rt.values_jvp(d, x)", ("x",))
_moves("items_jvp", "rt.items_vjp(d, x)", ("x", "directions"))
_moves("items_vjp", "rt.items_jvp(d, x)", ("x",))
_moves("get_jvp", "rt.get_vjp(d, x, key)", ("x", "key", "ans"))
_moves("get_vjp", "rt.get_jvp(d, x, key)", ("x", "key", "batched"))
_moves("default_jvp", "rt.default_jvp(d, x, key)", ("x", "key", "ans"))
_moves("default_vjp", "rt.default_jvp(d, x, key)", ("x", "key", "default", "batched"))
_moves("without_keys", "rt.without_keys(d, x)", ("x",))
_moves("only_keys", "rt.only_keys(d, x)", ("x",))
_moves("iterated_jvp", "rt.iterated_vjp(d, x)", ("x",))
_moves("iterated_vjp", "rt.iterated_jvp(d, x)", ("x",))

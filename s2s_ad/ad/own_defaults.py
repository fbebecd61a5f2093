"""The defaults a compiled derivative carries: its tree's literal defaults, and before them
the differentiated function's own defaults that are not literals.

Flat gradient code (`f_grad`, `f_value_and_grad`, what `hessian` differentiates again)
takes the function's parameters and then the seeds, `out_bar=1.0`. Its source shows the
defaults that are literals; a default that is not one (`w=np.ones(3)`, `scale=SCALE * 2`
where a later parameter's is not) is the object Python made at the function's `def`, given
to the compiled function as it is, so calls that leave the parameter out still bind:

    def f(x, w=np.ones(3)): ...     source:   def f_grad(x, w, f_bar=1.0)
                                    compiled: f_grad.__defaults__ == (<the array>, 1.0)
"""

from __future__ import annotations

import ast
import types


def compiled_defaults(fn: types.FunctionType, params: list[str], tree: ast.FunctionDef) -> tuple:
    """`tree`'s literal defaults, extended to the left over the parameters of `fn` (named
    `params` in the tree's first places) that have defaults of their own."""
    literal = tuple(ast.literal_eval(d) for d in tree.args.defaults)
    own = own_defaults(fn, params)
    names = [a.arg for a in tree.args.args]
    first = len(names) - len(literal)  # the first parameter with a default in the tree
    extra: list = []
    while first > 0 and first - 1 < len(params) and names[first - 1] == params[first - 1]:
        if names[first - 1] not in own:
            break
        extra.insert(0, own[names[first - 1]])
        first -= 1
    return (*extra, *literal)


def own_defaults(fn: types.FunctionType, params: list[str]) -> dict[str, object]:
    """Each parameter of `fn` with a default, and the object its `def` made."""
    positional = params[: fn.__code__.co_argcount]
    defaults = dict(zip(reversed(positional), reversed(fn.__defaults__ or ()), strict=False))
    defaults.update(fn.__kwdefaults__ or {})
    return defaults

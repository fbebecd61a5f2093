"""`np.einsum` in the sublist (interleaved) form, written with literal sublists: the same
call in the subscripts-string form, which has a rule (rules/linalg.py).

A mixin of the expression lowering. NumPy reads `einsum(a, [0, 1], b, [1, 2], [0, 2])` as
`einsum('ab,bc->ac', a, b)` (label k is the k-th letter); without an output sublist the
output is the labels seen once, in increasing order, written out here explicitly:

    np.einsum(a, [0, 1], b, [1, 2], [0, 2])   before: "no derivative with respect to
                                               subscripts"
                                               after:  np.einsum('ab,bc->ac', a, b)

Sublists that are not literals of labels (ints 0 to 51, `...`) are left as they are (refused
as before, naming the argument).
"""

from __future__ import annotations

import string

import gast
import numpy as np

from ..frontend import nodes

LETTERS = string.ascii_letters  # NumPy's sublist labels 0 to 51


class EinsumSublists:
    """The mixin: `np.einsum(op, sublist, …)` with literal sublists as the string form."""

    def _einsum_string_form(self, node: gast.Call) -> gast.Call | None:
        args = node.args
        if len(args) < 2 or any(isinstance(a, gast.Starred) for a in args):
            return None
        if isinstance(args[0], gast.Constant) or self._is_local_chain(node.func):
            return None
        dotted = nodes.dotted(node.func)
        if dotted is None or self.scope.resolve(dotted) is not np.einsum:
            return None
        pairs = args if len(args) % 2 == 0 else args[:-1]  # (operand, sublist) pairs
        operands = pairs[0::2]
        inputs = [_labels(a) for a in pairs[1::2]]
        if len(args) % 2 == 0:  # no output sublist: the labels seen once, in order
            output = _implicit_output(inputs) if None not in inputs else None
        else:
            output = _labels(args[-1])
        if output is None or None in inputs:
            return None
        text = ",".join(map(_spelled, inputs)) + "->" + _spelled(output)
        out = nodes.call(node.func, [nodes.constant(text), *operands], like=node)
        out.keywords = node.keywords
        return out


def _labels(node: gast.expr) -> list | None:
    """The labels of a literal sublist (`[0, 1]`, `(0, ...)`), or None."""
    if not isinstance(node, (gast.List, gast.Tuple)):
        return None
    out = []
    for item in node.elts:
        if not isinstance(item, gast.Constant):
            return None
        value = item.value
        if value is Ellipsis or (type(value) is int and 0 <= value < len(LETTERS)):
            out.append(value)
        else:
            return None
    return out


def _implicit_output(inputs: list[list]) -> list:
    seen = [k for s in inputs for k in s if k is not Ellipsis]
    ellipsis = [Ellipsis] if any(Ellipsis in s for s in inputs) else []
    return ellipsis + sorted(k for k in set(seen) if seen.count(k) == 1)


def _spelled(labels: list) -> str:
    return "".join("..." if k is Ellipsis else LETTERS[k] for k in labels)

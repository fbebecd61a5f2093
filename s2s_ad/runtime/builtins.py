"""Python's builtins over lists and 1-D arrays, as generated code calls them (`rt.…`).

The lowering (`ssa/builtins.py`) writes `max(xs)` as `rt.max_of(xs)`, `sorted(xs)` as
`rt.sorted_items(xs)`, `reversed(xs)` consumed by a call as `rt.reversed_items(xs)`: the
value is Python's own (the very item `max` returns, the list `sorted` returns). Their
derivatives move items: a tie in `max` splits the derivative evenly between the tied items
(as `np.max` does), a reordering gathers the tangents in the new order and scatters the
cotangents back (`gather` / `scatter`, each the other's adjoint, so Hessians work).
Before → after (`L` a list of floats):
    `m = max(L)`       →  `m = rt.max_of(L)`; adjoint `L_bar = rt.tie_vjp(m_bar, L, m)`
    `s = sorted(L)`    →  `s = rt.sorted_items(L)`; adjoint `rt.scatter(s_bar, order, L)`
"""

from __future__ import annotations

from .core import Derivatives, as_array, zeros_like


def max_of(xs):
    """`max(xs)` of one list, tuple or array (the item Python returns)."""
    return max(xs)


def min_of(xs):
    """`min(xs)` of one list, tuple or array (the item Python returns)."""
    return min(xs)


def tie_weights(xs, ans):
    """1 / (number of ties) where an item equals the extremum `ans`, else 0 (a list)."""
    hits = [bool(item == ans) for item in xs]
    count = sum(hits)
    return [1.0 / count if hit else 0.0 for hit in hits]


def tie_jvp(d, xs, ans):
    """The tangent of `max(xs)`: the tied items' tangents, averaged."""
    parts = [_scaled(w, item) for w, item in zip(tie_weights(xs, ans), d, strict=True) if w]
    total = parts[0] if parts else 0.0  # (a list's or tuple's own, where one item is hit)
    for part in parts[1:]:
        total = total + part
    return total


def _scaled(weight, d):  # no annotations: export copies it
    """`weight * d`, item by item where `d` is a list's derivative (`max(rows)` of lists)."""
    if weight == 1.0:
        return d
    if isinstance(d, (list, tuple)):
        return Derivatives(_scaled(weight, item) for item in d)
    return weight * d


def tie_vjp(g, xs, ans):
    """The cotangent of `xs` in `max(xs)`: `g` split evenly between the tied items."""
    weights = tie_weights(xs, ans)
    if isinstance(xs, (list, tuple)):
        return Derivatives(
            _scaled(w, g) if w else zeros_like(item) for w, item in zip(weights, xs, strict=True)
        )
    out = zeros_like(as_array(xs))
    for k, w in enumerate(weights):
        if w:
            out[k] = out[k] + _scaled(w, g)
    return out


def sort_order(xs, reverse=False, key=None):
    """The positions of `xs`'s items in the order `sorted(xs, key=key, reverse=reverse)`
    gives them (the same stable sort on the same keys, so the same order at ties)."""
    keys = list(xs) if key is None else [key(item) for item in xs]
    return sorted(range(len(keys)), key=keys.__getitem__, reverse=reverse)


def sorted_items(xs, reverse=False, key=None):
    """`sorted(xs, key=key, reverse=reverse)`: a new list."""
    return sorted(xs, key=key, reverse=reverse)


def sorted_by_keys(xs, keys, reverse=False):
    """`sorted(xs, key=f)` given `keys = [f(a) for a in xs]`: a new list."""
    return [xs[i] for i in sort_order(keys, reverse)]


def reversed_items(xs):
    """`reversed(xs)` consumed at once (by `list`, `sum`, a loop, …): its items, last first."""
    return list(reversed(xs))


def reverse_order(xs):
    """The positions of `xs`'s items, last first."""
    return list(range(len(xs) - 1, -1, -1))


def gather(d, order):
    """`[d[i] for i in order]`, as the derivative of a list (added item by item)."""
    return Derivatives(d[i] for i in order)


def scatter(g, order, xs):
    """The adjoint of `gather`: `g[k]` added into a zero derivative of `xs` at `order[k]`."""
    out = zeros_like(xs) if isinstance(xs, (list, tuple)) else zeros_like(as_array(xs))
    for k, i in enumerate(order):
        out[i] = out[i] + g[k]
    return out


def is_in(item, container):
    """`item in container`."""
    return item in container


def is_not_in(item, container):
    """`item not in container`."""
    return item not in container


def at_least(xs, before, after):
    """`xs` as a list, after checking it has the `before + after` items a starred
    assignment (`first, *rest = xs`) names; Python's error otherwise."""
    items = Derivatives(xs) if isinstance(xs, Derivatives) else list(xs)
    if len(items) < before + after:
        raise ValueError(
            f"not enough values to unpack (expected at least {before + after}, got {len(items)})"
        )
    return items


def pop_index(xs, index=-1):
    """The position `xs.pop(index)` removes (counted from the front), or Python's error."""
    if not isinstance(xs, list):
        raise TypeError(f"'{type(xs).__name__}' object has no attribute 'pop'")
    if not xs:
        raise IndexError("pop from empty list")
    if not -len(xs) <= index < len(xs):
        raise IndexError("pop index out of range")
    return index % len(xs)


def unzip(pairs):
    """`zip(*pairs)` consumed at once: the tuple of first items, of second items, …"""
    if isinstance(pairs, Derivatives):
        return Derivatives(Derivatives(column) for column in zip(*pairs, strict=False))
    return list(zip(*pairs, strict=False))  # Python's `zip(*pairs)`: the shortest pair


def unzip_vjp(g, pairs):
    """The cotangent of `pairs` in `zip(*pairs)`: `g` transposed back, one per pair."""
    if not len(g):
        return zeros_like(pairs)
    rows = zip(*g, strict=True)
    return Derivatives(
        Derivatives(row) if isinstance(pair, (list, tuple)) else as_array(row)
        for row, pair in zip(rows, pairs, strict=False)
    )


__all__ = [
    *("max_of", "min_of", "tie_weights", "tie_jvp", "tie_vjp", "sort_order", "sorted_items"),
    "sorted_by_keys",
    *("reversed_items", "reverse_order", "gather", "scatter", "is_in", "is_not_in"),
    *("at_least", "exactly", "pop_index", "unzip", "unzip_vjp", "zip_range"),
]


def exactly(xs, count):
    """`xs`, after checking it has the `count` items a tuple target names (Python's error
    otherwise: `for a, b in triples` raises, it does not take the first two)."""
    if len(xs) != count:
        many = "too many" if len(xs) > count else "not enough"
        raise ValueError(f"{many} values to unpack (expected {count}, got {len(xs)})")
    return xs


def zip_range(strict, *counts):
    """The positions `zip(…, strict=strict)` reaches, given each sequence's `range(len)`:
    the shortest, or Python's error under `strict` when the lengths differ."""
    lengths = [len(c) for c in counts]
    shortest = min(lengths)
    if strict and len(set(lengths)) > 1:  # Python's message
        first = lengths[0] == shortest
        k = next(k for k, n in enumerate(lengths) if (n > shortest if first else n == shortest))
        earlier = "argument 1" if k == 1 else f"arguments 1-{k}"
        which = "longer" if first else "shorter"
        raise ValueError(f"zip() argument {k + 1} is {which} than {earlier}")
    return range(shortest)

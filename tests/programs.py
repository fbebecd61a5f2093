"""Random programs for property tests: straight-line code, branches and loops with overwrites."""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import tempfile
from pathlib import Path

from edge_snippets import MAY_REFUSE, SCALAR_ONLY, SNIPPETS, snippet
from hypothesis import strategies as st

# Each entry: a template over operands a, b whose value stays finite for finite inputs, and
# grows at most linearly, so loops that feed values back cannot overflow.
UNARY = [
    "np.sin({a})",
    "np.cos({a})",
    "np.tanh({a})",
    "np.exp(np.tanh({a}))",
    "np.log(1.0 + np.tanh({a}) ** 2)",
    "np.sqrt(1.0 + np.tanh({a}) ** 2)",
    "np.arctan({a})",
    "-{a}",
    "np.tanh({a}) ** 2",
    "np.clip({a}, -1.0, 1.0)",
    "np.where({a} > 0.0, {a}, 0.1 * {a})",
    "{a} - np.mean({a})",
    "{a} * np.max(np.tanh({a}))",
    "np.logaddexp({a}, 0.0)",
    "LAYER({a})",  # a callable object (s2s_ad/ssa/callable_values.py)
    "ACTS['act']({a})",  # a function held in a dict
    "half({a})",  # a functools.partial of a helper
]
BINARY = [
    "{a} + {b}",
    "{a} - {b}",
    "np.tanh({a} * {b})",
    "{a} / (1.5 + np.tanh({b}) ** 2)",
    "np.hypot({a}, 1.0 + np.tanh({b}) ** 2)",
    "np.arctan2({a}, 2.0 + {b} * {b})",
    "{a} * np.cos({b})",
    "helper({a}, {b})",
    "pair({a}, {b})[0]",
    "np.maximum({a}, {b})",
    "np.minimum({a}, np.tanh({b}))",
    "np.where({a} > {b}, {a} * 0.5, np.sin({b}))",
    "np.logaddexp({a}, {b})",
    "{a} * np.mean(np.tanh({b}))",
    "(lambda t: np.tanh(t) * {b})({a})",  # a lambda called at once (ssa/lambdas.py)
    "apply(lambda t: np.sin(t) + {b}, {a})",  # a helper given a lambda (ssa/function_values.py)
    # records built in the function, their attributes read (ssa/records.py)
    "Rec({a}, {b}).u * np.cos(Rec(v={b}, u={a}).v)",
    "through(Cell({a}, np.tanh({b})))",
    "Box({a}, {b}).scaled + Box({b}, {a}).a",
]
# Only in programs of a tuple `p`: the tuple passed whole to a helper, and indexed.
STRUCTURED_BINARY = ["mixed(p, {a})", "{a} * p[1] + {b}"]
# Only in programs of a nested `p = [(u, v), {"s": s}, (w, v2)]`: its parts passed to a
# helper, indexed at depth, sliced, iterated, zipped and measured (`len`).
NESTED_BINARY = [
    "mixed(p[0], {a})",
    "{a} * p[1]['s'] + {b}",
    "{a} * len(p) + p[-1][0] * {b}",
    "spread(p[::2], {a})",
    "{a} + sum(u * v for (u, v), _ in zip(p[::2], [0.0, 1.0]))",
]
# Only where every value is an array whose last axis has 4 elements (the array programs):
# indexing, reordering and gathering along that axis, keeping the shape.
ARRAY_UNARY = [
    "{a}[..., ::-1]",
    "{a} * {a}[..., 1:2]",
    "{a}[..., [0, 2, 2, 1]]",
    "np.roll({a}, 1, axis=-1)",
    "np.cumsum(np.tanh({a}), axis=-1)",
    "np.sort({a}, axis=-1)",
]
# Helpers the programs call: their own branches, loop and tuple result are differentiated too.
# `report` is called for its effect (printing, to `QUIET`), as the edge snippets do.
HELPERS = """
import dataclasses
import typing

QUIET = __import__("io").StringIO()


class Rec(typing.NamedTuple):
    u: object
    v: object


@dataclasses.dataclass
class Cell:
    u: object
    v: object


class Box:
    def __init__(self, a, b):
        self.a = a
        self.scaled = a * np.tanh(b)


def through(r):
    return r.u * np.cos(r.v)


def report(a):
    print("report", np.sum(a), file=QUIET)
    return None

def helper(a, b):
    if np.sum(a) > 0.0:
        return np.tanh(a) * np.cos(b)
    return a * 0.5 + np.sin(b)


def mixed(p, a):
    u, v = p
    return np.tanh(u * a) + v * np.cos(a)


def spread(pairs, a):
    total = a * 0.0
    for u, v in pairs:
        total = total + np.sin(u * a) * v
    return total


def pair(a, b):
    c = a
    for _ in range(2):
        c = np.sin(c) + 0.1 * np.tanh(b)
    return c, a * b


def apply(f, v):
    return f(v) * 0.5 + np.cos(v)


class Layer:
    def __init__(self, scale):
        self.scale = scale

    def __call__(self, a):
        return np.tanh(a) * self.scale


LAYER = Layer(1.5)
ACTS = {"act": np.sin}
half = functools.partial(helper, b=0.5)
"""
# Inside a loop, statements may use its counter `{k}` (an int): indices, weights and branch
# tests computed from loop counters and constants only, which carry no derivative however the
# gradient code saves and replays them (issue 17: tapes, branch records, tuples).
COUNTER_UNARY = [
    "{a} * (1.0 + 0.5 * {k})",
    "{a} * [0.5, 1.5, -1.0, 2.0][{k} % 4]",
    "np.sin({a} * ({k} % 2 + 1))",
    "{a} * 1.5 if {k} % 2 == 0 else np.tanh({a})",
    "{a} * (1.0 + 0.5)",
]
# Only where values are arrays whose last axis has 4 elements: the counter as an index.
COUNTER_ARRAY_UNARY = [
    "{a} * np.tanh({a}[..., {k} % 4:{k} % 4 + 1])",
    "{a} + {a}[..., [{k} % 4, ({k} + 1) % 4, 0, 3]] * 0.5",
]
CONDITIONS = [
    "np.sum({a}) > 0.0",
    "np.sum({a}) < np.sum({b})",
    "np.sum({a}) > 0.5 and np.sum({b}) < 1.0",
]

_counter = itertools.count()
_directories: dict[int, Path] = {}  # one per process: worker processes must not share files


def _directory() -> Path:
    if os.getpid() not in _directories:
        _directories[os.getpid()] = Path(tempfile.mkdtemp(prefix="s2s_programs_"))
    return _directories[os.getpid()]


class _Writer:
    def __init__(
        self,
        draw,
        names: list[str],
        augment: bool,
        control_flow: bool,
        arrays: bool,
        structured: bool = False,
        edges: bool = False,
    ) -> None:
        self.draw = draw
        self.edges = [k for k in SNIPPETS if not (arrays and k in SCALAR_ONLY)] if edges else []
        self.pool = list(names)
        self.n_inputs = len(names)
        self.augment = augment
        self.control_flow = control_flow
        self.unary = UNARY + ARRAY_UNARY if arrays else UNARY
        extra = {"nested": NESTED_BINARY, True: STRUCTURED_BINARY}.get(structured, [])
        self.binary = BINARY + extra
        self.counter_unary = COUNTER_UNARY + COUNTER_ARRAY_UNARY if arrays else COUNTER_UNARY
        self.counters: list[str] = []  # the counters of the loops around the next statement
        self.lines: list[str] = []

    def statements(self, count: int, indent: int, depth: int) -> None:
        for _ in range(count):
            kind = "assign"
            if self.control_flow and depth < 2:
                kind = self.draw(st.sampled_from(["assign", "assign", "assign", "if", "for"]))
            if self.edges and depth == 0 and self.draw(st.booleans()):
                kind = "edge"
            if kind == "edge":
                self.edge(indent)
            elif kind == "if":
                self.branch(indent, depth)
            elif kind == "for":
                self.loop(indent, depth)
            else:
                self.assignment(indent, fresh_allowed=depth == 0)

    def assignment(self, indent: int, fresh_allowed: bool) -> None:
        draw, pool = self.draw, self.pool
        a = draw(st.sampled_from(pool))
        b = draw(st.sampled_from([*pool, "0.5", "2.0"]))
        if self.counters and draw(st.integers(0, 3)) == 0:
            k = draw(st.sampled_from(self.counters))
            expr = draw(st.sampled_from(self.counter_unary)).format(a=a, k=k)
        elif draw(st.booleans()):
            expr = draw(st.sampled_from(self.unary)).format(a=a)
        else:
            expr = draw(st.sampled_from(self.binary)).format(a=a, b=b)
        kinds = ["reassign", "augment"] if self.augment else ["reassign"]
        kind = (
            draw(st.sampled_from(["new", *kinds]))
            if fresh_allowed
            else draw(st.sampled_from(kinds))
        )
        # New names only at the top level, so every name is defined on every path.
        pad = "    " * indent
        if kind == "new" or (len(pool) == self.n_inputs and fresh_allowed):
            target = f"v{len(pool)}"
            pool.append(target)
            self.lines.append(f"{pad}{target} = {expr}")
        elif kind == "reassign":
            self.lines.append(f"{pad}{draw(st.sampled_from(pool))} = {expr}")
        else:
            self.lines.append(f"{pad}{draw(st.sampled_from(pool))} += {expr}")

    def edge(self, indent: int) -> None:
        """A snippet of `edge_snippets.py` (only at the top level: it defines names)."""
        kind = self.draw(st.sampled_from(self.edges))
        a, b, t = (self.draw(st.sampled_from(self.pool)) for _ in range(3))
        pad = "    " * indent
        if kind in MAY_REFUSE:
            self.lines.append(f"{pad}# may refuse: {kind}")
        n = len(self.lines)
        self.lines += snippet(kind, self.draw, st, t=t, a=a, b=b, n=n, pad=pad)

    def branch(self, indent: int, depth: int) -> None:
        a, b = self.draw(st.sampled_from(self.pool)), self.draw(st.sampled_from(self.pool))
        test = self.draw(st.sampled_from(CONDITIONS)).format(a=a, b=b)
        if self.counters and self.draw(st.integers(0, 3)) == 0:  # taken on some iterations
            k = self.draw(st.sampled_from(self.counters))
            test = self.draw(st.sampled_from(["{k} % 2 == 1", "{k} > 0", "1.09 > 1.5"]))
            test = test.format(k=k)
        self.lines.append(f"{'    ' * indent}if {test}:")
        self.statements(self.draw(st.integers(1, 3)), indent + 1, depth + 1)
        if self.draw(st.integers(0, 4)) == 0:  # an early return
            value = self.draw(st.sampled_from(self.pool))
            self.lines.append(f"{'    ' * (indent + 1)}return np.sum({value} * 1.5)")
        if self.draw(st.booleans()):
            self.lines.append(f"{'    ' * indent}else:")
            self.statements(self.draw(st.integers(1, 3)), indent + 1, depth + 1)

    def loop(self, indent: int, depth: int) -> None:
        trips = self.draw(st.integers(0, 3))
        steps = f"range({trips})"
        every = self.draw(st.sampled_from([None, None, None, 0, 1, 2]))
        if every is not None:  # checkpointed: by default (0) or every 1 or 2 iterations
            steps = f"s2s_ad.checkpoint({steps}{f', every={every}' if every else ''})"
        counter = f"k{depth}"
        self.lines.append(f"{'    ' * indent}for {counter} in {steps}:")
        jump = self.draw(st.sampled_from([None, None, "break", "continue"]))
        first = self.draw(st.booleans())
        if jump and first:
            self.jump(jump, indent + 1)
        self.counters.append(counter)
        self.statements(self.draw(st.integers(1, 3)), indent + 1, depth + 1)
        self.counters.pop()
        if jump and not first:
            self.jump(jump, indent + 1)

    def jump(self, kind: str, indent: int) -> None:
        a, b = self.draw(st.sampled_from(self.pool)), self.draw(st.sampled_from(self.pool))
        test = self.draw(st.sampled_from(CONDITIONS)).format(a=a, b=b)
        self.lines.append(f"{'    ' * indent}if {test}:")
        self.lines.append(f"{'    ' * (indent + 1)}{kind}")


@st.composite
def programs(
    draw,
    n_inputs=2,
    max_statements=8,
    augment=True,
    control_flow=False,
    arrays=False,
    structured=False,
    edges=False,
):
    """A function `f(x0, x1, ...)` as source text.

    Assignments, reassignments and `+=`; with `control_flow`, also `if`/`else` and `for`
    loops (nested up to two deep, some checkpointed, some with a `break`, `continue` or
    early `return`) that overwrite variables. With `augment=False` there is no `+=` (NumPy's
    in-place `+=` cannot grow an array's shape under broadcasting). `arrays`: every input
    is an array whose last axis has 4 elements, so the programs also index and gather.
    `structured`: `f(p, x1, ...)` where `p` is a tuple of two values, read as `x0 = p[0]`,
    by index, and passed whole to a helper; "nested": `p` is `[(u, v), {"s": s}, (w, v2)]`,
    read as `x0 = p[0][0]` and in the ways of `NESTED_BINARY`. `edges`: top-level
    statements also include the snippets of `edge_snippets.py` (loop `else`, views,
    closures, …).
    """
    names = [f"x{i}" for i in range(n_inputs)]
    writer = _Writer(draw, names, augment, control_flow, arrays, structured, edges)
    if structured:
        first = "p[0][0]" if structured == "nested" else "p[0]"
        writer.lines += [f"def f(p, {', '.join(names[1:])}):", f"    x0 = {first}"]
    else:
        writer.lines.append(f"def f({', '.join(names)}):")
    writer.assignment(1, fresh_allowed=True)
    writer.statements(draw(st.integers(0, max_statements - 1)), 1, 0)
    result = " + ".join(draw(st.lists(st.sampled_from(writer.pool), min_size=1, max_size=3)))
    writer.lines.append(f"    return np.sum({result})")
    return "\n".join(writer.lines) + "\n"


def load(source: str):
    """Write `source` to a module file (s2s_ad reads source from files) and return `f`."""
    name = f"s2s_program_{next(_counter)}"
    path = _directory() / f"{name}.py"
    header = "import functools\nimport math\n\nimport numpy as np\n\nimport s2s_ad\n\n"
    path.write_text(header + HELPERS + "\n\n" + source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.f


_LOADED: dict[str, object] = {}


def load_once(source: str):
    """`load(source)`, once per program. Hypothesis draws one program again with other
    arguments (a fifth of the transformations of a chunk of `test_properties.py`); the
    derivatives would be the same code, so a later draw checks them at its own arguments
    through the same function (a later call), where a fresh module would make them again."""
    fn = _LOADED.get(source)
    if fn is None:
        fn = _LOADED[source] = load(source)
    return fn

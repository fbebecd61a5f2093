"""Multi-line statements at the edges of s2s_ad's model of Python, for the random programs.

Each snippet updates one variable `{t}` of the program from operands `{a}` and `{b}` (floats,
`np.float64`s, or arrays that broadcast), so it composes with the other statements of
`programs.py`. The kinds are those of issue 14: `for`/`while … else`, loop variables read
after every kind of exit, every `enumerate`/`range` form, passive arrays combined with active
values of lower rank (both operand orders), views and aliases updated in place, closures that
update enclosing lists and arrays, nested-def defaults, helpers' tuples read in loops,
negative tuple indices, conditional expressions in loops, `np.r_`/`np.c_`, `np.std`/`np.var`
of one element, complex intermediates; and of issue 15, `print`, `assert`, `with
np.errstate(…)` around active code, a `try` around passive code, comprehensions and generator
expressions (nested, filtered, over `zip`/`enumerate`, `any`/`all`, a target shadowing a
local, a nested def called in the element, in a branch of `a if c else b`, right of
`and`/`or`, in a `while` test), builtins over lists (`max`, `sorted`, `reversed`, `map`,
`filter`, `zip(*pairs)`, list methods, starred assignment).

`{n}` is a suffix unique to the snippet, `{thr}` a branch threshold, `{p}` the indentation.
A snippet whose construct s2s_ad may refuse (rather than differentiate) is listed in
`MAY_REFUSE`: such a program passes if it is refused with a located `S2SError`.
"""

from __future__ import annotations

SNIPPETS: dict[str, str] = {
    "for else": """
for _k{n} in range(3):
    {t} = np.sin({t}) + 0.5 * {b}
    if np.sum({t}) > {thr}:
        break
else:
    {t} = {t} * 1.5
""",
    "for else without break": """
for _k{n} in range(2):
    {t} = {t} * 0.9 + np.tanh({b})
else:
    {t} = {t} - 0.25 * {a}
""",
    "while else": """
_w{n} = 0
while _w{n} < 3:
    {t} = {t} * 0.9 + 0.1 * np.tanh({b})
    _w{n} += 1
    if np.sum({t}) > {thr}:
        break
else:
    {t} = {t} - 0.5 * {a}
""",
    "element after break": """
for _e{n} in np.tanh({a}) * np.linspace(0.5, 2.0, 4):
    if np.sum(_e{n}) > {thr}:
        break
{t} = {t} + _e{n} * {b}
""",
    "enumerated element after continue": """
for _i{n}, _e{n} in enumerate(np.cos({a}) * np.linspace(1.0, 2.0, 4)):
    if np.sum(_e{n}) < {thr}:
        continue
    {t} = {t} + 0.1 * _e{n}
{t} = {t} + _i{n} * _e{n}
""",
    "enumerate start keyword": """
for _i{n}, _e{n} in enumerate(np.sin({a}) * np.linspace(0.5, 1.5, 4), start={start}):
    {t} = {t} + 0.1 * _i{n} * _e{n}
""",
    "enumerate start positional": """
for _i{n}, _e{n} in enumerate(np.linspace(0.5, 1.5, 3), {start}):
    {t} = {t} * 0.9 + _i{n} * _e{n} * np.tanh({b})
""",
    "zipped elements after break": """
for _e{n}, _g{n} in zip(np.tanh({a}) * np.ones(3), np.linspace(0.1, 0.3, 3)):
    {t} = {t} + _g{n} * _e{n}
    if np.sum({t}) > {thr}:
        break
{t} = {t} * _g{n}
""",
    "stepped range after break": """
for _k{n} in range({range}):
    {t} = {t} * 0.8 + 0.05 * _k{n} * np.sin({b})
    if np.sum({t}) > {thr}:
        break
{t} = {t} + 0.01 * _k{n}
""",
    "passive array minus active": """
{t} = {t} + 0.1 * np.sum(np.linspace(0.5, 1.5, 4) - {a})
""",
    "active plus passive matrix": """
{t} = {t} + 0.05 * np.sum({a} + np.zeros((2, 1, 4)))
""",
    "active plus zeros, indexed": """
_z{n} = {a} + np.zeros(4)
{t} = {t} + _z{n}[1]
""",
    "full minus active": """
{t} = {t} + 0.1 * np.sum(np.full(4, 0.5) - {a} * {b})
""",
    "zeros buffer updated in place": """
_buf{n} = np.zeros(4)
_buf{n} += {a}
_buf{n} *= 0.5
{t} = {t} + _buf{n}[2]
""",
    "write through a slice view": """
_u{n} = {a} * np.ones(4)
_v{n} = _u{n}[..., 1:3]
_v{n} *= 2.0
{t} = {t} + 0.1 * np.sum(_u{n} * _u{n})
""",
    "element write through a view": """
_u{n} = {a} * np.ones(4)
_v{n} = {view}
_v{n}[0] = 3.0 * np.tanh(np.sum({b}))
{t} = {t} + 0.1 * np.sum(_u{n} * _u{n})
""",
    "augmented assignment through an alias": """
_u{n} = {a} * 2.0
_w{n} = _u{n}
_w{n} += 1.0
{t} = {t} + 0.1 * np.sum(_u{n} * _w{n})
""",
    "rebound name, then updated": """
_z{n} = np.tanh({a}) * np.ones(4)
for _k{n} in range(2):
    _y{n} = _z{n}
    _z{n} = np.tanh(_z{n})
_z{n}[..., 0] += 1.0
{t} = {t} + 0.1 * np.sum(_z{n} * _y{n})
""",
    "closure appends": """
_acc{n} = []
def _add{n}(v):
    _acc{n}.append(v * 1.5)
for _k{n} in range(2):
    _add{n}(np.sin({a}) + _k{n})
{t} = {t} + 0.1 * sum(_acc{n})
""",
    "closure writes an element": """
_buf{n} = np.zeros(3)
def _put{n}(i, v):
    _buf{n}[i] = v
_put{n}(1, np.sum(np.tanh({a})))
{t} = {t} + np.sum(_buf{n}) * {b}
""",
    "nested def default": """
_c{n} = {a} * 2.0
def _g{n}(y, c=_c{n}):
    return y * c
_c{n} = {b} + 1.0
{t} = {t} + 0.1 * _g{n}({b}) + 0.01 * _c{n}
""",
    "helper tuple read in a loop": """
_res{n} = pair({a}, {b})
for _k{n} in range(2):
    {t} = {t} + 0.5 * _res{n}[0]
""",
    "negative tuple index": """
_tp{n} = ({a} * 2.0, np.tanh({a}) + 1.0)
{t} = {t} + _tp{n}[-1] * _tp{n}[-2]
""",
    "conditional expression in a loop": """
for _e{n} in np.linspace(-1.0, 1.0, 3):
    {t} = {t} + (_e{n} * {a} if _e{n} > -0.5 else np.sqrt(0.5 + {a} * {a}))
""",
    "conditional expression, passive branch": """
_q{n} = {a} * np.ones(4) if np.sum({a}) > {thr} else np.linspace(0.1, 1.0, 4)
{t} = {t} + 0.1 * np.sum(_q{n}[..., 2])
""",
    "r_ and c_": """
_r{n} = np.r_[np.ravel({a}), 0.5, np.ravel({b})[:2]]
_m{n} = np.c_[np.ravel({a}), np.ravel({a}) * 2.0]
{t} = {t} + 0.1 * np.sum(_r{n} ** 2) + 0.01 * np.sum(_m{n})
""",
    "variance of one element": """
{t} = {t} + np.var(np.ravel({a})[:1]) + np.std(np.ravel({b})[:1])
""",
    "list comprehension summed": """
_l{n} = [np.sin({a}) * _k{n} for _k{n} in range(4) if _k{n} != 2]
{t} = {t} + 0.1 * sum(_l{n})
""",
    "generator over zip": """
{t} = {t} + 0.1 * sum(
    _w{n} * np.tanh({a} + _x{n})
    for _w{n}, _x{n} in zip(np.linspace(0.5, 1.5, 3), [{b}, {a}, {b} * 0.5])
)
""",
    "nested comprehension with a condition": """
_m{n} = [
    [_u{n} * _v{n} for _v{n} in ({a}, {b})]
    for _u{n} in np.linspace(0.1, 0.9, 3)
    if _u{n} > {thr} - 1.0
]
{t} = {t} + 0.1 * sum(sum(_r{n}) for _r{n} in _m{n})
""",
    "any and all of generators": """
_f{n} = any(np.sum(_e{n}) > {thr} for _e{n} in [{a}, {b} * 2.0])
if _f{n}:
    {t} = {t} * 0.9
if all(np.sum(_e{n} * {b}) < {thr} for _e{n} in np.linspace(0.5, 1.0, 3)):
    {t} = {t} + 0.5 * {a}
""",
    "comprehension target shadows a local": """
_s{n} = {b} * 1.0
{t} = {t} + 0.1 * sum(_s{n} * np.cos(_s{n}) for _s{n} in [{a}, _s{n}]) + 0.01 * _s{n}
""",
    "comprehension into np.array": """
_arr{n} = np.array(
    [_i{n} * np.sum(np.tanh(_e{n})) for _i{n}, _e{n} in enumerate([{a}, {b}, {a} * {b}], {start})]
)
{t} = {t} + 0.1 * np.sum(_arr{n} ** 2)
""",
    "nested def in a comprehension": """
def _h{n}(v):
    return np.sin(v) * 0.5
{t} = {t} + sum(_h{n}(_e{n} * {a}) for _e{n} in (1.0, 2.0))
""",
    "comprehension in one branch of a conditional expression": """
_c{n} = (
    [np.sin(_e{n}) * {a} for _e{n} in (0.5, 1.5)]
    if np.sum({b}) > {thr}
    else [{b} * _e{n} for _e{n} in range(3)]
)
{t} = {t} + 0.1 * sum(_c{n})
""",
    "comprehension right of and / or": """
_ok{n} = np.sum({a}) > {thr} and all(np.sum(_e{n} * {b}) < 3.0 for _e{n} in (0.5, 1.0))
_or{n} = np.sum({b}) > {thr} or any(np.sum(np.cos(_e{n} * {a})) > 0.0 for _e{n} in (1.0, 2.0))
{t} = {t} * (0.9 if _ok{n} else 1.1) + (0.1 * {b} if _or{n} else 0.0)
""",
    "comprehension in a while test": """
_w{n} = 0
while sum(np.sum(_e{n} * {t}) for _e{n} in (0.5, 0.25)) < 4.0 and _w{n} < 3:
    {t} = {t} * 1.2 + 0.1 * {a}
    _w{n} += 1
""",
    "complex intermediate": """
{t} = {t} + 0.1 * np.abs(np.exp(1j * np.sum({a})) + 2.0) ** 2
""",
    # builtins over sequences and list methods (issue 15)
    "max and min of lists": """
_m{n} = [np.sum({a}), np.sum(np.tanh({b})) * 0.5, {thr}]
{t} = {t} + 0.1 * max(_m{n}) - 0.2 * min(_m{n}[0], _m{n}[1], 0.25) + 0.05 * max(np.ravel({b}))
""",
    "sorted, reversed, enumerate of zip": """
_s{n} = sorted([np.sum({a}), np.sum({b}) * 0.5, {thr}], reverse=True)
for _i{n}, (_u{n}, _v{n}) in enumerate(zip(_s{n}, reversed([1.0, 2.0, 3.0])), {start}):
    {t} = {t} + 0.1 * _u{n} * _v{n} * _i{n}
""",
    "list methods and starred assignment": """
_l{n} = [{a} * 1.0, {b} * 0.5, np.tanh({a})]
_p{n} = _l{n}.pop(0)
_l{n}.insert(1, _p{n} * 0.5)
_l{n}.extend([{b}])
_first{n}, *_rest{n} = _l{n}
if "relu" in ("relu", "tanh") and len(_rest{n}) not in (0, 1):
    {t} = {t} + 0.1 * _first{n} * _rest{n}[-1] + 0.05 * _rest{n}[0]
""",
    "map, filter and unzip": """
_g{n} = list(map(np.tanh, [{a}, {b}]))
_pairs{n} = [(np.sum({a}), 1.0), (np.sum({b}), 2.0)]
_x{n}, _w{n} = zip(*_pairs{n})
{t} = {t} + 0.1 * sum(_g{n}) + 0.05 * _x{n}[1] * _w{n}[0] * len(list(filter(None, [1.0, 0.0])))
""",
}
# What a program may be refused for instead of differentiated (with a located S2SError):
# writes through views and aliases (principle 5 allows a refusal naming both names) and
# complex intermediates (refused until complex differentiation is supported).
# Passive code (issue 15): statements kept for their effect, in every sweep exactly once.
SNIPPETS["print and assert"] = """
print(f"{n}: {{np.sum({t}):.4f}}", np.shape({a}), "%.2f" % np.sum({b}), file=QUIET)
assert np.ndim({t}) >= 0, f"{{np.shape({t})}}"
{t} = {t} + 0.25 * np.tanh({b})
"""
SNIPPETS["with errstate"] = """
with np.errstate(divide="ignore", invalid="ignore"):
    {t} = {t} * np.cos({a}) + 0.5 * np.tanh({b})
    report({t})
"""
SNIPPETS["passive try"] = """
try:
    print("{n}", np.sum({t}) > {thr}, file=QUIET)
except (TypeError, ValueError) as _err{n}:
    raise RuntimeError("unexpected") from _err{n}
finally:
    report({a})
{t} = np.sin({t}) + {b}
"""
MAY_REFUSE = {
    "augmented assignment through an alias",
    "write through a slice view",
    "element write through a view",
    "complex intermediate",
}
# Snippets whose shapes only work when the operands are scalars (an in-place `+=` cannot grow
# an array, `zip` of rows needs matching lengths).
SCALAR_ONLY = {"zipped elements after break", "zeros buffer updated in place"}
VIEWS = ["_u{n}[..., 1:]", "_u{n}.reshape(-1)", "_u{n}.T", "_u{n}.ravel()", "_u{n}[..., ::2]"]
RANGES = ["0, 4, 2", "5, 0, -2", "1, 6, 3", "3, -1, -1", "4"]


def snippet(kind: str, draw, st, *, t: str, a: str, b: str, n: int, pad: str) -> list[str]:
    """The lines of snippet `kind`, its blanks filled by hypothesis draws."""
    fields = {
        "t": t,
        "a": a,
        "b": b,
        "n": n,
        "thr": draw(st.sampled_from(["-0.7", "0.3", "1.1", "2.5"])),
        "start": draw(st.sampled_from(["0", "1", "-2", "3"])),
        "range": draw(st.sampled_from(RANGES)),
    }
    fields["view"] = draw(st.sampled_from(VIEWS)).format(n=n)
    text = SNIPPETS[kind].strip("\n").format(**fields)
    return [pad + line for line in text.splitlines()]

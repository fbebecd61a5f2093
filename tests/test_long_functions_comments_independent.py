"""Long realistic functions: derivative numbers and the primal comments of the derivative source.

An independent tester's file (read only the README and issue 19). Programs live in
``long_comments_programs_independent.py``. Each program is checked for its gradient (reverse
and forward mode, ``value_and_grad``) against central differences, forward against reverse,
the primal value against the plain call, and for the derivative source: it compiles, and its
primal comments (``# _t3 = x * y`` above each adjoint line) name statements the code holds,
never dangle at the end of a block, never repeat, and are built the same way every time.
"""

import ast
import builtins
import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import s2s_ad as ad

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import long_comments_programs_independent as P  # noqa: E402

PROGRAM_FILE = HERE / "long_comments_programs_independent.py"
ROOT = HERE.parent


# ---------------------------------------------------------------- numbers


def _leaves(tree):
    if isinstance(tree, (tuple, list)):
        out = []
        for item in tree:
            out.extend(_leaves(item))
        return out
    return [tree]


def _rebuild(tree, leaves):
    """``tree``'s structure with its leaves taken in order from the iterator ``leaves``."""
    if isinstance(tree, tuple):
        return tuple(_rebuild(t, leaves) for t in tree)
    if isinstance(tree, list):
        return [_rebuild(t, leaves) for t in tree]
    return next(leaves)


def _central_differences(f, args, wrt, h=1e-6):
    """Central differences of scalar f with respect to args[wrt] (any nesting of arrays/floats)."""
    target = args[wrt]
    leaves = _leaves(target)
    grads = []
    for li, leaf in enumerate(leaves):
        arr = np.array(leaf, dtype=float)
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            step = h * max(1.0, abs(float(arr[idx])))
            vals = []
            for sign in (1.0, -1.0):
                moved = arr.copy()
                moved[idx] += sign * step
                new_leaves = list(leaves)
                new_leaves[li] = (
                    float(moved) if np.ndim(leaf) == 0 and isinstance(leaf, float) else moved
                )
                new_target = _rebuild(target, iter(new_leaves))
                new_args = list(args)
                new_args[wrt] = new_target
                vals.append(float(f(*new_args)))
            g[idx] = (vals[0] - vals[1]) / (2.0 * step)
        grads.append(g)
    return grads


def _assert_close_tree(got, want, rtol, atol):
    got_leaves = _leaves(got)
    assert len(got_leaves) == len(want)
    for a, b in zip(got_leaves, want, strict=True):
        np.testing.assert_allclose(np.asarray(a, dtype=float), b, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- the programs and their arguments

_rng = np.random.default_rng(19)


def _r(*shape, scale=1.0):
    return _rng.standard_normal(shape) * scale


_X6 = _r(6, 3)
_GEN_X, _GEN_Y = _r(4, scale=0.5), _r(4, scale=0.5)

# name -> (function, args, wrt, fd tolerance (rtol, atol))
CASES = {
    "spring_chain_energy": (
        P.spring_chain_energy,
        (np.linspace(0.0, 2.5, 6) + _r(6, scale=0.05), _r(6, scale=0.3)),
        0,
    ),
    "feature_pipeline": (P.feature_pipeline, (_r(14, scale=0.3), _X6), 0),
    "many_term_loss": (P.many_term_loss, (_r(9), _r(9)), 0),
    "loop_break_continue": (P.loop_break_continue, (_r(5, scale=0.5), 7), 0),
    "loop_break_continue_breaks": (
        P.loop_break_continue,
        (np.full(40, 1.3) + _r(40, scale=0.05), 9),
        0,
    ),
    "while_fixed_point": (P.while_fixed_point, (_r(5, scale=0.5),), 0),
    "helper_tuples_loop": (P.helper_tuples_loop, (_r(4, 4, scale=0.4), _r(4), 4), 0),
    "helper_tuples_loop_x": (P.helper_tuples_loop, (_r(4, 4, scale=0.4), _r(4), 3), 1),
    "heat_stencil": (P.heat_stencil, (np.sin(np.linspace(0, 3, 9)) + _r(9, scale=0.1), 5), 0),
    "inplace_fill": (P.inplace_fill, (np.array([0.7, 1.1, 0.4, 1.9]), 6), 0),
    "axis_reductions": (P.axis_reductions, (_r(4, 5),), 0),
    "rnn_unrolled": (
        P.rnn_unrolled,
        ((_r(3, 3, scale=0.4), _r(3, 2, scale=0.4), _r(3, scale=0.1)), _r(5, 2)),
        0,
    ),
    "nested_branches_high": (P.nested_branches, (np.array([0.9, 0.8, 0.3]), "square"), 0),
    "nested_branches_high_abs": (P.nested_branches, (np.array([0.9, 0.8, 0.3]), "abs"), 0),
    "nested_branches_mid": (P.nested_branches, (np.array([0.9, -0.4, -0.2]), "square"), 0),
    "nested_branches_low": (P.nested_branches, (np.array([-0.9, -0.8, -0.3]), "square"), 0),
    "rk4_pendulum": (P.rk4_pendulum, (np.array([[0.3, -0.2, 1.0], [0.1, 0.5, -0.4]]), 0.3), 0),
    "rk4_pendulum_damping": (
        P.rk4_pendulum,
        (np.array([[0.3, -0.2, 1.0], [0.1, 0.5, -0.4]]), 0.3),
        1,
    ),
    "fibonacci_like": (P.fibonacci_like, (_r(3), _r(3), 6), 0),
    "fibonacci_like_b": (P.fibonacci_like, (_r(3), _r(3), 5), 1),
    "while_else_search": (P.while_else_search, (_r(4, scale=0.7),), 0),
    "dead_debug_values": (P.dead_debug_values, (_r(5), _r(5)), 0),
    "zip_layers": (P.zip_layers, (_r(3), [_r(3), _r(3), _r(3)], [_r(3), _r(3), _r(3)]), 0),
    "zip_layers_ws": (P.zip_layers, (_r(3), [_r(3), _r(3), _r(3)], [_r(3), _r(3), _r(3)]), 1),
    "safe_piecewise": (P.safe_piecewise, (np.array([-2.1, -1.2, -0.4, 0.3, 0.8, 1.3, 2.4]),), 0),
    "early_return_loop": (P.early_return_loop, (_r(4), 5), 0),
    "triangular_loops": (P.triangular_loops, (_r(6),), 0),
    "mlp_tuple_params": (
        P.mlp_tuple_params,
        (
            (_r(3, 5, scale=0.5), _r(5, scale=0.1), _r(5, 1, scale=0.5), _r(1, scale=0.1)),
            _r(7, 3),
            _r(7),
        ),
        0,
    ),
    "small_hessian_target": (P.small_hessian_target, (np.array([0.3, -0.5, 0.8, 1.1]),), 0),
    "counter_while_accumulate": (P.counter_while_accumulate, (_r(4), 7), 0),
    "scalar_physics_m": (P.scalar_physics, (1.3, 0.05), 0),
    "scalar_physics_c": (P.scalar_physics, (1.3, 0.05), 1),
    "generated_chain": (P.generated_chain, (_GEN_X, _GEN_Y), 0),
    "generated_chain_y": (P.generated_chain, (_GEN_X, _GEN_Y), 1),
    "branch_const_else_taken": (P.branch_const_else, (np.array([-0.5, 0.2, 0.9]), 1.0), 0),
    "branch_const_else_constant": (P.branch_const_else, (np.array([-0.5, 0.2, 0.9]), -1.0), 0),
    "loop_passive_body": (P.loop_passive_body, (np.array([-0.5, 0.2, 0.9]), 5), 0),
    "pass_else": (P.pass_else, (np.array([-0.5, 0.2, 0.9]), 5), 0),
    "nested_loops_while": (P.nested_loops_while, (np.array([-0.5, 0.2, 0.9]),), 0),
    "ret_in_branch_only_returns": (P.ret_in_branch_only, (np.array([-0.5, 0.2, 0.9]),), 0),
    "ret_in_branch_only_constant": (P.ret_in_branch_only, (np.array([-0.5, -0.2, 0.1]),), 0),
    "aug_on_passive": (P.aug_on_passive, (np.array([-0.5, 0.2, 0.9]), 4), 0),
}
NAMES = sorted(CASES)


# ---------------------------------------------------------------- reading the derivative source

_HEADERS = {"# forward sweep", "# reverse sweep"}


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _comment_statement(text):
    """The statement a primal comment shows, parsed (a compound header gets a body), or None."""
    body = text[1:].strip()
    for candidate in (body, body + "\n    pass"):
        try:
            tree = ast.parse(candidate)
        except SyntaxError:
            continue
        if len(tree.body) == 1:
            return tree.body[0]
    return None


def _stored_names(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
    return names


def _target_names(stmt):
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    else:
        return None
    names = set()
    for t in targets:
        for node in ast.walk(t):
            if isinstance(node, ast.Name):
                names.add(node.id)
    return names


def _code_statements(src):
    """Every simple statement and compound header of the code, as ast.unparse writes it."""
    out = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.stmt):
            if isinstance(node, (ast.If, ast.While)):
                out.add(("header", type(node).__name__, ast.unparse(node.test)))
            elif isinstance(node, ast.For):
                out.add(
                    ("header", "For", ast.unparse(node.target) + " in " + ast.unparse(node.iter))
                )
            else:
                out.add(ast.unparse(node))
    return out


def comment_problems(src):
    """What is wrong with the primal comments of a derivative source (an empty list: nothing).

    Checked: the source compiles; a comment is followed, in its own block, by code (never left
    at a block's end); no comment repeats the one just above it; an assignment comment's target
    is a name the code binds; no primal comment stands in a forward sweep.
    """
    problems = []
    try:
        compile(src, "<derivative>", "exec")
    except SyntaxError as e:
        return [f"does not compile: {e}"]
    lines = src.splitlines()
    stored = _stored_names(ast.parse(src))
    in_forward = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == "# forward sweep":
            in_forward = True
            continue
        if stripped == "# reverse sweep" or stripped.startswith("def "):
            in_forward = stripped == "# forward sweep"
            continue
        if not stripped.startswith("#"):
            continue
        if in_forward and stripped not in _HEADERS:
            problems.append(f"line {i + 1}: comment in a forward sweep: {stripped!r}")
        # what follows it in its block
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or lines[j].strip().startswith("#")):
            if lines[j].strip().startswith("#") and _indent(lines[j]) != _indent(line):
                break
            j += 1
        if j >= len(lines) or _indent(lines[j]) != _indent(line):
            problems.append(
                f"line {i + 1}: comment with no code under it in its block: {stripped!r}"
            )
        if i + 1 < len(lines) and lines[i + 1] == line:
            problems.append(f"line {i + 1}: comment repeated on the next line: {stripped!r}")
        if stripped in _HEADERS:
            continue
        stmt = _comment_statement(stripped)
        if stmt is None:
            continue
        targets = _target_names(stmt)
        if targets is not None:
            missing = sorted(n for n in targets if n not in stored)
            if missing:
                problems.append(f"line {i + 1}: comment names {missing}, never bound: {stripped!r}")
    return problems


def comment_statements_not_in_code(src):
    """Primal comments showing a statement the code does not hold (text compared as unparsed)."""
    code = _code_statements(src)
    out = []
    for line in src.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#") or stripped in _HEADERS:
            continue
        stmt = _comment_statement(stripped)
        if stmt is None:
            continue
        if isinstance(stmt, (ast.If, ast.While)):
            key = ("header", type(stmt).__name__, ast.unparse(stmt.test))
        elif isinstance(stmt, ast.For):
            key = None  # a loop replays as `for … in reversed(…)`: shown as the primal loop
        else:
            key = ast.unparse(stmt)
        if key is not None and key not in code:
            out.append(stripped)
    return out


_NOT_LOCAL = {"np", "rt", "math"} | set(dir(builtins))


def _comment_reads(stmt):
    """Names a primal comment's statement reads as values (not the names it calls)."""
    callees = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            callees.add(id(node.func))
    names = set()
    for node in ast.walk(stmt):
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and id(node) not in callees
        ):
            names.add(node.id)
    return names


def unbound_comment_reads(src, module_globals):
    """Names a primal comment reads that neither the code binds nor the module provides."""
    stored = _stored_names(ast.parse(src))
    out = []
    for line in src.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#") or stripped in _HEADERS:
            continue
        stmt = _comment_statement(stripped)
        if stmt is None:
            continue
        missing = sorted(
            n
            for n in _comment_reads(stmt)
            if n not in stored and n not in module_globals and n not in _NOT_LOCAL
        )
        if missing:
            out.append((stripped, missing))
    return out


_SUFFIXES = ("_bar", "_mask", "_dot", "_pullback")


def _base_names(name):
    """``x_3_bar_1`` -> {"x_3_bar_1", "x_3", "x"}: the primal names an adjoint name is made from
    (SSA versions of one name of yours count as related; temporaries ``_tN`` only exactly)."""
    out = {name}
    for suffix in _SUFFIXES:
        k = name.find(suffix)
        if k > 0:
            out.add(name[:k])
    for n in list(out):
        stem = n.rstrip("0123456789")
        if stem != n and stem.endswith("_") and not stem.startswith("_t"):
            out.add(stem[:-1])
    return out


def unrelated_comments(src):
    """Assignment comments whose code (up to the next comment or the block's end) names none of
    the comment's names, nor an adjoint of them."""
    lines = src.splitlines()
    out = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("#") or stripped in _HEADERS:
            continue
        stmt = _comment_statement(stripped)
        if stmt is None or _target_names(stmt) is None:
            continue
        mentioned = set()
        for n in _target_names(stmt) | _comment_reads(stmt):
            mentioned |= _base_names(n)
        seen = set()
        j = i + 1
        while j < len(lines):
            nxt = lines[j]
            if not nxt.strip():
                j += 1
                continue
            if nxt.strip().startswith("#") or _indent(nxt) < _indent(line):
                break
            try:
                code = ast.parse(
                    nxt.strip() if not nxt.strip().endswith(":") else nxt.strip() + " pass"
                )
                for node in ast.walk(code):
                    if isinstance(node, ast.Name):
                        seen |= _base_names(node.id)
            except SyntaxError:
                pass
            j += 1
        if not (seen & mentioned):
            out.append((i + 1, stripped, lines[i + 1].strip() if i + 1 < len(lines) else ""))
    return out


# ---------------------------------------------------------------- the tests: numbers


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_gradients_match_central_differences_and_each_other(name):
    f, args, wrt = CASES[name]
    want = _central_differences(f, args, wrt)
    plain = f(*args)

    g_rev = ad.grad(f, wrt=wrt)(*args)
    _assert_close_tree(g_rev, want, rtol=1e-5, atol=1e-6)

    g_fwd = ad.grad(f, wrt=wrt, mode="forward")(*args)
    _assert_close_tree(
        g_fwd, [np.asarray(a, dtype=float) for a in _leaves(g_rev)], rtol=1e-10, atol=1e-12
    )

    for mode in ("reverse", "forward"):
        value, g = ad.value_and_grad(f, wrt=wrt, mode=mode)(*args)
        # the README: the value is what the plain call returns
        assert value == plain, (mode, value, plain)
        _assert_close_tree(
            g, [np.asarray(a, dtype=float) for a in _leaves(g_rev)], rtol=1e-10, atol=1e-12
        )
    # gradients have their input's structure and shapes
    for a, b in zip(_leaves(g_rev), _leaves(args[wrt]), strict=True):
        assert np.shape(a) == np.shape(b)


def test_vector_field_jacobians():
    x = np.array([0.3, -0.7, 1.1, 0.5, -0.2])
    f = P.vector_field
    h = 1e-6
    fd = np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(5)], axis=1)
    jf = ad.jacfwd(f)(x)
    jr = ad.jacrev(f)(x)
    assert jf.shape == jr.shape == (4, 5)
    np.testing.assert_allclose(jf, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(jr, jf, rtol=1e-12, atol=1e-14)
    ja = ad.jacobian(f)(x)
    np.testing.assert_allclose(ja, jf, rtol=1e-12, atol=1e-14)


def test_vector_field_vjp_value_and_vector_source():
    x = np.array([0.3, -0.7, 1.1, 0.5, -0.2])
    out, pb = ad.vjp(P.vector_field, x)
    np.testing.assert_array_equal(out, P.vector_field(x))
    ct = np.array([1.0, -2.0, 0.5, 3.0])
    (gx,) = pb(ct)
    np.testing.assert_allclose(gx, ct @ ad.jacfwd(P.vector_field)(x), rtol=1e-12, atol=1e-14)
    for mode in ("vector", "reverse", "forward"):
        src = ad.derivative_source(P.vector_field, mode)
        assert comment_problems(src) == []


@pytest.mark.parametrize(
    "name",
    ["small_hessian_target", "while_fixed_point", "safe_piecewise", "many_term_loss"],
    ids=["small_hessian_target", "while_fixed_point", "safe_piecewise", "many_term_loss"],
)
def test_hessian_against_differences_of_the_gradient(name):
    f, args, wrt = CASES[name]
    x = args[wrt]
    g = ad.grad(f, wrt=wrt)
    H = ad.hessian(f, wrt=wrt)(*args)
    n = x.size
    assert H.shape == (n, n)
    h = 1e-5
    cols = []
    for k in range(n):
        e = np.zeros(n)
        e[k] = h
        plus = list(args)
        minus = list(args)
        plus[wrt] = x + e
        minus[wrt] = x - e
        cols.append((g(*plus) - g(*minus)) / (2 * h))
    np.testing.assert_allclose(H, np.stack(cols, axis=1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(H, H.T, rtol=1e-9, atol=1e-9)
    src = ad.derivative_source(f, "hessian", wrt=wrt, args=args)
    assert comment_problems(src) == []


# ---------------------------------------------------------------- the tests: the derivative source


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_derivative_source_comments(name):
    f, args, wrt = CASES[name]
    sources = {
        "reverse": ad.derivative_source(f, "reverse", wrt=wrt),
        "gradient": ad.derivative_source(f, "gradient", wrt=wrt, args=args),
        "forward": ad.derivative_source(f, "forward", wrt=wrt),
    }
    for mode, src in sources.items():
        assert comment_problems(src) == [], mode
        assert unbound_comment_reads(src, vars(P)) == [], mode
    # reverse code reads its primal comments from the program: there is at least one
    assert any(
        line.strip().startswith("# ") and _comment_statement(line.strip()) is not None
        for line in sources["reverse"].splitlines()
        if line.strip() not in _HEADERS
    )
    # forward mode code has no reverse sweep
    assert "# reverse sweep" not in sources["forward"]


# a primal comment of a copy whose adjoint was read through (or is empty: a passive value)
# was left above unrelated code, a zero initialisation of another adjoint or the return
# (`# vx_1 = vx` above `return c_bar`, `# y_2 = y_1` above `x_bar = rt.zeros_like(x)`), in
# 15 of these programs (found by this file's tester; fixed: an empty adjoint shows no line)
@pytest.mark.parametrize("name", NAMES)
def test_no_comment_above_unrelated_code(name):
    f, args, wrt = CASES[name]
    for src in (
        ad.derivative_source(f, "reverse", wrt=wrt),
        ad.derivative_source(f, "gradient", wrt=wrt, args=args),
    ):
        assert unrelated_comments(src) == []


def _fresh_module(tag):
    spec = importlib.util.spec_from_file_location(f"lcp_fresh_{tag}", PROGRAM_FILE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_DETERMINISM = [
    "generated_chain",
    "early_return_loop",
    "inplace_fill",
    "rnn_unrolled",
    "counter_while_accumulate",
    "heat_stencil",
    "scalar_physics_m",
]


@pytest.mark.parametrize("name", _DETERMINISM, ids=_DETERMINISM)
def test_same_function_twice_gives_same_text(name):
    f, args, wrt = CASES[name]
    fname = f.__name__
    texts = []
    for tag in ("a", "b"):
        mod = _fresh_module(f"{name}_{tag}")
        g = getattr(mod, fname)
        args_here = tuple(args)
        texts.append(
            (
                ad.derivative_source(g, "reverse", wrt=wrt),
                ad.derivative_source(g, "gradient", wrt=wrt, args=args_here),
            )
        )
        # the fresh function's numbers are the original's
        _assert_close_tree(
            ad.grad(g, wrt=wrt)(*args_here),
            [np.asarray(a, dtype=float) for a in _leaves(ad.grad(f, wrt=wrt)(*args))],
            rtol=0,
            atol=0,
        )
    assert texts[0] == texts[1]
    assert texts[0][0] == ad.derivative_source(f, "reverse", wrt=wrt)


# ---------------------------------------------------------------- the command line


def _show(target, *extra, seed="0"):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED=seed)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "s2s_ad",
            "show",
            f"{PROGRAM_FILE}:{target}",
            "--color",
            "never",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(HERE),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


_CLI = [
    ("generated_chain", []),
    ("generated_chain", ["--stage", "adjoint"]),
    ("early_return_loop", ["--args", "np.linspace(-1.0, 1.0, 4)", "5"]),
    ("early_return_loop", ["--stage", "adjoint"]),
    ("nested_branches", ["--stage", "adjoint"]),
    ("loop_break_continue", ["--args", "np.linspace(-1.0, 1.0, 5)", "7"]),
    ("heat_stencil", ["--stage", "adjoint"]),
    ("feature_pipeline", ["--wrt", "w"]),
]
_CLI_IDS = [t + ("-" + "-".join(e[:2]).replace("--", "") if e else "-default") for t, e in _CLI]


@pytest.mark.parametrize("target,extra", _CLI, ids=_CLI_IDS)
def test_command_line_show(target, extra):
    out = _show(target, *extra)
    assert f"def {target}_" in out
    assert comment_problems(out) == []
    assert unbound_comment_reads(out, vars(P)) == []
    if not extra:
        # the default show is derivative_source's reverse code
        assert ad.derivative_source(getattr(P, target)).strip() in out


@pytest.mark.parametrize(
    "target",
    ["generated_chain", "counter_while_accumulate"],
    ids=["generated_chain", "counter_while_accumulate"],
)
def test_command_line_show_same_across_hash_seeds(target):
    assert _show(target, seed="1") == _show(target, seed="12345")

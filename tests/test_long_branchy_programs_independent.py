"""Long, branchy programs: derivatives, values and second derivatives (independent tester).

Written from the README and issue 19 alone. The programs (tests/long_branchy_programs.py)
are hand-written physics updates, piecewise functions and fixed-count solvers, programs of
50-400 lines made by string templates, and random programs from a seeded generator mixing
nested ``if``/``elif``/``else`` blocks (2-4 deep), ``for`` and ``while`` loops inside
branches and branches inside loops, products computed before a branch and again inside and
after it, copies, negations, literal scalings and names reassigned in one arm only: the
code issue 19's simplification of long functions rewrites.

For each program, at points chosen away from every branch threshold:

- ``value_and_grad`` (both modes), ``vjp`` and ``jvp`` return the plain call's value exactly;
- reverse mode (``grad``, ``value_and_grad``, ``vjp``'s pullback) equals forward mode
  (``grad(mode="forward")``, ``jvp``) to 1e-10 relative;
- the gradient matches central differences (float64, step 1e-6) to 1e-5 relative, where no
  step of the differences changes a branch;
- for the smaller ones, ``hessian`` is symmetric and matches central differences of the
  gradient; for programs returning arrays, ``jacobian`` (both modes) matches ``jvp`` and
  central differences.
"""

import long_branchy_programs as lbp
import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.compiled import passes_compiled

# --------------------------------------------------------------------------------------
# the programs

RANDOM_S = [lbp.random_program(seed, "s", target=110) for seed in range(1, 13)]
RANDOM_S_LONG = [lbp.random_program(seed, "s", target=330) for seed in (101, 102, 103)]
RANDOM_A = [lbp.random_program(seed, "a", target=90) for seed in range(201, 208)]
RANDOM_SMALL = [
    lbp.random_program(seed, "s", target=30, max_depth=3, n_inputs=2, second_order=True)
    for seed in range(301, 309)
]
RANDOM_A_SMALL = [
    lbp.random_program(seed, "a", target=40, max_depth=3, second_order=True)
    for seed in range(351, 355)
]
RANDOM_VECTOR = [
    lbp.random_program(seed, "s", target=60, max_depth=3, vector=True) for seed in range(401, 405)
]

LARGE = [lbp.template_lookup_table(90), lbp.template_long_sum(250)]

FIRST_ORDER = (
    lbp.HAND
    + LARGE
    + lbp.TEMPLATES
    + RANDOM_S
    + RANDOM_S_LONG
    + RANDOM_A
    + RANDOM_SMALL
    + RANDOM_A_SMALL
    + RANDOM_VECTOR
)
SECOND_ORDER = [
    p for p in lbp.HAND + lbp.TEMPLATES + RANDOM_SMALL + RANDOM_A_SMALL if p.second_order
]
VECTOR = [p for p in lbp.HAND + RANDOM_VECTOR if p.vector]

N_POINTS = 4
MARGIN = 1e-4
H = 1e-6

_LOADED = {}


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    return tmp_path_factory.mktemp("long_branchy")


def loaded(program, directory):
    """(f, instrumented f, module of instrumented f, points) for a program."""
    if program.name not in _LOADED:
        mod = lbp.load(program.src, directory, program.name)
        isrc, _ = lbp.instrument(program.src)
        imod = lbp.load(isrc, directory, program.name + "_instr")
        f, fi = getattr(mod, program.fname), getattr(imod, program.fname)
        rng = np.random.default_rng(sum(map(ord, program.name)))
        points = []
        for _ in range(200):
            args = program.make_args(rng)
            imod._LOG.clear()
            fi(*args)
            if all(d > MARGIN for _, _, d in imod._LOG):
                points.append(args)
            if len(points) == N_POINTS:
                break
        assert len(points) == N_POINTS, f"no points away from the thresholds for {program}"
        _LOADED[program.name] = (f, fi, imod, points)
    return _LOADED[program.name]


def signature(fi, imod, args):
    imod._LOG.clear()
    fi(*args)
    return tuple((k, s) for k, s, _ in imod._LOG)


# --------------------------------------------------------------------------------------
# helpers for arguments of floats and arrays


def flat(args):
    return np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in args])


def unflat(vec, like):
    out, k = [], 0
    for a in like:
        if isinstance(a, float):
            out.append(float(vec[k]))
            k += 1
        else:
            n = a.size
            out.append(vec[k : k + n].reshape(a.shape))
            k += n
    return tuple(out)


def same_value(got, want):
    """The value an API returns is the plain call's, bit for bit."""
    got_a, want_a = np.asarray(got), np.asarray(want)
    assert got_a.shape == want_a.shape
    assert np.array_equal(got_a, want_a, equal_nan=True), (got, want)


def close(a, b, rtol, scale):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    atol = rtol * max(1.0, scale)
    assert a.shape == b.shape
    assert np.allclose(a, b, rtol=rtol, atol=atol), (
        f"max |diff| {np.max(np.abs(a - b)):.3e}, scale {scale:.3e}\n{a}\n{b}"
    )


def central_differences(fun, args, h=H):
    """Central differences of a scalar- or array-valued ``fun`` at ``args``, one column
    per float entry: shape (n_entries,) + out.shape."""
    x = flat(args)
    cols = []
    for k in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[k] += h
        xm[k] -= h
        fp = np.asarray(fun(*unflat(xp, args)), dtype=float)
        fm = np.asarray(fun(*unflat(xm, args)), dtype=float)
        cols.append((fp - fm) / (2 * h))
    return np.array(cols)


def branch_stable(fi, imod, args, h=H):
    """Whether no step of the central differences changes a branch."""
    sig = signature(fi, imod, args)
    x = flat(args)
    for k in range(x.size):
        for s in (h, -h):
            xs = x.copy()
            xs[k] += s
            if signature(fi, imod, unflat(xs, args)) != sig:
                return False
    return True


# --------------------------------------------------------------------------------------
# first order


@pytest.mark.parametrize("program", [p for p in FIRST_ORDER if not p.vector], ids=repr)
def test_gradient_value_and_modes(program, directory):
    f, fi, imod, points = loaded(program, directory)
    n = len(points[0])
    wrt = tuple(range(n))
    vg_rev = ad.value_and_grad(f, wrt=wrt)
    vg_fwd = ad.value_and_grad(f, wrt=wrt, mode="forward")
    g_rev = ad.grad(f, wrt=wrt)
    g_fwd = ad.grad(f, wrt=wrt, mode="forward")
    rng = np.random.default_rng(7)
    checked_fd = 0
    for args in points:
        plain = f(*args)
        assert np.isfinite(plain)

        value, grads = vg_rev(*args)
        same_value(value, plain)
        value_f, grads_f = vg_fwd(*args)
        same_value(value_f, plain)

        gr = flat(grads)
        scale = float(np.max(np.abs(gr)))
        close(flat(grads_f), gr, 1e-10, scale)
        close(flat(g_rev(*args)), gr, 1e-12, scale)
        close(flat(g_fwd(*args)), gr, 1e-10, scale)

        out, pullback = ad.vjp(f, *args)
        same_value(out, plain)
        close(flat(pullback(1.0)), gr, 1e-10, scale)

        tangents = unflat(rng.standard_normal(gr.size), args)
        out_j, tangent_out = ad.jvp(f, args, tangents)
        same_value(out_j, plain)
        close(tangent_out, gr @ flat(tangents), 1e-10, scale * np.sum(np.abs(flat(tangents))))

        if branch_stable(fi, imod, args):
            fd = central_differences(f, args)
            close(gr, fd, 1e-5, max(scale, abs(plain)))
            checked_fd += 1
    assert checked_fd >= 1, "every point was too near a branch for central differences"


# --------------------------------------------------------------------------------------
# second order and Jacobians


@pytest.mark.parametrize("program", SECOND_ORDER, ids=repr)
def test_hessian(program, directory):
    f, fi, imod, points = loaded(program, directory)
    n = len(points[0])
    wrt = tuple(range(n))
    hess = ad.hessian(f, wrt=wrt)
    grad = ad.grad(f, wrt=wrt)
    rng = np.random.default_rng(5)
    checked = 0
    for args in points[:2]:
        h = full_hessian(hess(*args), args)
        scale = float(np.max(np.abs(h)))
        close(h, h.T, 1e-9, scale)
        if branch_stable(fi, imod, args, h=1e-5):
            fd = central_differences(lambda *a: flat(grad(*a)), args, h=1e-5)
            close(h, fd, 1e-5, scale)
            checked += 1
        # hvp: the gradient and one tangent pass over the gradient code
        t = rng.standard_normal(h.shape[0])
        g, ht = ad.hvp(f, args, unflat(t, args))
        gscale = float(np.max(np.abs(flat(g))))
        close(flat(g), flat(grad(*args)), 1e-12, gscale)
        close(flat(ht), h @ t, 1e-9, scale * np.sum(np.abs(t)))
    assert checked >= 1


def full_hessian(blocks, args):
    """The Hessian's blocks ``blocks[i][j]`` (shape args[i].shape + args[j].shape) as one
    matrix over the flattened arguments."""
    sizes = [np.size(a) for a in args]
    rows = []
    for i, si in enumerate(sizes):
        rows.append(
            np.concatenate(
                [
                    np.reshape(np.asarray(blocks[i][j], dtype=float), (si, sj))
                    for j, sj in enumerate(sizes)
                ],
                axis=1,
            )
        )
    return np.concatenate(rows, axis=0)


@pytest.mark.parametrize("program", VECTOR, ids=repr)
def test_jacobian(program, directory):
    f, fi, imod, points = loaded(program, directory)
    n = len(points[0])
    wrt = tuple(range(n))
    rng = np.random.default_rng(11)
    for args in points:
        plain = f(*args)
        jf = ad.jacobian(f, wrt=wrt, mode="forward")(*args)
        jr = ad.jacobian(f, wrt=wrt, mode="reverse")(*args)
        # blocks out.shape + in.shape, side by side over the inputs
        JF = np.concatenate([np.reshape(b, (plain.size, -1)) for b in jf], axis=1)
        JR = np.concatenate([np.reshape(b, (plain.size, -1)) for b in jr], axis=1)
        scale = float(np.max(np.abs(JF)))
        close(JR, JF, 1e-10, scale)
        t = rng.standard_normal(JF.shape[1])
        out, tangent_out = ad.jvp(f, args, unflat(t, args))
        same_value(out, plain)
        close(tangent_out, JF @ t, 1e-10, scale * np.sum(np.abs(t)))
        ct = rng.standard_normal(plain.shape)
        out, pullback = ad.vjp(f, *args)
        same_value(out, plain)
        close(flat(pullback(ct)), ct @ JF, 1e-10, scale * np.sum(np.abs(ct)))
        if branch_stable(fi, imod, args):
            fd = central_differences(f, args)  # (n_in, n_out)
            close(JF, fd.T, 1e-5, max(scale, float(np.max(np.abs(plain)))))


# --------------------------------------------------------------------------------------
# the tests exercise both arms


def test_points_take_both_arms_of_most_branches(directory):
    """Across the points the tests use, most tests of the random programs go both ways
    (a check of this file's programs, so that the derivatives above cover both arms)."""
    both = seen = 0
    for program in RANDOM_S + RANDOM_A + RANDOM_SMALL:
        _, fi, imod, points = loaded(program, directory)
        ways = {}
        for args in points:
            for k, s in signature(fi, imod, args):
                ways.setdefault(k, set()).add(s)
        seen += len(ways)
        both += sum(len(v) == 2 for v in ways.values())
    assert seen > 300
    assert both / seen > 0.3, (both, seen)


# --------------------------------------------------------------------------------------
# hand-picked cases per argument


@pytest.mark.parametrize("program", lbp.HAND[:6], ids=repr)
def test_gradient_with_respect_to_each_argument_alone(program, directory):
    """The others held fixed (passive in the branches and loops), each argument's gradient
    is its block of the full gradient."""
    f, _, _, points = loaded(program, directory)
    args = points[0]
    full = ad.grad(f, wrt=tuple(range(len(args))))(*args)
    scale = float(np.max(np.abs(flat(full))))
    for k in range(len(args)):
        close(flat([ad.grad(f, wrt=k)(*args)]), flat([full[k]]), 1e-10, scale)


# --------------------------------------------------------------------------------------
# bugs found (strict expected failures)


_TOO_DEEP = [
    pytest.param(
        lbp.template_lookup_table(100),
        marks=pytest.mark.xfail(
            strict=True,
            reason=(
                "an elif chain of 100 arms (a 100-segment lookup table, valid Python: elif adds "
                "no indentation) is not differentiated: the derivative nests each elif as "
                "else: if, one level deeper, past Python's 100 levels of indentation; refused "
                "at the user's line (tests/test_deep_nesting.py), where it crashed with "
                "IndentationError from inside; 90 arms work"
            ),
        ),
        id="elif chain of 100 arms",
    ),
    pytest.param(
        lbp.template_long_sum(600),
        marks=pytest.mark.xfail(
            not passes_compiled(),  # (compiled, the passes recurse on the C stack: differentiated)
            strict=True,
            reason=(
                "a sum of 600 terms on one line (an unrolled least-squares fit a template "
                "wrote; Python imports and runs it) is not differentiated: the passes recurse "
                "once per operator, past the recursion limit; refused at the user's line "
                "(tests/test_deep_nesting.py), where it raised RecursionError from inside; "
                "450 terms work"
            ),
        ),
        id="sum of 600 terms on one line",
    ),
]


@pytest.mark.parametrize("program", _TOO_DEEP)
def test_code_nested_too_deep_for_the_derivative(directory, program):
    f, _, _, points = loaded(program, directory)
    args = points[0]
    value, g = ad.value_and_grad(f, wrt=(0, 1))(*args)
    same_value(value, f(*args))
    close(flat(g), central_differences(f, args), 1e-5, float(np.max(np.abs(flat(g)))))

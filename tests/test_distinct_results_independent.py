"""The arrays one API call returns are separate arrays (independent tester, README only).

For every program of tests/distinct_results_programs_independent.py and every API that applies,
three calls with new values of the same shapes (the first makes the code, later ones take the
fast path) are each checked for:

- the numbers: central differences (h = 1e-6, rtol 1e-6), forward against reverse to 1e-12,
  the primal value equal to the plain call's;
- no two returned array leaves sharing memory; no returned derivative sharing memory with an
  argument, a tangent or cotangent passed in, a global the function reads, or an array an
  earlier call returned; every returned array writeable;
- writing into every returned array leaves the other leaves, the arguments, the globals and
  the next call's results unchanged.
"""

import copy
import dataclasses

import numpy as np
import pytest

import s2s_ad as ad
from tests import distinct_results_programs_independent as P

H = 1e-6
RTOL, ATOL = 1e-6, 1e-8
# float32 results are compared with float64 central differences to float32's precision.
RTOL32, ATOL32 = 1e-5, 1e-6
GLOBALS = (P.WEIGHTS, P.A_MAT, P.SYM, P.OFFSET)


# ---- trees ---------------------------------------------------------------------------------


def _is_record(t):
    return not isinstance(t, (np.ndarray, np.generic, float, int, str, type(None))) and (
        dataclasses.is_dataclass(t) or hasattr(t, "__dict__")
    )


def leaves(t):
    if isinstance(t, (tuple, list)):
        return [leaf for item in t for leaf in leaves(item)]
    if isinstance(t, dict):
        return [leaf for k in sorted(t) for leaf in leaves(t[k])]
    if _is_record(t):
        d = vars(t)
        return [leaf for k in sorted(d) for leaf in leaves(d[k])]
    if t is None:
        return []
    return [t]


def tree_map(fn, t, *rest):
    if isinstance(t, tuple) and hasattr(t, "_fields"):
        return type(t)(*[tree_map(fn, a, *[r[i] for r in rest]) for i, a in enumerate(t)])
    if isinstance(t, (tuple, list)):
        return type(t)(tree_map(fn, a, *[r[i] for r in rest]) for i, a in enumerate(t))
    if isinstance(t, dict):
        return {k: tree_map(fn, t[k], *[r[k] for r in rest]) for k in t}
    if _is_record(t):
        new = copy.copy(t)
        for k, v in vars(t).items():
            setattr(new, k, tree_map(fn, v, *[getattr(r, k) for r in rest]))
        return new
    return fn(t, *rest)


def arrays(t):
    return [leaf for leaf in leaves(t) if isinstance(leaf, np.ndarray)]


def to64(t):
    return tree_map(lambda a: np.array(a, dtype=np.float64), t)


def snapshot(t):
    return [np.array(leaf, copy=True) for leaf in leaves(t)]


def same(t, snap):
    now = leaves(t)
    assert len(now) == len(snap)
    for a, b in zip(now, snap, strict=True):
        np.testing.assert_array_equal(np.asarray(a), b)


# ---- central differences ---------------------------------------------------------------------


def fd_blocks(F, args, argnums):
    """blocks[o][k]: d out_leaf_o / d in_leaf_k (k over the leaves of args[a], a in argnums)."""
    args = list(to64(args))
    outs = [np.array(o, dtype=np.float64) for o in leaves(F(*args))]
    blocks = [[] for _ in outs]
    for a in argnums:
        for leaf in leaves(args[a]):
            flat = leaf.reshape(-1)
            assert np.shares_memory(flat, leaf)
            cols = [[] for _ in outs]
            for i in range(flat.size):
                old = flat[i]
                flat[i] = old + H
                up = [np.array(o, dtype=np.float64) for o in leaves(F(*args))]
                flat[i] = old - H
                dn = [np.array(o, dtype=np.float64) for o in leaves(F(*args))]
                flat[i] = old
                for o in range(len(outs)):
                    cols[o].append((up[o] - dn[o]) / (2 * H))
            for o, out in enumerate(outs):
                block = np.stack(cols[o], axis=-1) if cols[o] else np.zeros((*out.shape, 0))
                blocks[o].append(block.reshape(out.shape + leaf.shape))
    return blocks


def fd_direction(F, args, tangents):
    """(F(args + h t) - F(args - h t)) / 2h, leaf by leaf."""
    args, tangents = to64(args), to64(tangents)
    up = F(*tree_map(lambda a, t: a + H * t, args, tangents))
    up = [np.array(o, dtype=np.float64) for o in leaves(up)]
    dn = F(*tree_map(lambda a, t: a - H * t, args, tangents))
    dn = [np.array(o, dtype=np.float64) for o in leaves(dn)]
    return [(u - d) / (2 * H) for u, d in zip(up, dn, strict=True)]


def as_tuple(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def fd_jacobian_leaves(F, args, wrt):
    """Expected leaves of jacobian(F, wrt): per output leaf, per wrt item, per input leaf."""
    per_item = [fd_blocks(F, args, (w,)) for w in as_tuple(wrt)]
    out = []
    for o in range(len(per_item[0])):
        for blocks in per_item:
            out.extend(blocks[o])
    return out


def close(got, expected, f32):
    got_leaves = leaves(got)
    assert len(got_leaves) == len(expected), (len(got_leaves), len(expected))
    for g, e in zip(got_leaves, expected, strict=True):
        g = np.asarray(g)
        assert g.shape == np.shape(e), (g.shape, np.shape(e))
        if f32:
            assert g.dtype == np.float32, g.dtype
            np.testing.assert_allclose(g, e, rtol=RTOL32, atol=ATOL32)
        else:
            np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


def agree(a, b):
    la, lb = leaves(a), leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-12, atol=1e-14)


# ---- the aliasing checks -------------------------------------------------------------------


def check_separate(primal, deriv, protected, earlier):
    """No two result arrays overlap; no derivative overlaps protected or earlier arrays.

    A primal leaf may be an input itself where the plain call returns it (jvp of the identity).
    """
    p_arrays, d_arrays = arrays(primal), arrays(deriv)
    for i, a in enumerate(d_arrays):
        for j, b in enumerate(protected):
            assert not np.shares_memory(a, b), f"derivative leaf {i} shares memory with input {j}"
    everything = p_arrays + d_arrays
    for i, a in enumerate(everything):
        for j in range(i):
            assert not np.shares_memory(a, everything[j]), f"result leaves {j} and {i} share memory"
    for i, a in enumerate(d_arrays):
        for b in earlier:
            assert not np.shares_memory(a, b), (
                f"derivative leaf {i} shares memory with an earlier result"
            )
        assert a.flags.writeable, f"derivative leaf {i} is read-only"
    for i, a in enumerate(p_arrays):
        if any(np.shares_memory(a, b) for b in protected):
            continue
        for b in earlier:
            assert not np.shares_memory(a, b), (
                f"primal leaf {i} shares memory with an earlier result"
            )


def check_writes(primal, deriv, inputs, primal_may_alias_inputs):
    """Write into every returned array: the others and the inputs must not change."""
    result = [primal, deriv]
    input_arrays = arrays(inputs) + list(GLOBALS)
    targets = arrays(deriv)
    for a in arrays(primal):
        if primal_may_alias_inputs and any(np.shares_memory(a, b) for b in input_arrays):
            continue  # the plain call returns an argument or a global itself, as f does
        targets.append(a)
    for target in targets:
        before = snapshot(result)
        before_inputs = snapshot(inputs)
        before_globals = [g.copy() for g in GLOBALS]
        target[...] = target * 0.5 + 1.0
        after = leaves(result)
        index = next(i for i, leaf in enumerate(after) if leaf is target)
        for i, (leaf, old) in enumerate(zip(after, before, strict=True)):
            if i != index:
                np.testing.assert_array_equal(
                    np.asarray(leaf), old, err_msg=f"writing result leaf {index} changed leaf {i}"
                )
        same(inputs, before_inputs)
        for g, old in zip(GLOBALS, before_globals, strict=True):
            np.testing.assert_array_equal(g, old, err_msg="writing a result changed a global")


def exercise(call, make_inputs, expect, primal_may_alias_inputs=False):
    """call(inputs) -> (primal, deriv); three calls of new values, then a repeat after writes."""
    earlier = []
    for seed in range(3):
        inputs = make_inputs(seed)
        primal, deriv = call(inputs)
        expect(inputs, primal, deriv)
        protected = arrays(inputs) + list(GLOBALS)
        check_separate(primal, deriv, protected, earlier)
        kept = snapshot([primal, deriv])
        inputs_kept = copy.deepcopy(inputs)
        check_writes(primal, deriv, inputs, primal_may_alias_inputs)
        again_primal, again_deriv = call(inputs)
        same([again_primal, again_deriv], kept)
        same(inputs, snapshot(inputs_kept))
        check_separate(again_primal, again_deriv, protected, earlier + arrays([primal, deriv]))
        earlier += arrays([primal, deriv, again_primal, again_deriv])


# ---- the programs --------------------------------------------------------------------------


def _rng(seed, salt):
    return np.random.default_rng(1000 * salt + seed)


def vec(n, salt=0):
    return lambda s: (_rng(s, salt).standard_normal(n),)


def two_vecs(n, m=None, salt=0, dtype=np.float64):
    def make(s):
        r = _rng(s, salt)
        return (r.standard_normal(n).astype(dtype), r.standard_normal(m or n).astype(dtype))

    return make


def _params(s):
    r = _rng(s, 3)
    return (P.Params(r.standard_normal(4), r.standard_normal(4)), r.standard_normal(4))


def _layer(s):
    r = _rng(s, 4)
    return (P.Layer(r.standard_normal((3, 4)), r.standard_normal(3)), r.standard_normal(4))


def _model(s):
    r = _rng(s, 5)
    return (P.Model(r.standard_normal(4), r.standard_normal(4)), r.standard_normal(4))


def _mlp(s):
    r = _rng(s, 6)
    params = [
        (r.standard_normal((3, 2)), r.standard_normal(3)),
        (r.standard_normal((1, 3)), r.standard_normal(1)),
    ]
    return (params, r.standard_normal(2))


def _nested(s):
    r = _rng(s, 7)
    tree = {
        "enc": {"layers": [(r.standard_normal(3), r.standard_normal(3))]},
        "head": {"b": r.standard_normal(3)},
    }
    return (tree,)


def _bias_pair(s):
    r = _rng(s, 8)
    return ({"a": r.standard_normal(3), "b": r.standard_normal(3)},)


def _zero_d(s):
    r = _rng(s, 9)
    return (np.array(r.standard_normal()), np.array(r.standard_normal()))


def _matrix(shape, salt):
    return lambda s: (_rng(s, salt).standard_normal(shape),)


def _record_only(s):
    r = _rng(s, 10)
    return (P.Params(r.standard_normal(3), r.standard_normal(2)),)


def _dict_only(s):
    r = _rng(s, 11)
    return ({"u": r.standard_normal(3), "v": r.standard_normal(2)},)


def _model_only(s):
    r = _rng(s, 12)
    return (P.Model(r.standard_normal(3), r.standard_normal(3)),)


def _f32_vec(s):
    return (_rng(s, 13).standard_normal(4).astype(np.float32),)


def _same_array_twice(s):
    x = _rng(s, 15).standard_normal(4)
    return (x, x)  # one array passed as both arguments


def _shared_dict(s):
    x = _rng(s, 16).standard_normal(3)
    return ({"a": x, "b": x},)  # one array held by both keys (tied weights)


def _zero_d_one(s):
    return (np.array(_rng(s, 14).standard_normal()),)


# name: (function, argument maker, wrt choices, float32)
SCALAR = {
    "residual_plus_bias": (
        P.residual_plus_bias,
        two_vecs(4, salt=1),
        [0, 1, (0, 1), (1, 1)],
        False,
    ),
    "difference_energy": (P.difference_energy, two_vecs(4, salt=2), [(0, 1), (0, 0)], False),
    "two_sums": (P.two_sums, two_vecs(3, salt=15), [(0, 1), (1, 0, 1)], False),
    "weighted_total": (P.weighted_total, vec(4, salt=16), [0], False),
    "inner_product": (P.inner_product, two_vecs(4, salt=17), [0, 1, (0, 1)], False),
    "bias_pair_loss": (P.bias_pair_loss, _bias_pair, [0, (0, 0)], False),
    "record_loss": (P.record_loss, _params, [0, (0, 1)], False),
    "layer_loss": (P.layer_loss, _layer, [0, (0, 1)], False),
    "model_loss": (P.model_loss, _model, [0, (0, 0)], False),
    "mlp_loss": (P.mlp_loss, _mlp, [0], False),
    "nested_loss": (P.nested_loss, _nested, [0], False),
    "scalar_pair": (P.scalar_pair, _zero_d, [0, (0, 1), (0, 0)], False),
    "float32_loss": (P.float32_loss, two_vecs(4, salt=18, dtype=np.float32), [(0, 1)], True),
    "outer_grid_loss": (P.outer_grid_loss, two_vecs(3, 4, salt=19), [(0, 1)], False),
    "mean_pair": (P.mean_pair, two_vecs(5, salt=20), [(0, 1)], False),
    "quadratic_form": (P.quadratic_form, two_vecs(4, salt=21), [0, (0, 1), (1, 1)], False),
    "same_param_twice": (P.same_param_twice, vec(4, salt=22), [(0, 0), (0, 0, 0)], False),
    "half_norm": (P.half_norm, vec(4, salt=23), [0, (0, 0)], False),
    "repeated_sum_loop": (P.repeated_sum_loop, two_vecs(3, salt=24), [(0, 1, 0)], False),
    "product_of_pair_tied": (P.product_of_pair, _shared_dict, [0, (0, 0)], False),
    "inner_product_same_array": (P.inner_product, _same_array_twice, [(0, 1)], False),
    "two_sums_same_array": (P.two_sums, _same_array_twice, [(0, 1)], False),
}

# name: (function, argument maker, wrt choices, float32)
VECTOR = {
    "two_sines": (P.two_sines, vec(4, salt=30), [0], False),
    "same_output_twice": (P.same_output_twice, vec(4, salt=31), [0, (0, 0)], False),
    "input_and_copy": (P.input_and_copy, vec(4, salt=32), [0], False),
    "overlapping_windows": (P.overlapping_windows, vec(5, salt=33), [0], False),
    "matrix_and_transpose": (P.matrix_and_transpose, _matrix((2, 3), 34), [0], False),
    "matrix_and_flat": (P.matrix_and_flat, _matrix((2, 3), 35), [0], False),
    "identity": (P.identity, vec(4, salt=36), [0, (0, 0)], False),
    "identity_pair": (P.identity_pair, two_vecs(3, salt=37), [(0, 1)], False),
    "broadcast_rows": (P.broadcast_rows, vec(4, salt=38), [0], False),
    "ravel_matrix": (P.ravel_matrix, _matrix((2, 3), 39), [0], False),
    "matrix_rows": (P.matrix_rows, _matrix((3, 2), 40), [0], False),
    "add_vectors": (P.add_vectors, two_vecs(3, salt=41), [(0, 1), (1, 1)], False),
    "dict_of_sines": (P.dict_of_sines, vec(3, salt=42), [0], False),
    "affine_map": (P.affine_map, vec(4, salt=43), [0], False),
    "scaled_by_global": (P.scaled_by_global, vec(4, salt=44), [0], False),
    "record_passthrough": (P.record_passthrough, _record_only, [0], False),
    "dict_passthrough": (P.dict_passthrough, _dict_only, [0], False),
    "float32_pair": (P.float32_pair, _f32_vec, [0], True),
    "zero_d_pair": (P.zero_d_pair, _zero_d_one, [0, (0, 0)], False),
    "nested_outputs": (P.nested_outputs, vec(3, salt=45), [0], False),
    "object_fields": (P.object_fields, _model_only, [0], False),
    "transpose_only": (P.transpose_only, _matrix((2, 3), 46), [0], False),
    "with_constant_output": (P.with_constant_output, vec(3, salt=47), [0], False),
    "copies_in_loop": (P.copies_in_loop, vec(3, salt=48), [0], False),
    "plus_zero_pair": (P.plus_zero_pair, vec(3, salt=49), [0], False),
    "identity_pair_same_array": (P.identity_pair, _same_array_twice, [(0, 1)], False),
}

ALL = {**SCALAR, **VECTOR}


def wrt_id(wrt):
    return "wrt" + "".join(str(w) for w in as_tuple(wrt)) + ("t" if isinstance(wrt, tuple) else "")


def cases(table, extra=None):
    out = []
    for name, (_, _, wrts, _) in table.items():
        for wrt in wrts:
            for e in extra or [None]:
                parts = [name, wrt_id(wrt)] + ([e] if e else [])
                out.append(pytest.param(name, wrt, e, id="-".join(parts)))
    return out


# ---- known failures ------------------------------------------------------------------------

# (22 strict expected failures, jvp and vjp handing the caller's tangent or cotangent back,
# passed once fixed)
XFAIL: dict = {}


def _mark(request, key):
    if key in XFAIL:
        request.applymarker(pytest.mark.xfail(strict=True, reason=XFAIL[key]))


# ---- grad and value_and_grad ---------------------------------------------------------------


@pytest.mark.parametrize("name,wrt,mode", cases(SCALAR, ["reverse", "forward"]))
def test_grad(request, name, wrt, mode):
    _mark(request, ("grad", name, wrt_id(wrt), mode))
    f, make, _, f32 = SCALAR[name]
    g = ad.grad(f, wrt=wrt, mode=mode)
    reference = ad.grad(f, wrt=wrt)

    def expect(args, _primal, deriv):
        close(deriv, fd_jacobian_leaves(f, args, wrt), f32)
        if mode == "forward":
            agree(deriv, reference(*args))

    exercise(lambda args: (None, g(*args)), make, expect)


@pytest.mark.parametrize("name,wrt,mode", cases(SCALAR, ["reverse", "forward"]))
def test_value_and_grad(request, name, wrt, mode):
    _mark(request, ("value_and_grad", name, wrt_id(wrt), mode))
    f, make, _, f32 = SCALAR[name]
    vg = ad.value_and_grad(f, wrt=wrt, mode=mode)

    def expect(args, value, deriv):
        np.testing.assert_array_equal(value, f(*args))
        close(deriv, fd_jacobian_leaves(f, args, wrt), f32)

    exercise(lambda args: vg(*args), make, expect)


# ---- Jacobians -----------------------------------------------------------------------------

JACOBIANS = {
    "jacfwd": lambda f, wrt: ad.jacfwd(f, wrt=wrt),
    "jacrev": lambda f, wrt: ad.jacrev(f, wrt=wrt),
    "auto": lambda f, wrt: ad.jacobian(f, wrt=wrt),
    "forward": lambda f, wrt: ad.jacobian(f, wrt=wrt, mode="forward"),
    "reverse": lambda f, wrt: ad.jacobian(f, wrt=wrt, mode="reverse"),
}


@pytest.mark.parametrize("name,wrt,kind", cases(ALL, list(JACOBIANS)))
def test_jacobian(request, name, wrt, kind):
    _mark(request, ("jacobian", name, wrt_id(wrt), kind))
    f, make, _, f32 = ALL[name]
    jac = JACOBIANS[kind](f, wrt)
    other = JACOBIANS["jacrev" if kind in ("jacfwd", "forward") else "jacfwd"](f, wrt)

    def expect(args, _primal, deriv):
        close(deriv, fd_jacobian_leaves(f, args, wrt), f32)
        if not f32:
            agree(deriv, other(*args))

    exercise(lambda args: (None, jac(*args)), make, expect)


# ---- hessian and hvp -----------------------------------------------------------------------


@pytest.mark.parametrize("name,wrt,extra", cases(SCALAR))
def test_hessian(request, name, wrt, extra):
    _mark(request, ("hessian", name, wrt_id(wrt)))
    f, make, _, f32 = SCALAR[name]
    hess = ad.hessian(f, wrt=wrt)
    gradient = ad.grad(f, wrt=wrt)

    def expect(args, _primal, deriv):
        close(deriv, fd_jacobian_leaves(gradient, args, wrt), f32)

    exercise(lambda args: (None, hess(*args)), make, expect)


def _tangents_like(args, salt):
    r = np.random.default_rng(salt)
    return tree_map(lambda a: r.standard_normal(np.shape(a)).astype(np.asarray(a).dtype), args)


@pytest.mark.parametrize("name", list(SCALAR))
def test_hvp(request, name):
    _mark(request, ("hvp", name))
    f, make, _, f32 = SCALAR[name]
    n = len(make(0))
    wrt = tuple(range(n)) if n > 1 else 0
    gradient = ad.grad(f, wrt=wrt)

    def make_inputs(seed):
        args = make(seed)
        return (args, _tangents_like(args, 77 + seed))

    def call(inputs):
        args, tangents = inputs
        g, hv = ad.hvp(f, args, tangents)
        return None, (g, hv)

    def expect(inputs, _primal, deriv):
        args, tangents = inputs
        g, hv = deriv
        close(g, fd_jacobian_leaves(f, args, wrt), f32)
        close(hv, fd_direction(gradient, args, tangents), f32)

    exercise(call, make_inputs, expect)


# ---- jvp and vjp ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ALL))
def test_jvp(request, name):
    _mark(request, ("jvp", name))
    f, make, _, f32 = ALL[name]

    def make_inputs(seed):
        args = make(seed)
        return (args, _tangents_like(args, 99 + seed))

    def call(inputs):
        args, tangents = inputs
        return ad.jvp(f, args, tangents)

    def expect(inputs, primal, tangent):
        args, tangents = inputs
        for got, want in zip(leaves(primal), leaves(f(*args)), strict=True):
            np.testing.assert_array_equal(got, want)
        close(tangent, fd_direction(f, args, tangents), f32)

    exercise(call, make_inputs, expect, primal_may_alias_inputs=True)


@pytest.mark.parametrize("name", list(ALL))
def test_vjp(request, name):
    _mark(request, ("vjp", name))
    f, make, _, f32 = ALL[name]

    def make_inputs(seed):
        args = make(seed)
        cot = _tangents_like(f(*args), 55 + seed)
        return (args, cot)

    def call(inputs):
        args, cot = inputs
        out, pullback = ad.vjp(f, *args)
        first = pullback(cot)
        second = pullback(cot)  # a pullback called again gives new arrays too
        return out, (first, second)

    def expect(inputs, out, both):
        args, cot = inputs
        cts, again = both
        agree(cts, again)
        for got, want in zip(leaves(out), leaves(f(*args)), strict=True):
            np.testing.assert_array_equal(got, want)
        n = len(args)
        blocks = fd_blocks(f, args, range(n))
        cot_leaves = [np.asarray(c, dtype=np.float64) for c in leaves(cot)]
        expected = []
        k = 0
        for a in range(n):
            for leaf in leaves(args[a]):
                total = np.zeros(np.shape(leaf))
                for o, c in enumerate(cot_leaves):
                    total = total + np.tensordot(c, blocks[o][k], axes=c.ndim)
                expected.append(total)
                k += 1
        close(cts, expected, f32)
        close(again, expected, f32)

    exercise(call, make_inputs, expect, primal_may_alias_inputs=True)

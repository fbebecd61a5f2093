"""Tester 69 (independent, from the README only): programs people write, end to end.

Each program (tests/programs_people_write_helpers_independent.py) is checked under every API
that applies against central differences, forward against reverse, primal values against
the plain call; each derivative is called twice, then at other inputs of the same shape and
of another shape, to catch stale results.
"""

import inspect

import numpy as np
import pytest

import s2s_ad as ad
from tests import programs_people_write_helpers_independent as P

S = "scalar"
V = "vector"

# name: (function, make(rng, n), wrt indices, output kind, second order?, Jacobians?)
PROGRAMS = {
    "sgd_trained_loss": (P.sgd_trained_loss, P.make_sgd, (0, 1), S, True, True),
    "two_layer": (P.two_layer, P.make_two_layer, (0, 1, 2), S, True, True),
    "rnn_break": (P.rnn_break, P.make_rnn, (0, 1), S, True, True),
    "lstm": (P.lstm_loss, P.make_lstm, (0, 1), S, True, True),
    "gp_nll": (P.gp_nll, P.make_gp, (0, 2), S, True, True),
    "logistic_l2": (P.logistic_l2, P.make_logistic, (0, 1), S, True, True),
    "gmm": (P.gmm_loglik, P.make_gmm, (0, 1, 2), S, True, True),
    "black_scholes": (P.black_scholes, P.make_bs, (0, 1), S, True, True),
    "kalman": (P.kalman_nll, P.make_kalman, (0, 1, 2), S, True, True),
    "rk4": (P.rk4_final, P.make_rk4, (0, 1), V, False, True),
    "leapfrog": (P.leapfrog_energy, P.make_leapfrog, (0, 1, 2), S, True, True),
    "spring": (P.spring_energy, P.make_spring, (0, 1, 2), S, True, True),
    "nbody": (P.nbody_energy, P.make_nbody, (0, 1), S, True, True),
    "heat": (P.heat, P.make_heat, (0, 1), S, True, True),
    "model_held": (P.model_loss, P.make_model_loss, (0, 1), S, True, True),
    "model_arg": (P.model_arg_loss, P.make_model_arg, (0, 1), S, False, False),
    "dataclass": (P.dataclass_loss, P.make_dataclass, (0, 1), S, False, False),
    "weighted_genexpr": (P.weighted_sum, P.make_weighted, (0, 1), S, False, False),
    "newton_while": (P.newton_cuberoot, P.make_newton, (0,), S, True, True),
    "for_else": (P.first_above, P.make_first_above, (0, 1), S, True, True),
    "clip_print_assert": (P.grad_clip_loss, P.make_clip, (0, 1), S, True, True),
    "math_scalars": (P.projectile_range, P.make_projectile, (0, 1), S, True, True),
    "star_args_kw": (P.star_args_loss, P.make_star, (0, 1, 2, 3), S, True, True),
    "strided_update": (P.strided_update, P.make_strided, (0, 1), S, True, True),
    "alias_update": (P.alias_update, P.make_alias, (0,), S, True, True),
    "reshape_T": (P.reshape_loss, P.make_reshape, (0, 1), S, True, True),
    "softmax_xent": (P.softmax_xent, P.make_xent, (0,), S, True, True),
    "attention": (P.attention, P.make_attention, (0, 1, 2), S, True, True),
    "rosenbrock": (P.rosenbrock, P.make_rosen, (0,), S, True, True),
    "huber": (P.huber, P.make_huber, (0, 1), S, True, True),
    "discounted": (P.discounted_loss, P.make_disc, (0, 1), S, True, True),
    "drag_while": (P.drag_range, P.make_drag, (0, 1), S, True, True),
    "batchnorm": (P.batchnorm_head, P.make_bn, (0, 1, 2, 3), S, False, True),
    "lennard_jones": (P.lennard_jones, P.make_lj, (0, 1, 2), S, True, True),
    "poisson": (P.poisson_nll, P.make_poisson, (0, 1), S, True, True),
    "sharpe": (P.sharpe, P.make_sharpe, (0, 1, 2), S, True, True),
    "wave_roll": (P.wave, P.make_wave, (0, 1), S, True, True),
    "config_classmethod": (P.config_loss, P.make_config, (0, 1), S, True, True),
    "layers_tuples": (P.layers_loss, P.make_layers, (0, 1), S, False, False),
    "dict_params": (P.dict_params_loss, P.make_dict, (0, 1), S, False, False),
    "fem": (P.fem_energy, P.make_fem, (0, 1, 2), S, True, True),
    "pendulum_fit": (P.pendulum_fit, P.make_pendulum, (0, 1), S, True, True),
    "conv1d_pool": (P.conv1d_loss, P.make_conv, (0, 1), S, True, True),
    "bisect_early_return": (P.bisect_root, P.make_bisect, (0, 1), S, True, True),
    "matrix_det_inv": (P.matrix_objective, P.make_matrix, (0,), S, True, True),
    "softmax_vec": (P.softmax, P.make_softmax, (0, 1), V, False, True),
    "euler_traj_vec": (P.euler_traj, P.make_euler, (0, 1), V, False, True),
    "residuals_vec": (P.residuals, P.make_residuals, (0, 2), V, False, True),
    "per_sample": (P.per_sample, P.make_per_sample, (0, 1), S, True, True),
    "nested_def_convolve": (P.smooth_penalty, P.make_smooth, (0, 1), S, True, True),
    "sorted_max_min": (P.sorted_energy, P.make_sorted, (0, 1), S, False, False),
    "scatter_repeat": (P.scatter_repeat, P.make_scatter, (0, 1), S, True, True),
    "heat2d": (P.heat2d, P.make_heat2d, (0, 1), S, True, True),
    "closure_global": (P.LOSS_FN, P.make_loss_fn, (0, 1), S, True, True),
    "gp_cholesky": (P.gp_chol, P.make_gp_chol, (0, 2), S, True, True),
    "eigh": (P.top_eig, P.make_eig, (0,), S, True, True),
    "einsum": (P.bilinear, P.make_bilinear, (0, 1, 2), S, True, True),
    "sort_interp_polyval": (P.sorted_interp, P.make_sorted_interp, (0, 1), S, True, True),
    "cumprod_stack": (P.survival, P.make_survival, (0, 1), S, True, True),
    "while_true_clamp": (P.damped_until_small, P.make_damped, (0, 1), S, True, True),
    "zip_star_float": (P.pairs_loss, P.make_pairs, (0, 1), S, True, True),
    "layer_hierarchy": (P.net_loss, P.make_net, (0, 1), S, False, False),
    "ode_lambda_def": (P.ode_lambda, P.make_ode_partial, (0, 1), S, True, True),
    "norm_std_tril": (P.stats_loss, P.make_stats, (0,), S, True, True),
    "scipy_logpost": (P.bayes_logpost, P.make_bayes, (0, 1), S, True, True),
    "masked_reverse": (P.masked_reverse, P.make_masked, (0, 1), S, True, True),
    "global_scale": (P.scaled_loss, P.make_scaled, (0,), S, True, True),
    "heat_pad_gradient_trapz": (P.heat_pad, P.make_heat_pad, (0, 1), S, True, True),
    "cross_arctan2": (P.rigid_body, P.make_rigid, (0, 1, 2), S, True, True),
    "bce_clip": (P.bce, P.make_bce, (0,), S, True, True),
    "batched_matmul": (P.batched, P.make_batched, (0, 1), S, True, True),
    "argmax_gather": (P.max_margin, P.make_margin, (0,), S, True, True),
    "list_of_arrays_item": (P.list_of_arrays, P.make_list_arrays, (0, 1), S, True, True),
    "matrix_power_pinv": (P.markov, P.make_markov, (0, 1), S, True, True),
    "nonzero_searchsorted": (P.binned, P.make_binned, (0, 1), S, True, True),
    "checkpointed_sim": (P.checkpointed_sim, P.make_vec_scalar, (0, 1), S, True, True),
    "aux_tuple_vec": (P.loss_with_aux, P.make_aux, (0,), V, False, False),
    "float32_data": (P.float32_data_loss, P.make_aux, (0,), S, True, True),
    "affine_method_calls_method": (P.affine_loss, P.make_affine, (1,), S, True, True),
    "shift_overlap": (P.shift_overlap, P.make_vec, (0,), S, True, True),
    "swap_halves": (P.swap_halves, P.make_even, (0,), S, True, True),
    "neumann_bc": (P.neumann, P.make_vec_scalar, (0, 1), S, True, True),
    "diag_indices_noise": (P.diag_indices_noise, P.make_vec_scalar, (0, 1), S, True, True),
    "sym_inplace": (P.sym_inplace, P.make_square, (0,), S, True, True),
    "fancy_self": (P.fancy_self, P.make_vec, (0,), S, True, True),
    "chain_alias": (P.chain_alias, P.make_vec, (0,), S, True, True),
    "ravel_loop": (P.ravel_loop, P.make_square, (0,), S, True, True),
    "frozen_dataclass_springs": (P.springs_energy, P.make_springs, (0, 1), S, False, False),
    "ufunc_reduce": (P.mixture_logpdf, P.make_mixture, (0, 1), S, True, True),
}

# (program, check) -> reason: strict expected failures, each a bug found
XFAIL = {}

CHECKS = {
    "first": P.check_first,
    "jvp_vjp": P.check_jvp_vjp,
    "jacobians": P.check_jacobians,
    "second": P.check_second,
}


def _cases():
    for name, (_f, _make, _wrt, kind, second, jac) in PROGRAMS.items():
        for check in CHECKS:
            if check == "first" and kind == V:
                continue
            if check == "jacobians" and not jac:
                continue
            if check == "second" and not second:
                continue
            marks = []
            if (name, check) in XFAIL:
                marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[(name, check)]))
            yield pytest.param(name, check, id=f"{name}-{check}", marks=marks)


def _inputs(make):
    # two input sets of one shape, then one of another
    sets = [
        make(np.random.default_rng(1), 3),
        make(np.random.default_rng(2), 3),
        make(np.random.default_rng(3), 4),
    ]
    return [a if isinstance(a, tuple) else (a,) for a in sets]


@pytest.mark.parametrize(("name", "check"), list(_cases()))
def test_program(name, check, capsys):
    f, make, wrt, _kind, _second, _jac = PROGRAMS[name]
    for args in _inputs(make):
        CHECKS[check](f, list(args), wrt)


# ----------------------------------------------------------------------------- refusals


def _assert_located(excinfo, fn, construct_words):
    err = excinfo.value
    assert isinstance(err, ad.S2SError), type(err)
    msg = str(err)
    src, first = inspect.getsourcelines(fn)
    assert "programs_people_write_helpers_independent.py" in msg, msg
    lines = {str(first + k) for k in range(len(src))}
    assert any(f":{ln}" in msg or f"line {ln}" in msg for ln in lines), msg
    assert any(w in msg for w in construct_words), msg


REFUSED = {
    # name: (function, args, words one of which the message must hold)
    "reshape_view_write": (P.reshape_view_write, (np.arange(6.0),), ("share",)),
    "local_generator": (P.local_rng_dropout, (np.ones(3), np.arange(3.0)), ("generator", "rng")),
    "fill_diagonal": (P.fill_diag, (np.arange(1.0, 4.0), 0.5), ("fill_diagonal",)),
    "row_view_write": (P.row_view, (np.arange(4.0).reshape(2, 2),), ("share",)),
    "argument_view_write": (P.arg_reshape_write, (np.arange(1.0, 4.0),), ("argument",)),
    # (matrix_power: a rule since session 37, test_matrix_power_now_differentiates)
    "ufunc_reduce": (P.ufunc_reduce_loss, (np.arange(3.0),), ("add.reduce",)),
    "item": (P.item_loss, (np.arange(3.0),), ("item",)),
    "closure_returned_by_helper": (
        P.closure_factory,
        P.make_factory(np.random.default_rng(0), 3),
        ("loss",),
    ),
    "transpose_view_write": (P.transpose_write, (np.ones((3, 3)), 1.5), ("element",)),
}


def test_matrix_power_now_differentiates():
    A = np.eye(2) + 0.1
    J = P.fd_jacobian(P.matrix_power_loss, [A], [0])[0]
    P.close(P.tree_vec(ad.grad(P.matrix_power_loss)(A)), J, "grad")


REFUSING_APIS = {
    "grad": lambda f, a: ad.grad(f)(*a),
    "jvp": lambda f, a: ad.jvp(f, a, tuple(np.ones_like(v) for v in a)),
    "vjp": lambda f, a: ad.vjp(f, *a)[1](1.0),
    "jacrev": lambda f, a: ad.jacrev(f)(*a),
    "hessian": lambda f, a: ad.hessian(f)(*a),
}


@pytest.mark.parametrize("api", list(REFUSING_APIS))
@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_with_located_error(name, api):
    f, args, words = REFUSED[name]
    before = [np.copy(a) for a in args]
    with pytest.raises(ad.S2SError) as excinfo:
        REFUSING_APIS[api](f, tuple(args))
    _assert_located(excinfo, f, words)
    for b, a in zip(before, args, strict=True):
        assert np.array_equal(b, a), "the refused call changed an argument"


CALL_VARIANTS = [
    dict(n_steps=3),
    dict(n_steps=5),
    dict(n_steps=3, training=False),
    dict(n_steps=2, act="relu"),
    dict(n_steps=2, act="soft"),
    dict(n_steps=3, mask=np.array([1.0, 0.0, 2.0])),
    dict(n_steps=3, lr=0.3),
    dict(n_steps=0),
    dict(n_steps=3),
]


@pytest.mark.parametrize(
    "api", ["grad", "value_and_grad", "forward", "jvp", "vjp", "jacfwd", "jacrev", "hessian", "hvp"]
)
def test_call_variants_not_stale(api):
    """One derivative object called with ints, flags, strings, None and keywords that change."""
    rng = np.random.default_rng(0)
    f = P.configurable
    g = {
        "grad": ad.grad(f, wrt=(0, 1)),
        "value_and_grad": ad.value_and_grad(f, wrt=(0, 1)),
        "forward": ad.grad(f, wrt=(0, 1), mode="forward"),
        "jacfwd": ad.jacfwd(f, wrt=(0, 1)),
        "jacrev": ad.jacrev(f, wrt=(0, 1)),
        "hessian": ad.hessian(f, wrt=0),
    }.get(api)
    for n in (3, 3, 4):
        for kw in CALL_VARIANTS:
            if n == 4 and "mask" in kw:
                kw = dict(kw, mask=np.array([1.0, 0.0, 2.0, 1.0]))
            x, w = rng.standard_normal(n), 0.5 + rng.random()

            def fx(x, w, kw=kw):
                return f(
                    x,
                    w,
                    kw["n_steps"],
                    training=kw.get("training", True),
                    act=kw.get("act", "tanh"),
                    mask=kw.get("mask"),
                    lr=kw.get("lr", 0.1),
                )

            J = P.fd_jacobian(fx, [x, w], [0, 1])[0]
            plain = fx(x, w)
            if api in ("grad", "forward", "jacfwd", "jacrev"):
                gx, gw = g(x, w, **kw)
                P.close(np.append(gx, gw), J, f"{api} {kw}")
            elif api == "value_and_grad":
                v, (gx, gw) = g(x, w, **kw)
                P.same(v, plain, f"value {kw}")
                P.close(np.append(gx, gw), J, f"{api} {kw}")
            elif api == "jvp":
                tx = rng.standard_normal(n)
                v, t = ad.jvp(fx, (x, w), (tx, 0.7))
                P.same(v, plain, f"jvp value {kw}")
                P.close(t, J @ np.append(tx, 0.7), f"jvp {kw}")
            elif api == "vjp":
                v, pb = ad.vjp(fx, x, w)
                P.same(v, plain, f"vjp value {kw}")
                gx, gw = pb(1.0)
                P.close(np.append(gx, gw), J, f"vjp {kw}")
            else:
                H_fd = P.fd_jacobian(lambda x, w, kw=kw: ad.grad(f)(x, w, **kw), [x, w], [0])
                if api == "hessian":
                    P.close(g(x, w, **kw), H_fd, f"hessian {kw}")
                else:
                    tx = rng.standard_normal(n)
                    gx, hv = ad.hvp(fx, (x, w), (tx, None))
                    P.close(gx, J[:n], f"hvp gradient {kw}")
                    P.close(hv, H_fd @ tx, f"hvp {kw}")


PARTIAL_APIS = {
    "grad": lambda f, y0, k: ad.grad(f)(y0, k),
    "jvp": lambda f, y0, k: np.array([ad.jvp(f, (y0, k), (e, 0.0))[1] for e in np.eye(len(y0))]),
    "vjp": lambda f, y0, k: ad.vjp(f, y0, k)[1](1.0),
    "jacfwd": lambda f, y0, k: ad.jacfwd(f)(y0, k),
    "hessian": lambda f, y0, k: ad.hessian(f)(y0, k),
}
# (refused at the helper's `rhs(y)` line until session 37: a partial made in the function is
# a lambda now, ssa/partials.py)
PARTIAL_XFAIL: dict = {}


@pytest.mark.parametrize(
    ("prog", "api"),
    [
        pytest.param(
            prog,
            api,
            marks=[pytest.mark.xfail(strict=True, reason=PARTIAL_XFAIL[(prog, api)])]
            if (prog, api) in PARTIAL_XFAIL
            else [],
        )
        for prog in ("ode_partial", "ode_const_partial")
        for api in PARTIAL_APIS
    ],
)
def test_partial_given_to_helper(prog, api):
    """A `functools.partial` made in the function, given to a helper: numbers or an error there."""
    f = getattr(P, prog)
    y0, k = P.make_ode_partial(np.random.default_rng(0), 3)
    try:
        got = PARTIAL_APIS[api](f, y0, k)
    except Exception as err:  # a refusal must name the partial's own line
        msg = str(err)
        src, first = inspect.getsourcelines(f)
        line = first + next(i for i, t in enumerate(src) if "functools.partial" in t)
        assert f"programs_people_write_helpers_independent.py:{line}" in msg, msg
        assert "partial" in msg, msg
        return
    if api == "hessian":  # (session 37: its numbers, now that it is no longer refused)
        want = P.fd_jacobian(lambda y, k: ad.grad(f)(y, k), [y0, k], [0])
        P.close(np.reshape(got, want.shape), want, api)
        return
    want = P.fd_jacobian(f, [y0, k], [0])[0]
    P.close(P.tree_vec(got)[: len(y0)], want, api)


# ------------------------------------------------------------------------- models in another module
# The layout people use: classes in models.py, the loss in train.py. Here the classes live in
# the helper module and these losses in this file.

HELD = P.Model(np.linspace(-0.5, 0.5, 12).reshape(4, 3), np.zeros(4) + 0.1, 1.0)
NET = P.make_net(np.random.default_rng(0), 3)[0]


def loss_held_model_elsewhere(x, t):
    return np.sum((HELD(x) - t) ** 2)


def loss_model_arg_elsewhere(model, x, t):
    return np.sum((model(x) - t) ** 2)


def loss_net_arg_elsewhere(net, x, y):
    return np.sum((net(x) - y) ** 2)


def affine_loss_elsewhere(layer, x):
    return np.sum(layer.forward(x) ** 2)


def springs_elsewhere(springs, x):
    return P.springs_energy(springs, x)


def loss_net_held_elsewhere(x, y):
    return np.sum((NET(x) - y) ** 2)


def _elsewhere_args(name):
    x = np.array([0.1, -0.2, 0.3])
    if name == "held_model":
        return loss_held_model_elsewhere, [x, np.array([0.5, -0.2, 0.1, 0.3])]
    if name == "model_arg":
        return loss_model_arg_elsewhere, [HELD, x, np.array([0.5, -0.2, 0.1, 0.3])]
    if name == "springs":
        return springs_elsewhere, list(P.make_springs(np.random.default_rng(0), 3))
    if name == "affine":
        return affine_loss_elsewhere, list(P.make_affine(np.random.default_rng(0), 3))
    if name == "net_arg":
        return loss_net_arg_elsewhere, [NET, x, np.array([0.5, -0.2])]
    return loss_net_held_elsewhere, [x, np.array([0.5, -0.2])]


ELSEWHERE_APIS = ("grad", "jvp", "vjp", "jacrev", "hessian")
# (program, wrt, api) -> observed behaviour
# (session 37: another module's classes and helpers are inlined, their module's names read
# there; the 42 refusals this tester found are fixed)
ELSEWHERE_XFAIL: dict = {}


@pytest.mark.parametrize(
    ("prog", "wrt", "api"),
    [
        pytest.param(
            prog,
            w,
            api,
            marks=[pytest.mark.xfail(strict=True, reason=ELSEWHERE_XFAIL[(prog, w, api)])]
            if (prog, w, api) in ELSEWHERE_XFAIL
            else [],
        )
        for prog, w in (
            ("held_model", 0),
            ("model_arg", 1),
            ("model_arg", 0),
            ("net_arg", 1),
            ("net_arg", 0),
            ("net_held", 0),
            ("affine", 1),
            ("springs", 1),
        )
        for api in ELSEWHERE_APIS
    ],
)
def test_model_class_in_another_module(prog, wrt, api):
    f, args = _elsewhere_args(prog)
    J = P.fd_jacobian(f, args, [wrt])[0]
    rng = np.random.default_rng(0)
    if api == "grad":
        P.close(P.tree_vec(ad.grad(f, wrt=wrt)(*args)), J, "grad")
    elif api == "jvp":
        t = P._tangent_like(rng, args[wrt])
        tans = tuple(t if i == wrt else None for i in range(len(args)))
        out, tout = ad.jvp(f, tuple(args), tans)
        P.same(out, f(*args), "jvp primal")
        P.close(tout, J @ P.tree_vec(t), "jvp")
    elif api == "vjp":
        out, pb = ad.vjp(f, *args)
        P.same(out, f(*args), "vjp primal")
        P.close(P.tree_vec(pb(1.0)[wrt]), J, "vjp")
    elif api == "jacrev":
        P.close(P.tree_vec(ad.jacrev(f, wrt=wrt)(*args)), J, "jacrev")
    else:
        H_fd = P.fd_jacobian(lambda *a: ad.grad(f, wrt=wrt)(*a), args, [wrt])
        H = _hessian_matrix(ad.hessian(f, wrt=wrt)(*args), args[wrt], H_fd.shape)
        P.close(H, H_fd, "hessian")


def _hessian_matrix(H, template, shape):
    """The Hessian of a structure (a structure of structures: at each float leaf of
    `template`, the structure of that leaf's row; added in session 37, where the refusals
    it replaced are fixed) or of an array, as one matrix of `shape`."""
    if isinstance(H, np.ndarray):
        return np.reshape(H, shape)
    rows = []
    for inner in _rows(H, template):
        leaves = _float_leaves(inner)
        n = sum(np.size(v) for v in leaves) // shape[1]
        rows.append(np.concatenate([np.reshape(v, (n, -1)) for v in leaves], axis=1))
    return np.concatenate(rows, axis=0)


def _rows(H, template):
    if P._is_float_leaf(template):
        return [H]
    return [
        row
        for h, t in zip(P._children(H) or (), P._children(template) or (), strict=True)
        for row in _rows(h, t)
    ]


def _float_leaves(x):
    if P._is_float_leaf(x):
        return [np.asarray(x, dtype=float)]
    return [leaf for kid in P._children(x) or () for leaf in _float_leaves(kid)]


def test_training_loop_in_place_updates():
    """for epoch / for batch, value_and_grad, `w -= lr * g` in place: results stay as returned."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 3)), rng.standard_normal(16)
    W1, b1, W2 = rng.standard_normal((3, 5)) * 0.5, np.zeros(5), rng.standard_normal(5) * 0.5
    step = ad.value_and_grad(P.two_layer, wrt=(0, 1, 2))
    kept = []
    for epoch in range(2):
        for start in range(0, len(X), 4):
            xb, yb = X[start : start + 4], y[start : start + 4]
            loss, (g1, gb, g2) = step(W1, b1, W2, xb, yb)
            assert loss == P.two_layer(W1, b1, W2, xb, yb)
            J = P.fd_jacobian(P.two_layer, [W1, b1, W2, xb, yb], [0, 1, 2])[0]
            P.close(np.concatenate([g1.ravel(), gb, g2]), J, f"epoch {epoch} batch {start}")
            kept.append((g1, g1.copy()))
            W1 -= 0.1 * g1
            b1 -= 0.1 * gb
            W2 -= 0.1 * g2
            g1 *= 0.0  # an optimiser reusing the gradient buffer
    for g, _copy in kept[:-1]:
        assert not np.shares_memory(g, W1)
    assert all(np.all(g == 0.0) for g, _ in kept)


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_jacobian_of_tuple_output(jac):
    """(loss, aux) returned: one block per output, as JAX gives."""
    for n in (3, 3, 4):
        w, X = P.make_aux(np.random.default_rng(n), n)
        J = P.fd_jacobian(P.loss_with_aux, [w, X], [0])
        blocks = getattr(ad, jac)(P.loss_with_aux)(w, X)
        assert isinstance(blocks, tuple) and len(blocks) == 2
        assert np.shape(blocks[0]) == (n,) and np.shape(blocks[1]) == (4, n)
        P.close(np.vstack([np.reshape(blocks[0], (1, n)), blocks[1]]), J, jac)


def test_print_runs_once_per_call(capsys):
    v, limit = P.make_clip(np.random.default_rng(0), 3)
    P.grad_clip_loss(v, limit)
    plain = capsys.readouterr().out
    ad.grad(P.grad_clip_loss)(v, limit)
    assert capsys.readouterr().out == plain
    ad.jvp(P.grad_clip_loss, (v, limit), (np.ones_like(v), 0.0))
    assert capsys.readouterr().out == plain
    ad.hessian(P.grad_clip_loss)(v, limit)
    assert capsys.readouterr().out == plain


def test_arguments_not_modified():
    for name, (f, make, wrt, kind, _s, _j) in PROGRAMS.items():
        args = make(np.random.default_rng(5), 3)
        args = args if isinstance(args, tuple) else (args,)
        before = [P.tree_vec(a).copy() for a in args]
        if kind == S:
            ad.grad(f, wrt=wrt)(*args)
        else:
            ad.jacrev(f, wrt=wrt[0])(*args)
        after = [P.tree_vec(a) for a in args]
        for b, a in zip(before, after, strict=True):
            assert np.array_equal(a, b), name

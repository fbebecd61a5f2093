# ruff: noqa: RUF005, RUF059, SIM108  (user programs, written as users write them)
"""Programs for tests/test_rules_session39_independent.py (an independent tester's).

Written from the README alone: the session-39 rules (``np.linalg.qr``, ``np.cov``,
``np.corrcoef``, ``np.linalg.multi_dot``, ``np.vander``), second derivatives through
them and through ``np.linalg.svd`` (singular vectors) and ``np.linalg.lstsq``, list and
dict items replaced by values of another shape or kind, values that are sometimes
constants and sometimes differentiated, and pairwise-distance energies with a masked
diagonal.  The first argument of each program is the one differentiated.
"""

import numpy as np

RNG = np.random.default_rng(80)
C43 = RNG.standard_normal((4, 3))
C33 = RNG.standard_normal((3, 3))
C35 = RNG.standard_normal((3, 5))
C55 = RNG.standard_normal((5, 5))
V3 = RNG.standard_normal(3)
V4 = RNG.standard_normal(4)
B4 = RNG.standard_normal(4)
T6 = np.linspace(-1.0, 1.0, 6)


# ---------------------------------------------------------------- QR


def qr_reduced_tall(x):
    A = np.reshape(x, (4, 3))
    Q, R = np.linalg.qr(A)
    return np.sum(Q * C43) + np.sum(R * C33) ** 2


def qr_r_mode_tall(x):
    A = np.reshape(x, (4, 3))
    R = np.linalg.qr(A, mode="r")
    return np.sum(np.log(np.abs(np.diag(R)))) + np.sum(R**2 * C33)


def qr_complete_square(x):
    A = np.reshape(x, (3, 3))
    Q, R = np.linalg.qr(A, mode="complete")
    return np.sum(np.sin(Q) * C33) + np.sum(np.triu(R) * C33.T)


def qr_complete_wide(x):
    A = np.reshape(x, (3, 5))
    Q, R = np.linalg.qr(A, mode="complete")
    return np.sum(Q * C33) + np.sum(np.tanh(R) * C35)


def qr_reduced_wide(x):
    A = np.reshape(x, (3, 5))
    Q, R = np.linalg.qr(A, mode="reduced")
    return np.sum(Q**3) + np.sum(R * C35)


def qr_stack(x):
    A = np.reshape(x, (2, 4, 3))
    Q, R = np.linalg.qr(A)
    return np.sum(Q[0] * C43) - np.sum(Q[1] ** 2 * C43) + np.sum(R[1] * C33)


def qr_stack_r_mode(x):
    A = np.reshape(x, (2, 3, 3))
    R = np.linalg.qr(A, mode="r")
    return np.sum(R * C33)


def orthonormal_layer(x, v):
    # Gram-Schmidt replaced by QR: an orthonormal weight matrix, then a small model
    W = np.reshape(x, (4, 3))
    Q, _ = np.linalg.qr(W)
    h = np.tanh(Q @ v)
    return np.sum((h - B4) ** 2)


def qr_least_squares(x, b):
    A = np.reshape(x, (4, 3))
    Q, R = np.linalg.qr(A)
    coef = np.linalg.solve(R, Q.T @ b)
    res = A @ coef - b
    return np.sum(res**2) + np.sum(coef**2)


def qr_least_squares_rhs(b, A):
    Q, R = np.linalg.qr(A)
    coef = np.linalg.solve(R, Q.T @ b)
    return np.sum(coef**3) + np.sum((A @ coef - b) ** 2)


def qr_projection(x):
    # projection onto the column space: sign convention free
    A = np.reshape(x, (4, 2))
    Q, _ = np.linalg.qr(A)
    P = Q @ Q.T
    return np.sum(P * (C43 @ C43.T))


def qr_keyword_a(x):
    Q, R = np.linalg.qr(a=np.reshape(x, (3, 3)), mode="reduced")
    return np.sum(Q * C33) + np.sum(R)


# ---------------------------------------------------------------- cov


def cov_rows(x):
    X = np.reshape(x, (3, 5))
    S = np.cov(X)
    return np.sum(S * C33) + np.sum(S**2)


def cov_1d(x):
    return np.cov(x) * 2.0 + np.cov(x) ** 2


def cov_y(x, y):
    S = np.cov(x, y)
    return S[0, 1] ** 2 + np.sum(S * C33[:2, :2])


def cov_rowvar_bias(x):
    X = np.reshape(x, (5, 3))
    S = np.cov(X, rowvar=False, bias=True)
    return np.sum(S * C33) + np.trace(S) ** 2


def cov_ddof(x):
    X = np.reshape(x, (3, 5))
    S = np.cov(X, ddof=2)
    return np.sum(np.sin(S) * C33)


def cov_2d_y(x, Y):
    X = np.reshape(x, (2, 5))
    S = np.cov(X, Y)
    return np.sum(S**2 * np.abs(C55[:4, :4]))


def mahalanobis(x, pt):
    X = np.reshape(x, (6, 2))
    mu = np.mean(X, axis=0)
    S = np.cov(X, rowvar=False)
    d = pt - mu
    return d @ np.linalg.solve(S, d)


def cov_y_data(y, x):
    # derivative with respect to y= only
    S = np.cov(x, y=y, rowvar=True, ddof=0)
    return np.sum(S * C33[:2, :2]) + np.linalg.det(S)


# ---------------------------------------------------------------- corrcoef


def corr_pair(x, y):
    R = np.corrcoef(x, y)
    return R[0, 1]


def corr_penalty(x):
    X = np.reshape(x, (3, 5))
    R = np.corrcoef(X)
    off = R - np.eye(3)
    return np.sum(off**2)


def corr_rowvar_false(x):
    X = np.reshape(x, (6, 3))
    R = np.corrcoef(X, rowvar=False)
    return np.sum(R * C33)


def corr_y_2d(x, Y):
    X = np.reshape(x, (2, 5))
    R = np.corrcoef(X, y=Y)
    return np.sum(R * np.abs(C55[:4, :4])) + R[0, 3] ** 3


def corr_many(x):
    X = np.reshape(x, (4, 4))
    R = np.corrcoef(X)
    return np.sum(np.triu(R, 1) ** 2) + np.sum(R[0] * V4)


# ---------------------------------------------------------------- multi_dot


def md_two(x):
    A = np.reshape(x, (3, 3))
    return np.sum(np.linalg.multi_dot([A, C35]) ** 2)


def md_three(x):
    A = np.reshape(x, (3, 3))
    return np.sum(np.linalg.multi_dot([C43, A, np.tanh(A)]) * C43)


def md_four_1d_first(x):
    A = np.reshape(x[:9], (3, 3))
    v = x[9:]
    out = np.linalg.multi_dot([v, A, C33, A.T])
    return np.sum(out**2)


def md_five_1d_both(x):
    A = np.reshape(x[:9], (3, 3))
    u = x[9:12]
    return np.linalg.multi_dot([u, A, C33, A, u]) + 0.0


def md_1d_last(x):
    A = np.reshape(x[:12], (4, 3))
    w = x[12:]
    y = np.linalg.multi_dot([C43.T, A, w])
    return np.sum(np.sin(y))


def md_projection_chain(x):
    us = np.reshape(x, (3, 3))
    Ps = []
    for i in range(3):
        u = us[i]
        Ps.append(np.eye(3) - np.outer(u, u) / (u @ u))
    y = np.linalg.multi_dot([Ps[0], Ps[1], Ps[2], V3])
    return np.sum(y**2) + y[0]


def md_tuple_arg(x):
    A = np.reshape(x, (3, 3))
    return np.sum(np.linalg.multi_dot((A, A, A)) * C33)


# ---------------------------------------------------------------- vander


def vander_default(x):
    V = np.vander(x)
    return np.sum(V * C33)


def vander_n_increasing(x):
    V = np.vander(x, N=4, increasing=True)
    return np.sum(V**2 * C43.T) + np.sum(V[:, 3])


def vander_polyfit(y, t):
    V = np.vander(t, 3)
    coef = np.linalg.solve(V.T @ V, V.T @ y)
    return np.sum((V @ coef - y) ** 2) + np.sum(coef**2)


def vander_fit_nodes(t, y):
    V = np.vander(t, N=3, increasing=True)
    coef, *_ = np.linalg.lstsq(V, y, rcond=None)
    return np.sum(coef**2)


def vander_n_positional(x):
    V = np.vander(x, 5)
    return np.sum(np.tanh(V) * C35)


# ---------------------------------------------------------------- SVD vectors


def svd_thin_tall(x):
    A = np.reshape(x, (4, 3))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    top = np.outer(U[:, 0], Vt[0])  # sign convention free
    return np.sum(top * C43) + np.sum(s**2) + np.sum((U[:, :2] @ U[:, :2].T) * V4)


def svd_square(x):
    A = np.reshape(x, (3, 3))
    U, s, Vt = np.linalg.svd(A)
    return np.sum((U * s) @ Vt * C33) + np.sum(U[:, 1:] @ U[:, 1:].T * C33)


def svd_thin_wide(x):
    A = np.reshape(x, (3, 5))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    P = Vt.T @ np.diag(s / (s + 1.0)) @ Vt
    return np.sum(P * C55)


def svd_low_rank(x):
    A = np.reshape(x, (4, 3))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    A1 = s[0] * np.outer(U[:, 0], Vt[0])
    return np.sum((A - A1) ** 2) + np.sum(np.abs(U[:, 0]) * V4)


def lstsq_solution(x, b):
    A = np.reshape(x, (4, 3))
    sol, res, rank, sv = np.linalg.lstsq(A, b, rcond=None)
    return np.sum(sol**2) + np.sum(res) + np.sum(sv**2)


def lstsq_rhs(b, A):
    sol, res, rank, sv = np.linalg.lstsq(A, b, rcond=None)
    return np.sum(np.sin(sol)) + res[0] ** 2


def lstsq_multi_rhs(x, B):
    A = np.reshape(x, (5, 2))
    sol, res, _, sv = np.linalg.lstsq(A, B, rcond=None)
    return np.sum(sol * C33[:2, :3]) + np.sum(res * V3) + sv[0] * sv[1]


# ---------------------------------------------------------------- list items


def list_item_reshaped(x, v):
    rows = [x[:3], x[3:]]
    rows[-1] = np.reshape(v * x[0], (-1, 1))
    return np.sum(rows[0] ** 2) + np.sum(rows[-1] * C43[:3, :1])


def list_item_outer(x):
    a = x[:3]
    b = x[3:]
    parts = [a, b]
    parts[0] = np.outer(a, b)
    return np.sum(parts[0] * C33) + np.sum(parts[1] ** 3)


def list_item_to_scalar(x):
    items = [x, x**2]
    items[1] = np.sum(items[1])
    return np.sum(items[0] * items[1]) + items[1] ** 2


def list_scalar_to_array(x):
    items = [x[0] * 2.0, 1.0]
    items[0] = np.exp(x)
    items[1] = x * items[0]
    return np.sum(items[0]) + np.sum(items[1] ** 2)


def list_items_in_loop(x):
    parts = [x[:3], x[1:4], x[2:5]]
    for i in range(3):
        parts[i] = np.outer(parts[i], x[:2])
    return np.sum(parts[0]) + np.sum(parts[1] ** 2) + np.sum(np.sin(parts[2]))


def _replace_first(parts, x):
    parts = list(parts)
    parts[0] = np.reshape(np.outer(x, x), (-1,))
    return parts


def _replace_first_in_place(parts, x):
    parts[0] = np.reshape(np.outer(x, x), (-1,))
    return parts


def list_item_helper_in_place(x):
    parts = [x, x * 3.0]
    parts = _replace_first_in_place(parts, x[:2])
    return np.sum(parts[0] ** 2) + np.sum(parts[1])


def list_item_helper(x):
    parts = [x, x * 3.0]
    parts = _replace_first(parts, x[:2])
    return np.sum(parts[0] ** 2) + np.sum(parts[1] * parts[0][:3].sum())


def _scaled_parts(x):
    parts = [x, x[:1]]
    parts[1] = np.outer(x, x[:2]) * 0.5
    return parts


def list_item_made_in_helper(x):
    a, b = _scaled_parts(x)
    return np.sum(a**3) + np.sum(b * C43[:4, :2][: len(x)])


def dict_entry_longer(x):
    d = {"a": x, "b": x[:2]}
    d["b"] = np.concatenate([x, x**2, x[:1]])
    d["a"] = np.sum(d["a"])
    return np.sum(d["b"] ** 2) * d["a"]


def dict_entries_in_loop(x):
    d = {"w": x[:2]}
    for k in range(3):
        d["w"] = np.concatenate([d["w"], np.sin(d["w"][-1:]) * x[k]])
    return np.sum(d["w"] ** 2)


def list_item_replaced_in_branch(x, c):
    parts = [x, x[:2]]
    if c:
        parts[1] = np.outer(x, x)
    else:
        parts[1] = x[0] * 3.0
    return np.sum(parts[1] * 2.0) + np.sum(parts[0] ** 2)


def list_append_then_replace(x):
    rows = []
    for i in range(3):
        rows.append(x[i] * x)
    rows[1] = np.reshape(rows[1], (-1, 1)) @ np.reshape(x[:2], (1, -1))
    return np.sum(rows[0]) + np.sum(rows[1] ** 2) + np.sum(rows[2] * x)


# ---------------------------------------------------------------- sometimes constant


def zeros_or_x(x, c):
    z = np.zeros(len(x)) if c else x
    return np.sum((x - z) ** 2) + np.sum(z**3)


def eye_or_outer(x, c):
    if c:
        m = np.eye(len(x))
    else:
        m = np.outer(x, x)
    return x @ m @ x + np.sum(m * np.sin(x))


def argmax_or_first(x, c):
    k = np.argmax(x) if c else x[0]
    return k * np.sum(x**2) + np.sin(k)


def const_or_x_in_loop(x, c):
    acc = np.ones(len(x))
    for i in range(3):
        acc = acc * (np.ones(len(x)) if (c and i == 1) else np.tanh(x + i))
    return np.sum(acc)


def ones_like_or_x(x, c):
    z = np.ones_like(x) if c else x**2
    w = np.full(3, 2.0) if c else x[:3]
    return np.sum(z * x) + np.sum(w**2)


# ---------------------------------------------------------------- pairwise energies


def lennard_jones(x):
    X = np.reshape(x, (4, 2))
    diff = X[:, None, :] - X[None, :, :]
    r = np.linalg.norm(diff, axis=-1)
    mask = ~np.eye(4, dtype=bool)
    r_safe = np.where(mask, r, 1.0)
    e = np.where(mask, 1.0 / r_safe**12 - 1.0 / r_safe**6, 0.0)
    return 0.5 * np.sum(e)


def coulomb_where(x):
    X = np.reshape(x, (4, 3))
    diff = X[:, None, :] - X[None, :, :]
    r = np.linalg.norm(diff, axis=-1)
    mask = ~np.eye(4, dtype=bool)
    with np.errstate(divide="ignore"):
        e = np.where(mask, 1.0 / r, 0.0)
    return 0.5 * np.sum(e)


def morse(x):
    X = np.reshape(x, (3, 3))
    diff = X[:, None, :] - X[None, :, :]
    r = np.linalg.norm(diff, axis=-1)
    off = np.eye(3) == 0
    e = np.where(off, (1.0 - np.exp(-(r - 1.2))) ** 2, 0.0)
    return np.sum(e) / 2.0


def gravity_softened(x, m):
    X = np.reshape(x, (4, 2))
    diff = X[:, None, :] - X[None, :, :]
    r = np.linalg.norm(diff, axis=-1)
    mask = ~np.eye(4, dtype=bool)
    mm = np.outer(m, m)
    return -0.5 * np.sum(np.where(mask, mm / np.sqrt(r**2 + 0.01), 0.0))


def harmonic_bonds_where(x):
    X = np.reshape(x, (4, 2))
    diff = X[:, None, :] - X[None, :, :]
    r = np.linalg.norm(diff, axis=2)
    i, j = np.triu_indices(4, 1)
    upper = np.zeros((4, 4), dtype=bool)
    upper[i, j] = True
    return np.sum(np.where(upper, (r - 1.0) ** 2, 0.0))


def coulomb_where_quiet(x):
    X = np.reshape(x, (4, 3))
    diff = X[:, None, :] - X[None, :, :]
    r = np.linalg.norm(diff, axis=-1)
    mask = ~np.eye(4, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(mask, 1.0 / r, 0.0)
    return 0.5 * np.sum(e)


def pairwise_sqrt_where(x):
    X = np.reshape(x, (3, 2))
    diff = X[:, None, :] - X[None, :, :]
    r = np.sqrt(np.sum(diff**2, axis=-1))
    n = X.shape[0]
    r_safe = np.where(np.eye(n) > 0, 1.0, r)
    return np.sum(np.where(np.eye(n) > 0, 0.0, np.exp(-r_safe) / r_safe))


def pairwise_gathered(x):
    X = np.reshape(x, (4, 2))
    i, j = np.triu_indices(4, 1)
    r = np.linalg.norm(X[i] - X[j], axis=1)
    return np.sum((r - 1.0) ** 2 + 0.1 / r)


def pairwise_eye_shift(x):
    X = np.reshape(x, (3, 3))
    diff = X[:, None, :] - X[None, :, :]
    r = np.linalg.norm(diff, axis=-1) + np.eye(3)
    return np.sum(np.where(np.eye(3) == 1, 0.0, np.log(r)))


# ---------------------------------------------------------------- more items


def item_alias_before_replace(x):
    parts = [x, x[:2] * 2.0]
    old = parts[0]
    parts[0] = np.outer(x, x[:2])
    return np.sum(old**2) + np.sum(parts[0] * C43[:3, :2]) + np.sum(parts[1])


def items_swapped_shapes(x):
    parts = [np.outer(x, x), x]
    parts[0], parts[1] = parts[1], parts[0]
    return np.sum(parts[0] ** 3) + np.sum(parts[1] * C33)


def item_computed_index_loop(x):
    parts = [x, x**2]
    for i in range(4):
        k = i % 2
        if i < 2:
            parts[k] = np.reshape(parts[k], (-1, 1)) * x[0]
        else:
            parts[k] = np.sum(parts[k] * x[i - 2])
    return parts[0] * parts[1] + parts[1] ** 2


def nested_item_replaced(x):
    nested = [[x, x[:1]], [x * 2.0]]
    nested[0][1] = np.outer(x, x)
    nested[1][0] = np.sum(nested[1][0])
    return np.sum(nested[0][1] * C33) + nested[1][0] ** 2 + np.sum(nested[0][0])


def item_replaced_by_constant(x):
    parts = [x * 2.0, x**2]
    parts[1] = np.zeros((2, 2))
    parts[0] = 3
    return np.sum(parts[1]) + parts[0] * np.sum(x**2)


def item_replaced_then_append(x):
    parts = [x]
    parts[0] = np.reshape(np.outer(x, x), (9,))
    parts.append(parts[0][:3] * x)
    return np.sum(parts[0] ** 2) + np.sum(np.sin(parts[-1]))


def dict_update_longer(x):
    # README (until session 43): d.update(...) is refused with a located error
    d = {"a": x[:1], "b": x}
    d.update({"a": np.concatenate([x, x])})
    d["b"] = d["b"][0] * 2.0
    return np.sum(d["a"] ** 2) * d["b"]


def dict_replace_longer(x):
    d = {"a": x[:1], "b": x}
    d["a"] = np.concatenate([x, x])
    d["b"] = d["b"][0] * 2.0
    return np.sum(d["a"] ** 2) * d["b"]


def item_replaced_in_while(x):
    parts = [x[0], x]
    n = 0
    while n < 3:
        parts[0] = np.append(parts[0] * 1.0, np.sum(parts[1]) * x[n])
        n += 1
    return np.sum(parts[0] ** 2)


def _grow(rows, x):
    rows = rows[:-1] + [np.reshape(rows[-1], (-1, 1)) * x]
    return rows


def item_replaced_via_helper_concat(x):
    rows = [x, x**2]
    rows = _grow(rows, x[:2])
    return np.sum(rows[0]) + np.sum(rows[-1] ** 2)


# ---------------------------------------------------------------- more sometimes-constant


def scalar_int_or_x(x, c):
    s = 0 if c else x[0]
    return s * np.sum(x) + np.sum(x**2) + s**2


def argmax_index_or_value(x, c):
    k = np.argmax(x) if c else x[0]
    if c:
        v = x[k]
    else:
        v = x[1] * k
    return v**2 + k * np.sum(x)


def eye_or_outer_len(x, c):
    k = len(x)
    m = np.eye(k) if c else np.outer(x, x)
    m2 = m @ m
    return np.sum(m2 * np.cos(x)) + np.trace(m)


def const_first_iteration(x, c):
    acc = np.zeros(3) if c else x[:3]
    for i in range(2):
        acc = acc + np.outer(x[:3], x[:3])[i] * acc + x[i]
    return np.sum(acc**2)


def passive_or_active_in_helper(x, c):
    return _choose(x, c) @ x


def _choose(x, c):
    if c:
        return np.ones(len(x))
    return np.tanh(x)


# ---------------------------------------------------------------- more rule edges


def cov_keyword_m(x):
    S = np.cov(m=np.reshape(x, (2, 4)), bias=True, ddof=1)
    return np.sum(S * C33[:2, :2])


def cov_1d_with_2d_y(x, Y):
    S = np.cov(x, Y)
    return np.sum(S * np.abs(C33)) + S[0, 0] * S[1, 2]


def corr_1d_alone(x):
    return np.corrcoef(x) * np.sum(x**2)


def corr_rowvar_false_y(x, y):
    R = np.corrcoef(np.reshape(x, (5, 2)), y, rowvar=False)
    return np.sum(R * np.abs(C33))


def md_two_1d(x):
    u = x[:3]
    return np.linalg.multi_dot([u, np.sin(x[3:])]) * 2.0


def md_three_1d_ends(x):
    u = x[:3]
    w = x[3:7]
    return np.linalg.multi_dot([u, C43.T, w]) ** 2


def md_mixed_shapes(x):
    A = np.reshape(x[:6], (2, 3))
    return np.sum(np.linalg.multi_dot([A, C35, C55, C55.T, C35.T @ A.T]))


def vander_n1(x):
    V = np.vander(x, 1)
    return np.sum(V * x)


def vander_n_len(x):
    V = np.vander(x, len(x) + 1, increasing=False)
    return np.linalg.slogdet(V[:, 1:])[1] + np.sum(V)


def qr_wide_r_mode(x):
    R = np.linalg.qr(np.reshape(x, (3, 5)), mode="r")
    return np.sum(R * C35) + np.sum(R[:, :3] ** 2)


def qr_stack_complete_square(x):
    Q, R = np.linalg.qr(np.reshape(x, (2, 3, 3)), mode="complete")
    return np.sum(Q * C33) + np.sum(R**2 * C33.T)


def qr_stack_wide(x):
    Q, R = np.linalg.qr(np.reshape(x, (2, 2, 3)))
    return np.sum(Q**3) + np.sum(R * C33[:2])


def qr_positional_mode(x):
    Q, R = np.linalg.qr(np.reshape(x, (4, 3)), "reduced")
    return np.sum(Q[:, 0] * V4) + R[0, 0] * R[2, 2]


def svd_vectors_sum_cubed(x):
    U, s, Vt = np.linalg.svd(np.reshape(x, (3, 3)), full_matrices=False)
    return np.sum(U**3) + np.sum(Vt**3 * C33) + np.sum(s**3)


def svd_stack(x):
    U, s, Vt = np.linalg.svd(np.reshape(x, (2, 4, 3)), full_matrices=False)
    return np.sum(np.abs(U) * C43) + np.sum(s * V3)


def lstsq_square(x, b):
    A = np.reshape(x, (3, 3))
    sol, res, rank, sv = np.linalg.lstsq(A, b, rcond=None)
    return np.sum(sol**2) + np.sum(res) + np.sum(np.log(sv))


# ---------------------------------------------------------------- vector outputs


def qr_q_out(x):
    Q, R = np.linalg.qr(np.reshape(x, (3, 2)))
    return Q


def qr_r_out(x):
    return np.linalg.qr(np.reshape(x, (3, 3)), mode="r")


def cov_out(x):
    return np.cov(np.reshape(x, (2, 4)), rowvar=True, ddof=0)


def corr_out(x):
    return np.corrcoef(np.reshape(x, (5, 3)), rowvar=False)


def md_out(x):
    return np.linalg.multi_dot([C33, np.reshape(x, (3, 3)), C35, V3 @ C35 * 0.0 + np.ones(5)])


def vander_out(x):
    return np.vander(x, 3, increasing=True)


def svd_u_out(x):
    U, s, Vt = np.linalg.svd(np.reshape(x, (3, 2)), full_matrices=False)
    return U * s


def list_item_out(x):
    parts = [x, x]
    parts[1] = np.outer(x, x)
    return parts[1]


def zeros_or_x_out(x, c):
    z = np.zeros(len(x)) if c else x
    return z * 2.0 + x


# ---------------------------------------------------------------- shortest reproductions


def where_in_errstate(x):
    with np.errstate(divide="ignore"):
        e = np.where(np.array([False, True]), 1.0 / x, 0.0)
    return np.sum(e)


def where_outside_errstate(x):
    e = np.where(np.array([False, True]), 1.0 / x, 0.0)
    return np.sum(e)


def item_alias_then_replace(x):
    parts = [x, x * 2.0]
    old = parts[0]
    parts[0] = x * 3.0
    return np.sum(old) + np.sum(parts[0])


def array_items_swapped(x):
    parts = [x * 1.0, x * 2.0]
    parts[0], parts[1] = parts[1], parts[0]
    return np.sum(parts[0] * x)


def nested_list_item(x):
    nested = [[x, x * 2.0], [x]]
    nested[0][1] = x * 3.0
    return np.sum(nested[0][1] * x)


# ---------------------------------------------------------------- refused (README: unsupported)


def qr_complete_tall(x):
    Q, R = np.linalg.qr(np.reshape(x, (4, 3)), mode="complete")
    return np.sum(Q * 1.0) + np.sum(R)


def qr_raw(x):
    h, tau = np.linalg.qr(np.reshape(x, (4, 3)), mode="raw")
    return np.sum(h) + np.sum(tau)


def cov_fweights(x):
    return np.sum(np.cov(np.reshape(x, (3, 4)), fweights=np.array([1, 2, 1, 1])))


def cov_aweights(x):
    return np.sum(np.cov(np.reshape(x, (3, 4)), aweights=np.array([1.0, 2.0, 1.0, 1.0])))


def svd_full_tall(x):
    U, s, Vt = np.linalg.svd(np.reshape(x, (4, 3)))
    return np.sum(U[:, :3] * C43) + np.sum(s)

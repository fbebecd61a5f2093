# ruff: noqa: B007, B905, SIM108, F821, F841
"""Programs with nested control flow, written as a user writes them (58th independent tester).

Plain NumPy/Python functions at module level, so that s2s_ad can read their source.
The checks are in test_nested_control_flow_independent.py.
"""

import contextlib
import math
import warnings

import numpy as np

from s2s_ad import checkpoint

OFFSET = 0.5  # a module constant some programs read


# --- physics time stepping with branches inside -------------------------------------------


def bouncing_ball(h0, v0, restitution, n_steps, dt):
    # explicit Euler with a reflecting floor; the bounce count is carried too
    h = h0
    v = v0
    bounces = 0
    for step in range(n_steps):
        v = v - 9.81 * dt
        h = h + v * dt
        if h < 0.0:
            h = -h * restitution
            v = -v * restitution
            bounces += 1
    return h + 0.1 * v * v + 0.01 * bounces


def thermostat(T0, heat_rate, cool_rate, n_steps):
    # a two-state machine: the state flips inside nested ifs
    T = T0
    heating = 0
    energy = 0.0
    for t in range(n_steps):
        if heating == 1:
            T = T + heat_rate * (30.0 - T) * 0.1
            energy = energy + heat_rate * 0.1
            if T > 22.0:
                heating = 0
        else:
            T = T - cool_rate * (T - 5.0) * 0.1
            if T < 18.0:
                heating = 1
    return T * T * 0.01 + energy


def projectile_range(v0, angle, drag, dt):
    # integrate until the projectile falls below ground, then interpolate the landing
    x, y = 0.0, 0.0
    vx = v0 * np.cos(angle)
    vy = v0 * np.sin(angle)
    steps = 0
    while y >= 0.0 and steps < 10000:
        x_prev, y_prev = x, y
        speed = np.sqrt(vx * vx + vy * vy)
        vx = vx - drag * speed * vx * dt
        vy = vy - (9.81 + drag * speed * vy) * dt
        x = x + vx * dt
        y = y + vy * dt
        steps += 1
    frac = y_prev / (y_prev - y)
    return x_prev + frac * (x - x_prev)


def heat_rod(u0, kappa, n_steps, dt):
    # explicit heat equation, damped whenever it overshoots
    u = u0.copy()
    for t in range(n_steps):
        lap = np.zeros_like(u)
        lap[1:-1] = u[2:] - 2.0 * u[1:-1] + u[:-2]
        u = u + kappa * dt * lap
        if np.max(u) > 1.5:
            u = u * 0.9
    return np.sum(u**2)


def reaction_diffusion(u, v, n_steps, rate):
    # Gray-Scott-like step with a repair branch when u dips below zero
    for t in range(n_steps):
        lap = np.roll(u, 1) + np.roll(u, -1) - 2.0 * u
        reaction = u * v * v
        if np.any(u < 0.0):
            u = np.abs(u)
        u = u + rate * lap - reaction * 0.1
        v = v + reaction * 0.1 - 0.05 * v
    return np.sum(u * v)


def adaptive_decay(k, y0, t_end):
    # step doubling with rejected steps (continue) and a last step clipped to t_end
    t = 0.0
    y = y0
    dt = 0.1
    n_rejected = 0
    while t < t_end:
        if t + dt > t_end:
            dt = t_end - t
        full = y + dt * (-k * y * y)
        half = y + 0.5 * dt * (-k * y * y)
        two_half = half + 0.5 * dt * (-k * half * half)
        err = abs(two_half - full)
        if err > 1e-4 and dt > 1e-3:
            dt = dt * 0.5
            n_rejected += 1
            continue
        y = 2.0 * two_half - full
        t = t + dt
        if err < 1e-6:
            dt = dt * 2.0
    return y + 0.0 * n_rejected


def checkpointed_pendulum(theta0, omega0, damping, n_steps):
    # a checkpointed leapfrog loop with a friction regime switch inside
    theta = theta0
    omega = omega0
    dt = 0.05
    for t in checkpoint(range(n_steps), every=7):
        if abs(omega) > 1.0:
            friction = damping * omega * abs(omega)
        else:
            friction = damping * omega
        omega = omega - dt * (np.sin(theta) + friction)
        theta = theta + dt * omega
    return theta * theta + 0.5 * omega * omega


# --- piecewise functions -------------------------------------------------------------------


def piecewise_tax(income, rate_scale):
    if income < 10.0:
        tax = 0.01 * income * rate_scale
    elif income < 40.0:
        tax = 0.1 + 0.1 * rate_scale * (income - 10.0)
    elif income < 90.0:
        tax = 3.1 + 0.25 * rate_scale * (income - 40.0) ** 1.1
    else:
        tax = 20.0 + 0.4 * rate_scale * (income - 90.0) + np.log(income)
    return tax + 0.001 * income**2


def classify_return(x, y):
    # early returns at several depths
    if x > 0:
        if y > 0:
            return x * y
        elif y > -1:
            return x + y * y
        return np.sin(x) * y
    else:
        if y > x:
            r = np.exp(x) * y
            if r > 1:
                return r
            return -r
    return x - y


def both_branches(x, a):
    # names defined on both branches, used after the if
    if a * x > 1.0:
        scale = np.log(a * x)
        offset = x**2
    else:
        scale = 1.0 - a * x
        offset = np.cos(x)
    return scale * offset + scale


def local_in_branch(x, t, n):
    # 'excess' and 'kick' exist only on one branch, used only there
    out = x * t
    for i in range(n):
        if out > t:
            excess = out - t
            kick = 0.1 * excess**2
            out = out - kick
        out = out * 1.05 + 0.01 * i
    return out


# --- loops whose carried variables change on one branch only -------------------------------


def sparse_momentum(x, n):
    # the velocity is updated every third step only; the position every step
    velocity = 0.0
    pos = x
    for i in range(n):
        if i % 3 == 0:
            velocity = 0.9 * velocity - 0.1 * np.sin(pos)
        pos = pos + velocity
    return pos * velocity + pos


def backtracking_descent(w0, X, y, n_iter):
    # gradient descent on a logistic loss; the step is halved when the loss went up
    w = w0
    lr = 4.0
    prev_loss = 1e30
    for it in range(n_iter):
        z = X @ w
        loss = np.mean(np.log1p(np.exp(-y * z)))
        if loss > prev_loss:
            lr = lr * 0.5
        g = X.T @ (-y / (1.0 + np.exp(y * z))) / len(y)
        w = w - lr * g
        prev_loss = loss
    return np.sum(w**2) + loss


def linear_recurrence(x, n):
    # both carried names swapped together, differently on each branch
    a, b = 1.0, x
    for i in range(n):
        if b > 10.0:
            a, b = b / 10.0, a / 10.0 + b / 100.0
        else:
            a, b = b, a * x + b
    return a + b


def running_best(xs, penalty):
    # best and its index replaced only when a better score shows up
    best = xs[0]
    best_i = 0
    for i in range(1, xs.shape[0]):
        score = xs[i] - penalty * i
        if score > best:
            best = score
            best_i = i
    return best * best + xs[best_i]


def weighted_signs(xs, w):
    # 'prev' is first bound in iteration 0 (then continue), carried afterwards
    total = 0.0
    for i, v in enumerate(xs):
        if i == 0:
            prev = v
            continue
        if v > prev:
            total = total + w * (v - prev) ** 2
        else:
            total = total - np.tanh(prev - v)
        prev = v
    return total


def clipped_descent(w0, target, lr, n_steps, clip):
    # unrolled descent with gradient clipping on some steps
    w = w0
    for s in range(n_steps):
        g = 2.0 * (w - target) + 0.3 * np.sin(3.0 * w)
        norm = np.sqrt(np.sum(g * g))
        if norm > clip:
            g = g * (clip / norm)
        w = w - lr * g
    return np.sum((w - target) ** 2)


def alternating(x, n):
    s = 0.0
    term = 1.0
    for i in range(1, n + 1):
        term = term * x / i
        if i % 2 == 0:
            s = s + term
        else:
            s = s - term
    return s


def _soft_threshold(v, lam):
    if v > lam:
        return v - lam
    elif v < -lam:
        return v + lam
    return 0.0 * v


def ista_scalar(x0, y, lam, n_iter):
    # a helper with early returns, called inside a loop inside a branch
    x = x0
    for k in range(n_iter):
        r = x - 0.5 * (x - y)
        if k % 2 == 0:
            x = _soft_threshold(r, lam)
        else:
            x = 0.5 * (x + _soft_threshold(r, 0.5 * lam))
    return x * x + y * x


# --- nested loops in branches, branches in nested loops ------------------------------------


def smoother(u, mode, sweeps):
    # Jacobi or Gauss-Seidel sweeps (element updates of a copy) or a filter, chosen by mode
    n = u.shape[0]
    if mode == 0:
        for s in range(sweeps):
            v = u.copy()
            for i in range(1, n - 1):
                v[i] = 0.5 * (u[i - 1] + u[i + 1])
            u = v
    elif mode == 1:
        for s in range(sweeps):
            w = u.copy()
            for i in range(1, n - 1):
                w[i] = 0.5 * (w[i - 1] + w[i + 1])
            u = w
    else:
        for s in range(sweeps):
            u = 0.25 * np.roll(u, 1) + 0.5 * u + 0.25 * np.roll(u, -1)
    return np.sum(u**3)


def huber_grid(A, delta):
    total = 0.0
    rows, cols = A.shape
    for i in range(rows):
        for j in range(cols):
            a = A[i, j]
            if abs(a) <= delta:
                total = total + 0.5 * a * a
            elif a > 0:
                total = total + delta * (a - 0.5 * delta)
            else:
                total = total + delta * (-a - 0.5 * delta)
    return total


def fixed_point_per_element(c):
    # a while loop with break nested in a for loop, filling a local array
    out = np.zeros_like(c)
    for i in range(c.shape[0]):
        z = 0.5
        k = 0
        while k < 200:
            z_new = c[i] * np.cos(z)
            k += 1
            if abs(z_new - z) < 1e-14:
                z = z_new
                break
            z = z_new
        out[i] = z
    return np.sum(out * out)


def find_pair_product(M, target):
    # return from the inner of two loops
    n, m = M.shape
    for i in range(n):
        for j in range(m):
            if M[i, j] * M[j % n, i % m] > target:
                return M[i, j] * target + i + j
    return np.sum(M) * target


def row_prefix_energy(M, cap):
    # break out of the inner loop only
    total = 0.0
    for i in range(M.shape[0]):
        row_sum = 0.0
        for j in range(M.shape[1]):
            row_sum = row_sum + M[i, j] ** 2
            if row_sum > cap:
                row_sum = cap + np.log(row_sum - cap + 1.0)
                break
        total = total + row_sum * (i + 1)
    return total


def accumulate_rows_until(M, limit):
    # loop over rows with break; the row is read after the loop
    acc = np.zeros(M.shape[1])
    for row in M:
        acc = acc + row * row
        if np.sum(acc) > limit:
            break
    return np.sum(acc * row)


# --- while loops, break, for/while ... else, continue, early return -------------------------


def newton_cuberoot(a, x0):
    # Newton's method in a while True loop left by break
    x = x0
    it = 0
    while True:
        fx = x * x * x - a
        step = fx / (3.0 * x * x)
        x = x - step
        it += 1
        if abs(step) < 1e-13 * abs(x) or it >= 60:
            break
    return x * x


def first_crossing(signal, level):
    # for ... else: interpolate the first upward crossing, else fall back
    for i in range(1, signal.shape[0]):
        if signal[i - 1] < level <= signal[i]:
            frac = (level - signal[i - 1]) / (signal[i] - signal[i - 1])
            t = i - 1 + frac
            break
    else:
        t = float(signal.shape[0]) + np.max(signal)
    return t * t


def skip_outliers(xs, cutoff):
    # continue skips the outliers
    total = 0.0
    count = 0
    for v in xs:
        if abs(v) > cutoff:
            continue
        total = total + v * v
        count += 1
    return total / max(count, 1)


def time_to_threshold(k, x0, threshold, n_steps):
    # logistic growth; return from inside the loop when it crosses
    x = x0
    for step in range(n_steps):
        x = x + 0.1 * k * x * (1.0 - x)
        if x > threshold:
            return step + (x - threshold) / (k * x)
    return n_steps + x


def paired_until_divergence(a, b, limit):
    acc = 0.0
    for x, y in zip(a, b):
        d = x - y
        if d * d > limit:
            acc = acc + limit * x
            break
        acc = acc + d * d * x
    return acc


def bracket_growth(x, factor, limit):
    # while ... else
    lo = x
    steps = 0
    while steps < 20:
        lo = lo * factor + 0.1
        steps += 1
        if lo > limit:
            result = lo - limit
            break
    else:
        result = -lo
    return result * x


def search_or_return(xs, target):
    # return inside the else of a for loop; the loop element read after a break
    for v in xs:
        if v > target:
            break
    else:
        return np.sum(xs) * target
    return v * target + np.sum(xs * xs)


def skip_counting_while(x, n):
    # continue inside a while loop, at two places
    i = 0
    s = 0.0
    while i < n:
        i += 1
        if i % 3 == 0:
            continue
        if i % 5 == 0:
            s = s * x
            continue
        s = s + np.cos(x * i)
    return s


def loop_index_after(x, n):
    # the loop counter is read after the loop
    y = x
    for i in range(n):
        y = y * 0.9 + 0.2 * math.sin(i * y)
    return y * i


def maybe_empty(x, n):
    # a loop that may run no iteration: k and y keep the values they had before it
    y = x * 2.0
    k = -1
    for k in range(n):
        y = np.sin(y) + x
    return y * (k + 2)


def early_exit_scan(xs, scale):
    # several exits from one loop: return, break, continue, and fall through
    acc = 0.0
    for i in range(xs.shape[0]):
        v = xs[i] * scale
        if v < -2.0:
            return acc - v
        if v > 3.0:
            acc = acc + np.sqrt(v)
            break
        if abs(v) < 0.1:
            continue
        acc = acc + v * v
    else:
        acc = acc * 2.0
    return acc + scale


# --- with np.errstate holding loops --------------------------------------------------------


def safe_log_series(p, n_terms):
    total = np.zeros_like(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(1, n_terms + 1):
            term = p**k / k
            if k % 2 == 0:
                total = total - term
            else:
                total = total + term
    return np.sum(total)


def errstate_while_break(x, n):
    # a loop left by break, wholly inside the with block
    y = x
    with np.errstate(over="ignore"):
        i = 0
        while i < n:
            y = y * 1.1 + np.log(1.0 + y * y)
            i += 1
            if y > 50.0:
                break
    return y


def errstate_nested(x, w, n):
    # two errstate blocks, one inside a loop, with branches inside
    out = 0.0
    for i in range(n):
        with np.errstate(divide="ignore"):
            r = x / (w + i)
            if r > 1.0:
                out = out + np.log(r)
            else:
                out = out - r * r
    with np.errstate(all="ignore"):
        if out < 0.0:
            out = -out
    return out


def errstate_for_continue(x, n):
    # continue inside a for loop wholly inside the with block
    y = x
    with np.errstate(invalid="ignore"):
        for i in range(n):
            if i % 3 == 0:
                continue
            y = y * 0.95 + np.sqrt(y * y + 1.0) * 0.1
    return y


def errstate_global_offset(x, n):
    # as errstate_nested, with the offset a module constant
    out = 0.0
    for i in range(n):
        with np.errstate(divide="ignore"):
            r = x / (OFFSET + i)
            if r > 1.0:
                out = out + np.log(r)
            else:
                out = out - r * r
    return out


def errstate_if_only_global(x, n):
    # a branch without else inside the with block, not taken on the first iterations
    out = x
    for i in range(n):
        with np.errstate(invalid="ignore"):
            r = x * (i + OFFSET)
            if r > 1.0:
                out = out + np.sqrt(r)
            out = out * 0.9
    return out


def catch_warnings_in_loop(x, n):
    # warnings.catch_warnings around a branch, inside a loop
    out = 0.0
    for i in range(n):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = x / (OFFSET + i)
            if r > 1.0:
                out = out + np.log(r)
            else:
                out = out - r * r
    return out


def while_errstate_branch(x, n):
    # np.errstate around a branch inside a while loop
    out = 0.0
    i = 0
    while i < n:
        with np.errstate(divide="ignore"):
            r = x / (OFFSET + i)
            if r > 1.0:
                out = out + np.log(r)
            else:
                out = out - r * r
        i += 1
    return out


def errstate_inner_loop_branch(x, n):
    # np.errstate inside a loop, holding an inner loop with a branch
    out = 0.0
    for i in range(n):
        with np.errstate(divide="ignore"):
            for j in range(2):
                r = x / (OFFSET + i + j)
                if r > 1.0:
                    out = out + np.log(r)
                else:
                    out = out - r * r
    return out


# --- deep nesting ------------------------------------------------------------------------


def deep_nest_5(x, y, n):
    # for / if / for / if / while / if
    acc = 0.0
    for i in range(n):
        if x > 0.5 * i:
            for j in range(3):
                if (i + j) % 2 == 0:
                    k = 0
                    while k < 2:
                        if y > 0.0:
                            acc = acc + x * y * (k + 1)
                        else:
                            acc = acc - np.sin(x + y)
                        k += 1
                else:
                    acc = acc + 0.1 * x * j
        else:
            acc = acc * 0.9 + y
    return acc


def deep_nest_6(x, w, n):
    # six levels: for / if / for / if / if / for, with an early return deep inside
    total = 0.0
    for i in range(n):
        if i % 2 == 0:
            for j in range(2):
                if x * (j + 1) > 0.3:
                    if w > 0.0:
                        for k in range(2):
                            total = total + np.tanh(x * w + k)
                            if total > 50.0:
                                return total * x
                    else:
                        total = total + x * x
                else:
                    total = total - w
        else:
            total = total * 0.5
    return total + w * x


def deep_branches_6(x, y):
    # six nested ifs, no loop
    if x > 0.0:
        if y > 0.0:
            if x > y:
                if x > 2.0 * y:
                    if x > 3.0 * y:
                        if x > 4.0 * y:
                            r = x * x - y
                        else:
                            r = x * y * 4.0
                    else:
                        r = np.exp(-x) * y
                else:
                    r = np.sin(x * y)
            else:
                r = y * y - x
        else:
            r = np.cos(x) + y
    else:
        r = x + y
    return r * r + x


def deep_loops_4(A, n):
    # four nested loops with a branch at the bottom
    s = 0.0
    for p in range(n):
        for i in range(A.shape[0]):
            for j in range(A.shape[1]):
                for q in range(2):
                    if A[i, j] * (q + 1) > 0.5 * p:
                        s = s + A[i, j] * A[j, i] * (q + 1)
                    else:
                        s = s - 0.1 * A[i, j]
    return s


# --- long elif chains --------------------------------------------------------------------


def tariff_25(x, y):
    # a 25-arm piecewise tariff: each band has its own smooth formula
    if x < 0.4:
        c = 0.5 * x * y + 0.1
    elif x < 0.8:
        c = np.sin(x) * 0.17 + y * y
    elif x < 1.2:
        c = np.exp(-0.24 * x) + x * y
    elif x < 1.6:
        c = x**3 * 0.31 - y
    elif x < 2.0:
        c = np.log1p(x * x) * y + 0.38
    elif x < 2.4:
        c = 0.5 * x * y + 0.45
    elif x < 2.8:
        c = np.sin(x) * 0.52 + y * y
    elif x < 3.2:
        c = np.exp(-0.59 * x) + x * y
    elif x < 3.6:
        c = x**3 * 0.66 - y
    elif x < 4.0:
        c = np.log1p(x * x) * y + 0.73
    elif x < 4.4:
        c = 0.5 * x * y + 0.8
    elif x < 4.8:
        c = np.sin(x) * 0.87 + y * y
    elif x < 5.2:
        c = np.exp(-0.94 * x) + x * y
    elif x < 5.6:
        c = x**3 * 1.01 - y
    elif x < 6.0:
        c = np.log1p(x * x) * y + 1.08
    elif x < 6.4:
        c = 0.5 * x * y + 1.15
    elif x < 6.8:
        c = np.sin(x) * 1.22 + y * y
    elif x < 7.2:
        c = np.exp(-1.29 * x) + x * y
    elif x < 7.6:
        c = x**3 * 1.36 - y
    elif x < 8.0:
        c = np.log1p(x * x) * y + 1.43
    elif x < 8.4:
        c = 0.5 * x * y + 1.5
    elif x < 8.8:
        c = np.sin(x) * 1.57 + y * y
    elif x < 9.2:
        c = np.exp(-1.64 * x) + x * y
    elif x < 9.6:
        c = x**3 * 1.71 - y
    else:
        c = np.log1p(x * x) * y + 1.78
    return c * c + x


def scheduled_updates_30(x, w, n):
    # a loop whose body dispatches on the step number through a 30-arm elif chain
    for step in range(n):
        r = (step * 7 + 3) % 30
        if r == 0:
            x = x + 0.05 * np.sin(w * x)
        elif r == 1:
            x = x * (1.0 - 0.01 * w)
        elif r == 2:
            x = x + 0.02 * np.cos(x) * w
        elif r == 3:
            w = w + 0.01 * np.tanh(x)
        elif r == 4:
            x = x - 0.03 * (x * x - w)
        elif r == 5:
            w = w * 0.99 + 0.01 * x
        elif r == 6:
            x = x + 0.05 * np.sin(w * x)
        elif r == 7:
            x = x * (1.0 - 0.01 * w)
        elif r == 8:
            x = x + 0.02 * np.cos(x) * w
        elif r == 9:
            w = w + 0.01 * np.tanh(x)
        elif r == 10:
            x = x - 0.03 * (x * x - w)
        elif r == 11:
            w = w * 0.99 + 0.01 * x
        elif r == 12:
            x = x + 0.05 * np.sin(w * x)
        elif r == 13:
            x = x * (1.0 - 0.01 * w)
        elif r == 14:
            x = x + 0.02 * np.cos(x) * w
        elif r == 15:
            w = w + 0.01 * np.tanh(x)
        elif r == 16:
            x = x - 0.03 * (x * x - w)
        elif r == 17:
            w = w * 0.99 + 0.01 * x
        elif r == 18:
            x = x + 0.05 * np.sin(w * x)
        elif r == 19:
            x = x * (1.0 - 0.01 * w)
        elif r == 20:
            x = x + 0.02 * np.cos(x) * w
        elif r == 21:
            w = w + 0.01 * np.tanh(x)
        elif r == 22:
            x = x - 0.03 * (x * x - w)
        elif r == 23:
            w = w * 0.99 + 0.01 * x
        elif r == 24:
            x = x + 0.05 * np.sin(w * x)
        elif r == 25:
            x = x * (1.0 - 0.01 * w)
        elif r == 26:
            x = x + 0.02 * np.cos(x) * w
        elif r == 27:
            w = w + 0.01 * np.tanh(x)
        elif r == 28:
            x = x - 0.03 * (x * x - w)
        else:
            w = w * 0.99 + 0.01 * x
    return x * w + x * x


def sign_classes_12(xs):
    # a 12-arm chain inside a loop over an array, on the element's value
    total = 0.0
    for v in xs:
        if v < -2.5:
            total = total + v
        elif v < -2.0:
            total = total + v * v
        elif v < -1.5:
            total = total - np.sin(v)
        elif v < -1.0:
            total = total + np.exp(v)
        elif v < -0.5:
            total = total * 0.9 + v
        elif v < 0.0:
            total = total + v**3
        elif v < 0.5:
            total = total + np.tanh(v) * total
        elif v < 1.0:
            total = total + np.sqrt(v)
        elif v < 1.5:
            total = total + np.log(v)
        elif v < 2.0:
            total = total - v * total * 0.1
        elif v < 2.5:
            total = total + np.cos(v * v)
        else:
            total = total + 1.0 / v
    return total


# --- accumulators over ranges with bounds from arguments -----------------------------------


def strided_sum(x, lo, hi, step):
    s = 0.0
    for k in range(lo, hi, step):
        if k == 0:
            continue
        s = s + np.sin(k * x) / k
    return s * x


def window_sums(x, start, width):
    # sliding windows over an array: bounds from arguments, nested range loops
    best = -1e30
    total = 0.0
    for s in range(start, x.shape[0] - width + 1):
        w = 0.0
        for t in range(s, s + width):
            w = w + x[t] * x[t]
        total = total + w
        if w > best:
            best = w
    return best + 0.1 * total


def triangular_accumulate(x, n):
    # the inner bound depends on the outer counter
    acc = 0.0
    for i in range(n):
        for j in range(i + 1):
            if (i - j) % 2 == 0:
                acc = acc + x ** (j + 1) / (i + 1)
            else:
                acc = acc - x * j / (i + 1)
    return acc


def polynomial_horner_branch(coeffs, x):
    # Horner in a reversed range, with a guard branch
    y = 0.0
    for k in range(coeffs.shape[0] - 1, -1, -1):
        y = y * x + coeffs[k]
        if abs(y) > 100.0:
            y = 100.0 * np.tanh(y / 100.0)
    return y


# --- vector outputs (Jacobians) ------------------------------------------------------------


def heat_rod_profile(u0, kappa, n_steps):
    u = u0.copy()
    for t in range(n_steps):
        lap = np.zeros_like(u)
        lap[1:-1] = u[2:] - 2.0 * u[1:-1] + u[:-2]
        if t % 2 == 0:
            u = u + kappa * lap
        else:
            u = u + 0.5 * kappa * lap - 0.01 * u**3
    return u


def clamp_velocity_field(v, vmax, n):
    # element-wise clamping in a loop over elements, inside a time loop
    out = v.copy()
    for t in range(n):
        for i in range(out.shape[0]):
            if out[i] > vmax:
                out[i] = vmax + 0.1 * (out[i] - vmax)
            elif out[i] < -vmax:
                out[i] = -vmax + 0.1 * (out[i] + vmax)
            else:
                out[i] = out[i] * 1.2
    return out


# --- constructs the README lists as refused: the error must name this file and line --------


def refused_return_in_errstate(x, n):
    y = x
    for i in range(n):
        with np.errstate(divide="ignore"):
            y = np.log(y * y + 1.0)
            if y > 3.0:
                return y  # REFUSED-HERE
    return y


def refused_walrus_in_while(x, n):
    i = 0
    y = x
    while (i := i + 1) < n:  # REFUSED-HERE
        y = np.sin(y) + x
    return y


def refused_try_in_loop(x, n):
    y = x
    for i in range(n):
        if y > 0.0:
            try:  # REFUSED-HERE
                y = np.sqrt(y) + x
            except FloatingPointError:
                y = x
    return y


def refused_suppress_in_branch(x, flag):
    y = x * 2.0
    if flag > 0:
        for k in range(3):
            with contextlib.suppress(ZeroDivisionError):  # REFUSED-HERE
                y = y / (k + 1.0) + x
    return y


def refused_match_in_loop(x, n):
    y = x
    for i in range(n):
        match i % 2:  # REFUSED-HERE
            case 0:
                y = y * x
            case _:
                y = y + x
    return y


def refused_del_in_branch(x, n):
    y = x
    for i in range(n):
        tmp = y * y
        if tmp > 1.0:
            y = tmp * 0.5
            del tmp  # REFUSED-HERE
    return y


def refused_nonlocal_generator(x, n):
    total = x
    for i in range(n):
        if i > 0:
            g = (x * k for k in range(i))  # REFUSED-HERE
            total = total + sum(g)
    return total


# --- names bound on some paths only, copies and swaps carried by loops ---------------------


def conditional_bias(x, b, use_bias, n):
    # 'shift' exists only when use_bias is set, and is read only under the same test
    if use_bias:
        shift = np.tanh(b) * 0.5
    y = x
    for i in range(n):
        y = np.sin(y) + 0.5 * x
        if use_bias:
            y = y + shift
    return y * y


def last_peak(xs, thresh):
    # 'peak' is bound inside a branch in the loop and read after it under a flag
    found = False
    for i in range(1, xs.shape[0] - 1):
        if xs[i] > xs[i - 1] and xs[i] > xs[i + 1] and xs[i] > thresh:
            peak = xs[i]
            found = True
    if found:
        return peak * peak + thresh
    return np.sum(xs * xs) * 0.01 + thresh


def carried_only_if_set(xs, thr):
    # 'last' is not bound before the loop: set on some iterations, read on later ones
    total = 0.0
    have = False
    for v in xs:
        if have:
            total = total + (v - last) ** 2
        if v > thr:
            last = v
            have = True
    return total


def swap_dance(x, y, z, n):
    # swaps and rotations of carried names on different branches
    for i in range(n):
        if i % 2 == 0:
            x, y = y, x
        elif i % 3 == 0:
            x, y, z = z, x, y
        else:
            z = z * 0.9 + x * y * 0.1
    return x * 1.0 + y * 2.0 + z * 3.0


def lagged_copies(x, n):
    # copies of the previous iteration's values; 'old' is read after the loop
    prev = x
    cur = x * 0.5
    for i in range(n):
        old = prev
        prev = cur
        if i % 2 == 1:
            cur = cur * 0.8 + old * 0.3 + np.sin(prev)
        else:
            cur = old
    return cur + 2.0 * prev + 3.0 * old


def unit_factors(x, w, n):
    # products by ones on both branches inside a loop
    s = np.ones_like(x)
    for i in range(n):
        if i % 2 == 0:
            s = s * 1.0 * x
        else:
            s = 1.0 * s + w * 1.0
            s = s * np.ones(x.shape)
    return np.sum(s * np.ones(x.shape))


def deep_defined_use(x, y, n):
    # 'marker' is bound five levels deep, then read two levels up on a flag
    acc = x
    seen = 0
    for i in range(n):
        if i % 2 == 0:
            for j in range(2):
                if x > 0.1 * j:
                    k = 0
                    while k < 3:
                        if y * (k + 1) > 0.5:
                            marker = acc * y + k
                            seen = 1
                            break
                        k += 1
                    acc = acc * 0.9 + 0.1 * np.sin(acc)
        if seen == 1:
            acc = acc + 0.01 * marker
    return acc


def rocket_phases(thrust, burn_time, drag, n_steps):
    # a flight in three phases named by strings; the fall ends with break
    phase = "boost"
    h, v = 0.0, 0.0
    dt = 0.1
    t = 0.0
    for step in range(n_steps):
        if phase == "boost":
            a = thrust - 9.81 - drag * v * abs(v)
            if t >= burn_time:
                phase = "coast"
        elif phase == "coast":
            a = -9.81 - drag * v * abs(v)
            if v < 0.0:
                phase = "fall"
        else:
            a = -9.81 + drag * v * v
            if h < 0.0:
                break
        v = v + a * dt
        h = h + v * dt
        t = t + dt
    return h + 0.1 * v


# --- carried values that change type or shape between iterations --------------------------


def int_accumulator(xs, scale):
    # the total starts as the integer 0 and becomes a float on the first kept element
    total = 0
    for v in xs:
        if v > 0.0:
            total += v * scale
        else:
            total -= 0.5 * v * v
    return total * total


def best_so_far_none(xs, c):
    # 'best' starts as None
    best = None
    for v in xs:
        s = np.sin(v * c)
        if best is None or s > best:
            best = s
    return best * c


def scalar_to_array(x, n):
    # the accumulator is a Python float before the loop and an array after one step
    acc = 0.0
    for i in range(n):
        if i % 2 == 0:
            acc = acc + x * (i + 1)
        else:
            acc = acc * 0.5 + np.cos(acc)
    return np.sum(acc**2)


def broadcast_ones(x, n):
    # a product by ones that broadcasts: the carried array changes shape in one iteration
    s = x
    for i in range(n):
        if i == 1:
            s = np.ones((2, 1)) * s
        else:
            s = s * 1.0 + 0.1 * np.sin(s)
    return np.sum(s * s)


def growing_history(x, n):
    # a carried array that grows on every other iteration
    hist = x[:1]
    y = x
    for i in range(n):
        y = np.tanh(y * 1.3 + 0.1)
        if i % 2 == 0:
            hist = np.concatenate([hist, y[:1]])
    return np.sum(hist**2) + np.sum(y)


def branch_history_list(x, n):
    # a list appended to on one branch, turned into an array after the loop
    hist = []
    y = x
    for i in range(n):
        y = y * 0.9 + 0.2 * np.sin(y)
        if y > 0.5:
            hist.append(y * y)
        elif i % 3 == 0:
            hist.append(-y)
    if len(hist) == 0:
        return y
    return np.sum(np.array(hist)) + y


def trip_count_from_branch(x, y):
    # the inner loop's trip count is chosen by a branch on the data
    m = 2 if x > y else 4
    acc = 0.0
    for j in range(m):
        for k in range(j, m):
            acc = acc + np.sin(x * (k + 1)) * y**j
    return acc


def alias_updates(x, n):
    # b = a makes two names of one array; element updates on either branch are seen by both
    a = x.copy()
    for i in range(n):
        b = a
        if i % 2 == 0:
            b[i % 3] = b[i % 3] * 1.5 + 0.1
        else:
            a[0] = a[0] + np.sin(b[1])
    return np.sum(a * b)


def nested_for_else(M, level):
    # for ... else inside for ... else
    total = 0.0
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            if M[i, j] > level:
                total = total + M[i, j] * (j + 1)
                break
        else:
            total = total - np.sum(M[i] ** 2)
            continue
        if total > 5.0:
            break
    else:
        total = total * 1.5
    return total


# --- counted loops whose bounds, counters or invariants are rebound inside ------------------


def range_bound_reassigned(x, n):
    # n changes in the body: Python's range was made once, the trip count does not change
    y = x
    for i in range(n):
        y = y * 1.1 + np.sin(i * y) * 0.1
        if y > 1.0:
            n = n - 1
    return y * n


def counter_reassigned(x, n):
    # the counter is rebound on one branch; the next iteration takes range's next value
    y = x
    for i in range(n):
        if i % 2 == 0:
            i = i * 3 + 1
        y = y + np.sin(x * i) * 0.3
    return y * y


def inner_bound_changes(x, n):
    # the inner loop's trip count grows on a branch of the outer loop
    m = 1
    y = x
    for i in range(n):
        for j in range(m):
            y = y * 0.9 + np.sin(y + j) * 0.2
        if y > 0.3:
            m = m + 1
    return y


def start_and_step_rebound(x, lo, step):
    # range(lo, 12, step) with lo and step rebound in the body
    s = 0.0
    for k in range(lo, 12, step):
        s = s + np.cos(x * k) * k
        if s > 0.0:
            lo = lo + 5
            step = step + 1
    return s + lo + step


def invariant_until_branch(x, k, n):
    # c looks loop invariant, but one branch inside the loop rebinds it
    c = k * 0.5
    if x > 1.0:
        c = k * 2.0
    y = x
    for i in range(n):
        d = c * c + 1.0
        y = np.sin(y) * d * 0.1 + y * 0.5
        if i == 2:
            c = c + y * 0.25
    return y


def invariant_augmented(x, k, n):
    # c is changed by an augmented assignment inside a nested loop on one branch
    c = k + 0.5
    y = x
    for i in range(n):
        y = y * 0.7 + c * np.cos(y) * 0.2
        if i % 3 == 2:
            for j in range(2):
                c *= 1.1
    return y * c


def inner_target_clobbers(x, n):
    # an inner loop's target has the name of a value the outer loop reads
    c = x * 0.5
    y = x
    for i in range(n):
        y = y * np.cos(c) + 0.1
        if i % 2 == 1:
            for c in [y, y * 0.5]:
                y = y + 0.01 * c
    return y + c


def while_counter_in_branches(x, n):
    # a while loop whose counter moves by different amounts on different branches
    i = 0
    y = x
    while i < n:
        if y > 0.0:
            y = y - 0.3 * np.sin(y) * (i + 1)
            i += 2
        else:
            y = y + 0.2 * y * y
            i += 1
    return y * i


# --- checkpointed loops with exits, and helpers full of control flow ----------------------


def checkpoint_break(x, k, n):
    # a checkpointed loop left by break
    y = x
    for t in checkpoint(range(n), every=4):
        y = y + 0.1 * np.sin(k * y) + 0.02 * t
        if y > 2.0:
            break
    return y * k


def checkpoint_continue(x, k, n):
    # a checkpointed loop with continue on some iterations and a branch on the data
    y = x
    z = 0.0
    for t in checkpoint(range(n)):
        if t % 4 == 3:
            continue
        if y > 0.5:
            z = z + y * k
        y = y * 0.95 + 0.05 * np.cos(k * y)
    return y + z


def checkpoint_return(x, k, n):
    # return from inside a checkpointed loop
    y = x
    for t in checkpoint(range(n), every=3):
        y = y * (1.0 + 0.05 * k) + 0.01 * t
        if y > 3.0:
            return y * y
    return -y


def checkpoint_in_branch_in_loop(x, w, n_outer, n_inner):
    # a checkpointed inner loop on one branch of an outer loop
    y = x
    for i in range(n_outer):
        if i % 2 == 0:
            for t in checkpoint(range(n_inner), every=2):
                y = np.tanh(w * y + 0.1 * t)
        else:
            y = y * 1.2
    return y * y


def _settle(v, target, max_iter):
    # a helper with a while loop, break, and returns on two branches
    it = 0
    while it < max_iter:
        step = 0.5 * (target - v)
        v = v + step
        it += 1
        if abs(step) < 0.01:
            break
    if v > target:
        return v - 0.1 * (v - target) ** 2
    return v + np.sin(v - target)


def settle_in_loop(x, target, n):
    # the helper called on both branches of a loop, with a different cap each time
    y = x
    for i in range(n):
        if y > target:
            y = _settle(y * 1.3, target, 3 + i)
        else:
            y = _settle(y + 0.4, target * 1.1, 2)
        y = y + 0.05 * np.cos(y)
    return y


# --- defaults and string options; several results from several exits -----------------------


def integrate_options(x, n_steps=20, method="euler"):
    # the integrator is chosen by a string argument, with defaults
    y = x
    dt = 0.05
    for i in range(n_steps):
        if method == "euler":
            y = y + dt * (-y * y + np.sin(y))
        elif method == "midpoint":
            k1 = -y * y + np.sin(y)
            ym = y + 0.5 * dt * k1
            y = y + dt * (-ym * ym + np.sin(ym))
        else:
            k1 = -y * y + np.sin(y)
            yp = y + dt * k1
            k2 = -yp * yp + np.sin(yp)
            y = y + 0.5 * dt * (k1 + k2)
    return y


def two_outputs_early(x, y, n):
    # a pair returned from the loop or after it, in different orders
    a = x
    b = y
    for i in range(n):
        a = a * 0.9 + np.sin(b) * 0.2
        if a > 1.5:
            return a, b * a
        b = b + 0.1 * a
    return b, a


def profile_or_none_early(u, level, n):
    # an array returned from inside a loop on one branch, else after the loop
    v = u.copy()
    for t in range(n):
        v = v + 0.1 * np.tanh(v - level)
        if np.max(v) > 2.0:
            return v * 2.0
    return v[::-1] + level


# --- names bound on some paths, read on others -------------------------------------------


def body_only_name(x, n):
    # z is bound only by the loop body and read after it
    for i in range(n):
        z = x * (i + 1)
        if z > 2.0:
            z = z - np.sin(z)
    return z * x


def while_else_only_name(x, n):
    # out is bound on the break path or in the else clause
    i = 0
    y = x
    while i < n:
        y = y * 1.2
        if y > 10.0:
            out = y - 10.0
            break
        i += 1
    else:
        out = -y
    return out * x


def with_block_name(x, n):
    # w is bound inside a with block, on different branches of a loop, read after it
    with np.errstate(all="ignore"):
        for i in range(n):
            if i == 0:
                w = x * 2.0
            else:
                w = w * 0.5 + x
        v = w * w
    return v + w


def sibling_loop_targets(xs, c):
    # two loops with the same target; the first's last value saved, the second's read after
    for v in xs:
        if v > c:
            break
    first = v
    for v in xs[::-1]:
        if v < c:
            break
    return first * v + c


def inner_else_outer_else(M, c):
    # hit on the inner break, miss in the inner else, read in the outer else or after
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            if M[i, j] > c:
                hit = M[i, j]
                break
        else:
            miss = np.sum(M[i])
            continue
        break
    else:
        return miss * c
    return hit * c + i + j


def next_iteration_guarded(xs, c):
    # carry is bound at the end of each iteration and read by the next one only
    total = 0.0
    for k in range(xs.shape[0]):
        if k > 0:
            total = total + carry * xs[k]
        if xs[k] > c:
            carry = xs[k] * 2.0
        else:
            carry = np.cos(xs[k])
    return total + carry


def redefined_in_every_branch_deep(x, y, n):
    # q is bound on every path of three nested ifs in a loop
    for i in range(n):
        if x > 0:
            if y > 0:
                if i % 2 == 0:
                    q = x * y
                else:
                    q = x + y
            else:
                q = x - y
        else:
            q = -x
        x = x * 0.9 + 0.05 * q
    return q * x


def unbound_on_path(x, flag):
    # the plain call raises UnboundLocalError when flag is false
    if flag:
        z = x * 2.0
    return z * x  # UNBOUND-HERE


def unbound_after_empty_loop(x, n):
    # the plain call raises UnboundLocalError when the loop runs no iteration
    for i in range(n):
        if i % 2 == 0:
            last = x * i
        else:
            last = x + i
    return last * x  # UNBOUND-HERE


# --- nested defs, lambdas, dicts, enumerate(zip) -----------------------------------------


def fixed_dt_integrate(y0, t_end, dt):
    # the step count comes from int() of differentiated values; the remainder is a last step
    n_steps = int(t_end / dt)
    y = y0
    for i in range(n_steps):
        y = y + dt * np.cos(y)
    rest = t_end - n_steps * dt
    if rest > 0.0:
        y = y + rest * np.cos(y)
    return y


def closure_stepper(x, k, n):
    # a nested def with early returns inside its loop, inlined into a loop
    def step(y, i):
        if y > 1.0:
            return y - k * 0.1 * y
        for j in range(i % 3):
            y = y + 0.05 * np.sin(y * k)
            if y > 0.9:
                return y * 1.01
        return y

    y = x
    for i in range(n):
        y = step(y, i)
        if i % 4 == 3:
            y = y * 1.3
    return y


def lambda_choice_loop(x, n):
    # the step function is a lambda chosen by a conditional expression on the data
    y = x
    for i in range(n):
        g = (lambda v: v * 0.8 + 0.3) if y > 0.6 else (lambda v: np.sin(v) + 0.5)
        y = g(y)
    return y


def helper_with_return_in_loop(xs, c):
    # a nested helper returning from inside its loop, called in a loop
    def first_above(v, level):
        for e in v:
            if e > level:
                return e
        return level * 0.5

    total = 0.0
    for k in range(3):
        total = total + first_above(xs * (k + 1), c) * (k + 1)
    return total


def dict_params_loop(params, x, n):
    # a loop over a dict's items with an elif chain on the key
    y = x
    for i in range(n):
        for name, value in params.items():
            if name == "scale":
                y = y * value
            elif name == "shift" and y < 1.0:
                y = y + value
            else:
                y = np.tanh(y) + 0.01 * value
    return y


def enumerate_start_zip(xs, ys, c):
    # enumerate(zip(...), 1) with continue and break
    acc = 0.0
    for k, (a, b) in enumerate(zip(xs, ys), 1):
        if a * b > c:
            acc = acc + a * b / k
            continue
        if k > 4:
            break
        acc = acc - (a - b) ** 2
    return acc


# --- controllers, solvers and particles ---------------------------------------------------


def pid_antiwindup(kp, ki, kd, setpoint, n_steps):
    # the integral is carried, and changed only on the branch where the output is not clipped
    y = 0.0
    integ = 0.0
    prev_err = setpoint - y
    dt = 0.05
    for t in range(n_steps):
        err = setpoint - y
        deriv = (err - prev_err) / dt
        u = kp * err + ki * integ + kd * deriv
        if u > 1.0:
            u = 1.0
        elif u < -1.0:
            u = -1.0
        else:
            integ = integ + err * dt
        y = y + dt * (-y + 2.0 * u)
        prev_err = err
    return (y - setpoint) ** 2 + 0.1 * integ**2


def safeguarded_newton(a, lo, hi):
    # the root of x**3 + a*x - 2 in [lo, hi]: Newton steps, bisection when they leave the bracket
    x = 0.5 * (lo + hi)
    for it in range(100):
        fx = x**3 + a * x - 2.0
        if abs(fx) < 1e-14:
            break
        if fx > 0.0:
            hi = x
        else:
            lo = x
        dfx = 3.0 * x * x + a
        x_new = x - fx / dfx
        if x_new <= lo or x_new >= hi:
            x_new = 0.5 * (lo + hi)
        if abs(x_new - x) < 1e-15:
            x = x_new
            break
        x = x_new
    return x * x + a


def particles_in_box(pos, vel, n_steps, dt):
    # reflecting walls, element by element, inside a time loop
    p = pos.copy()
    v = vel.copy()
    for t in range(n_steps):
        p = p + v * dt
        for i in range(p.shape[0]):
            if p[i] > 1.0:
                p[i] = 2.0 - p[i]
                v[i] = -v[i]
            elif p[i] < 0.0:
                p[i] = -p[i]
                v[i] = -v[i]
    return np.sum(p**2) + 0.1 * np.sum(v * p)


def refused_break_in_errstate(x, n):
    y = x
    for i in range(n):
        with np.errstate(over="ignore"):
            y = y * 1.1
            if y > 5.0:
                break  # REFUSED-HERE
    return y

# ruff: noqa: B002, B007, SIM102, SIM108, SIM201, SIM222, SIM223  (written as users write branches and folds)
"""Programs with loops, exits, flags and constant branches, for the control-flow folding tests.

Written from the README alone: loops with ``break``/``continue``/``return`` inside, ``for``/
``while`` ``else``, ``while True``, flags users write themselves, branches on literals and on
module constants, booleans from comparisons and ``and``/``or``/``not``, lambdas and
comprehensions beside such loops, and helpers with loops.
"""

import math

import numpy as np

DEBUG = False
VERBOSE = True
N_STEPS = 5
LIMIT = 3
THRESH = 0.5
SCALE = 1.5
ON = 2
OFF = 0


# --- loops with break / continue / else -------------------------------------------------


def cumsum_until(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] ** 2
        if s > 3.0:
            break
    else:
        s = s * 2.0
    return s * np.sin(s)


def skip_negative(x):
    acc = 0.0
    for v in x:
        if v < 0.0:
            continue
        acc = acc + np.exp(-v) * v
    return acc


def nested_return(x, n):
    y = x
    for i in range(n):
        for j in range(3):
            y = np.sin(y) + 0.3 * y * j
            if y > 1.2 and i > 0:
                return y * y
        y = y * 1.1
    return y + 1.0


def newton_sqrt(a):
    x = a
    k = 0
    while True:
        x = 0.5 * (x + a / x)
        k += 1
        if k >= 6:
            break
    return x


def while_tol(a):
    x = a + 1.0
    k = 0
    while abs(x * x - a) > 1e-3 and k < 50:
        x = 0.5 * (x + a / x)
        k = k + 1
    return x * k


def user_flag(x):
    done = False
    y = x
    steps = 0
    while not done:
        y = y * 0.9 + np.cos(y) * 0.1
        steps += 1
        done = steps >= N_STEPS or y < -10.0
    return y


def while_else(x):
    i = 0
    y = x
    while i < 5:
        y = y * np.cos(y) + 1.0
        if y > 10.0:
            break
        i += 1
    else:
        y = y + 100.0 * x
    return y


def while_else_breaks(x):
    i = 0
    y = x
    while i < 6:
        y = y * 1.3 + 0.2
        if y > 2.0:
            break
        i += 1
    else:
        y = y + 100.0 * x
    return y * i


def first_above(x, t):
    for i, v in enumerate(x):
        if v > t:
            return v * v * (i + 1)
    return np.sum(x) * 0.5


def while_continue(x):
    i = 0
    s = 0.0
    while i < x.shape[0]:
        i += 1
        if x[i - 1] < 0.0:
            continue
        s = s + np.log1p(x[i - 1])
    return s


def while_true_return(x):
    y = x
    k = 0
    while True:
        y = y - 0.25 * np.tanh(y) * (k + 1)
        k += 1
        if k > 2 and abs(y) < 0.5:
            return y * 10.0
        if k >= 8:
            return y


def bisect_like(a):
    lo = 0.0
    hi = a + 1.0
    for it in range(8):
        mid = 0.5 * (lo + hi)
        if mid * mid > a:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi) * a


def stencil_break(x):
    out = np.zeros_like(x)
    n = x.shape[0]
    count = 0
    for i in range(1, n - 1):
        out[i] = x[i - 1] - 2.0 * x[i] + x[i + 1]
        count += 1
        if count >= 4:
            break
    return np.sum(out**2) + np.sum(x) * count


def nested_flag(x):
    found = False
    acc = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[0]):
            if i != j and x[i] * x[j] > 0.8:
                found = True
                acc = acc + x[i] * x[j]
                break
            acc = acc + 0.1 * x[j]
        if found:
            break
    return acc


def nested_for_else(x):
    total = 0.0
    for i in range(4):
        for j in range(3):
            total = total + np.sin(x * (i + 1) + j)
            if total > 2.5:
                break
        else:
            total = total * 0.9
            continue
        total = total + x * x
        break
    else:
        total = total - x
    return total


# --- branches on literals and module constants ------------------------------------------


def const_branches(x):
    y = x
    if DEBUG:
        y = y * 100.0
    if 2 > 1:
        y = y + np.sin(x)
    else:
        y = y - 1.0
    if N_STEPS > 3:
        y = y * 2.0
    if not False:
        y = y + 0.5 * x * x
    if True and N_STEPS < 10:
        y = y * y
    if 0 < 10 and not DEBUG:
        y = y + 2.0 * 0.5 * x
    if VERBOSE or DEBUG:
        y = y - 0.25 * x
    return y


def dead_break(x):
    y = x
    for i in range(4):
        if DEBUG:
            break
        y = y * np.sin(y) + 1.0
    else:
        y = y + 1.0
    return y


def dead_return_in_loop(x):
    y = x
    for i in range(N_STEPS):
        if 2 > 3:
            return y * 1000.0
        if not True:
            continue
        y = y + 0.1 * np.cos(y + i)
        if True:
            continue
        y = y * 1000.0
    return y


def const_while(x):
    y = x
    k = 0
    while 1 < 2:
        y = y + 0.2 * np.sin(y)
        k += 1
        if k == LIMIT:
            break
    while DEBUG:
        y = y * 1000.0
    while not DEBUG and k < N_STEPS:
        y = y * 1.05
        k += 1
    return y


def const_loop_bounds(x):
    y = x
    if N_STEPS > 100:
        return y
    for i in range(N_STEPS if N_STEPS > 2 else 1):
        y = y * (0.9 if i % 2 == 0 else 1.1) + (2.0 * 0.5) * 0.01
    if LIMIT * 2 == 6 and SCALE > 1.0:
        y = y * SCALE
    elif LIMIT > 0:
        y = y * 0.0
    return y


def const_folded_flags(x):
    go = True and not DEBUG
    stop = 3 < 2
    y = x
    k = 0
    while go and not stop:
        y = y - 0.1 * y**3
        k += 1
        stop = k >= LIMIT
    if go or stop:
        y = y + 1.0
    return y


# --- booleans from comparisons, and/or/not -----------------------------------------------


def bool_mix(x, y):
    pos = x > 0.0
    big = abs(y) > 1.0
    both = pos and not big
    either = pos or big
    r = x * y
    if both:
        r = r + np.sin(x)
    elif either and not pos:
        r = r - np.cos(y)
    else:
        r = r * 2.0
    flag = (x < y) == pos
    if flag:
        r = r + x**2
    return r


def chained_compare(x):
    y = 0.0
    for k in range(5):
        t = x * (k + 1) * 0.3
        if 0.0 < t < 1.0:
            y = y + t * t
        elif 1.0 <= t < 2.0 and not (k == 3):
            y = y + np.sqrt(t)
        else:
            y = y - 0.1 * t
    return y


def ternary_loop(x):
    y = x
    for k in range(4):
        y = y * 1.2 if y < 1.0 else y * 0.7 + 0.1
        y = (y + 0.1) if (k > 1 and y > 0.0) or DEBUG else y
    return y


# --- lambdas, comprehensions, walrus ------------------------------------------------------


def lambda_loop(x):
    sq = lambda z: z * z + 0.1 * z  # noqa: E731
    total = 0.0
    for k in range(4):
        vals = [sq(x[i]) * (k + 1) for i in range(x.shape[0]) if i != k]
        total = total + sum(vals)
        if total > 50.0:
            break
    return total


def any_in_while(x):
    y = x * 1.0
    k = 0
    while any(v > 0.1 for v in y) and k < 8:
        y = y * 0.5 - 0.01
        k += 1
    return np.sum(y**2) + k


def all_branch(x):
    s = 0.0
    for k in range(3):
        if all(v > 0.0 for v in x):
            s = s + np.sum(np.log(x)) * (k + 1)
        else:
            s = s + np.sum(x**2)
            break
    return s


def shadow_names(x):
    stop = False
    k = 0
    total = 0.0
    scale = lambda stop: 2.0 if stop else 1.0  # noqa: E731
    while not stop:
        total = total + scale(k > 1) * np.sin(x + k)
        found = [found * x for found in (1.0, 2.0) if not stop]
        total = total + sum(found) * 0.1
        k += 1
        stop = k >= 4
    return total


def lambda_default_flag(x):
    done = False
    y = x
    n = 0
    while not done:
        f = lambda z, done=done: z * (0.5 if done else 0.9)  # noqa: E731
        y = f(y) + 0.05 * np.cos(y)
        n += 1
        if n >= 3:
            done = True
    return y


def dict_comp_loop(x):
    weights = {k: 0.5**k for k in range(4)}
    acc = 0.0
    for k, w in weights.items():
        if k == 2:
            continue
        acc = acc + w * np.tanh(x * (k + 1))
    return acc


def walrus_loop(x):
    s = 0.0
    for v in x:
        if (w := v * 2.0) > 1.0:
            s = s + w
    return s


def continue_in_comprehension_while(x):
    y = x * 1.0
    k = 0
    while any(v > 0.0 for v in y):
        k += 1
        if k == 2:
            continue
        y = y - 0.3
    return np.sum(y)


# --- helpers with loops --------------------------------------------------------------------


def _damp_helper(y, n):
    for i in range(n):
        if y < 0.0:
            return y * 0.5
        y = y - 0.3 * np.tanh(y)
        if i == 2:
            continue
        y = y * 1.01
    return y


def calls_helper(x):
    acc = 0.0
    for k in range(3):
        acc = acc + _damp_helper(x * (k + 1), 5)
        if acc > 100.0:
            break
    return acc


def _find_first(xs, t):
    for i in range(xs.shape[0]):
        if xs[i] > t:
            return xs[i], i
    return xs[-1], -1


def calls_find(x):
    v, i = _find_first(x, THRESH)
    w, j = _find_first(x * x, THRESH * 2.0)
    return v * w + (i + j) * np.sum(x)


def _iterate_until(z):
    flag = False
    k = 0
    while not flag:
        z = np.cos(z)
        k += 1
        flag = k >= 4 or DEBUG
    return z


def helper_in_while(x):
    y = x
    done = False
    rounds = 0
    while not done:
        y = _iterate_until(y) + 0.1 * x
        rounds += 1
        if rounds == 2:
            done = True
    return y * y


# --- vector-valued -------------------------------------------------------------------------


def vec_loop_break(x):
    y = x * 1.0
    for k in range(6):
        y = np.sin(y) + 0.1 * y[::-1]
        if np.max(y) > 2.0:
            break
        if DEBUG:
            continue
    return y * y


def vec_early_return(x):
    out = np.zeros(3)
    for i in range(3):
        if x[i] > 5.0 and True:
            return out
        out[i] = np.exp(x[i] * 0.5) + x[(i + 1) % 3]
    return out * SCALE


# --- long functions -------------------------------------------------------------------------


def long_sim(x, v, n):
    """A damped oscillator integrated with exits on events and phases."""
    dt = 0.1
    omega2 = 2.0 * 0.5 * 4.0
    damping = 0.05 if not DEBUG else 0.0
    pos = x
    vel = v
    energy = 0.0
    bounce = 0
    step = 0
    stopped = False
    history = []
    while not stopped:
        acc = -omega2 * pos - damping * vel
        if N_STEPS > 3:
            acc = acc - 0.01 * pos**3
        vel = vel + dt * acc
        pos = pos + dt * vel
        step += 1
        if pos < -1.5 and vel < 0.0:
            vel = -0.8 * vel
            bounce += 1
            if bounce > 3:
                stopped = True
                continue
        energy = energy + 0.5 * vel * vel * dt
        if step % 3 == 0:
            history.append(pos)
        if step >= n or (DEBUG and energy > 1e9):
            stopped = True
    for k in range(len(history)):
        h = history[k]
        if h > 1.0:
            energy = energy + 0.01 * h
            continue
        if h < -1.0:
            energy = energy - 0.01 * h
            if k > 5:
                break
        else:
            energy = energy + 0.001 * h * h
    penalty = 0.0
    i = 0
    while i < 3:
        penalty = penalty + (pos - 0.1 * i) ** 2
        if penalty > 50.0:
            break
        i += 1
    else:
        penalty = penalty * 0.5
    if 1 > 0 and bounce >= 0:
        total = energy + penalty
    else:
        total = energy
    if not (2.0 * 0.5 == 1.0):
        return total * 1e6
    return total + 0.1 * pos * vel


def long_optimizer(w, x):
    """A few gradient-like steps on a quadratic, written with lambdas, flags and exits."""
    lr = 0.1 * 2.0 * 0.5
    model = lambda a, b: np.tanh(a * b)  # noqa: E731
    loss_of = lambda p: np.sum((model(p, x) - 0.3) ** 2)  # noqa: E731
    history = [loss_of(w)]
    converged = False
    p = w * 1.0
    it = 0
    while not converged and it < 12:
        it += 1
        r = model(p, x) - 0.3
        g = 2.0 * r * (1.0 - model(p, x) ** 2) * x
        if DEBUG:
            print("step", it)
        norms = [abs(gi) for gi in g]
        if max(norms) < 1e-8:
            converged = True
            continue
        step = lr
        for _ in range(4):
            trial = p - step * g
            if loss_of(trial) < history[-1]:
                break
            step = step * 0.5
        else:
            step = 0.0
        p = p - step * g
        history.append(loss_of(p))
        if len(history) > 3 and history[-2] - history[-1] < 1e-12:
            converged = True
    total = 0.0
    for k, h in enumerate(history):
        if k == 0:
            continue
        total = total + h * (0.5**k)
    reg = sum([pi * pi for pi in p]) * 0.01
    if N_STEPS > 3 and not DEBUG:
        reg = reg * 2.0
    return total + reg + np.sum(p * w) * 0.1


def long_scalar_mix(a, b):
    """Scalar code mixing constant branches, counters, flags, nested loops and a helper."""
    y = a
    z = b
    if VERBOSE and not DEBUG:
        y = y + 0.0
    count = 0
    for i in range(LIMIT + 2):
        if i == 0:
            continue
        inner_done = False
        j = 0
        while not inner_done:
            y = y + 0.1 * math.sin(z + i * j)
            z = z * 0.95 + 0.05 * y
            j += 1
            if j >= i or y > 8.0:
                inner_done = True
        count += j
        if count > 7:
            break
    else:
        y = y * 1.01
    if 3 > 2:
        t = y * z if (y > 0.0) and (z > 0.0) else y - z
    else:
        t = 0.0
    acc = 0.0
    k = 0
    while True:
        k += 1
        if k % 2 == 0:
            continue
        acc = acc + _damp_helper(t * 0.1 * k, 3)
        if k >= 5:
            break
    sq = [(lambda q: q * q)(c) for c in (y, z, t) if not DEBUG]
    out = acc + sum(sq) * 0.01
    flag = out > 1e6 or not (out < 1e6)
    if flag:
        return 0.0
    for m in range(3):
        if m == 1 and N_STEPS == 5:
            out = out + math.exp(-abs(a * b) - m)
        elif m == 2 or DEBUG:
            out = out * (1.0 + 0.5 * 0.1)
    return out + count * 0.01


# --- literal folding edges: folds must keep Python's values and never run dead code ------


def dead_division_by_zero(x):
    y = x * 2.0
    if DEBUG:
        y = y + 1 / 0
    if 3 < 2:
        y = y * (10.0**400)
    for i in range(3):
        if not True:
            y = y + 1 // 0
        y = y + np.sin(y) * 0.5
    return y


def dead_complex_power(x):
    y = x
    if DEBUG:
        y = y * (-8.0) ** 0.5
    while False:
        y = y + (-1.0) ** 0.5
    return y * y + x


def literal_values(x):
    a = 7 / 2
    b = -7 // 2
    c = -7 % 3
    d = 2**-1
    e = 0 or 2.5
    f = 1 and 0.25
    g = True + True
    h = (2 > 1) * 1.5
    k = 0.1 + 0.2
    m = 3 < 2 < 1
    n = not 0.0
    p = 1 if 0 else 2
    return x * a + x * x * b + c * x + d + e * x + f + g * x + h + k * x + m + n * x + p


def int_flags(x):
    done = 0
    y = x
    k = 0
    while not done:
        y = y + 0.3 * np.cos(y)
        k += 1
        if k >= 3:
            done = 1
    return y * (done + 1)


def flag_as_number(x):
    total = 0.0
    hits = 0
    for k in range(6):
        t = x * (k - 2)
        if t > 0.5:
            found = True
        else:
            found = t < -1.0
        hits = hits + found
        total = total + t * t * found + 0.1 * t
    return total * (hits + 1)


def flag_if_or_value(x, y):
    if x > y:
        pick = True
    else:
        pick = 0.5
    if y > 0.0:
        other = 0.25
    else:
        other = False
    return x * pick + y * other + x * y * (pick and other)


def falsy_literal_branches(x):
    y = x
    if 0:
        y = y * 100.0
    if 0.0:
        y = y * 100.0
    if "":
        y = y * 100.0
    if None:
        y = y * 100.0
    if ():
        y = y * 100.0
    if 1:
        y = y + np.exp(-x)
    if "yes" and 2:
        y = y * 1.5
    while 0:
        y = y * 1000.0
    return y


def break_in_true_branch(x):
    y = x
    for i in range(5):
        y = y * 1.2 + np.sin(y)
        if 2 > 1:
            break
    else:
        y = y * 1000.0
    j = 0
    while j < 5:
        j += 1
        if not DEBUG:
            continue
        y = y * 1000.0
    else:
        y = y + 0.5 * x
    return y * j


def return_in_constant_while(x):
    y = x
    k = 0
    while 1:
        y = y - 0.2 * np.tanh(y + k)
        k += 1
        if 1 and k >= LIMIT:
            return y
    return y * 1000.0


def flag_never_set(x):
    done = False
    y = x
    k = 0
    while not done and k < 4:
        if DEBUG:
            done = True
        y = y * np.cos(y) + 0.5
        k += 1
    if done:
        return y * 1000.0
    return y


def zero_trip_while_else(x, n):
    y = x
    i = n
    while i < 3:
        y = y * 2.0 + np.sin(y)
        if y > 100.0:
            break
        i += 1
    else:
        y = y + x * x
    return y


def true_and_compare_loops(x, n):
    y = x
    k = 0
    while True and k < n:
        y = y + 0.1 * y * y
        k = k + 1
        if False or y > 3.0:
            break
    m = 0
    while not False and m < n and not (y > 1e9):
        y = y * 0.95
        m += 1
    return y * (k + m)


def nested_while_breaks(x):
    y = x
    outer = 0
    while outer < 4:
        inner = 0
        while True:
            y = y + 0.1 * np.sin(y * (inner + 1))
            inner += 1
            if inner >= outer + 1:
                break
        outer += 1
        if y > 1.5:
            break
    else:
        y = y - 0.01
    return y * outer


def return_from_nested_branches(x, n):
    y = x
    for i in range(n):
        if y > 0.0:
            if i % 2 == 0:
                y = y * 1.1
            else:
                if y > 1.0 and not DEBUG:
                    return y * 3.0 + i
                y = y + 0.2
        elif y < -2.0 or (i == 3 and 2 > 1):
            return -y
        else:
            y = y * np.exp(0.1 * y) + 0.3
    return y


def comprehension_any_exit(x):
    total = 0.0
    for k in range(4):
        if any(v * (k + 1) > 2.0 for v in x):
            total = total + np.sum(x * k)
            break
        total = total + sum([v * v for v in x if v > 0.0])
    else:
        total = total - 1.0
    return total


def lambda_in_while_test(x):
    small = lambda v: abs(v) < 0.05  # noqa: E731
    y = x
    k = 0
    while not small(y) and k < 20:
        y = y * 0.6
        k += 1
    return y * k + x


def generator_min_in_loop(x):
    best = 1e9
    for k in range(3):
        m = min(v * (k + 1) + 0.1 * k for v in x)
        if m < best:
            best = m
        if True and k >= LIMIT:
            break
    return best * best


def _exit_helper(v, k):
    while True:
        if k <= 0:
            return v
        v = v * 0.8 + 0.1 * math.cos(v)
        k -= 1
        if v < -5.0:
            break
    return v - 1.0


def helper_exits_in_loops(x):
    acc = 0.0
    for k in range(4):
        if k == 1:
            continue
        acc = acc + _exit_helper(x + k * 0.1, k)
        if not (acc < 1e6):
            break
    return acc * acc


# --- flags bound in every way Python binds a name ---


def _step(y, k):
    return y * 0.9 + 0.1 * np.sin(y), k >= 3


def tuple_flag(x):
    done = False
    y = x
    k = 0
    while not done:
        k += 1
        done, y = k >= 3, y * 0.8 + 0.1 * np.cos(y)
    return y * k


def helper_flag(x):
    done = False
    y = x
    k = 0
    while not done:
        k += 1
        y, done = _step(y, k)
    return y * k


def augmented_flag(x):
    done = False
    y = x
    k = 0
    while not done:
        k += 1
        y = y * 0.8 + 0.1 * np.cos(y)
        done |= k >= 4
    return y * k


def or_flag(x):
    done = False
    y = x
    k = 0
    while not done:
        k += 1
        y = y * 0.8 + 0.1 * np.cos(y)
        done = done or k >= 2
    return y * k


def loop_target_flag(x):
    y = x
    done = False
    for done in (False, True, False):
        if done:
            y = y * 2.0
        y = y + 0.1 * np.sin(y)
    if done:
        return y * 100.0
    return y


def chained_flag(x):
    a = b = False
    y = x
    k = 0
    while not a:
        k += 1
        y = y * 0.7 + 0.2
        if k > 2:
            a = b = True
    return y * (1.0 + b)


def annotated_flag(x):
    done: bool = False
    y = x
    k = 0
    while not done:
        y = y - 0.2 * np.tanh(y)
        k += 1
        done: bool = k >= 3
    return y


def else_sets_flag(x):
    found = False
    y = x
    for k in range(3):
        y = y * 1.1
        if y > 50.0:
            break
    else:
        found = True
    if found:
        y = y * np.sin(y)
    return y


def errstate_flag(x):
    done = False
    y = x
    k = 0
    while not done:
        k += 1
        with np.errstate(all="ignore"):
            y = y * 0.5 + np.sqrt(abs(y) + 1.0) * 0.1
            done = k >= 3
    return y


def lambda_same_name(x):
    done = False
    y = x
    k = 0
    check = lambda done: done >= 3  # noqa: E731
    while not done:
        k += 1
        y = y + 0.1 * np.sin(y)
        done = check(k)
    return y * k


def comp_same_name(x):
    done = False
    y = x
    k = 0
    while not done:
        k += 1
        y = y + 0.1 * np.sin(y)
        done = any([done for done in (k >= 3, False)])
    return y * k


def comp_leak_name(x):
    stop = True
    y = x
    vals = [stop * y for stop in (False, True)]
    if stop:
        y = y + sum(vals)
    return y


def swap_flags(x):
    a = True
    b = False
    y = x
    for k in range(3):
        a, b = b, a
        if a:
            y = y * 2.0
        else:
            y = y + 0.5 * np.sin(y)
    return y * a + y


def flag_from_not(x):
    stop = not True
    y = x
    while not stop:
        y = y * 0.5
        stop = not stop
    return y + (not stop) * x


# --- and/or/not on ints and literals ---


def int_and_true(x, n):
    flag = n and True
    return x * flag


def global_and_true(x):
    flag = ON and True
    return x * flag + x * (OFF or False)


def not_not(x, n):
    return x * (bool(n))


def active_and_literal(x):
    y = x and 1.0
    return y * 3.0 + x


def active_or_literal(x):
    y = (x - 0.7) or 5.0
    z = x or 5.0
    return y * z


def true_and_active(x):
    y = True and x * x
    z = False or np.sin(x)
    w = x * 2.0 if True else x * 1000.0
    return y + z + w


def loop_int_and(x):
    y = x
    for k in range(4):
        t = k and True
        y = y + x * t
        u = (k % 3) or False
        y = y + 0.1 * x * u
        v = not (k and 1)
        y = y + x * v
    return y


def compare_and_int(x):
    k = 3
    s = (k > 2) and k
    t = (k < 2) or k
    return x * s + x * t * 0.5


def bool_arith(x):
    a = True * 2.0
    b = (3 > 2) + (2 > 3)
    c = -True
    d = ~True if False else 1
    return x * a + x * b + x * c + d * x


def literal_compare_chain(x):
    y = x
    if 1 < 2 < 3 and not (1 > 2 > 0):
        y = y * 2.0
    if 1 == 1.0 and 0.1 + 0.2 != 0.3:
        y = y + x * x
    if 2**10 == 1024 and -7 // 2 == -4 and 7 % -3 == -2:
        y = y * 3.0
    if 1e308 * 10 > 1e308:
        y = y + 1.0
    if (1, 2) < (1, 3):
        y = y * 0.5
    if "ab" + "c" == "abc":
        y = y + 2.0 * x
    return y


def float_literal_ops(x):
    a = 2.0 * 0.5
    b = 1.0 / 3.0
    c = 2.0**0.5
    d = -(-0.0)
    e = 1e-320 * 1e10
    f = 0.1 * 3
    return x * a + x * b + c * x * x + d + e * x + f * x


# --- a falsy non-bool literal left of `and` in a branch test ---------------------------


def zero_and_branch(x):
    z = x * 0.5
    if z < 0.64:
        if 0 and z > 0.07:
            z = np.tanh(z) * x
    return x * z


def none_and_branch_in_loop(x):
    y = x
    for k in range(3):
        if y < 5.0:
            if None and y > 0.1:
                y = np.sin(y) * x
            y = y * 1.1 + 0.1
    return y * y

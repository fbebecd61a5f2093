"""Long, branchy programs for tests/test_long_branchy_programs_independent.py.

Written from the README and issue 19 alone, without reading s2s_ad's code or its other
tests. Every program is source text: hand-written ones, ones made by string templates
(unrolled physics, stencils, state machines), and random ones drawn by a seeded generator
mixing nested ``if``/``elif``/``else`` blocks, ``for`` and ``while`` loops, repeated
products, copies, negations, literal scalings and names reassigned in one arm only.

Each source is written to a file and imported from its path (``load``), so s2s_ad reads it
as it reads any module. ``instrument`` rewrites every ``if``/``elif``/``while`` test
``A > B`` into ``_m(A - B)``, which records how far the test is from its threshold and
which way it went; the tests use that to choose points away from every kink and to see
that both arms of the branches are taken across the points.
"""

import importlib.util
import random
import re
import sys
import textwrap
from pathlib import Path

import numpy as np

# --------------------------------------------------------------------------------------
# loading and instrumenting


_COND = re.compile(r"^(\s*)(if|elif|while) (.+?) (>|<) (.+):\s*$")


def instrument(src):
    """The source with each single-comparison test recorded by ``_m``; tests in this
    module's programs are all of the form ``A > B`` or ``A < B``."""
    out = []
    k = 0
    for line in src.splitlines():
        m = _COND.match(line)
        if m:
            ind, kw, a, op, b = m.groups()
            assert " > " not in a + b and " < " not in a + b, line
            diff = f"({a}) - ({b})" if op == ">" else f"({b}) - ({a})"
            # the while tests here all count iterations, and a difference of integers is a
            # test of counters: no threshold to keep away from
            line = f"{ind}{kw} _m({k}, {diff}, {kw == 'while'}):"
            k += 1
        out.append(line)
    header = (
        "import numpy as np\n\n_LOG = []\n\n\n"
        "def _m(k, d, counter=False):\n"
        "    counter = counter or isinstance(d, (int, np.integer))\n"
        "    d = float(d)\n"
        "    _LOG.append((k, d > 0, float('inf') if counter else abs(d)))\n"
        "    return d > 0\n\n\n"
    )
    return header + "\n".join(out) + "\n", k


_COUNTER = [0]


def load(src, directory, stem):
    """Import ``src`` from a new file in ``directory``; returns the module."""
    _COUNTER[0] += 1
    name = f"lbp_{stem}_{_COUNTER[0]}"
    path = Path(directory) / f"{name}.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


class Program:
    """One program: its source, function name, and how to draw its arguments."""

    def __init__(self, name, src, fname, make_args, *, second_order=False, vector=False):
        self.name = name
        self.src = textwrap.dedent(src).strip() + "\n"
        if not self.src.startswith("import"):
            self.src = "import math\n\nimport numpy as np\n\n\n" + self.src
        self.fname = fname
        self.make_args = make_args  # rng -> tuple of arguments
        self.second_order = second_order
        self.vector = vector

    def __repr__(self):
        return f"Program({self.name})"

    def lines(self):
        return self.src.count("\n")


def scalars(*ranges):
    def make(rng):
        return tuple(float(rng.uniform(lo, hi)) for lo, hi in ranges)

    return make


def arrays(spec):
    """spec: list of ('s', lo, hi) or ('a', n, lo, hi)."""

    def make(rng):
        out = []
        for item in spec:
            if item[0] == "s":
                out.append(float(rng.uniform(item[1], item[2])))
            else:
                out.append(rng.uniform(item[2], item[3], size=item[1]))
        return tuple(out)

    return make


# --------------------------------------------------------------------------------------
# hand-written programs

HAND = []

HAND.append(
    Program(
        "bouncing_ball",
        """
        def bounce(x, v, g, k):
            lost = 0.0
            hits = 0.0
            for step in range(40):
                if v > 0.0:
                    drag = -k * v * v
                else:
                    drag = k * v * v
                a = -g + drag
                v_new = v + 0.05 * a
                x_new = x + 0.05 * v_new
                if x_new < 0.0:
                    x_new = -0.8 * x_new
                    v_old = v_new
                    v_new = -0.8 * v_new
                    lost = lost + 0.5 * v_old * v_old - 0.5 * v_new * v_new
                    hits = hits + 1.0
                elif x_new > 3.0:
                    x_new = 6.0 - x_new
                    v_new = -v_new
                x = x_new
                v = v_new
            return x * x + 0.5 * v * v + lost + 0.1 * hits * x
        """,
        "bounce",
        scalars((0.5, 2.5), (-2.0, 2.0), (5.0, 12.0), (0.01, 0.2)),
    )
)

HAND.append(
    Program(
        "newton_cubic",
        """
        def newton_cubic(a, b, c):
            x = 1.0
            for it in range(12):
                fx = x * x * x + a * x * x + b * x - c
                dfx = 3.0 * x * x + 2.0 * a * x + b
                if dfx > 0.1:
                    step = fx / dfx
                elif dfx < -0.1:
                    step = fx / dfx
                else:
                    step = 0.1 * fx
                if step > 0.5:
                    step = 0.5
                elif step < -0.5:
                    step = -0.5
                x = x - step
            return x * x + a * x
        """,
        "newton_cubic",
        scalars((-1.0, 1.0), (0.5, 3.0), (-2.0, 4.0)),
        second_order=True,
    )
)

HAND.append(
    Program(
        "piecewise_cse",
        """
        def piecewise(x, y):
            t = x * y
            u = x * y + 1.0
            if t > 1.0:
                p = t * t - 0.5 * t
                if y > 0.5:
                    q = x * y * 2.0
                else:
                    q = -t
            elif t > 0.0:
                p = np.sin(t)
                q = 0.5 * (x * y)
            elif t > -1.0:
                p = -t * t
                q = x
                x = x * 3.0
            else:
                p = np.exp(t)
                q = -0.25 * u
            r = x * y + p * q
            w = -(x * y)
            return r + u * t - 0.5 * w * w
        """,
        "piecewise",
        scalars((-2.0, 2.0), (-2.0, 2.0)),
        second_order=True,
    )
)

HAND.append(
    Program(
        "inner_solver_arrays",
        """
        def inner_solver(w, x, lr):
            loss = 0.0
            for it in range(8):
                r = w * x - 1.0
                loss = np.sum(r * r)
                if loss > 1.0:
                    g = 2.0 * r * x
                    w = w - lr * g
                else:
                    g = r * x
                    w = w - 0.5 * lr * g
                    if np.sum(w) > 0.0:
                        w = w * 0.99
            return np.sum(w * w) + loss
        """,
        "inner_solver",
        arrays([("a", 4, -1.0, 1.5), ("a", 4, 0.2, 1.5), ("s", 0.05, 0.2)]),
    )
)

HAND.append(
    Program(
        "fill_elements",
        """
        def fill(x, s):
            out = np.zeros(5)
            for i in range(5):
                if x[i] > s:
                    out[i] = x[i] * s
                    if x[i] * s > 0.3:
                        out[i] = out[i] - 0.5 * (x[i] * s)
                else:
                    out[i] = -x[i]
            total = out * out
            y = out
            if s > 0.0:
                y = y * s
            return np.sum(total) + out[2] * s + np.sum(y * x)
        """,
        "fill",
        arrays([("a", 5, -1.0, 1.0), ("s", -0.5, 0.5)]),
    )
)

HAND.append(
    Program(
        "copies_and_one_arm",
        """
        def copies(x, y, z):
            a = x * y
            b = a
            c = -a
            d = 0.5 * c
            if z > 0.0:
                a = a * z
                if x > y:
                    e = x * y - d
                    b = -e
                else:
                    e = 0.25 * (x * y)
            else:
                e = -d
                for i in range(3):
                    if e > 0.1:
                        e = e * 0.5 - x * y
                    else:
                        e = np.sin(e + x * y)
                        c = -c
            f = x * y + a * b
            g = -(x * y) * 2.0 + e
            h = b
            b = b * 0.5
            return f * g + c * d - h + b * e
        """,
        "copies",
        scalars((-1.5, 1.5), (-1.5, 1.5), (-1.0, 1.0)),
        second_order=True,
    )
)

HAND.append(
    Program(
        "while_inside_branch",
        """
        def wib(x, y):
            s = 0.0
            p = x * y
            if x > 0.0:
                k = 0
                while k < 5:
                    if s > 1.0:
                        s = s - 0.5 * p
                    else:
                        s = s + x * y
                    k = k + 1
                q = x * y
            else:
                k = 0
                q = -p
                while k < 3:
                    q = q * 0.5 + np.cos(x * y)
                    k = k + 1
            r = p * q - x * y * s
            if q > 0.0:
                r = -r
            return r * 0.5
        """,
        "wib",
        scalars((-1.5, 1.5), (-1.5, 1.5)),
        second_order=True,
    )
)

HAND.append(
    Program(
        "pendulum_regimes",
        """
        def pendulum(theta, omega, damping, drive):
            energy_in = 0.0
            for n in range(30):
                torque = -np.sin(theta) - damping * omega
                phase = 0.3 * n
                if np.cos(phase) > 0.0:
                    torque = torque + drive * np.cos(phase)
                    energy_in = energy_in + drive * np.cos(phase) * omega * 0.05
                omega_half = omega + 0.025 * torque
                theta = theta + 0.05 * omega_half
                torque2 = -np.sin(theta) - damping * omega_half
                if theta > 3.0:
                    theta = theta - 6.283185307179586
                elif theta < -3.0:
                    theta = theta + 6.283185307179586
                omega = omega_half + 0.025 * torque2
            kinetic = 0.5 * omega * omega
            return kinetic + (1.0 - np.cos(theta)) - 0.1 * energy_in
        """,
        "pendulum",
        scalars((-1.0, 1.0), (-1.0, 1.0), (0.05, 0.3), (0.1, 0.8)),
    )
)

HAND.append(
    Program(
        "vector_field_jacobian",
        """
        def field(x):
            a = x[0] * x[1]
            b = -x[2]
            if a > 0.0:
                c = 0.5 * a + x[0] * x[1]
                d = b * a
            else:
                c = -a
                d = 0.25 * b
            if x[2] > 0.2:
                e = np.tanh(x[0] * x[1] - c)
            elif x[2] > -0.3:
                e = c * d
            else:
                e = -d
            return np.array([a + c, d * e, -e, x[0] * x[1] * e])
        """,
        "field",
        arrays([("a", 3, -1.0, 1.0)]),
        second_order=False,
        vector=True,
    )
)

HAND.append(
    Program(
        "elif_chain_long",
        """
        def tariff(u, v):
            cost = 0.0
            usage = u * u + v
            if usage < 0.0:
                cost = -0.5 * usage
            elif usage < 0.5:
                cost = usage * 1.1
            elif usage < 1.0:
                cost = 0.55 + (usage - 0.5) * 1.3
                bonus = u * v
                cost = cost - 0.1 * bonus
            elif usage < 2.0:
                cost = 1.2 + (usage - 1.0) * 1.7
                if v > 0.5:
                    cost = cost + u * v
                else:
                    cost = cost - u * v
            elif usage < 3.0:
                cost = 2.9 + (usage - 2.0) * 2.0
            else:
                cost = 4.9 + np.log(usage - 2.0)
            tax = cost * 0.2
            net = -tax + cost
            return net * (1.0 + 0.1 * u * v) + u * v
        """,
        "tariff",
        scalars((-1.8, 1.8), (-1.0, 2.0)),
        second_order=True,
    )
)


HAND.append(
    Program(
        "projected_gauss_seidel",
        """
        def projected_gs(d, b, lo):
            x = np.zeros(5)
            for sweep in range(6):
                for i in range(5):
                    r = b[i]
                    if i > 0:
                        r = r + 0.5 * x[i - 1]
                    if i < 4:
                        r = r + 0.5 * x[i + 1]
                    xi = r / d[i]
                    if xi < lo:
                        xi = lo + 0.0 * xi
                    elif xi > 2.0:
                        xi = 2.0 - 0.1 * (xi - 2.0)
                    x[i] = xi
            return np.sum(x * x * d) - np.sum(b * x)
        """,
        "projected_gs",
        arrays([("a", 5, 2.0, 3.0), ("a", 5, -0.5, 5.0), ("s", 0.0, 0.2)]),
    )
)

HAND.append(
    Program(
        "orbit_step_by_radius",
        """
        def orbit(px, py, vx, vy, gm):
            work = 0.0
            for n in range(40):
                r2 = px * px + py * py
                r = np.sqrt(r2)
                if r < 0.6:
                    dt = 0.01
                elif r < 1.2:
                    dt = 0.02
                else:
                    dt = 0.04
                inv3 = gm / (r2 * r)
                ax = -px * inv3
                ay = -py * inv3
                vx = vx + 0.5 * dt * ax
                vy = vy + 0.5 * dt * ay
                px = px + dt * vx
                py = py + dt * vy
                r2 = px * px + py * py
                r = np.sqrt(r2)
                inv3 = gm / (r2 * r)
                vx = vx + 0.5 * dt * (-px * inv3)
                vy = vy + 0.5 * dt * (-py * inv3)
                work = work + dt * (vx * vx + vy * vy)
            return 0.5 * (vx * vx + vy * vy) - gm / np.sqrt(px * px + py * py) + 0.1 * work
        """,
        "orbit",
        scalars((0.8, 1.1), (0.0, 0.2), (-0.1, 0.1), (0.8, 1.1), (0.8, 1.1)),
    )
)

HAND.append(
    Program(
        "names_bound_in_some_iterations",
        """
        def last_hit(x, y):
            where = 0
            hit = 0.0
            for i in range(5):
                t = x * (i + 1.0)
                if t > 1.0:
                    hit = t * y
                    where = i
            for i in range(6):
                u = x * y
                if u * i > 1.0:
                    last = u * i - x
                else:
                    other = -u
                x = x * 0.9
            if x > 0.3:
                extra = last * other
            else:
                extra = other
            return hit * x + where + extra
        """,
        "last_hit",
        scalars((0.4, 1.0), (0.8, 1.5)),
        second_order=True,
    )
)

HAND.append(
    Program(
        "read_in_next_iteration",
        """
        def carry(x, w):
            y = 0.0
            prev = 0.0
            for i in range(4):
                if i > 0:
                    y = y + prev * x
                if x * i > 0.8:
                    prev = x * w * i
                else:
                    prev = -w
            z = x
            for i in range(5):
                if i >= 2:
                    z = z * 0.5 + memo * w
                if i % 2 == 0:
                    memo = z * x
                elif i == 1:
                    memo = -z
            k = 0
            s = x
            while k < 6:
                if k > 0:
                    s = s + c * 0.5
                if s > 1.0:
                    c = -s * w
                else:
                    c = s * x
                k = k + 1
            return y + z * memo + s * c
        """,
        "carry",
        scalars((-1.2, 1.2), (-1.2, 1.2)),
        second_order=True,
    )
)

HAND.append(
    Program(
        "negations_around_loops",
        """
        def negations(x, w):
            s = x * w
            for i in range(3):
                s = np.sin(s) * w - s
            a = x * w
            b = -a
            for i in range(3):
                a = a * 0.5 + w
                c = b * a
                b = c - a
            t = 0.0
            d = x - w
            for i in range(4):
                if d > 0.0:
                    t = t - d * w
                    d = d - 0.3
                else:
                    t = -t + d
                    d = -d * 0.5
            e = -(-(0.1 * (3.0 * x)))
            for i in range(3):
                e = 0.5 * (0.5 * e) - 3.0 * (3.0 * w)
            return (x - s) + (b + a) * 0.1 + (t - d) + e * x - (2.0 * (-w))
        """,
        "negations",
        scalars((-1.2, 1.2), (-1.2, 1.2)),
        second_order=True,
    )
)

HAND.append(
    Program(
        "break_and_loop_else",
        """
        def search(x, y):
            s = x
            for i in range(8):
                s = s * y + x
                if s > 2.0:
                    found = s * x
                    break
            else:
                found = -s
            acc = 0.0
            for j in range(4):
                if found > 0.0:
                    acc = acc + found * y
                    if acc > 3.0:
                        break
                else:
                    acc = acc - x * y
            return found + s * y + acc
        """,
        "search",
        scalars((0.1, 1.0), (0.3, 1.4)),
        second_order=True,
    )
)


# --------------------------------------------------------------------------------------
# programs made by templates


def template_stencil(n_cells=8, n_steps=6):
    """Nonlinear diffusion with a flux limiter, unrolled over cells and steps."""
    lines = [f"def stencil({', '.join(f'u{i}' for i in range(n_cells))}, kappa):"]
    lines.append("    total_flux = 0.0")
    for _s in range(n_steps):
        for i in range(n_cells - 1):
            lines.append(f"    g{i} = u{i + 1} - u{i}")
            lines.append(f"    if g{i} > 0.0:")
            lines.append(f"        f{i} = kappa * g{i} * (1.0 + 0.1 * u{i + 1})")
            lines.append(f"    elif g{i} > -0.3:")
            lines.append(f"        f{i} = kappa * g{i}")
            lines.append("    else:")
            lines.append(f"        f{i} = -0.3 * kappa + 0.5 * kappa * (g{i} + 0.3)")
            lines.append(f"    total_flux = total_flux + f{i} * f{i}")
        for i in range(n_cells):
            terms = []
            if i > 0:
                terms.append(f"- f{i - 1}")
            if i < n_cells - 1:
                terms.append(f"+ f{i}")
            lines.append(f"    u{i} = u{i} + 0.1 * (0.0 {' '.join(terms)})")
    body = " + ".join(f"u{i} * u{i} * {1.0 + 0.1 * i}" for i in range(n_cells))
    lines.append(f"    return {body} + 0.01 * total_flux")
    src = "\n".join(lines)
    return Program(
        f"stencil_{n_cells}x{n_steps}",
        src,
        "stencil",
        scalars(*([(-1.0, 1.0)] * n_cells), (0.2, 0.8)),
    )


def template_state_machine(n_steps=25):
    """A phase variable driving an elif chain, unrolled; names set in some arms only."""
    lines = ["def machine(x, y, r):"]
    lines.append("    phase = x")
    lines.append("    acc = 0.0")
    lines.append("    last = y")
    for k in range(n_steps):
        lines.append(f"    z{k} = phase * r")
        lines.append(f"    if z{k} > 0.6:")
        lines.append("        acc = acc + phase * r - 0.5 * last")
        lines.append("        last = -phase")
        lines.append(f"    elif z{k} > 0.0:")
        lines.append("        acc = acc - phase * r")
        lines.append("        if last > 0.0:")
        lines.append("            last = 0.5 * last + phase * r")
        lines.append(f"    elif z{k} > -0.6:")
        lines.append(f"        m{k} = phase * r")
        lines.append(f"        acc = acc + 0.25 * m{k} * m{k}")
        lines.append("    else:")
        lines.append("        last = last * 0.9")
        lines.append(
            f"    phase = np.sin(phase * {1.3 + 0.07 * k:.2f} + {0.4 * (k % 5) - 0.8:.2f} * y)"
        )
    lines.append("    return acc + last * phase + phase * r")
    return Program(
        f"state_machine_{n_steps}",
        "\n".join(lines),
        "machine",
        scalars((-1.5, 1.5), (-1.5, 1.5), (0.5, 1.5)),
    )


def template_nested_loops(n_outer=3):
    """Loops inside branches inside loops, with a product computed before, inside and after."""
    src = f"""
    def nested(a, b, c):
        s = a * b
        t = 0.0
        for k in range({n_outer}):
            if s > 0.2:
                for j in range(3):
                    p = a * b
                    if p > 0.5:
                        t = t + 0.5 * p - c
                    else:
                        t = t - p * c
                        s = -s
                    t = np.tanh(t)
            elif s > -0.2:
                t = t + a * b * c
                w = t
                for j in range(2):
                    w = -w * 0.5 + a * b
                t = w
            else:
                q = a * b
                t = t - q
                for j in range(2):
                    if c > 0.0:
                        t = t * 0.5 + q
                    else:
                        t = -t
            s = np.sin(s + 0.3 * t + a * b)
        return s * t + a * b * c
    """
    return Program(
        f"nested_loops_{n_outer}",
        src,
        "nested",
        scalars((-1.5, 1.5), (-1.5, 1.5), (-1.0, 1.0)),
        second_order=True,
    )


def template_particles(n_particles=4, n_steps=12):
    """Particles on a line, unrolled: springs, walls and a contact force by branches."""
    args = [f"x{i}" for i in range(n_particles)] + [f"v{i}" for i in range(n_particles)]
    lines = [f"def particles({', '.join(args)}, k):"]
    lines.append("    work = 0.0")
    for _s in range(n_steps):
        for i in range(n_particles):
            lines.append(f"    fo{i} = -k * x{i}")
        for i in range(n_particles - 1):
            lines.append(f"    d{i} = x{i + 1} - x{i}")
            lines.append(f"    if d{i} < 0.2:")
            lines.append(f"        c{i} = 5.0 * (0.2 - d{i})")
            lines.append(f"        fo{i} = fo{i} - c{i}")
            lines.append(f"        fo{i + 1} = fo{i + 1} + c{i}")
            lines.append(f"        work = work + c{i} * c{i} * 0.01")
        for i in range(n_particles):
            lines.append(f"    v{i} = v{i} + 0.05 * fo{i}")
            lines.append(f"    x{i} = x{i} + 0.05 * v{i}")
            lines.append(f"    if x{i} > 2.0:")
            lines.append(f"        x{i} = 4.0 - x{i}")
            lines.append(f"        v{i} = -v{i}")
            lines.append(f"    elif x{i} < -2.0:")
            lines.append(f"        x{i} = -4.0 - x{i}")
            lines.append(f"        v{i} = -0.9 * v{i}")
    e = " + ".join(f"0.5 * v{i} * v{i} + 0.5 * k * x{i} * x{i}" for i in range(n_particles))
    lines.append(f"    return {e} + work")
    ranges = [(-1.5 + 0.8 * i, -1.3 + 0.8 * i) for i in range(n_particles)]
    ranges += [(-1.0, 1.0)] * n_particles + [(0.5, 2.0)]
    return Program(
        f"particles_{n_particles}x{n_steps}",
        "\n".join(lines),
        "particles",
        scalars(*ranges),
    )


def template_array_layers(n_layers=10):
    """Array updates, unrolled: a layer per step picked by branches on reductions."""
    lines = ["def layers(h, w, b):"]
    lines.append("    reg = 0.0")
    for k in range(n_layers):
        lines.append(f"    z{k} = h * w + b * {0.1 * (k + 1):.1f}")
        lines.append(f"    if np.sum(z{k}) > 0.0:")
        lines.append(f"        h = np.tanh(z{k})")
        lines.append("        if np.max(h) > 0.5:")
        lines.append("            h = 0.5 * h")
        lines.append("        reg = reg + np.sum(h * w)")
        lines.append(f"    elif np.mean(z{k}) > -0.5:")
        lines.append(f"        h = -z{k} * 0.5 + np.sin(h * w)")
        lines.append("    else:")
        lines.append(f"        g{k} = h * w")
        lines.append(f"        h = g{k} - 0.25 * b")
        lines.append("        reg = reg - np.sum(h * w) * 0.5")
    lines.append("    return np.sum(h * h) + 0.1 * reg + np.sum(h * w)")
    return Program(
        f"array_layers_{n_layers}",
        "\n".join(lines),
        "layers",
        arrays([("a", 5, -1.0, 1.0), ("a", 5, -1.5, 1.5), ("a", 5, -1.0, 1.0)]),
    )


def template_lookup_table(n_arms):
    """A piecewise-linear table of ``n_arms`` segments, written as one ``elif`` chain."""
    lines = ["def table(x, y):", "    t = x * y"]
    for k in range(n_arms):
        lo = -3.0 + 6.0 * k / n_arms
        slope = 1.0 + 0.5 * np.sin(k)
        lines.append(f"    {'if' if k == 0 else 'elif'} t < {lo + 6.0 / n_arms:.4f}:")
        lines.append(f"        v = {slope:.4f} * (t - {lo:.4f}) + {0.1 * k:.2f}")
    lines.append("    else:")
    lines.append("        v = -t")
    lines.append("    return v * x + t")
    return Program(
        f"lookup_table_{n_arms}",
        "\n".join(lines),
        "table",
        scalars((0.5, 1.2), (-1.5, 1.5)),
    )


def template_long_sum(n_terms):
    """A least-squares fit of a line to ``n_terms`` points, unrolled on one line."""
    terms = " + ".join(
        f"(a * {0.01 * k:.2f} + b - {np.cos(0.1 * k):.3f}) ** 2" for k in range(n_terms)
    )
    return Program(
        f"long_sum_{n_terms}",
        f"def fit(a, b):\n    return {terms}",
        "fit",
        scalars((-1.0, 1.0), (-1.0, 1.0)),
    )


TEMPLATES = [
    template_stencil(8, 6),
    template_state_machine(25),
    template_nested_loops(3),
    template_particles(4, 10),
    template_array_layers(10),
]


# --------------------------------------------------------------------------------------
# random programs


class Gen:
    """A seeded generator of long branchy programs over scalars (``kind='s'``) or a mix
    of 1-D arrays and scalars (``kind='a'``)."""

    def __init__(self, seed, kind="s", n_inputs=3, target=120, max_depth=4, n=4, profile=""):
        self.vector = False
        # "neg": many more negations, subtractions and literal factors
        self.extra_kinds = (
            ["neg", "negprod", "scale", "sub", "copy"] * 3 if profile == "neg" else []
        )
        self.rng = random.Random(seed)
        self.kind = kind
        self.target = target
        self.max_depth = max_depth
        self.n = n
        self.lines = []
        self.count = 0
        self.products = []  # (a, b) pairs whose product was written
        if kind == "s":
            self.inputs = [(f"x{i}", "s") for i in range(n_inputs)]
        else:
            self.inputs = [(f"x{i}", "a") for i in range(n_inputs - 1)] + [("s0", "s")]

    # -- names and expressions

    def new_name(self):
        self.count += 1
        return f"v{self.count}"

    def pick(self, pool, typ=None, avoid=()):
        cands = [n for n, t in pool if (typ is None or t == typ) and n not in avoid]
        if not cands:
            cands = [n for n, t in pool if typ is None or t == typ]
        return self.rng.choice(cands)

    def live_products(self, pool, typ):
        """Products written before whose names are bound here, of scalars (``typ='s'``)
        or with an array (``'a'``)."""
        types = dict(pool)
        out = []
        for p, q in self.products:
            if p in types and q in types:
                t = "s" if types[p] == types[q] == "s" else "a"
                if t == typ:
                    out.append((p, q))
        return out

    def scalar_expr(self, pool, counters):
        r = self.rng
        a, b, c = (self.pick(pool, "s") for _ in range(3))
        kind = r.choice(
            [
                "mul",
                "mul",
                "reuse",
                "reuse",
                "reuse",
                "neg",
                "negprod",
                "scale",
                "scale",
                "copy",
                "add",
                "sub",
                "sin",
                "tanh",
                "exp",
                "div",
                "lin",
                "square",
                "counter",
                "reduce",
                *self.extra_kinds,
            ]
        )
        if kind == "reduce" and self.kind == "a":
            x, y = self.pick(pool, "a"), self.pick(pool, "a")
            return r.choice(
                [
                    f"np.sum({x} * {y}) * 0.25",
                    f"np.mean({x})",
                    f"{x} @ {y} * 0.2",
                    f"{x}[{r.randrange(self.n)}]",
                    f"-np.sum(np.sin({x}))",
                ]
            )
        if kind == "counter" and counters:
            i = r.choice(counters)
            return f"{a} * (1.0 + 0.1 * {i})"
        live = self.live_products(pool, "s")
        if kind in ("reuse",) and live:
            p, q = r.choice(live)
            prod = f"{p} * {q}"
            return r.choice(
                [
                    prod,
                    f"{prod} + {c}",
                    f"{c} - {prod}",
                    f"0.5 * ({prod})",
                    f"-({prod})",
                    f"np.sin({prod})",
                    f"{prod} * {c}",
                    f"-{prod} * 0.5",
                ]
            )
        if kind in ("mul", "reuse", "reduce", "counter"):
            self.products.append((a, b))
            return f"{a} * {b}"
        if kind == "neg":
            return f"-{a}"
        if kind == "negprod":
            self.products.append((a, b))
            return r.choice([f"-({a} * {b})", f"-{a} * {b}", f"{c} - {a} * {b}"])
        if kind == "scale":
            k = r.choice(["0.5", "0.25", "-2.0", "3.0", "-0.5", "1.5"])
            return r.choice([f"{k} * {a}", f"{a} * {k}", f"{k} * ({a} - {b})", f"-{k} * {a}"])
        if kind == "copy":
            return a
        if kind == "add":
            return f"{a} + {b}"
        if kind == "sub":
            return f"{a} - {b}"
        if kind == "sin":
            return r.choice([f"np.sin({a})", f"np.cos({a}) * 0.5 - {b}", f"math.sin({a})"])
        if kind == "tanh":
            self.products.append((a, b))
            return f"np.tanh({a} * {b})"
        if kind == "exp":
            return f"np.exp(-{a} * {a})"
        if kind == "div":
            return f"{a} / (1.0 + {b} * {b})"
        if kind == "lin":
            self.products.append((a, b))
            return f"{a} * {b} + {c}"
        return f"{a} * {a}"

    def array_expr(self, pool, counters):
        r = self.rng
        a, b = self.pick(pool, "a"), self.pick(pool, "a")
        s = self.pick(pool, "s")
        kind = r.choice(
            ["mul", "reuse", "reuse", "neg", "scale", "copy", "add", "sin", "tanh", "smul", "div"]
        )
        live = self.live_products(pool, "a")
        if kind == "reuse" and live:
            p, q = r.choice(live)
            prod = f"{p} * {q}"
            return r.choice(
                [f"{prod} + {a}", f"{a} - {prod}", f"-0.5 * ({prod})", f"np.sin({prod})"]
            )
        if kind in ("mul", "reuse"):
            self.products.append((a, b))
            return f"{a} * {b}"
        if kind == "neg":
            return f"-{a}"
        if kind == "scale":
            return r.choice([f"0.5 * {a}", f"{a} * -0.25", f"2.0 * ({a} - {b})"])
        if kind == "copy":
            return a
        if kind == "add":
            return f"{a} + {b}"
        if kind == "sin":
            return f"np.sin({a}) - 0.5 * {b}"
        if kind == "tanh":
            self.products.append((a, s))
            return f"np.tanh({a} * {s})"
        if kind == "smul":
            self.products.append((s, a))
            return f"{s} * {a}"
        return f"{a} / (1.0 + {b} * {b})"

    def cond(self, pool):
        r = self.rng
        # a placeholder, set by ``calibrate`` to the median of the values the test sees
        self.n_thresholds = getattr(self, "n_thresholds", 0) + 1
        thr = f"@T{self.n_thresholds - 1}@"
        if self.kind == "a" and r.random() < 0.5:
            x = self.pick(pool, "a")
            e = r.choice(
                [f"np.sum({x})", f"{x}[{r.randrange(self.n)}]", f"np.mean({x} * {x}) - 0.5"]
            )
        else:
            a = self.pick(pool, "s")
            b = self.pick(pool, "s", avoid=(a,))
            e = r.choice([a, f"{a} - {b}", f"{a} * {b}", f"np.sin({a}) + {b}", f"{a} + 0.5 * {b}"])
        return e, r.choice([">", "<"]), thr

    # -- statements

    def emit(self, depth, text):
        self.lines.append("    " * (depth + 1) + text)

    def assign(self, depth, pool, counters, in_loop, new_names):
        r = self.rng
        typ = "s" if self.kind == "s" or r.random() < 0.5 else "a"
        expr = self.scalar_expr(pool, counters) if typ == "s" else self.array_expr(pool, counters)
        reassignable = [n for n, t in pool if t == typ]
        if r.random() < 0.45 and reassignable:
            target = r.choice(reassignable)
        else:
            target = self.new_name()
            pool.append((target, typ))
            new_names.append((target, typ))
        if in_loop:
            # keep loop-carried values bounded
            if any(n == target for n, _ in new_names):
                expr = f"np.tanh({expr})" if r.random() < 0.5 else expr
            else:
                expr = r.choice([f"np.tanh({expr})", f"0.5 * {target} + 0.25 * np.sin({expr})"])
        # arrays are never updated in place: a copy `y = x` would see it (refused by
        # s2s_ad, and it would change the caller's arrays)
        aug = r.random() < 0.1 and typ == "s" and not in_loop and (target, typ) not in new_names
        if aug:
            op = r.choice(["+=", "-=", "*="])
            rhs = r.choice(["0.5", "0.9", "-1.0"]) if op == "*=" else expr
            self.emit(depth, f"{target} {op} {rhs}")
        else:
            self.emit(depth, f"{target} = {expr}")

    def block(self, depth, pool, counters, in_loop, budget, tail=()):
        """Emit statements, then bind the names of ``tail``; returns the names it newly
        binds on every path."""
        new_names = []
        pool = list(pool)
        n = 0
        while n < budget:
            r = self.rng.random()
            if depth < self.max_depth and r < 0.22:
                self.if_stmt(depth, pool, counters, in_loop, new_names)
            elif depth < self.max_depth - 1 and r < 0.30 and len(counters) < 2:
                self.loop_stmt(depth, pool, counters, new_names)
            elif r < 0.40:
                self.special(depth, pool, counters, in_loop, new_names)
            elif r < 0.42 and depth == 0 and not self.vector:
                self.early_return(depth, pool)
            else:
                self.assign(depth, pool, counters, in_loop, new_names)
            n += 1
        for name, typ in tail:
            expr = (
                self.scalar_expr(pool, counters) if typ == "s" else self.array_expr(pool, counters)
            )
            if in_loop:
                expr = f"np.tanh({expr})"
            self.emit(depth, f"{name} = {expr}")
        return new_names

    def special(self, depth, pool, counters, in_loop, new_names):
        """Copies then reassignment, swaps, negations and chains of literal factors."""
        r = self.rng
        kind = r.choice(["copy_then_set", "swap", "neg_read", "literals", "literals"])
        a = self.pick(pool, "s")
        b = self.pick(pool, "s", avoid=(a,))
        wrap = (lambda e: f"np.tanh({e})") if in_loop else (lambda e: e)
        if kind == "copy_then_set":
            y = self.new_name()
            self.emit(depth, f"{y} = {a}")
            self.emit(depth, f"{a} = {wrap(f'{a} * {b} - 0.5 * {y}')}")
            self.products.append((a, b))
        elif kind == "swap":
            self.emit(depth, f"{a}, {b} = {b}, {a}")
            return
        elif kind == "neg_read":
            y = self.new_name()
            c = self.pick(pool, "s")
            self.emit(depth, f"{y} = -{a}")
            self.emit(depth, f"{b} = {wrap(f'{c} + {y} * {b}')}")
        else:
            y = self.new_name()
            k1, k2 = (
                r.choice(["0.5", "2.0", "-3.0", "100.0", "0.1"]),
                r.choice(["2", "0.25", "-1.5"]),
            )
            self.emit(
                depth,
                f"{y} = "
                + wrap(
                    r.choice(
                        [
                            f"{k1} * ({k2} * {a})",
                            f"-({k2} * {a}) * {b}",
                            f"{k1} * ({k2} * {a} * {b})",
                            f"-(-{a})",
                            f"{a} * {k1} * {k2}",
                        ]
                    )
                ),
            )
            self.products.append((a, b))
        pool.append((y, "s"))
        new_names.append((y, "s"))

    def early_return(self, depth, pool):
        e, op, thr = self.cond(pool)
        a = self.pick(pool, "s")
        b = self.pick(pool, "s", avoid=(a,))
        self.emit(depth, f"if {e} {op} {thr}:")
        self.emit(depth + 1, f"{a} = {a} * {b} - 0.5 * {a}")
        self.emit(depth + 1, f"return {a} * {b} + {self.pick(pool, 's')}")

    def if_stmt(self, depth, pool, counters, in_loop, new_names):
        r = self.rng
        n_arms = r.choice([1, 2, 2, 2, 3, 4])
        has_else = n_arms >= 2 and r.random() < 0.8
        arm_news = []
        joint = []
        if has_else:
            for _ in range(r.choice([0, 1, 1, 2])):
                typ = "s" if self.kind == "s" or r.random() < 0.5 else "a"
                joint.append((self.new_name(), typ))
        for k in range(n_arms):
            is_else = has_else and k == n_arms - 1
            if is_else:
                self.emit(depth, "else:")
            else:
                e, op, thr = self.cond(pool)
                self.emit(depth, f"{'if' if k == 0 else 'elif'} {e} {op} {thr}:")
            budget = r.randint(1, 5 if depth < 2 else 3)
            arm_news.append(self.block(depth + 1, pool, counters, in_loop, budget, joint))
        for nt in joint:
            pool.append(nt)
            new_names.append(nt)

    def loop_stmt(self, depth, pool, counters, new_names):
        r = self.rng
        i = f"i{len(counters)}"
        trips = r.randint(2, 4)
        if r.random() < 0.75:
            self.emit(depth, f"for {i} in range({trips}):")
            body = self.block(depth + 1, pool, [*counters, i], True, r.randint(2, 5))
            if r.random() < 0.3:
                # at the body's end, so every name the body binds is bound after the loop
                e, op, thr = self.cond(pool + body)
                self.emit(depth + 1, f"if {e} {op} {thr}:")
                self.emit(depth + 2, "break")
        else:
            self.emit(depth, f"{i} = 0")
            self.emit(depth, f"while {i} < {trips}:")
            body = self.block(depth + 1, pool, [*counters, i], True, r.randint(2, 4))
            self.emit(depth + 1, f"{i} = {i} + 1")
        for nt in body:
            if nt not in pool:
                pool.append(nt)
                new_names.append(nt)

    def program(self, fname, vector=False):
        self.vector = vector
        pool = list(self.inputs)
        # a few straight-line values first, so the pool has products to reuse
        for _ in range(3):
            self.assign(0, pool, [], False, [])
        while len(self.lines) < self.target:
            for nt in self.block(0, pool, [], False, 4):
                if nt not in pool:
                    pool.append(nt)
        scal = [n for n, t in pool if t == "s"][-8:]
        arrs = [n for n, t in pool if t == "a"][-4:]
        terms = [f"{scal[k]} * {scal[k - 1]}" for k in range(1, len(scal), 2)] + scal[::3]
        terms += [f"np.sum({a} * {a}) * 0.5" for a in arrs]
        params = ", ".join(n for n, _ in self.inputs)
        head = [f"def {fname}({params}):"]
        ret = f"np.array([{', '.join(terms[:4])}])" if vector else " + ".join(terms)
        return "\n".join(head + self.lines + [f"    return {ret}"])


_PLACEHOLDER = re.compile(r"^(\s*)(if|elif) (.+) (>|<) @T(\d+)@:\s*$")


def calibrate(src, fname, make, seed, n_points=24, passes=3):
    """Replace each threshold placeholder ``@Tk@`` by the median of the values its test
    compares at random arguments, so that both arms run across arguments. Thresholds of
    tests reached later depend on earlier ones: a few passes let them settle."""
    lines = []
    for line in src.splitlines():
        m = _PLACEHOLDER.match(line)
        if m:
            ind, kw, e, op, k = m.groups()
            line = f"{ind}{kw} _c({k}, {e}) {op} _T[{k}]:"
        lines.append(line)
    ns = {}
    exec(compile("\n".join(lines), f"<calibrate {fname}>", "exec"), ns)
    n = sum(1 for line in src.splitlines() if _PLACEHOLDER.match(line))
    thresholds = [0.0] * n
    seen = {}

    def record(k, value):
        seen.setdefault(k, []).append(float(value))
        return value

    ns["_c"] = record
    ns["_T"] = thresholds
    rng = np.random.default_rng(seed)
    points = [make(rng) for _ in range(n_points)]
    for _ in range(passes):
        seen.clear()
        for args in points:
            value = ns[fname](*args)
            if not np.all(np.abs(value) < 1e3):
                return None  # values this large make central differences meaningless
        for k, values in seen.items():
            if max(values) - min(values) < 1e-3:
                # a test of a value the arguments barely move: keep it off the threshold
                thresholds[k] = round(float(np.median(values)) + 0.5, 2)
            else:
                thresholds[k] = round(float(np.median(values)), 2)
    out = src
    for k, t in enumerate(thresholds):
        out = out.replace(f"@T{k}@", repr(t))
    return out


def has_points(src, fname, make, seed, margin=1e-4, want=8, tries=60):
    """Whether random arguments away from every branch threshold are easy to find (a test
    of a value that barely moves may sit at its threshold everywhere)."""
    ns = {}
    exec(compile(instrument(src)[0], f"<points {fname}>", "exec"), ns)
    rng = np.random.default_rng(seed + 1)
    found = 0
    for _ in range(tries):
        ns["_LOG"].clear()
        ns[fname](*make(rng))
        found += all(d > margin for _, _, d in ns["_LOG"])
    return found >= want


def random_program(
    seed,
    kind="s",
    target=120,
    max_depth=4,
    n_inputs=3,
    second_order=False,
    vector=False,
    profile="",
):
    fname = f"rand_{kind}{profile}_{seed}"
    if kind == "s":
        make = scalars(*([(-1.5, 1.5)] * n_inputs))
    else:
        make = arrays([("a", 4, -1.2, 1.2)] * (n_inputs - 1) + [("s", -1.2, 1.2)])
    src = None
    attempt = 0
    while src is None:
        # a program whose values run away is drawn again, from a seed made from this one
        gen = Gen(
            seed + 100003 * attempt,
            kind=kind,
            n_inputs=n_inputs,
            target=target,
            max_depth=max_depth,
            profile=profile,
        )
        src = gen.program(fname, vector)
        src = calibrate("import math\n\nimport numpy as np\n\n\n" + src, fname, make, seed)
        if src is not None and not has_points(src, fname, make, seed):
            src = None
        attempt += 1
    name = f"random_{kind}{profile}{'_vec' if vector else ''}_{seed}"
    return Program(name, src, fname, make, second_order=second_order, vector=vector)

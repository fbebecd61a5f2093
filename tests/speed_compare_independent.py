# ruff: noqa: B023 (each thunk given to `record` runs at once, inside its loop iteration)
"""Compare what two checkouts of s2s_ad generate for the same programs (issue 19, part 6).

Not a test module (pytest does not collect it): run it by hand,

    /work/main/.venv/bin/python tests/speed_compare_independent.py OLD_CHECKOUT [NEW_CHECKOUT]

(NEW_CHECKOUT defaults to the checkout holding this file). For every program of
``speed_programs_independent.CASES`` it runs, in one subprocess per checkout:
``derivative_source`` in every mode (shape-generic: reverse, forward, vector, gradient,
hessian; with the case's arguments: the same five), ``ssa_source``, the numbers (value and
gradient, forward-mode gradient, Hessian, ``vjp`` and ``jvp``, bit for bit) and what they
print; the messages of the refused programs and of the run-time errors under six APIs; and
the command line's ``show`` at every stage and mode and ``export``. It prints every
difference as a unified diff and exits 1 if there is one. Both runs read one snapshot of the
programs, copied to a temporary directory, so editing them meanwhile changes neither.
"""

import contextlib
import difflib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = sys.executable
CLI_CASES = {
    "straight_line": ["0.7", "-0.3"],
    "loop_break_else": ["np.linspace(0.1, 0.9, 5)", "4"],
    "fstrings": ["np.ones((2, 3)) * 0.1", "np.ones(3)"],
    "unicode_names": ["np.linspace(0.1, 0.9, 5)"],
    "tab_indented": ["np.linspace(0.1, 0.9, 3)"],
    "syntax_zoo": ["0.6", "0.4"],
    "long_mixed": ["np.linspace(0.2, 1.4, 5)", "np.ones((5, 3)) * 0.1", "7"],
}


# --------------------------------------------------------------------------- the worker


def _leaves(tree, np):
    if tree is None:
        return [None]
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _leaves(tree[k], np)]
    if isinstance(tree, (list, tuple)):
        return [leaf for t in tree for leaf in _leaves(t, np)]
    if hasattr(tree, "__dict__") and not isinstance(tree, np.ndarray):
        return [leaf for k in sorted(vars(tree)) for leaf in _leaves(vars(tree)[k], np)]
    return [tree]


def _bits(tree, np):
    parts = []
    for leaf in _leaves(tree, np):
        if leaf is None or isinstance(leaf, (bool, int, str)):
            parts.append(repr(leaf))
        else:
            a = np.asarray(leaf)
            parts.append(f"{type(leaf).__name__}:{a.dtype}:{a.shape}:{a.tobytes().hex()}")
    return "\n".join(parts)


def _direction(tree, np):
    if isinstance(tree, tuple):
        return tuple(_direction(t, np) for t in tree)
    if isinstance(tree, list):
        return [_direction(t, np) for t in tree]
    if isinstance(tree, dict):
        return {k: _direction(v, np) for k, v in tree.items()}
    if isinstance(tree, np.ndarray):
        return np.linspace(0.5, 1.5, tree.size).reshape(tree.shape)
    if isinstance(tree, float):
        return 0.75
    return None


def worker():
    """Run in a subprocess: every output of one checkout, as JSON on stdout."""
    import numpy as np
    import speed_programs_independent as P

    import s2s_ad as ad

    out = {}

    def record(key, thunk):
        try:
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                value = thunk()
            out[key] = value if isinstance(value, str) else repr(value)
            if printed.getvalue():
                out[key + " [printed]"] = printed.getvalue()
        except Exception as exc:  # the message is compared too
            out[key] = "ERROR " + type(exc).__name__ + ": " + str(exc)

    def bits(tree):
        return _bits(tree, np)

    for c in P.CASES:
        fn, args, wrt, name = c.fn, c.args, c.wrt, c.name
        modes = ["reverse", "forward", "vector"] + (["gradient", "hessian"] if c.scalar else [])
        if c.generic:
            for mode in modes:
                record(f"{name} source {mode}", lambda: ad.derivative_source(fn, mode, wrt=wrt))
            record(f"{name} ssa", lambda: ad.ssa_source(fn))
        for mode in modes:
            record(
                f"{name} source {mode} args",
                lambda: ad.derivative_source(fn, mode, wrt=wrt, args=args),
            )
        if c.scalar:
            record(f"{name} value_and_grad", lambda: bits(ad.value_and_grad(fn, wrt=wrt)(*args)))
            record(
                f"{name} grad forward", lambda: bits(ad.grad(fn, wrt=wrt, mode="forward")(*args))
            )
            if c.hessian:
                record(f"{name} hessian", lambda: bits(ad.hessian(fn, wrt=wrt)(*args)))

        def run_vjp():
            value, pullback = ad.vjp(fn, *args)
            return bits((value, pullback(_direction(value, np))))

        def run_jvp():
            tangents = tuple(
                _direction(a, np) if isinstance(a, (float, np.ndarray)) else None for a in args
            )
            return bits(ad.jvp(fn, args, tangents))

        record(f"{name} vjp", run_vjp)
        record(f"{name} jvp", run_jvp)

    for f in P.REFUSED:
        args = P.REFUSED_ARGS.get(f.__name__, (0.5,))
        tangents = tuple(1.0 if isinstance(a, float) else None for a in args)
        record(f"{f.__name__} grad", lambda: ad.grad(f)(*args))
        record(f"{f.__name__} jvp", lambda: ad.jvp(f, args, tangents))
        record(f"{f.__name__} source", lambda: ad.derivative_source(f))

    for f, args in P.RUNTIME_ERRORS:
        tangents = tuple(
            1.0 if isinstance(a, float) else np.ones_like(a) if isinstance(a, np.ndarray) else None
            for a in args
        )
        name = f.__name__
        record(f"{name} runtime grad", lambda: ad.grad(f)(*args))
        record(f"{name} runtime grad forward", lambda: ad.grad(f, mode="forward")(*args))
        record(f"{name} runtime value_and_grad", lambda: ad.value_and_grad(f)(*args))
        record(f"{name} runtime hessian", lambda: ad.hessian(f)(*args))
        record(f"{name} runtime jvp", lambda: ad.jvp(f, args, tangents))
        record(f"{name} runtime vjp", lambda: ad.vjp(f, *args)[1](1.0))

    # the command line: every stage and mode, and export, for a few programs
    path = P.__file__
    for func, cli_args in CLI_CASES.items():
        target = f"{path}:{func}"
        commands = {
            f"{func} cli show {stage}": ["show", target, "--stage", stage]
            for stage in ["ssa", "tangent", "adjoint", "simplified"]
        }
        for mode in ["gradient", "reverse", "forward", "vector", "hessian"]:
            commands[f"{func} cli show --mode {mode} --args"] = [
                *["show", target, "--mode", mode, "--args", *cli_args]
            ]
        commands[f"{func} cli check"] = ["check", target, "--args", *cli_args]
        for key, command in commands.items():
            r = subprocess.run([sys.executable, "-m", "s2s_ad", *command], capture_output=True)
            text = r.stdout.decode() + r.stderr.decode()
            if key.endswith("check"):  # random directions: keep the verdict lines only
                text = "\n".join(line for line in text.splitlines() if "checks passed" in line)
            out[key] = text + f"[exit {r.returncode}]"
        with tempfile.TemporaryDirectory() as tmp:
            exported = os.path.join(tmp, "exported.py")
            command = [sys.executable, "-m", "s2s_ad", "export", target, "-o", exported]
            r = subprocess.run(command, capture_output=True, text=True)
            text = ""
            if os.path.exists(exported):
                with open(exported, encoding="utf-8") as fh:
                    text = fh.read()
            out[f"{func} cli export"] = text + r.stderr + f"[exit {r.returncode}]"

    json.dump(out, sys.stdout)


# --------------------------------------------------------------------------- the comparison


def run(checkout, programs_dir):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([checkout, programs_dir]))
    env["PYTHONHASHSEED"] = "0"
    script = os.path.join(programs_dir, os.path.basename(__file__))
    result = subprocess.run(
        [PYTHON, script, "--worker"], capture_output=True, text=True, env=env, cwd=programs_dir
    )
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"the worker failed under {checkout}")
    return json.loads(result.stdout)


def main(argv):
    old_dir = argv[0] if len(argv) > 0 else "/work/base"
    new_dir = argv[1] if len(argv) > 1 else os.path.dirname(HERE)
    with tempfile.TemporaryDirectory() as programs_dir:
        shutil.copy(os.path.join(HERE, "speed_programs_independent.py"), programs_dir)
        shutil.copy(os.path.abspath(__file__), programs_dir)
        old, new = run(old_dir, programs_dir), run(new_dir, programs_dir)
    differences = 0
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, "<missing>"), new.get(key, "<missing>")
        if a != b:
            differences += 1
            print(f"=== {key}")
            diff = difflib.unified_diff(a.splitlines(True), b.splitlines(True), old_dir, new_dir)
            sys.stdout.writelines(diff)
            print()
    errors = sorted(k for k, v in new.items() if v.startswith("ERROR"))
    print(f"{len(set(old) | set(new))} outputs compared, {differences} different")
    print(f"{len(errors)} outputs are errors under {new_dir} (as under {old_dir} unless above):")
    for key in errors:
        print("  ", key, "|", new[key].splitlines()[0][:160])
    return 1 if differences else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        worker()
    else:
        raise SystemExit(main(sys.argv[1:]))

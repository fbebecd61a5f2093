"""The `s2s-ad` command: show a function's SSA form or derivative source, check its
derivatives against central differences, export them as a standalone module.

Bad input (a missing file or function, unsupported syntax) prints one line naming the
location and exits 2, never a traceback from inside s2s_ad.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import inspect
import math
import sys
import types
from pathlib import Path

import numpy as np

from .api import SOURCE_MODES, _is_differentiable, _wrt_names, derivative_source, with_article
from .errors import S2SError
from .pipeline import ssa_source, unsimplified_source
from .rules.registry import rules_by_category

EXAMPLES = """examples:
  s2s-ad show samples/teaching.py:f                  adjoint (reverse-mode) source
  s2s-ad show samples/teaching.py:f --mode forward   tangent (forward-mode) source
  s2s-ad show samples/teaching.py:f --wrt x1 x2      differentiate with respect to both
  s2s-ad show samples/teaching.py:f --stage ssa      the three-address SSA form
  s2s-ad show samples/teaching.py:f --stage adjoint  the adjoint before simplification
  s2s-ad show samples/teaching.py:f --mode hessian   second-order code (forward over reverse)
  s2s-ad show samples/teaching.py:f --args 2.0 5.0   the code grad runs for these arguments
  s2s-ad check samples/teaching.py:f --args 2.0 5.0  compare with central differences
  s2s-ad check samples/train_mlp.py:logits --args "(np.ones((2, 3)), np.zeros(3), \\
      np.ones((3, 3)), np.zeros(3), np.ones((3, 1)), np.zeros(1))" "np.ones((4, 2))"
  s2s-ad export samples/teaching.py:f -o /tmp/f_grad.py  a module needing only NumPy
  s2s-ad rules --list                                every function with a derivative rule
"""
STAGES = ("ssa", "tangent", "adjoint", "simplified")
EXPORT_MODES = ("value_and_gradient", "gradient", "reverse", "forward")


class UsageError(Exception):
    """Bad command-line input that is not about the function itself."""


def load_function(spec: str) -> types.FunctionType:
    """`path/to/file.py:func` → the function, importing the file as a module."""
    path_text, sep, name = spec.rpartition(":")
    if not sep or not path_text or not name:
        raise UsageError(f"{spec}: expected FILE.py:FUNCTION")
    path = Path(path_text)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    module_spec = importlib.util.spec_from_file_location(f"_s2s_cli_{path.stem}", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(path.parent.resolve()))
    try:
        module_spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise UsageError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:  # the user's module failed while importing
        raise UsageError(f"{path}: importing it failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.pop(0)
    fn = getattr(module, name, None)
    if not isinstance(fn, types.FunctionType):
        raise UsageError(f"{path}: no function named `{name}`")
    return fn


def _wrt(args: argparse.Namespace):
    wrt = tuple(int(w) if w.isdigit() else w for w in args.wrt) if args.wrt else 0
    return wrt[0] if isinstance(wrt, tuple) and len(wrt) == 1 else wrt


def _show(args: argparse.Namespace) -> str:
    fn = load_function(args.target)
    if args.args and args.stage != "simplified":
        raise UsageError(
            f"--args: the code that runs for them is --stage simplified, not {args.stage}"
        )
    if args.args:  # the code the API runs on these arguments (`grad`'s: for their shapes)
        values = _arguments(fn, args.args)
        source = derivative_source(fn, mode=args.mode or "gradient", wrt=_wrt(args), args=values)
    elif args.stage == "ssa":
        source = ssa_source(fn)
    elif args.stage in ("tangent", "adjoint"):  # as the AD stage writes it, not simplified
        mode = "forward" if args.stage == "tangent" else "reverse"
        source = unsimplified_source(fn, mode, _wrt_names(fn, _wrt(args)))
    else:
        source = derivative_source(fn, mode=args.mode or "reverse", wrt=_wrt(args))
    return _highlighted(source) if _colour(args) else source


def _colour(args: argparse.Namespace) -> bool:
    if args.color == "auto":
        return sys.stdout.isatty() and importlib.util.find_spec("pygments") is not None
    return args.color == "always"


def _highlighted(source: str) -> str:
    """Python syntax colours for a terminal (pygments)."""
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import PythonLexer

    return highlight(source, PythonLexer(), TerminalFormatter())


def _arguments(fn: types.FunctionType, texts: list[str]) -> tuple:
    """The `--args` expressions, evaluated with NumPy as `np` and `math` at hand, one per
    parameter of `fn`.

    Raises UsageError: an expression fails, or the values do not fit `fn`'s parameters."""
    values = []
    for text in texts:
        try:
            values.append(eval(text, {"np": np, "math": math, "__builtins__": {}}))
        except Exception as exc:
            raise UsageError(f"--args {text!r}: {type(exc).__name__}: {exc}") from None
    try:
        inspect.signature(fn).bind(*values)
    except TypeError as exc:
        shown = " ".join(repr(t) if " " in t else t for t in texts)
        tuple_given = len(values) == 1 and isinstance(values[0], tuple)
        code = fn.__code__
        raise UsageError(
            f"{code.co_filename}:{code.co_firstlineno}: --args {shown}: {len(values)} value(s)"
            f" for `{fn.__name__}{inspect.signature(fn)}`"
            f" ({exc}); give one expression per argument, e.g. --args 2.0 3.0"
            + (' (one tuple, --args "2.0, 3.0", is one argument)' if tuple_given else "")
        ) from None
    return tuple(values)


def _plain_call(fn: types.FunctionType, values: tuple) -> None:
    """Call `fn` on (copies of) the arguments: its own error is the user's to see, told as
    theirs, not as a traceback from inside s2s_ad."""
    try:
        fn(*copy.deepcopy(values))
    except Exception as exc:
        raise UsageError(
            f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}: `{fn.__name__}` itself "
            f"raised {type(exc).__name__} on these --args: {exc}"
        ) from None


def _check(args: argparse.Namespace) -> tuple[str, int]:
    """The table of checks, and the exit status: 0 when every check passed, 1 otherwise."""
    from .testing import derivative_checks

    fn = load_function(args.target)
    if not args.args:
        raise UsageError("give the function's arguments: --args EXPR [EXPR ...]")
    values = _arguments(fn, args.args)
    _plain_call(fn, values)
    rows = derivative_checks(fn, values, rtol=args.rtol, atol=args.atol)
    header = ("check", "argument", "s2s_ad", "reference", "|difference|", "")
    lines = [header] + [
        (r.check, r.argument, f"{r.ours:.10g}", f"{r.reference:.10g}", f"{r.error:.2e}",
         "ok" if r.ok else "MISMATCH")
        for r in rows
    ]  # fmt: skip
    widths = [max(len(line[k]) for line in lines) for k in range(len(header))]
    table = "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                      for line in lines)  # fmt: skip
    failed = sum(not r.ok for r in rows)
    verdict = f"{len(rows) - failed} of {len(rows)} checks passed"
    skipped = "".join(
        f"{name} = {value!r} skipped: {with_article(type(value).__name__)} has no derivative"
        f"{' (write it as a float to check it)' if isinstance(value, (int, np.integer)) else ''}\n"
        for name, value in zip(inspect.signature(fn).parameters, values, strict=False)
        if not _is_differentiable(value)
    )
    legend = "(the derivative rows compare derivatives along a random direction, by norm)\n"
    gradient = _gradient_lines(fn, values)
    return f"{table}\n{legend}{gradient}{skipped}{verdict}\n", int(failed > 0)


def _gradient_lines(fn: types.FunctionType, values: tuple) -> str:
    """The gradient at `values` with respect to every float argument (reverse mode), one
    line per argument; for a function that does not return a real scalar, a pointer to the
    Jacobian instead."""
    from .api import grad
    from .errors import NonScalarOutputError

    names = [n for n, v in zip(inspect.signature(fn).parameters, values, strict=False)
             if _is_differentiable(v)]  # fmt: skip
    if not names:
        return ""
    try:
        grads = grad(fn, wrt=tuple(names))(*values)
    except NonScalarOutputError:
        return (f"`{fn.__name__}` does not return a real scalar: no gradient to print "
                "(s2s_ad.jacobian gives its Jacobian)\n")  # fmt: skip
    lines = [f"gradient of {fn.__name__} at these arguments (reverse mode):"]
    for name, g in zip(names, grads, strict=True):
        text = np.array2string(g, precision=10) if isinstance(g, np.ndarray) else repr(g)
        lines.append(
            f"  d{fn.__name__}/d{name} = "
            + text.replace("\n", "\n" + " " * (len(fn.__name__) + len(name) + 7))
        )
    return "\n".join(lines) + "\n"


def _export(args: argparse.Namespace) -> str:
    from .export import export_source
    from .pipeline import derivative

    fn = load_function(args.target)
    source = export_source(fn, derivative(fn, args.mode, _wrt_names(fn, _wrt(args))))
    if args.output is None:
        return source
    try:
        Path(args.output).write_text(source)
    except OSError as exc:
        raise UsageError(f"{args.output}: cannot write it: {exc.strerror}") from None
    return f"wrote {args.output}\n"


def _rules(args: argparse.Namespace) -> str:
    """The rule table by category: counts, and with --list the names."""
    if importlib.util.find_spec("scipy") is not None:
        for module in ("scipy.special", "scipy.stats"):  # so that their rules are listed
            importlib.import_module(module)
    groups = rules_by_category()
    lines = []
    for category, names in groups.items():
        lines.append(f"{category:<20}{len(names):>5}")
        if args.list:
            lines += [f"    {name}" for name in names]
    lines.append(f"{'total':<20}{sum(map(len, groups.values())):>5}")
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2s-ad",
        description="Differentiate Python functions by source transformation.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    show = _function_command(
        commands, "show", "print the SSA form or the derivative source of FILE.py:FUNC"
    )
    show.add_argument(
        "--mode",
        choices=SOURCE_MODES,
        help="reverse (f_vjp; the default), forward (f_jvp), vector (f_jvp with a direction "
        "axis, as jacfwd runs it), gradient (flat f_grad, as grad runs it; the default with "
        "--args), hessian (the vector tangent of f_grad)",
    )
    show.add_argument(
        "--args", nargs="+", metavar="EXPR",
        help="example arguments (NumPy is `np`): print the code the API runs on them, "
        "specialised to their shapes (with --mode gradient, the default: what grad runs)",
    )  # fmt: skip
    show.add_argument(
        "--stage",
        choices=STAGES,
        default="simplified",
        help="ssa: the three-address form; tangent / adjoint: forward / reverse code as the "
        "AD stage writes it; simplified (default): the --mode code after the passes",
    )
    show.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto",
        help="syntax colours (pygments); auto: when writing to a terminal",
    )  # fmt: skip
    check = _function_command(
        commands,
        "check",
        "compare FILE.py:FUNC's derivatives with central differences, and its tangent with "
        "its adjoint code (the dot-product test); exit 1 on a mismatch",
        wrt=False,
    )
    check.add_argument("--args", nargs="+", metavar="EXPR", help="the arguments, e.g. 2.0 "
                       "'np.linspace(0, 1, 5)' (NumPy is `np`)")  # fmt: skip
    check.add_argument("--rtol", type=float, default=1e-6, help="relative tolerance of each "
                       "comparison: |s2s_ad - reference| <= atol + rtol * |reference| "
                       "(default: %(default)g)")  # fmt: skip
    check.add_argument("--atol", type=float, default=1e-8, help="absolute tolerance of each "
                       "comparison (default: %(default)g)")  # fmt: skip
    export = _function_command(commands, "export", "write FILE.py:FUNC's derivative as a "
                               "module that needs only NumPy")  # fmt: skip
    export.add_argument("-o", "--output", metavar="OUT.py", help="default: standard output")
    export.add_argument(
        "--mode", choices=EXPORT_MODES, default="value_and_gradient",
        help="value_and_gradient (f_value_and_grad(*args) -> (value, gradient)), gradient "
        "(flat f_grad, no helper calls), reverse (f_vjp), forward (f_jvp)",
    )  # fmt: skip
    rules = commands.add_parser("rules", help="count (or --list) the derivative rules")
    rules.add_argument("--list", action="store_true", help="name every rule")
    return parser


def _function_command(commands, name: str, what: str, *, wrt: bool = True):
    """A command on FILE.py:FUNC, with the examples in its help (and --wrt)."""
    command = commands.add_parser(
        name,
        help=what,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("target", metavar="FILE.py:FUNC")
    if wrt:
        command.add_argument(
            "--wrt", nargs="+", metavar="NAME", help="parameters (default: the first)"
        )
    return command


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status = 0
    try:
        if args.command == "check":
            output, status = _check(args)
        else:
            output = {"rules": _rules, "show": _show, "export": _export}[args.command](args)
        sys.stdout.write(output)
    except S2SError as exc:
        print(f"s2s-ad: {exc.one_line()}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"s2s-ad: {exc}", file=sys.stderr)
        return 2
    return status

"""The `s2s-ad` command: print a function's SSA form or derivative source.

Bad input (a missing file or function, unsupported syntax) prints one line naming the
location and exits 2, never a traceback from inside s2s_ad.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import types
from pathlib import Path

from .api import SOURCE_MODES, derivative_source
from .errors import S2SError
from .pipeline import ssa_source
from .rules.registry import rules_by_category

EXAMPLES = """examples:
  s2s-ad show samples/teaching.py:f                  adjoint (reverse-mode) source
  s2s-ad show samples/teaching.py:f --mode forward   tangent (forward-mode) source
  s2s-ad show samples/teaching.py:f --wrt x1 x2      differentiate with respect to both
  s2s-ad show samples/teaching.py:f --stage ssa      the three-address SSA form
  s2s-ad show samples/teaching.py:f --mode hessian   second-order code (forward over reverse)
  s2s-ad rules --list                                every function with a derivative rule
"""


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


def _show(args: argparse.Namespace) -> str:
    fn = load_function(args.target)
    if args.stage == "ssa":
        return ssa_source(fn)
    wrt = tuple(int(w) if w.isdigit() else w for w in args.wrt) if args.wrt else 0
    if isinstance(wrt, tuple) and len(wrt) == 1:
        wrt = wrt[0]
    return derivative_source(fn, mode=args.mode, wrt=wrt)


def _rules(args: argparse.Namespace) -> str:
    """The rule table by category: counts, and with --list the names."""
    if importlib.util.find_spec("scipy") is not None:
        import scipy.special  # noqa: F401  (so that its rules are registered and listed)
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
    show = commands.add_parser(
        "show",
        help="print the SSA form or the derivative source of FILE.py:FUNC",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("target", metavar="FILE.py:FUNC")
    show.add_argument(
        "--mode",
        choices=SOURCE_MODES,
        default="reverse",
        help="reverse (f_vjp), forward (f_jvp), vector (f_jvp with a direction axis, as "
        "jacfwd runs it), gradient (flat f_grad), hessian (the vector tangent of f_grad)",
    )
    show.add_argument("--wrt", nargs="+", metavar="NAME", help="parameters (default: the first)")
    show.add_argument(
        "--stage", choices=("ssa", "derivative"), default="derivative", help="what to print"
    )
    rules = commands.add_parser("rules", help="count (or --list) the derivative rules")
    rules.add_argument("--list", action="store_true", help="name every rule")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        sys.stdout.write(_rules(args) if args.command == "rules" else _show(args))
    except S2SError as exc:
        print(f"s2s-ad: {exc.one_line()}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"s2s-ad: {exc}", file=sys.stderr)
        return 2
    return 0

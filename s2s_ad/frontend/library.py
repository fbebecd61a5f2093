"""Which functions are the user's code and which are a library's: s2s_ad reads the source of
the first and never of the second.

A library function (NumPy, SciPy, the standard library, anything installed in
site-packages) is a primitive: it has a derivative rule, or it runs as it is when no
differentiated value flows into it, or the call is refused at the user's line with "no
derivative rule for `scipy.linalg.sqrtm`" and how to give it one. Before, s2s_ad descended
into a pure-Python library function like any helper and refused the library's own code:

    np.row_stack([x, y])        before: "…/numpy/lib/_shape_base_impl.py:609: an expression
                                statement …"   after: np.vstack's rule (an alias of it)
    scipy.linalg.sqrtm(A @ x)   before: "the default of `disp` in `sqrtm` is not a literal"
                                after:  "no derivative rule for `scipy.linalg.sqrtm` …;
                                give it a rule: s2s_ad.defvjp(…)" at the user's line

The decision is by where the code lives, not by what it is called: a function whose source
file is under the standard library or a site-packages / dist-packages directory of this
interpreter (`sysconfig`, `site`, `sys.path`) is a library's; so is any of NumPy's or
SciPy's (an in-place build), and the standard library's frozen modules (no file).
Everything else is the user's: a script, a notebook cell, a test module, code s2s_ad
generated, and a package of the user's own installed in editable mode (`pip install -e .`),
whose files stay in the project's directory, not in site-packages. A package installed
normally (copied into site-packages) is a library, as any other installed code. `sys.prefix`
as a whole is deliberately not used: the system interpreter's prefix is `/usr`, under which
user code may well live (`/usr/src/app` in containers).
"""

from __future__ import annotations

import functools
import os
import site
import sys
import sysconfig
import types

# packages s2s_ad has rules for: library code wherever they are installed (an in-place build)
_RULED_LIBRARIES = frozenset({"numpy", "scipy"})


def is_library_function(fn: object) -> bool:
    """Whether `fn` is a library's function (its source is never read), not the user's."""
    if not isinstance(fn, types.FunctionType):
        return True  # builtins, ufuncs, NumPy's dispatchers: compiled code, no source
    root = module_root(fn)
    if root in _RULED_LIBRARIES:
        return True
    filename = fn.__code__.co_filename
    if os.path.isabs(filename):  # a user's `code.py` or `random.py` is the user's own
        return is_library_file(filename)
    # no file: the standard library's frozen modules ("<frozen posixpath>"); else code the
    # user typed (a notebook cell, `exec`) or s2s_ad generated ("<s2s_ad f_grad …>")
    return filename.startswith("<frozen ")


def is_differentiated_through(fn: object) -> bool:
    """A helper of s2s_ad's derivative code (`runtime/through.py`) that code differentiated
    again differentiates through its source, as it does a helper of the user's (also the
    derivative code made from one: `ad/calls.py`)."""
    return getattr(fn, "_s2s_through", False) is True


def module_name(obj: object) -> str:
    """`obj.__module__`, or "" where it has none, or None (a function `exec` defined in a
    dict without `__name__`)."""
    name = getattr(obj, "__module__", None)
    return name if isinstance(name, str) else ""


def module_root(fn: types.FunctionType) -> str:
    """The top-level package of the module that defined `fn` (its globals' `__name__`)."""
    name = fn.__globals__.get("__name__") or module_name(fn)
    return name.split(".")[0] if isinstance(name, str) else ""


@functools.lru_cache(maxsize=1024)
def is_library_file(filename: str) -> bool:
    """Whether `filename` lies under the standard library or an installed-packages directory."""
    path = os.path.realpath(filename)
    return any(_under(path, root) for root in library_directories())


def _under(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False


@functools.cache
def library_directories() -> tuple[str, ...]:
    """The standard library's and installed packages' directories of this interpreter."""
    found: list[str] = []
    paths = sysconfig.get_paths()
    found += [paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths]
    found += site.getsitepackages() if hasattr(site, "getsitepackages") else []
    if site.ENABLE_USER_SITE and site.getusersitepackages():
        found.append(site.getusersitepackages())
    # Debian's dist-packages and other installers' directories on the path
    found += [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]
    return tuple(dict.fromkeys(os.path.realpath(p) for p in found if p))


def library_import(name: str, fn: types.FunctionType) -> str:
    """The import that binds `name` to the library function `fn` in an exported module
    (`from scipy.linalg._matfuncs import sqrtm`), or an error: its source is not copied."""
    from ..export import ExportError  # export uses this module

    module = sys.modules.get(module_name(fn))
    if module is None or getattr(module, fn.__name__, None) is not fn:
        raise ExportError(
            f"cannot export `{name}`: the library function {fn.__qualname__} cannot be imported "
            "by its name",
            hint="call it through its module (`scipy.linalg.sqrtm`) in your function",
        )
    alias = f" as {name}" if name != fn.__name__ else ""
    return f"from {module.__name__} import {fn.__name__}{alias}"


def refuse_library_source(fn: types.FunctionType) -> None:
    """A library function given to a transform (`ad.grad(scipy.special.logsumexp)`) is not
    read: its code is the library's, written with constructs s2s_ad need not support."""
    if not is_library_function(fn):
        return
    from ..errors import SourceError

    label = f"{fn.__module__}.{fn.__qualname__}"
    raise SourceError(
        f"cannot differentiate `{label}` itself: it is a library's function "
        f"({fn.__code__.co_filename}), and s2s_ad reads only your own code",
        hint=f"call it from a function of yours (`def f(x): return {fn.__name__}(x)`) and "
        "differentiate that: the call uses its derivative rule, or tells you how to give it one"
        + library_note(fn),
    )


def library_note(fn: object) -> str:
    """A sentence for the "no derivative rule" error when `fn` is a library's Python code
    that may hide the user's: a function of the user's wrapped by a library's decorator, or
    an installed package other than NumPy, SciPy or the standard library."""
    if not isinstance(fn, types.FunctionType) or not is_library_function(fn):
        return ""
    root = module_root(fn)
    wrapped = getattr(fn, "__wrapped__", None)
    if isinstance(wrapped, types.FunctionType) and not is_library_function(wrapped):
        return (
            f"; `{fn.__name__}` is your function wrapped by a decorator of `{root}`, whose "
            "code s2s_ad does not read: call the undecorated function instead"
        )
    if root in _RULED_LIBRARIES or root in sys.stdlib_module_names:
        return ""
    return (
        f"; `{root}` is an installed package, whose code s2s_ad does not read: if it is your "
        "own, install it in editable mode (`pip install -e`) to differentiate it as your code"
    )

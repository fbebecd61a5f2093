"""Private names in a method: `self.__scale` written in `class Model` is `self._Model__scale`
where it runs (Python's name mangling, https://docs.python.org/3/reference/expressions.html#private-name-mangling).
The parsed function's identifiers are mangled as the compiler mangled them, so its free
names and attributes resolve to what the running code reads.

Before (`Model.loss`): `return np.sum(x * self.__scale)`
After:                 `return np.sum(x * self._Model__scale)`
"""

from __future__ import annotations

import gast

from .nodes import descendants


def enclosing_class(qualname: str) -> str | None:
    """The innermost class whose body a function with `qualname` is written in: the last
    part before the function's own that is not a function (one followed by `<locals>`)."""
    parts = qualname.split(".")[:-1]
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] != "<locals>" and (i + 1 == len(parts) or parts[i + 1] != "<locals>"):
            return parts[i]
    return None


def mangle_private_names(node: gast.FunctionDef, qualname: str) -> None:
    """Mangle, in place, the private identifiers (`__x`, not `__x__`) of `node`, a function
    written in a class body: names, attributes, parameters, nested functions (not a call's
    keywords, which Python leaves as written)."""
    owner = enclosing_class(qualname)
    prefix = owner.lstrip("_") if owner else ""
    if not prefix:
        return  # not in a class, or a class named only with underscores: no mangling

    def mangled(identifier: str | None) -> str | None:
        private = identifier and identifier.startswith("__") and not identifier.endswith("__")
        return f"_{prefix}{identifier}" if private else identifier

    for n in descendants(node):
        if isinstance(n, gast.Name):
            n.id = mangled(n.id)
        elif isinstance(n, gast.Attribute):
            n.attr = mangled(n.attr)
        elif isinstance(n, (gast.FunctionDef, gast.ClassDef)) and n is not node:
            n.name = mangled(n.name)

"""s2s_ad: automatic differentiation by rewriting Python source."""

from . import compiled

compiled.install()  # before any pass is imported: a stale compiled pass runs from its source

# ruff: noqa: E402 (the imports after the finder is installed)
from .api import derivative_source, grad, jvp, ssa_source, value_and_grad, vjp
from .custom import checkpoint, defjvp, defvjp, stop_gradient
from .errors import S2SError
from .jacobians import hessian, hvp, jacfwd, jacobian, jacrev

__all__ = [
    "S2SError",
    "checkpoint",
    "defjvp",
    "defvjp",
    "derivative_source",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "ssa_source",
    "stop_gradient",
    "value_and_grad",
    "vjp",
]
__version__ = "0.1.0"

"""s2s_ad: automatic differentiation by rewriting Python source."""

from .api import derivative_source, grad, jvp, value_and_grad, vjp
from .errors import S2SError

__all__ = ["S2SError", "derivative_source", "grad", "jvp", "value_and_grad", "vjp"]
__version__ = "0.1.0"

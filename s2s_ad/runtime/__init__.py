"""The few helpers generated code calls (as `rt.…`), where shapes are only known at run time.

`core`: broadcasting, element updates, lists; `arrays`: reductions, shape functions,
indexing; `linalg`: contractions, solves, determinants, Cholesky; `spectral`: eigh and svd;
`factorisations`: QR, covariance, correlation, chains of products, Vandermonde matrices;
`directions`: the vector tangent mode, where tangents carry a leading axis of directions;
`index_tricks`: `np.r_` and `np.c_`.
"""

# Python's builtins, for generated code whose function binds the name of one it calls on
# its own (a parameter `min`, `from numpy import *`): `rt.python.min(_t1, _t2)`
import builtins as python  # noqa: F401

from .arrays import *  # noqa: F403
from .averages import *  # noqa: F403
from .builtins import *  # noqa: F403
from .contexts import *  # noqa: F403
from .core import *  # noqa: F403
from .curvature import *  # noqa: F403
from .definitions import *  # noqa: F403
from .dicts import *  # noqa: F403
from .directions import *  # noqa: F403
from .factorisations import *  # noqa: F403
from .index_tricks import *  # noqa: F403
from .linalg import *  # noqa: F403
from .masks import *  # noqa: F403
from .records import *  # noqa: F403
from .scipy_forms import *  # noqa: F403
from .sequences import *  # noqa: F403
from .snapshots import *  # noqa: F403
from .spectral import *  # noqa: F403
from .stencils import *  # noqa: F403
from .tail import *  # noqa: F403
from .unbound import *  # noqa: F403
from .warnings_at import *  # noqa: F403

# the checks derivative code makes when it runs, refusing an in-place update it cannot follow
# (`rt.unshared(…)`, ssa/aliasing.py; `rt.rebound(…)`, …): they raise where the user's line
# is, so what the function did before them has run
RUN_TIME_CHECKS = frozenset(("unshared", "immutable_item", "sole_item", "rebound", "key_present"))

"""Library functions are primitives: s2s_ad never reads NumPy's, SciPy's, the standard
library's or any installed package's source (s2s_ad/frontend/library.py).

A library function called where no differentiated value flows into it runs as written; one
with a rule (`np.row_stack` has `np.vstack`'s) is differentiated by it; one without a rule
that a differentiated value reaches is a located "no derivative rule" error at the user's
line, saying how to give it one. Each in reverse and forward mode, and to second order.
"""

import functools
import inspect
import operator
import statistics
import sys
import textwrap
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.special
from derivative_tests import derivative_tests
from test_sequences import second_differences

import s2s_ad as ad
from s2s_ad.errors import SourceError, UnknownCalleeError
from s2s_ad.frontend import library
from s2s_ad.frontend.library import is_library_function
from s2s_ad.rules import lookup
from s2s_ad.testing import check_grads, check_modes_agree

pytestmark = pytest.mark.filterwarnings("ignore:`row_stack` alias is deprecated")

# passive: library functions of values no derivative flows into, beside active code


def passive_sqrtm(x):
    n = x.shape[0]
    root = scipy.linalg.sqrtm(np.eye(n) * 4.0)
    return np.sum(root @ x**2)


def passive_expm(x):
    n = len(x)
    e = scipy.linalg.expm(np.eye(n) * 0.5 + np.ones((n, n)) * 0.1)
    return np.sum(np.sin(e @ x))


def passive_statistics(x):
    m = statistics.mean([1.0, 2.0, float(len(x))])
    s = statistics.pstdev([1.0, 2.0, 4.0])
    return np.sum(x * m) + s * np.sum(x**2)


def passive_reduce(x):
    p = functools.reduce(operator.mul, [1.5, 2.0, 3.0])
    return np.sum(np.exp(x) * p)


def passive_row_stack(x):
    grid = np.row_stack([np.ones(3), np.arange(3.0)])
    return np.sum(grid @ x**3)


def passive_text(x):
    label = textwrap.shorten("a long label for the result", width=12)
    return np.sum(x**2) * len(label)


def passive_numpy_python(x):
    n = x.shape[0]
    p = np.linalg.matrix_power(np.eye(n) * 1.5, 3)  # NumPy's Python code behind dispatchers
    c = np.linalg.cond(np.diag(np.arange(1.0, n + 1.0)))
    weights = np.polyval([1.0, -2.0, 0.5], np.arange(n) / n)
    return np.sum(p @ x**2) * c + np.sum(weights * x)


def _scaled_by_root(v):
    root = scipy.linalg.sqrtm(np.eye(3) * 9.0)  # passive inside a helper of the user's
    return root @ v


def passive_in_helper(x):
    return np.sum(np.tanh(_scaled_by_root(x)))


# active: np.row_stack, an alias of np.vstack with its own Python code, has its rule


def active_row_stack(x):
    m = np.row_stack([x, x**2, np.sin(x)])
    return np.sum(m * m)


def active_row_stack_tuple(x, y):
    return np.sum(np.row_stack((x * y, y)) ** 3)


X = np.array([0.3, -0.7, 1.1])
Y = np.array([0.5, 1.3, -0.4])
CASES = [
    (passive_sqrtm, (X,)),
    (passive_expm, (X,)),
    (passive_statistics, (X,)),
    (passive_reduce, (X,)),
    (passive_row_stack, (X,)),
    (passive_text, (X,)),
    (passive_numpy_python, (X,)),
    (passive_in_helper, (X,)),
    (active_row_stack, (X,)),
    (active_row_stack_tuple, (X, Y)),
]

with warnings.catch_warnings():  # the table calls np.row_stack once, to see its result
    warnings.simplefilter("ignore", DeprecationWarning)
    test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)

SECOND = [f for f, args in CASES if len(args) == 1 and f is not passive_in_helper]


@pytest.mark.parametrize("fn", SECOND, ids=lambda f: f.__name__)
def test_second_order(fn):
    expected = second_differences(fn, X)
    for hessian in (ad.hessian(fn), ad.jacfwd(ad.grad(fn))):
        np.testing.assert_allclose(hessian(X), expected, rtol=1e-5, atol=1e-5)


def test_second_order_through_a_helper():
    np.testing.assert_allclose(
        ad.hessian(passive_in_helper)(X), second_differences(passive_in_helper, X), atol=1e-5
    )


def test_row_stack_has_the_rule_of_vstack():
    assert lookup(np.row_stack) is not None
    assert lookup(np.row_stack).vjp == lookup(np.vstack).vjp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        rows = np.row_stack([X, Y])
    assert np.array_equal(rows, np.vstack([X, Y]))  # it is what the rule says it is
    assert "np.vstack(" in ad.derivative_source(active_row_stack, mode="forward")


# active without a rule: a located error at the user's line, never the library's code


def logm_of_active(x):
    a = np.outer(x, x) + np.eye(3)
    return np.sum(scipy.linalg.logm(a))  # <- error


def coshm_of_active(x):  # (expm has a rule since session 37)
    e = scipy.linalg.coshm(np.diag(x))  # <- error
    return np.sum(e)


def statistics_of_active(x):
    m = statistics.mean([x[0], x[1]])  # <- error
    return m * 2.0


def matrix_function_of_active(x):  # (matrix_power has a rule since session 37)
    p = scipy.linalg.sinm(np.outer(x, x))  # <- error
    return np.sum(p)


def polyder_of_active(x):
    return np.sum(np.polyder(x))  # <- error


def reduce_of_active(x):
    total = functools.reduce(operator.add, [x, x * 2.0])  # (refused until session 39)
    return np.sum(total)


def test_reduce_is_written_as_a_loop():
    check_grads(reduce_of_active, (np.array([0.3, -0.5, 0.9]),))


def _marked_line(fn) -> int:
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if "# <- error" in line)


REFUSED = [
    (logm_of_active, "scipy.linalg.logm"),
    (coshm_of_active, "scipy.linalg.coshm"),
    (statistics_of_active, "statistics.mean"),
    (matrix_function_of_active, "scipy.linalg.sinm"),
    (polyder_of_active, "np.polyder"),
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(("fn", "spelled"), REFUSED, ids=lambda v: getattr(v, "__name__", v))
def test_no_rule_is_located_at_the_users_line(fn, spelled, mode):
    with pytest.raises(UnknownCalleeError) as info:
        ad.grad(fn, mode=mode)(X)
    error = info.value
    assert error.filename == __file__ and error.line == _marked_line(fn)
    assert f"no derivative rule for `{spelled}`" in str(error)
    assert f"s2s_ad.defvjp({spelled}" in error.hint and f"s2s_ad.defjvp({spelled}" in error.hint
    assert "site-packages" not in str(error) and "python3." not in str(error)
    assert "installed package" not in error.hint  # SciPy and the stdlib are not the user's


# giving a library function a rule, as the error says: sqrtm by its Sylvester equation


def _sqrtm_jvp(d, ans, a, *_):  # S dS + dS S = dA
    return scipy.linalg.solve_sylvester(ans, ans, d)


def _sqrtm_vjp(g, ans, a, *_):
    return scipy.linalg.solve_sylvester(ans.T, ans.T, g)


def sqrtm_loss(x):
    a = np.outer(x, x) + np.diag(x**2) + np.eye(3)
    return np.sum(scipy.linalg.sqrtm(a) ** 3)


@pytest.fixture
def sqrtm_rule():
    from s2s_ad.custom import _GIVEN
    from s2s_ad.rules.registry import CATEGORY, REGISTRY

    # sqrtm has a built-in rule (rules/scipy_linalg.py): the user's replaces it, then it is back
    saved = [(table, dict(table)) for table in (REGISTRY, CATEGORY, _GIVEN)]
    ad.defjvp(scipy.linalg.sqrtm, _sqrtm_jvp)
    ad.defvjp(scipy.linalg.sqrtm, _sqrtm_vjp)
    yield
    for table, before in saved:
        table.clear()
        table.update(before)
    ad.defjvp.__globals__["_forget_derivatives"]()


def test_a_rule_given_to_a_library_function_with_odd_defaults(sqrtm_rule):
    # sqrtm's defaults (`disp`, `blocksize`) are sentinel objects, not literals
    check_grads(sqrtm_loss, (X,))
    check_modes_agree(sqrtm_loss, (X,))


# the decision: where the code lives


def test_library_and_user_functions():
    assert is_library_function(scipy.linalg.sqrtm) and is_library_function(statistics.mean)
    assert is_library_function(np.row_stack) and is_library_function(np.sum)
    assert is_library_function(textwrap.shorten) and is_library_function(functools.reduce)
    assert not is_library_function(passive_sqrtm)  # this test module is the user's
    assert not is_library_function(lambda v: v)


def _load(path, name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LIBRARY_CODE = """
import numpy as np


def clipped_norm(v):
    try:  # a construct s2s_ad refuses in the user's code: never read here
        n = np.sqrt(np.sum(v * v))
    except FloatingPointError:
        n = 0.0
    return n
"""

USER_CODE = """
import numpy as np


def norm(v):
    return np.sqrt(np.sum(v * v))
"""


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A site-packages directory holding a package, and an editable package of the user's,
    whose files stay in the project (`pip install -e .` puts only a path hook in
    site-packages)."""
    site_packages = tmp_path / "venv" / "lib" / "site-packages"
    (site_packages / "thirdparty").mkdir(parents=True)
    (site_packages / "thirdparty" / "__init__.py").write_text(LIBRARY_CODE)
    (tmp_path / "project" / "mine").mkdir(parents=True)
    (tmp_path / "project" / "mine" / "__init__.py").write_text(USER_CODE)
    monkeypatch.setattr(library, "library_directories", lambda: (str(site_packages),))
    library.is_library_file.cache_clear()
    thirdparty = _load(site_packages / "thirdparty" / "__init__.py", "thirdparty")
    mine = _load(tmp_path / "project" / "mine" / "__init__.py", "mine")
    monkeypatch.setitem(sys.modules, "thirdparty", thirdparty)
    monkeypatch.setitem(sys.modules, "mine", mine)
    yield thirdparty, mine
    library.is_library_file.cache_clear()


def test_installed_package_is_a_library_editable_one_is_users(installed):
    thirdparty, mine = installed
    assert is_library_function(thirdparty.clipped_norm)
    assert not is_library_function(mine.norm)
    with pytest.raises(SourceError, match="it is a library's function") as info:
        ad.grad(thirdparty.clipped_norm)(X)  # given to a transform: not read either
    assert "`thirdparty` is an installed package" in info.value.hint
    check_grads(mine.norm, (X,))

    def through_library(x):
        return thirdparty.clipped_norm(x) * 2.0

    def through_users_package(x):
        return mine.norm(x) * 2.0

    def passive_library(x):
        k = thirdparty.clipped_norm(np.ones(4))
        return np.sum(x**2) * k

    for mode in ("reverse", "forward"):
        with pytest.raises(UnknownCalleeError, match=r"thirdparty\.clipped_norm") as info:
            ad.grad(through_library, mode=mode)(X)
        assert info.value.filename == __file__  # not the package's file, nor its `try`
        assert "`thirdparty` is an installed package" in info.value.hint
        assert "pip install -e" in info.value.hint
    check_grads(through_users_package, (X,))
    check_modes_agree(through_users_package, (X,))
    check_grads(passive_library, (X,))
    check_modes_agree(passive_library, (X,))


def test_a_users_module_named_like_the_standard_library_is_the_users(tmp_path):
    # a script `code.py` or `profile.py` of the user's is not the standard library's
    (tmp_path / "code.py").write_text(USER_CODE)
    module = _load(tmp_path / "code.py", "code")
    assert not is_library_function(module.norm)


def test_export_imports_a_library_function_instead_of_copying_it(tmp_path):
    from s2s_ad.export import export_source
    from s2s_ad.pipeline import derivative

    made = derivative(uses_imported_sqrtm, "value_and_gradient", ("x",))
    source = export_source(uses_imported_sqrtm, made)
    assert "from scipy.linalg._matfuncs import sqrtm" in source
    assert "def sqrtm" not in source
    path = tmp_path / "exported.py"
    path.write_text(source)
    exported = _load(path, "exported")
    value, gradient = exported.uses_imported_sqrtm_value_and_grad(X)
    expected_value, expected = ad.value_and_grad(uses_imported_sqrtm)(X)
    assert value == expected_value
    np.testing.assert_allclose(gradient, expected, rtol=1e-12)


from scipy.linalg import sqrtm  # noqa: E402  (a library function bound to a global name)


def uses_imported_sqrtm(x):
    root = sqrtm(np.eye(3) * 4.0)
    return np.sum((root @ x) ** 2)


@pytest.mark.parametrize("fn", [scipy.special.logsumexp, statistics.mean], ids=lambda f: f.__name__)
def test_a_library_function_given_to_a_transform_is_not_read(fn):
    for transform in (ad.grad, lambda f: ad.grad(f, mode="forward")):
        with pytest.raises(SourceError, match="it is a library's function") as info:
            transform(fn)(X)
        assert f"def f(x): return {fn.__name__}(x)" in info.value.hint


def logsumexp_of_yours(x):
    return scipy.special.logsumexp(x * 2.0)


def test_calling_it_from_your_function_uses_its_rule():
    check_grads(logsumexp_of_yours, (X,))
    check_modes_agree(logsumexp_of_yours, (X,))


@functools.singledispatch
def _dispatched(x):  # functools's wrapper (a library's code) around a function of yours
    return np.sin(x)


def through_a_library_decorator(x):
    return np.sum(_dispatched(x))  # <- error


def passive_through_a_library_decorator(x):
    return np.sum(x**2) * _dispatched(0.5)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_function_wrapped_by_a_library_decorator(mode):
    with pytest.raises(UnknownCalleeError, match="no derivative rule for `_dispatched`") as info:
        ad.grad(through_a_library_decorator, mode=mode)(X)
    assert info.value.line == _marked_line(through_a_library_decorator)
    assert "wrapped by a decorator of `functools`" in info.value.hint
    check_grads(passive_through_a_library_decorator, (X,))
    check_modes_agree(passive_through_a_library_decorator, (X,))

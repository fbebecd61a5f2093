"""Functions held in attributes are watched wherever the user put them, and code whose
functions have no module name is differentiated, not crashed on.

The 44th tester found: rebinding `cfg.act` or `K.act` went unnoticed for a module loaded
from its path (its classes' module is not in `sys.modules`) and for a `SimpleNamespace`
(a library's class); a helper exec'd into a dict without `__name__` (its `__module__` is
None) made s2s_ad raise AttributeError from inside itself. Each kind is checked here under
several APIs, against the derivative of the function the attribute now holds.
"""

import argparse
import importlib.util
import textwrap
import types

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad import S2SError

X = np.array([0.3, -0.7, 1.1])

HOLDERS = """
import argparse
import types

import numpy as np


def sq(v):
    return v * v


def cube(v):
    return v * v * v


class Cfg:
    pass


class K:
    act = sq


cfg = Cfg()
cfg.act = sq
ns = types.SimpleNamespace(act=sq)
parsed = argparse.Namespace(act=sq)


def uses_cfg(x):
    return np.sum(cfg.act(x))


def uses_k(x):
    return np.sum(K.act(x))


def uses_ns(x):
    return np.sum(ns.act(x))


def uses_parsed(x):
    return np.sum(parsed.act(x))
"""

HOLDER_OF = {"uses_cfg": "cfg", "uses_k": "K", "uses_ns": "ns", "uses_parsed": "parsed"}

APIS = {
    "grad": lambda f: ad.grad(f)(X),
    "grad forward": lambda f: ad.grad(f, mode="forward")(X),
    "vjp": lambda f: ad.vjp(f, X)[1](1.0)[0],
    "jacfwd": lambda f: ad.jacfwd(f)(X),
    "jacrev": lambda f: ad.jacrev(f)(X),
    "hessian diagonal": lambda f: np.diag(ad.hessian(f)(X)) / 3.0,
}
# d/dx of sum(sq) and sum(cube); the Hessian's diagonal (2 and 6x) scaled by 1/3 above
EXPECTED = {
    "sq": {"hessian diagonal": np.full(3, 2.0 / 3.0), None: 2.0 * X},
    "cube": {"hessian diagonal": 2.0 * X, None: 3.0 * X**2},
}


def _expected(helper, api):
    table = EXPECTED[helper]
    return table.get(api, table[None])


def _from_path(tmp_path, name, source):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # (not added to sys.modules)
    return module, str(path)


def _exec_without_name(tmp_path, name, source):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return types.SimpleNamespace(**namespace), str(path)


LOADERS = {"loaded from its path": _from_path, "exec'd without __name__": _exec_without_name}


@pytest.mark.parametrize("api", list(APIS))
@pytest.mark.parametrize("function", list(HOLDER_OF))
@pytest.mark.parametrize("loader", list(LOADERS))
def test_rebinding_an_attribute_makes_the_derivative_again(tmp_path, loader, function, api):
    module, _ = LOADERS[loader](tmp_path, "holders_" + function, HOLDERS)
    f = getattr(module, function)
    np.testing.assert_allclose(APIS[api](f), _expected("sq", api), rtol=1e-12)
    getattr(module, HOLDER_OF[function]).act = module.cube
    np.testing.assert_allclose(APIS[api](f), _expected("cube", api), rtol=1e-12)
    np.testing.assert_allclose(f(X), np.sum(X**3), rtol=1e-15)


def test_a_namespace_given_a_library_function_later(tmp_path):
    module, _ = _from_path(tmp_path, "holders_library_value", HOLDERS)
    assert isinstance(module.ns, types.SimpleNamespace)
    assert isinstance(module.parsed, argparse.Namespace)
    np.testing.assert_allclose(ad.grad(module.uses_ns)(X), 2.0 * X, rtol=1e-12)
    module.ns.act = np.sin
    np.testing.assert_allclose(ad.grad(module.uses_ns)(X), np.cos(X), rtol=1e-12)
    module.ns.act = np.tanh
    np.testing.assert_allclose(ad.jacfwd(module.uses_ns)(X), 1.0 - np.tanh(X) ** 2, rtol=1e-12)


NAMELESS_HELPERS = """
import numpy as np


def helper(v):
    return v * v


def noisy(v):
    print("noisy", float(np.sum(v)))
    return v * 3.0


def updates(v):
    v[0] = 0.0
    return v


def uses_helper(x):
    return np.sum(helper(x))


def uses_noisy(x):
    return np.sum(noisy(x) * x)


def uses_updates(x):
    y = x * 1.0
    return np.sum(updates(y) * x)
"""


@pytest.mark.parametrize("api", list(APIS))
def test_a_helper_without_a_module_name(tmp_path, api):
    module, _ = _exec_without_name(tmp_path, "nameless_helper", NAMELESS_HELPERS)
    assert module.helper.__module__ is None
    np.testing.assert_allclose(APIS[api](module.uses_helper), _expected("sq", api), rtol=1e-12)


@pytest.mark.parametrize("api", ["grad", "grad forward", "jacrev"])
def test_a_helper_with_an_effect_without_a_module_name(tmp_path, capsys, api):
    module, _ = _exec_without_name(tmp_path, "nameless_noisy", NAMELESS_HELPERS)
    gradient = APIS[api](module.uses_noisy)
    np.testing.assert_allclose(gradient, 6.0 * X, rtol=1e-12)
    assert "noisy" in capsys.readouterr().out


@pytest.mark.parametrize("api", ["grad", "grad forward", "vjp"])
def test_a_helper_updating_its_argument_without_a_module_name(tmp_path, api):
    """Differentiated (the update read as the helper does it), or refused naming the
    user's file: never an error from inside s2s_ad."""
    module, path = _exec_without_name(tmp_path, "nameless_updates", NAMELESS_HELPERS)
    expected = 2.0 * X
    expected[0] = 0.0  # y[0] = 0: x[0] is multiplied by a constant 0
    try:
        gradient = APIS[api](module.uses_updates)
    except S2SError as error:
        assert path in str(error), str(error)
    else:
        np.testing.assert_allclose(gradient, expected, rtol=1e-12)


RETURNED_APPEND = """
import numpy as np


def by_lambda(x):
    out = []
    add = lambda v: out.append(v * 2.0)  # noqa: E731
    add(x[0])
    return sum(out)


def by_def(x):
    out = []

    def add(v):
        return out.append(v * 2.0)

    add(x[0])
    return sum(out)


def as_statement(x):
    out = []

    def add(v):
        out.append(v * 2.0)

    add(x[0])
    add(x[1] * x[2])
    return sum(out)
"""


@pytest.mark.parametrize("function,line", [("by_lambda", 7), ("by_def", 16)])
def test_a_list_update_used_as_a_value_is_refused_clearly(tmp_path, function, line):
    module, path = _from_path(tmp_path, "returned_append_" + function, RETURNED_APPEND)
    with pytest.raises(S2SError) as caught:
        ad.grad(getattr(module, function))(X)
    message = str(caught.value)
    assert f"{path}:{line}" in message, message
    assert "`.append()` of a list used as a value" in message, message
    assert "array methods" not in message, message


def test_a_list_update_as_a_statement_of_a_nested_def(tmp_path):
    module, _ = _from_path(tmp_path, "returned_append_statement", RETURNED_APPEND)
    expected = np.array([2.0, 2.0 * X[2], 2.0 * X[1]])
    np.testing.assert_allclose(ad.grad(module.as_statement)(X), expected, rtol=1e-12)
    np.testing.assert_allclose(ad.jacfwd(module.as_statement)(X), expected, rtol=1e-12)

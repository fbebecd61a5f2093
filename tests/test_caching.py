"""Cached derivatives cannot go stale: a redefined function, a rebound global helper or
function, an edited file; and concurrent first calls from threads."""

import functools
import importlib
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import SourceError


@pytest.fixture
def module(tmp_path, monkeypatch):
    """`write(source)`: a fresh module in a file (re)imported from `source`."""
    monkeypatch.syspath_prepend(str(tmp_path))
    counter = iter(range(1000))

    def write(source, name=None):
        name = name or f"cached_{next(counter)}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        importlib.invalidate_caches()
        if name in sys.modules:
            return importlib.reload(sys.modules[name])
        return importlib.import_module(name)

    return write


CALLER = """
    import numpy as np

    def helper(x):
        return x * x

    def act(x):
        return np.tanh(x)

    rule = np.sin

    def caller(x):
        return helper(x) + 1.0

    def through_rule(x):
        return np.sum(rule(x))
    """


def both_modes(fn, *args):
    return ad.grad(fn)(*args), ad.grad(fn, mode="forward")(*args)


def test_a_redefined_function_gets_a_new_derivative(module):
    """As in a notebook: the same name, new source, a new derivative."""
    old = module("def f(x):\n    return x * x\n", "redefined").f
    old_gradient = ad.grad(old)
    assert both_modes(old, 3.0) == (6.0, 6.0) == (old_gradient(3.0),) * 2
    new = module("def f(x):\n    return x * x * x\n", "redefined").f
    assert both_modes(new, 3.0) == (27.0, 27.0)
    assert old_gradient(3.0) == 6.0  # the old function keeps its own


def test_a_rebound_global_helper_is_followed(module):
    mod = module(CALLER)
    gradient = ad.grad(mod.caller)
    assert gradient(3.0) == gradient(3.0) == 6.0  # the second call takes the fast path
    _, pullback = ad.vjp(mod.caller, 3.0)
    assert pullback(1.0) == (6.0,)
    mod.helper = mod.act  # rebound after the first derivative was made and cached
    expected = 1.0 - np.tanh(3.0) ** 2
    assert gradient(3.0) == pytest.approx(expected, rel=1e-14)
    assert ad.grad(mod.caller, mode="forward")(3.0) == pytest.approx(expected, rel=1e-14)
    assert ad.vjp(mod.caller, 3.0)[1](1.0)[0] == pytest.approx(expected, rel=1e-14)
    assert ad.jvp(mod.caller, (3.0,), (1.0,))[1] == pytest.approx(expected, rel=1e-14)


def test_a_rebound_global_function_with_a_rule_is_followed(module):
    mod = module(CALLER)
    x = np.linspace(-1.0, 1.0, 5)
    gradient = ad.grad(mod.through_rule)
    np.testing.assert_allclose(gradient(x), np.cos(x), rtol=1e-15)
    mod.rule = np.exp
    np.testing.assert_allclose(gradient(x), np.exp(x), rtol=1e-15)
    np.testing.assert_allclose(ad.jacfwd(mod.through_rule)(x), np.exp(x), rtol=1e-15)


def test_a_helper_rebound_in_the_callee_module_is_followed(module):
    """The caller's derivative depends on what its callees' derivatives depend on."""
    inner = module(CALLER)
    outer = module(
        f"""
        from {inner.__name__} import caller

        def outer(x):
            return caller(x) * 2.0
        """
    )
    gradient = ad.grad(outer.outer)
    assert gradient(3.0) == 12.0
    inner.helper = inner.act
    assert gradient(3.0) == pytest.approx(2.0 * (1.0 - np.tanh(3.0) ** 2), rel=1e-14)


def make_closure(fn):
    def closure(x):
        return fn(x) * 2.0

    return closure


def test_two_closures_over_different_functions():
    first, second = make_closure(np.sin), make_closure(np.cos)
    assert ad.grad(first)(0.5) == pytest.approx(2.0 * np.cos(0.5), rel=1e-15)
    assert ad.grad(second)(0.5) == pytest.approx(-2.0 * np.sin(0.5), rel=1e-15)
    assert ad.grad(first, mode="forward")(0.5) == pytest.approx(2.0 * np.cos(0.5), rel=1e-15)


def test_a_file_edited_since_the_function_was_defined_is_an_error(module):
    mod = module("def f(x):\n    return 2.0 * x\n", "edited")
    path = mod.__file__
    with open(path, "w") as handle:
        handle.write("def f(x):\n    return 3.0 * x * x\n")
    import linecache

    linecache.checkcache(path)
    with pytest.raises(SourceError, match="is not the code it runs") as info:
        ad.grad(mod.f)(1.0)
    assert "edited.py:1" in str(info.value)
    assert "reload the module" in str(info.value)


def scaled(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 10.0 * fn(x)

    return wrapper


@scaled
def decorated(x):
    return x * x


def test_a_wrapped_function_is_not_differentiated_as_its_inner_function():
    with pytest.raises(SourceError, match="a decorator wrapped it"):
        ad.grad(decorated)(1.0)


def threaded(x, w):
    h = x
    for _ in range(5):
        h = np.tanh(w * h + 0.1)
    return np.sum(h * h)


def test_concurrent_first_calls_from_threads():
    rng = np.random.default_rng(0)
    args = [(rng.normal(size=n), 0.9) for n in (3, 4, 5, 6) for _ in range(4)]
    functions = [make_closure(np.sin) for _ in range(4)]
    expected = [ad.grad(threaded)(*a) for a in args]  # a separate, serial gradient
    results, errors = {}, []
    start = threading.Barrier(len(args))

    def work(k):
        try:
            start.wait()
            gradient = ad.grad(threaded)  # new gradient objects: first calls race
            results[k] = (gradient(*args[k]), ad.grad(functions[k % 4])(0.3))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(args))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k, want in enumerate(expected):
        np.testing.assert_array_equal(results[k][0], want)
        assert results[k][1] == pytest.approx(2.0 * np.cos(0.3), rel=1e-15)


SHOW = """
import sys
sys.path.insert(0, "samples")
import s2s_ad as ad
import teaching
for mode in ("reverse", "forward", "vector", "gradient", "hessian"):
    print(ad.derivative_source(teaching.f, mode=mode, wrt=(0, 1)))
"""


def test_generated_source_is_byte_identical_across_processes():
    outputs = {
        subprocess.run(
            [sys.executable, "-c", SHOW],
            capture_output=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1
    assert b"def f_vjp" in outputs.pop()


FAST_PATH_SOURCE = """
    import numpy as np

    def helper(x):
        return x * x

    def act(x):
        return np.tanh(x)

    scale = 2.0

    def scalar_out(x):
        return np.sum(helper(x)) * scale

    def summed(x):
        return np.sum(helper(x) * scale)  # a scalar whatever `helper` and `scale` are

    def vector_out(x):
        return helper(x) * scale

    """
# the same name, other code: `f.__code__ = …` of it
OTHER_CODE = """
    import numpy as np

    scale = 3.0

    def scalar_out(x):
        return np.sum(np.sin(x)) * scale

    def summed(x):
        return np.sum(np.sin(x) * scale)
    """


def _fast_apis():
    """(name, make, the function's kind of output) of every API with a per-call fast path."""
    return [
        ("grad", ad.grad, "scalar_out"),
        ("value_and_grad", lambda f: lambda x: ad.value_and_grad(f)(x)[1], "scalar_out"),
        ("grad forward", lambda f: ad.grad(f, mode="forward"), "scalar_out"),
        ("jacfwd", ad.jacfwd, "vector_out"),
        ("jacrev", ad.jacrev, "vector_out"),
        ("jacobian", ad.jacobian, "vector_out"),
    ]


@pytest.mark.parametrize("x", [0.7, np.array([0.3, -0.8, 1.1])], ids=["float", "array"])
@pytest.mark.parametrize("api", _fast_apis(), ids=lambda a: a[0])
def test_every_fast_path_follows_a_rebound_helper_a_global_and_a_new_code(module, api, x):
    """A derivative kept for later calls (the fast path: one check per call) is made again
    when a helper or a global it read is rebound, or the function's code is replaced."""
    _, make, kind = api
    if kind == "vector_out" and np.ndim(x) == 0:
        x = np.array([x])
    mod = module(FAST_PATH_SOURCE)
    f = getattr(mod, kind)
    derivative = make(f)
    calls = derivative(x), derivative(x)  # the second takes the fast path
    expected = 2.0 * np.asarray(x) * 2.0
    for found in calls:
        found = np.diag(found) if np.ndim(found) == 2 else found
        np.testing.assert_allclose(found, expected, rtol=1e-15)
    mod.helper = mod.act
    found = derivative(x)
    found = np.diag(found) if np.ndim(found) == 2 else found
    np.testing.assert_allclose(found, 2.0 * (1.0 - np.tanh(x) ** 2), rtol=1e-14)
    mod.scale = 3.0
    found = derivative(x)
    found = np.diag(found) if np.ndim(found) == 2 else found
    np.testing.assert_allclose(found, 3.0 * (1.0 - np.tanh(x) ** 2), rtol=1e-14)
    if kind == "scalar_out":
        f.__code__ = module(OTHER_CODE).scalar_out.__code__
        np.testing.assert_allclose(derivative(x), 3.0 * np.cos(x), rtol=1e-14)


GRADIENT_OF_SOURCE = """
    import numpy as np

    power = 3.0

    def shaped(x):
        return x**power

    def sined(x):
        return np.sin(x)

    def loss(x, c=1.5):
        return np.sum(c * shaped(x))
    """
# the same name, other code: `loss.__code__ = …` of it
OTHER_LOSS = """
    import numpy as np

    def loss(x, c=1.5):
        return np.sum(c * np.exp(x))
    """


def _over_gradient(api, g):
    """`x -> ` the second derivative `api` gives of `g = grad(loss)` at `x` (a vector: the
    Hessian's diagonal, or its product by ones), the Jacobian function made once."""
    if api in ("jacfwd", "jacrev", "jacobian"):
        jacobian = getattr(ad, api)(g)
        return lambda x: np.diag(jacobian(x))
    if api == "jvp":
        return lambda x: ad.jvp(g, (x,), (np.ones_like(x),))[1]
    return lambda x: ad.vjp(g, x)[1](np.ones_like(x))[0]


@pytest.mark.parametrize("api", ["jacfwd", "jacrev", "jacobian", "jvp", "vjp", "grad of grad"])
def test_derivatives_of_a_kept_gradient_follow_the_function(module, api):
    """`jacfwd(grad(f))` and the like, made once and called again, follow `f`'s defaults,
    code, globals and helpers changed in between (before, the Jacobians of a kept `grad(f)`
    gave the old defaults' and `jacrev` the old code's Hessian, and `grad(grad(f))` the old
    helper's)."""
    mod = module(GRADIENT_OF_SOURCE)
    f = mod.loss
    x = np.array([0.3, 0.8, 1.1])
    if api == "grad of grad":  # a float: `grad(f)(x)` is a scalar
        x, kept_function = 0.7, ad.grad(ad.grad(f))
    else:
        kept_function = _over_gradient(api, ad.grad(f))

    def second():
        return kept_function(x)

    kept = [second(), second()]  # the second call takes the fast path where there is one
    for found in kept:
        np.testing.assert_allclose(found, 1.5 * 6.0 * x, rtol=1e-14)
    f.__defaults__ = (2.5,)
    np.testing.assert_allclose(second(), 2.5 * 6.0 * x, rtol=1e-14)
    mod.power = 4.0
    np.testing.assert_allclose(second(), 2.5 * 12.0 * x**2, rtol=1e-14)
    mod.shaped = mod.sined  # a helper rebound
    np.testing.assert_allclose(second(), -2.5 * np.sin(x), rtol=1e-14)
    f.__code__ = module(OTHER_LOSS).loss.__code__
    np.testing.assert_allclose(second(), 2.5 * np.exp(x), rtol=1e-14)
    f.__defaults__ = (1.5,)
    np.testing.assert_allclose(second(), 1.5 * np.exp(x), rtol=1e-14)


def test_a_kept_hessian_follows_a_rebound_helper_a_global_and_a_new_code(module):
    """The Hessian's fast path (its code made once per argument signature) is made again
    when what it read changes, as the Jacobians' is."""
    mod = module(FAST_PATH_SOURCE)
    f = mod.summed
    x = np.array([0.3, -0.8, 1.1])
    kept = ad.hessian(f)
    for found in (kept(x), kept(x)):  # the second takes the fast path
        np.testing.assert_allclose(found, 4.0 * np.eye(3), rtol=1e-15)
    mod.helper = mod.act  # d²/dx² tanh(x) = -2 tanh(x) (1 - tanh(x)²)
    t = np.tanh(x)
    np.testing.assert_allclose(kept(x), np.diag(2.0 * -2.0 * t * (1.0 - t**2)), rtol=1e-13)
    mod.scale = 3.0
    np.testing.assert_allclose(kept(x), np.diag(3.0 * -2.0 * t * (1.0 - t**2)), rtol=1e-13)
    f.__code__ = module(OTHER_CODE).summed.__code__
    np.testing.assert_allclose(kept(x), np.diag(-3.0 * np.sin(x)), rtol=1e-13)

"""Caches that cannot go stale: an independent tester's programs.

Written from README.md alone ("Caches that cannot go stale", helpers, passive code,
functions and objects as values, second derivatives), without reading s2s_ad's source or
its other tests.  Each test writes a small project (a `cfg`/`model` module imported by a
training script) to pytest's tmp_path, takes a first derivative, changes something a user
would change in a notebook or script (rebinding a function, a default, a constant, a
rule), and checks that the next call of every transformation -- the transformation objects
made before the change and fresh ones -- follows the new definition exactly as a plain
call does: the value equals the plain call's, the gradient matches central differences,
forward mode equals reverse mode, and the Hessian is symmetric and matches central
differences of the gradient.

It found, fixed since: a function held by a module or class attribute (`cfg.act`, `Cfg.act`,
a NumPy function there at first), a submodule attribute (`nets.acts`) and a helper's
defaults rebound after the first derivative were not followed. Still failing (strict
expected failures below): a module-level `dg = ad.grad(g)` called inside, transformations
of transformations made before the change, a helper parameter defaulting to a function.
"""

import contextlib
import functools
import importlib
import io
import sys
import textwrap

import numpy as np
import pytest

import s2s_ad as ad

X = np.array([0.31, -0.27, 0.53])

BUG_GRAD_VALUE_INSIDE = (  # (fixed in session 36)
    "stale derivative: a function calling a module-level `dg = ad.grad(g)` keeps the old "
    "derivative after a helper of `g` is rebound (value and gradient), although `dg` itself "
    "follows"
)
BUG_REUSED_NESTED = (
    "stale derivative: a transformation of a transformation made before the change "
    "(`gg = ad.grad(ad.grad(f))`, `ad.jacfwd(ad.grad(f))`, `ad.jacrev(ad.grad(f))`) "
    "keeps (or mixes in) the old second derivative after a helper of `f` is rebound; "
    "freshly made ones and a reused `ad.hessian(f)` are right"
)
TAN = np.array([0.4, -0.9, 0.25])


# --------------------------------------------------------------------------- harness


@pytest.fixture
def project(tmp_path):
    """Write modules into a fresh directory and import them; clean up afterwards."""
    written = []
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()

    def write(**modules):
        for name, src in modules.items():
            path = tmp_path.joinpath(*name.split("."))
            if name.count("."):
                path.parent.mkdir(parents=True, exist_ok=True)
            path = path.with_suffix(".py")
            path.write_text(textwrap.dedent(src))
            top = name.split(".")[0]
            written.append(top)
        importlib.invalidate_caches()

    def load(name):
        return importlib.import_module(name)

    write.load = load
    yield write
    sys.path.remove(str(tmp_path))
    for key in list(sys.modules):
        if key.split(".")[0] in written:
            del sys.modules[key]


def central_grad(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


class Transforms:
    """Every transformation of one function, made once and reused after each change."""

    def __init__(self, f, reuse_nested=False):
        self.f = f
        self.reuse_nested = reuse_nested
        self.make()

    def make(self):
        f = self.f
        self.grad = ad.grad(f)
        self.grad_fwd = ad.grad(f, mode="forward")
        self.vag = ad.value_and_grad(f)
        self.vag_fwd = ad.value_and_grad(f, mode="forward")
        self.jacfwd = ad.jacfwd(f)
        self.jacrev = ad.jacrev(f)
        self.hessian = ad.hessian(f)
        self.jf_grad = ad.jacfwd(ad.grad(f))
        self.jr_grad = ad.jacrev(ad.grad(f))

    def problems(self, x, second=True, label=""):
        f = self.f
        out = []

        def close(name, got, want, rtol=1e-5, atol=1e-7):
            got = np.asarray(got, dtype=float)
            want = np.asarray(want, dtype=float)
            if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol):
                out.append(f"{label}{name}: got {got!r}, expected {want!r}")

        plain = f(x)
        ref = central_grad(f, x)
        v, g = self.vag(x)
        close("value_and_grad value", v, plain, rtol=1e-12, atol=1e-14)
        close("value_and_grad gradient", g, ref)
        v, g = self.vag_fwd(x)
        close("value_and_grad(forward) value", v, plain, rtol=1e-12, atol=1e-14)
        close("value_and_grad(forward) gradient", g, ref)
        g_rev = self.grad(x)
        close("grad", g_rev, ref)
        close("grad(mode=forward) vs reverse", self.grad_fwd(x), g_rev, rtol=1e-10, atol=1e-12)
        close("jacfwd", self.jacfwd(x), ref)
        close("jacrev", self.jacrev(x), ref)
        val, tan = ad.jvp(f, (x,), (TAN,))
        close("jvp value", val, plain, rtol=1e-12, atol=1e-14)
        close("jvp tangent", tan, ref @ TAN)
        val, pullback = ad.vjp(f, x)
        close("vjp value", val, plain, rtol=1e-12, atol=1e-14)
        close("vjp cotangent", pullback(1.0)[0], ref)
        # fresh transformation objects as well
        close("fresh grad", ad.grad(f)(x), ref)
        close("fresh value_and_grad value", ad.value_and_grad(f)(x)[0], plain, 1e-12, 1e-14)
        if second:
            if not self.reuse_nested:  # see test_reused_jacfwd_of_grad_* for those
                self.jf_grad = ad.jacfwd(ad.grad(f))
                self.jr_grad = ad.jacrev(ad.grad(f))
            grad_f = ad.grad(f)
            h_ref = np.zeros((x.size, x.size))
            for j in range(x.size):
                e = np.zeros_like(x)
                e[j] = 1e-5
                h_ref[:, j] = (grad_f(x + e) - grad_f(x - e)) / 2e-5
            H = self.hessian(x)
            close("hessian", H, h_ref, rtol=1e-4, atol=1e-6)
            close("hessian symmetric", H, np.asarray(H).T, rtol=1e-10, atol=1e-12)
            close("jacfwd(grad)", self.jf_grad(x), h_ref, rtol=1e-4, atol=1e-6)
            close("jacrev(grad)", self.jr_grad(x), h_ref, rtol=1e-4, atol=1e-6)
            close("fresh hessian", ad.hessian(f)(x), h_ref, rtol=1e-4, atol=1e-6)
            gr, hv = ad.hvp(f, (x,), (TAN,))
            gr = gr[0] if isinstance(gr, tuple) else gr
            hv = hv[0] if isinstance(hv, tuple) else hv
            close("hvp gradient", gr, ref)
            close("hvp", hv, h_ref @ TAN, rtol=1e-4, atol=1e-6)
        return out


class ScalarTransforms:
    """grad, grad(grad) and hessian of a function of one float, reused after changes."""

    def __init__(self, f, reuse_nested=False):
        self.f = f
        self.reuse_nested = reuse_nested
        self.g = ad.grad(f)
        self.gg = ad.grad(ad.grad(f))
        self.h = ad.hessian(f)

    def problems(self, t, label=""):
        f, out = self.f, []
        if not self.reuse_nested:
            self.gg = ad.grad(ad.grad(f))
        h = 1e-5
        d1 = (f(t + h) - f(t - h)) / (2 * h)
        d2 = (f(t + h) - 2 * f(t) + f(t - h)) / h**2
        checks = [
            ("grad", self.g(t), d1, 1e-6),
            ("grad(grad)", self.gg(t), d2, 1e-4),
            ("hessian", self.h(t), d2, 1e-4),
            ("fresh grad(grad)", ad.grad(ad.grad(f))(t), d2, 1e-4),
            ("value_and_grad value", ad.value_and_grad(f)(t)[0], f(t), 1e-12),
        ]
        for name, got, want, rtol in checks:
            if not np.isclose(got, want, rtol=rtol, atol=1e-6):
                out.append(f"{label}{name}: got {got!r}, expected {want!r}")
        return out


def all_ok(*transforms, x=X, **kw):
    probs = []
    for t in transforms:
        probs += t.problems(x, **kw) if isinstance(t, Transforms) else t.problems(x)
    return probs


def captured(fn, *args):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = fn(*args)
    return result, buf.getvalue().splitlines()


# --------------------------------------------------------------------------- projects

CFG = """
import numpy as np

def act(z):
    return np.tanh(z)

def swish(z):
    return z / (1.0 + np.exp(-z))

def cube(z):
    return z ** 3 / 3.0 + z
"""

MODEL = """
import numpy as np
import cfg
from cfg import act

def layer(w, x):
    return cfg.act(w * x + 0.1)

def loss(w):
    s = 0.0
    for i in range(3):
        h = layer(w, 0.5 + 0.3 * i)
        if i % 2 == 0:
            s = s + np.sum(h ** 2)
        else:
            s = s + np.sum(np.cos(h))
    return s

def loss_from(w):
    return np.sum(act(w * 1.3) ** 2) + np.sum(w ** 2)
"""


# ---- rebinding a function through a module attribute


def test_module_attribute_rebound_twice_and_back(project):
    project(cfg=CFG, model=MODEL)
    cfg, model = project.load("cfg"), project.load("model")
    T = Transforms(model.loss)
    original = cfg.act
    for fn in (cfg.cube, cfg.swish, original, cfg.cube):
        cfg.act = fn
        assert all_ok(T) == [], fn.__name__


def test_from_import_global_rebound(project):
    project(cfg=CFG, model=MODEL)
    cfg, model = project.load("cfg"), project.load("model")
    T = Transforms(model.loss_from)
    assert all_ok(T) == []
    model.act = cfg.cube  # the name `act` in model's globals
    assert all_ok(T) == []
    model.act = np.sin  # a library function with a rule
    assert all_ok(T) == []
    project(
        model2="""
        import numpy as np

        ACT = np.tanh

        def loss(w):
            return np.sum(ACT(w * 1.3) ** 2) + np.sum(w ** 2)
        """,
    )
    cfg, m = project.load("cfg"), project.load("model2")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.ACT = cfg.cube
    assert all_ok(T) == []
    m.ACT = np.sin
    assert all_ok(T) == []


def test_module_attribute_rebound_to_library_function_and_lambda(project):
    project(cfg=CFG, model=MODEL)
    cfg, model = project.load("cfg"), project.load("model")
    T = Transforms(model.loss)
    assert all_ok(T) == []
    cfg.act = np.arctan
    assert all_ok(T) == []
    cfg.act = lambda z: z * np.exp(-0.5 * z * z)
    assert all_ok(T) == []


def test_module_attribute_holding_numpy_function_rebound(project):
    project(
        cfg="""
        import numpy as np

        act = np.tanh  # the configured activation

        def cube(z):
            return z ** 3 / 3.0 + z
        """,
        model=MODEL,
    )
    cfg, model = project.load("cfg"), project.load("model")
    T = Transforms(model.loss)
    assert all_ok(T) == []
    cfg.act = cfg.cube
    assert all_ok(T) == []


def test_rebinding_only_the_helper_used_by_a_helper(project):
    project(
        cfg=CFG,
        blocks="""
        import numpy as np
        import cfg

        def norm(h):
            return h / np.sqrt(np.sum(h ** 2) + 1.0)

        def block(w, x):
            return norm(cfg.act(w * x))

        def head(h):
            return np.sum(h * np.array([1.0, -2.0, 0.5]))
        """,
        train="""
        import numpy as np
        import blocks

        def loss(w):
            h = blocks.block(w, 1.2)
            h = blocks.block(h, 0.7)
            return blocks.head(h) ** 2
        """,
    )
    cfg, blocks, train = (project.load(n) for n in ("cfg", "blocks", "train"))
    T = Transforms(train.loss)
    assert all_ok(T) == []
    cfg.act = cfg.swish  # two modules away
    assert all_ok(T) == []

    def norm2(h):
        return h / (1.0 + np.sum(np.abs(h)))

    blocks.norm = norm2  # the middle helper's own global
    assert all_ok(T) == []


def test_nested_package_attribute(project):
    project(
        **{
            "nets.__init__": "from . import acts\n",
            "nets.acts": """
            import numpy as np

            def gelu_ish(z):
                return 0.5 * z * (1.0 + np.tanh(0.8 * z))

            def softsign(z):
                return z / (1.0 + z * z)

            hidden = gelu_ish
            """,
            "nets.acts2": """
            import numpy as np

            def hidden(z):
                return np.sin(z) + 0.1 * z ** 2
            """,
        },
        train="""
        import numpy as np
        import nets

        def loss(w):
            h = nets.acts.hidden(w * 2.0)
            return np.sum(nets.acts.hidden(h) * w)
        """,
    )
    nets, train = project.load("nets"), project.load("train")
    acts2 = project.load("nets.acts2")
    T = Transforms(train.loss)
    assert all_ok(T) == []
    nets.acts.hidden = nets.acts.softsign
    assert all_ok(T) == []
    nets.acts.hidden = acts2.hidden
    assert all_ok(T) == []


def test_submodule_attribute_rebound_to_another_module(project):
    project(
        **{
            "nets.__init__": "from . import acts\n",
            "nets.acts": """
            import numpy as np

            def hidden(z):
                return np.tanh(z)
            """,
            "nets.acts2": """
            import numpy as np

            def hidden(z):
                return np.sin(z) + 0.1 * z ** 2
            """,
        },
        train="""
        import numpy as np
        import nets

        def loss(w):
            return np.sum(nets.acts.hidden(w * 2.0) * w)
        """,
    )
    nets, train = project.load("nets"), project.load("train")
    acts2 = project.load("nets.acts2")
    T = Transforms(train.loss)
    assert all_ok(T) == []
    nets.acts = acts2  # switch the implementation module
    assert all_ok(T) == []


# ---- class attributes and staticmethods


MODELS_CLS = """
import numpy as np

def smooth(z):
    return z / np.sqrt(1.0 + z * z)

def relu_soft(z):
    return np.log1p(np.exp(z))

def square(z):
    return z * z

class Model:
    act = staticmethod(smooth)

    def __init__(self, scale):
        self.scale = scale

    def forward(self, w):
        return Model.act(w * self.scale)

    def loss(self, w):
        return np.sum(self.forward(w) ** 2) + 0.1 * np.sum(w ** 2)

MODEL = Model(1.5)

def loss(w):
    return MODEL.loss(w)
"""


def test_class_staticmethod_rebound(project):
    project(models=MODELS_CLS)
    m = project.load("models")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.Model.act = staticmethod(m.relu_soft)
    assert all_ok(T) == []
    m.Model.act = staticmethod(m.square)
    assert all_ok(T) == []


def test_method_redefined_on_the_class(project):
    project(models=MODELS_CLS)
    m = project.load("models")
    T = Transforms(m.loss)
    assert all_ok(T) == []

    def forward(self, w):
        return np.sin(w * self.scale) + w

    m.Model.forward = forward
    assert all_ok(T) == []
    model = m.Model(0.8)
    T = Transforms(model.loss)
    assert all_ok(T) == []
    model.scale = 2.5  # data are read live
    assert all_ok(T) == []


def test_self_act_class_attribute_through_instance(project):
    project(
        layers="""
        import numpy as np

        def soft(z):
            return np.log1p(np.exp(z))

        class Layer:
            act = staticmethod(np.tanh)

            def __init__(self, W):
                self.W = W

            def __call__(self, x):
                return self.act(self.W @ x)

        W1 = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]])
        NET = [Layer(W1), Layer(np.array([[0.7, -0.2]]))]

        def loss(w):
            h = w
            for layer in NET:
                h = layer(h)
            return np.sum(h ** 2) + np.sum(w * w) * 0.01
        """
    )
    m = project.load("layers")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.Layer.act = staticmethod(m.soft)  # class attribute read through `self`
    assert all_ok(T) == []
    m.NET[1].act = np.sin  # instance attribute now shadows it
    assert all_ok(T) == []


def test_bound_method_as_differentiated_function_after_class_change(project):
    project(models=MODELS_CLS)
    m = project.load("models")
    model = m.Model(0.8)
    T = Transforms(model.loss)
    assert all_ok(T) == []
    m.Model.act = staticmethod(m.relu_soft)
    assert all_ok(T) == []


def test_config_class_attributes(project):
    project(
        conf="""
        import numpy as np

        def smooth(z):
            return z / np.sqrt(1.0 + z * z)

        def soft(z):
            return np.log1p(np.exp(z))

        class Config:
            act = smooth
            weight_decay = 0.01
        """,
        trainer="""
        import numpy as np
        from conf import Config

        def loss(w):
            h = Config.act(w * 1.5)
            return np.sum((h - 0.2) ** 2) + Config.weight_decay * np.sum(w ** 2)
        """,
    )
    conf, trainer = project.load("conf"), project.load("trainer")
    T = Transforms(trainer.loss)
    assert all_ok(T) == []
    conf.Config.weight_decay = 0.5  # a number: read live
    assert all_ok(T) == []
    conf.Config.act = conf.soft  # a function: must be followed
    assert all_ok(T) == []


# ---- dicts and lists of functions at module level


REGISTRY = """
import numpy as np

def soft(z):
    return np.log1p(np.exp(z))

def bump(z):
    return np.exp(-z * z)

ACTS = {"hidden": np.tanh, "out": soft}
STAGES = [np.sin, soft]

def loss(w):
    h = ACTS["hidden"](w * 1.7)
    h = STAGES[0](h) + STAGES[1](w)
    return np.sum(ACTS["out"](h) ** 2)
"""


def test_module_dict_and_list_of_functions_items_replaced(project):
    project(reg=REGISTRY)
    m = project.load("reg")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.ACTS["hidden"] = m.bump  # mutated in place, not rebound
    assert all_ok(T) == []
    m.STAGES[0] = m.bump  # mutated in place
    assert all_ok(T) == []
    m.STAGES[1] = np.cos
    assert all_ok(T) == []


def test_module_dict_of_functions_rebound_whole(project):
    project(reg=REGISTRY)
    m = project.load("reg")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.ACTS = {"hidden": m.bump, "out": np.tanh}
    m.STAGES = [m.soft, np.sin]
    assert all_ok(T) == []


# ---- partials and callable objects as module-level helpers


PARTS = """
import functools
import numpy as np

def leaky(z, alpha=0.1):
    return np.where(z > 0.0, z, alpha * z) + 0.05 * z ** 3

ACT = functools.partial(leaky, alpha=0.2)

class Scaled:
    def __init__(self, s):
        self.s = s

    def __call__(self, z):
        return np.tanh(self.s * z)

SQUASH = Scaled(2.0)

def loss(w):
    return np.sum(ACT(w) ** 2) + np.sum(SQUASH(w) * w)
"""


def test_partial_and_callable_object_rebound_and_mutated(project):
    project(parts=PARTS)
    m = project.load("parts")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.ACT = functools.partial(m.leaky, alpha=0.7)  # same function, other argument
    assert all_ok(T) == []
    m.SQUASH = m.Scaled(0.5)
    assert all_ok(T) == []
    m.SQUASH.s = 3.0
    assert all_ok(T) == []


# ---- defaults


DEFAULTS = """
import numpy as np

W0 = np.array([0.5, -1.0, 2.0])

def penalty(w, alpha=0.1, *, p=2.0):
    return alpha * np.sum(np.abs(w) ** p)

def loss(w, scale=1.0, target=W0, *, reg=0.01):
    r = np.sum((np.sin(scale * w) - target) ** 2)
    return r + penalty(w) + reg * np.sum(w ** 4)
"""


def test_differentiated_function_defaults_and_kwdefaults(project):
    project(defs=DEFAULTS)
    m = project.load("defs")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.loss.__defaults__ = (2.5, np.array([0.0, 1.0, -1.0]))
    assert all_ok(T) == []
    m.loss.__kwdefaults__ = {"reg": 0.5}
    assert all_ok(T) == []


def test_helper_defaults_and_kwdefaults(project):
    project(defs=DEFAULTS)
    m = project.load("defs")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.penalty.__defaults__ = (0.7,)
    assert all_ok(T) == []
    m.penalty.__kwdefaults__ = {"p": 3.0}
    assert all_ok(T) == []


def test_default_array_updated_in_place(project):
    project(defs=DEFAULTS)
    m = project.load("defs")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.W0 *= -2.0  # the default object itself, as a plain call sees it
    assert all_ok(T) == []


def test_default_is_a_function(project):
    project(
        defs="""
        import numpy as np

        def soft(z):
            return np.log1p(np.exp(z))

        def layer(x, act=np.tanh):
            return act(2.0 * x)

        def loss(w):
            return np.sum(soft(w) * layer(w))
        """
    )
    m = project.load("defs")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.layer.__defaults__ = (m.soft,)
    assert all_ok(T) == []


def test_default_bound_at_def_is_not_read_live(project):
    # the other direction: a module constant used as a default is bound at the `def`;
    # rebinding the constant must NOT change the derivative (the plain call ignores it)
    project(
        defs="""
        import numpy as np

        ALPHA = 0.3

        def smooth_l1(z, a=ALPHA):
            return np.sum(np.sqrt(z * z + a))

        def loss(w):
            return smooth_l1(w) + ALPHA * np.sum(w ** 2)
        """
    )
    m = project.load("defs")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.ALPHA = 5.0
    assert all_ok(T) == []


# ---- live globals: arrays, numbers, flags, loop counts


GLOBALS = """
import numpy as np

W = np.array([[0.2, -0.5, 0.3], [0.7, 0.1, -0.4]])
BIAS = 0.1
LR = 0.5
N_STEPS = 3
USE_L1 = False

def loss(w):
    h = w
    for _ in range(N_STEPS):
        h = h - LR * np.tanh(h + BIAS)
    z = W @ h
    if USE_L1:
        return np.sum(np.sqrt(z * z + 0.01))
    return np.sum(z ** 2)
"""


def test_global_array_and_float_rebound(project):
    project(settings=GLOBALS)
    m = project.load("settings")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.W = np.array([[1.0, 2.0, -1.0]])  # another shape: a different output size
    m.BIAS = -0.3
    assert all_ok(T) == []
    m.W[0, :] = [-1.0, 0.5, 2.0]  # updated in place
    assert all_ok(T) == []


def test_global_float_becomes_array_then_loop_count_and_flag(project):
    project(settings=GLOBALS)
    m = project.load("settings")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.BIAS = np.array([0.3, -0.2, 0.1])
    assert all_ok(T) == []
    m.LR = np.array([[0.1], [0.2], [0.3]]) * 0 + 0.25  # shape (3, 1): broadcasts h to (3, 3)
    assert all_ok(T) == []
    m.N_STEPS = 6
    m.USE_L1 = True
    assert all_ok(T) == []
    m.N_STEPS = 0
    assert all_ok(T) == []


# ---- closures


def test_closure_cell_rebound_by_nonlocal(project):
    project(
        fac="""
        import numpy as np

        def make_loss():
            act = np.tanh
            scale = 1.0

            def loss(w):
                return np.sum(act(scale * w) ** 2) + 0.1 * np.sum(w ** 2)

            def configure(new_act, new_scale):
                nonlocal act, scale
                act, scale = new_act, new_scale

            return loss, configure

        def soft(z):
            return np.log1p(np.exp(z))
        """
    )
    m = project.load("fac")
    loss, configure = m.make_loss()
    T = Transforms(loss)
    assert all_ok(T) == []
    configure(np.tanh, 2.0)  # a number in the cell
    assert all_ok(T) == []
    configure(m.soft, 2.0)  # a function in the cell
    assert all_ok(T) == []


# ---- passive code: prints and logs


LOGGING = """
import numpy as np

LOG = []

def report(tag, v):
    pass

def quiet(v):
    return v

def step(w):
    h = np.tanh(w) * 2.0
    report("step", float(np.sum(h)))
    return h

def loss(w):
    h = step(w)
    h = step(h)
    LOG.append(float(np.sum(h)))
    return np.sum(h ** 2)
"""


def _count_prints(fn, *args):
    _, lines = captured(fn, *args)
    return len(lines)


def test_helper_starts_printing_after_first_grad(project):
    project(logs=LOGGING)
    m = project.load("logs")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    g0 = T.grad(X)

    def report(tag, v):
        print(tag, round(v, 6))

    m.report = report
    plain_lines = captured(m.loss, X)[1]
    assert len(plain_lines) == 2
    for name, fn, args in [
        ("grad", T.grad, (X,)),
        ("value_and_grad", T.vag, (X,)),
        ("grad forward", T.grad_fwd, (X,)),
        ("jvp", lambda x: ad.jvp(m.loss, (x,), (TAN,)), (X,)),
        ("vjp", lambda x: ad.vjp(m.loss, x)[1](1.0), (X,)),
        ("jacrev", T.jacrev, (X,)),
        ("jacfwd", T.jacfwd, (X,)),
    ]:
        _, lines = captured(fn, *args)
        assert lines == plain_lines, name
    with contextlib.redirect_stdout(io.StringIO()):
        assert np.allclose(T.grad(X), g0)
        assert all_ok(T) == []


def test_helper_stops_printing_after_first_grad(project):
    project(logs=LOGGING.replace("    pass", "    print(tag, round(v, 6))"))
    m = project.load("logs")
    T = Transforms(m.loss)
    with contextlib.redirect_stdout(io.StringIO()):
        assert all_ok(T) == []
    assert _count_prints(T.grad, X) == 2
    m.report = lambda tag, v: None
    for name, fn in [("grad", T.grad), ("value_and_grad", T.vag), ("jacfwd", T.jacfwd)]:
        assert _count_prints(fn, X) == 0, name
    assert all_ok(T) == []


def test_inner_helper_of_printing_helper_rebound(project):
    project(
        logs="""
        import numpy as np

        def emit(msg):
            pass

        def report(tag, v):
            emit(tag + "=" + format(v, ".4f"))

        def loss(w):
            h = np.sin(w) * w
            report("h", float(np.sum(h)))
            z = np.exp(-h)
            report("z", float(np.sum(z)))
            return np.sum(z * h)
        """
    )
    m = project.load("logs")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    assert _count_prints(T.grad, X) == 0

    def emit(msg):
        print("LOG", msg)

    m.emit = emit
    plain = captured(m.loss, X)[1]
    assert len(plain) == 2
    assert captured(T.grad, X)[1] == plain
    assert captured(T.vag, X)[1] == plain
    assert captured(ad.grad(m.loss), X)[1] == plain
    assert captured(lambda x: ad.jvp(m.loss, (x,), (TAN,)), X)[1] == plain
    m.emit = lambda msg: None
    assert _count_prints(T.grad, X) == 0


def test_global_log_list_rebound(project):
    project(logs=LOGGING)
    m = project.load("logs")
    g = ad.grad(m.loss)
    vg = ad.value_and_grad(m.loss)
    g(X)
    assert len(m.LOG) == 1
    old = m.LOG
    m.LOG = []  # a notebook resets the log
    g(X)
    vg(X)
    ad.jvp(m.loss, (X,), (TAN,))
    assert len(old) == 1
    assert len(m.LOG) == 3
    plain = m.loss(X)
    assert m.LOG[-1] == m.LOG[0]
    assert vg(X)[0] == plain


def test_printing_helper_rebound_under_hessian(project):
    # second order runs the helper's forward sweep again: the numbers still must follow
    project(logs=LOGGING)
    m = project.load("logs")
    T = Transforms(m.loss)
    H0 = T.hessian(X)

    def step(w):
        h = np.sin(w) * 1.5
        print("new step", float(np.sum(h)))
        return h

    m.step = step
    with contextlib.redirect_stdout(io.StringIO()):
        assert all_ok(T) == []
        assert not np.allclose(T.hessian(X), H0)


# ---- custom rules registered or replaced after the first call


RULES = """
import numpy as np

def hard_clip(x):
    return np.clip(x, -0.4, 0.4)

def softplus(x):
    return np.log1p(np.exp(x))

def block(w):
    return softplus(2.0 * w) - 0.3 * w

def loss(w):
    return np.sum(hard_clip(w * 1.5) ** 2) + np.sum(block(w) ** 2)
"""


def test_defvjp_registered_after_first_grad_straight_through(project):
    project(rules=RULES)
    m = project.load("rules")
    g = ad.grad(m.loss)
    vg = ad.value_and_grad(m.loss)
    x = np.array([0.1, 0.9, -0.7])  # two entries clipped
    before = g(x)
    assert np.allclose(before, central_grad(m.loss, x), rtol=1e-5)
    # straight-through estimator: d hard_clip / dx taken as 1
    ad.defvjp(m.hard_clip, lambda g, ans, x: g)
    c = np.clip(1.5 * x, -0.4, 0.4)
    ste = 2 * c * 1.5 + ad.grad(lambda w: np.sum(m.block(w) ** 2))(x)
    assert np.allclose(g(x), ste)
    assert np.allclose(vg(x)[1], ste)
    assert vg(x)[0] == m.loss(x)
    # replaced by another rule
    ad.defvjp(m.hard_clip, lambda g, ans, x: 0.5 * g)
    ste2 = c * 1.5 + ad.grad(lambda w: np.sum(m.block(w) ** 2))(x)
    assert np.allclose(g(x), ste2)
    assert np.allclose(ad.grad(m.loss)(x), ste2)


def test_defjvp_defvjp_rule_of_nested_helper_after_hessian(project):
    project(rules=RULES)
    m = project.load("rules")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    import scipy.special

    calls = []

    def sp_vjp(g, ans, x):
        calls.append("vjp")
        return g * scipy.special.expit(x)

    ad.defjvp(m.softplus, lambda d, ans, x: d * scipy.special.expit(x))
    ad.defvjp(m.softplus, sp_vjp)
    assert all_ok(T) == []  # same mathematics
    calls.clear()
    T.grad(X)
    assert calls == ["vjp"]  # and the new rule is what runs


def test_defjvp_replaced_changes_forward_mode(project):
    project(rules=RULES)
    m = project.load("rules")
    x = np.array([0.1, 0.9, -0.7])
    gf = ad.grad(m.loss, mode="forward")
    gf(x)
    _, t0 = ad.jvp(m.loss, (x,), (TAN,))
    ad.defjvp(m.hard_clip, lambda d, ans, x: d)  # straight-through in forward mode
    c = np.clip(1.5 * x, -0.4, 0.4)
    rest = ad.grad(lambda w: np.sum(m.block(w) ** 2))(x)
    ste = 2 * c * 1.5 + rest
    assert np.allclose(gf(x), ste)
    _, t1 = ad.jvp(m.loss, (x,), (TAN,))
    assert np.isclose(t1, ste @ TAN)
    assert not np.isclose(t0, t1)


# ---- functions given as values and derivatives called inside


def test_function_argument_helper_redefined(project):
    project(
        cb="""
        import numpy as np
        import cfg

        def rhs(y):
            return -cfg.act(y) * 0.5

        def integrate(f, y0, dt, n):
            y = y0
            for _ in range(n):
                y = y + dt * f(y)
            return y

        def loss(w):
            y = integrate(rhs, w, 0.1, 5)
            return np.sum((y - 0.2) ** 2)
        """,
        cfg=CFG,
    )
    cfg, m = project.load("cfg"), project.load("cb")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    cfg.act = cfg.cube  # reached through the function given as a value
    assert all_ok(T) == []

    def rhs(y):
        return np.cos(y) - y

    m.rhs = rhs
    assert all_ok(T) == []


def test_module_level_grad_called_inside_follows_rebinding(project):
    project(
        cfg=CFG,
        inner="""
        import numpy as np
        import s2s_ad as ad
        import cfg

        def energy(x):
            return np.sum(cfg.act(x) ** 2) * 0.5

        denergy = ad.grad(energy)

        def loss(w):
            f = denergy(w)
            return np.sum(f ** 2) + np.sum(w ** 2) * 0.1
        """,
    )
    cfg, m = project.load("cfg"), project.load("inner")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    cfg.act = cfg.swish
    assert all_ok(T) == []


def test_module_level_grad_object_rebound(project):
    project(
        inner="""
        import numpy as np
        import s2s_ad as ad

        def e1(x):
            return np.sum(np.tanh(x) ** 2)

        def e2(x):
            return np.sum(np.sin(x) * x)

        dE = ad.grad(e1)

        def loss(w):
            return np.sum(dE(w) ** 2)
        """
    )
    m = project.load("inner")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.dE = ad.grad(m.e2)
    assert all_ok(T) == []


def test_wrt_object_model_act_rebound(project):
    project(
        mlp="""
        import numpy as np

        class Dense:
            def __init__(self, W, b):
                self.W, self.b = W, b

            def __call__(self, x):
                return self.W @ x + self.b

        class MLP:
            def __init__(self, layers, act=np.tanh):
                self.layers, self.act = layers, act

            def __call__(self, x):
                for layer in self.layers[:-1]:
                    x = self.act(layer(x))
                return self.layers[-1](x)

        def soft(z):
            return np.log1p(np.exp(z))

        def mse(model, x, y):
            return np.mean((model(x) - y) ** 2)

        def sin_call(self, x):
            return self.W @ np.sin(x) + self.b
        """
    )
    m = project.load("mlp")
    rng = np.random.default_rng(1)
    layers = [
        m.Dense(rng.standard_normal((4, 3)) * 0.5, rng.standard_normal(4) * 0.1),
        m.Dense(rng.standard_normal((2, 4)) * 0.5, np.zeros(2)),
    ]
    model = m.MLP(layers)
    y = np.array([0.3, -0.1])
    g = ad.grad(m.mse)

    def check():
        gm = g(model, X, y)
        W = layers[0].W
        ref = central_grad(lambda Wv: m.mse(_with_W0(model, Wv), X, y), W)
        assert np.allclose(gm.layers[0].W, ref, rtol=1e-5, atol=1e-8)
        dx = ad.grad(m.mse, wrt=1)(model, X, y)
        assert np.allclose(
            dx, central_grad(lambda xv: m.mse(model, xv, y), X), rtol=1e-5, atol=1e-8
        )

    def _with_W0(model, Wv):
        new = m.MLP([m.Dense(Wv, layers[0].b), layers[1]], model.act)
        return new

    check()
    model.act = m.soft
    check()
    m.Dense.__call__ = m.sin_call  # a method of the class redefined
    check()


# ---- second derivatives: grad(grad) of scalar functions


SCALAR = """
import math
import numpy as np
import cfg

K = 1.5

def potential(t, k=2.0):
    s = 0.0
    for i in range(4):
        if i < 2:
            s = s + cfg.act(t * (i + 1)) * k
        else:
            s = s + math.exp(-K * t * t) / (i + 1)
    return s
"""


def test_grad_of_grad_after_rebinding_helper_default_and_constant(project):
    project(cfg=CFG, pot=SCALAR)
    cfg, m = project.load("cfg"), project.load("pot")
    S = ScalarTransforms(m.potential)
    t = 0.37
    assert S.problems(t) == []
    cfg.act = cfg.cube
    assert S.problems(t) == []
    m.potential.__defaults__ = (-0.5,)
    assert S.problems(t) == []
    m.K = 0.25
    assert S.problems(t) == []


def test_hessian_reused_object_sees_helper_redefined_in_notebook_style(project, tmp_path):
    project(cfg=CFG, model=MODEL)
    cfg, model = project.load("cfg"), project.load("model")
    T = Transforms(model.loss)
    H0 = T.hessian(X)
    # a cell run again: `def act` redefined in the module's own namespace (its source in
    # a file of its own, as IPython keeps a cell's source)
    cell = tmp_path / "cell_2.py"
    cell.write_text("import numpy as np\n\ndef act(z):\n    return np.sin(z) * np.cosh(0.3 * z)\n")
    exec(compile(cell.read_text(), str(cell), "exec"), vars(cfg))
    assert all_ok(T) == []
    assert not np.allclose(T.hessian(X), H0)


# ---- transformation objects of transformations, made before the change


# (BUG_REUSED_NESTED: stale before session 16's fix)
def test_reused_grad_of_grad_after_helper_rebound(project):
    project(cfg=CFG, pot=SCALAR)
    cfg, m = project.load("cfg"), project.load("pot")
    S = ScalarTransforms(m.potential, reuse_nested=True)
    assert S.problems(0.37) == []
    cfg.act = cfg.cube
    assert S.problems(0.37) == []


def test_reused_jacfwd_jacrev_of_grad_after_helper_rebound(project):
    project(cfg=CFG, model=MODEL)
    cfg, model = project.load("cfg"), project.load("model")
    T = Transforms(model.loss, reuse_nested=True)
    assert all_ok(T) == []
    cfg.act = cfg.swish
    assert all_ok(T) == []


# (BUG_REUSED_NESTED: stale before session 16's fix)
def test_reused_grad_of_grad_after_own_defaults_change(project):
    project(cfg=CFG, pot=SCALAR)
    m = project.load("pot")
    S = ScalarTransforms(m.potential, reuse_nested=True)
    assert S.problems(0.37) == []
    m.potential.__defaults__ = (-0.5,)
    assert S.problems(0.37) == []


# ---- more of what a training script changes


def test_shape_specialised_gradients_after_rebinding(project):
    project(cfg=CFG, model=MODEL)
    cfg, model = project.load("cfg"), project.load("model")
    g = ad.grad(model.loss)
    vg = ad.value_and_grad(model.loss)
    x3, x5 = X, np.linspace(-0.6, 0.7, 5)
    for x in (x3, x5, x3.reshape(3, 1)):
        g(x)
        vg(x)
    cfg.act = cfg.cube
    for x in (x5, x3.reshape(3, 1), x3):  # every signature compiled before the change
        assert np.allclose(g(x), central_grad(model.loss, x), rtol=1e-5, atol=1e-8)
        v, gx = vg(x)
        assert v == model.loss(x)
        assert np.allclose(gx, g(x))


def test_layer_appended_to_module_level_network(project):
    project(
        net="""
        import numpy as np

        class Dense:
            def __init__(self, W):
                self.W = W

            def __call__(self, x):
                return np.tanh(self.W @ x)

        class Scale:
            def __init__(self, s):
                self.s = s

            def __call__(self, x):
                return self.s * x * x

        LAYERS = [Dense(np.array([[0.3, -0.2, 0.5], [0.1, 0.4, -0.3], [0.2, 0.2, 0.2]]))]

        def loss(w):
            h = w
            for layer in LAYERS:
                h = layer(h)
            return np.sum(h ** 2) + 0.05 * np.sum(w ** 2)
        """
    )
    m = project.load("net")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    m.LAYERS.append(m.Scale(1.5))  # in place: a layer of another class
    assert all_ok(T) == []
    m.LAYERS[0] = m.Scale(0.5)  # an item replaced
    assert all_ok(T) == []
    m.LAYERS[1].s = -2.0  # data read live
    assert all_ok(T) == []


def test_checkpointed_simulation_helper_rebound(project):
    project(
        cfg=CFG,
        sim="""
        import numpy as np
        import s2s_ad as ad
        import cfg

        DT = 0.05

        def force(y):
            return -cfg.act(y)

        def loss(y0):
            y = y0
            for _ in ad.checkpoint(range(12), every=4):
                y = y + DT * force(y)
            return np.sum(y ** 2)
        """,
    )
    cfg, m = project.load("cfg"), project.load("sim")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    cfg.act = cfg.swish
    m.DT = 0.1
    assert all_ok(T) == []


def test_jacobian_auto_of_vector_function_after_rebinding(project):
    project(
        cfg=CFG,
        vec="""
        import numpy as np
        import cfg

        A = np.array([[1.0, 0.5, -0.2], [0.3, -1.0, 0.4]])

        def features(w):
            return A @ cfg.act(w) + w[:2] * w[1:]
        """,
    )
    cfg, m = project.load("cfg"), project.load("vec")
    jac = {mode: ad.jacobian(m.features, mode=mode) for mode in ("auto", "forward", "reverse")}
    jf, jr = ad.jacfwd(m.features), ad.jacrev(m.features)

    def reference():
        h = 1e-6
        return np.stack(
            [(m.features(X + h * e) - m.features(X - h * e)) / (2 * h) for e in np.eye(3)], axis=1
        )

    for _ in range(2):
        for mode, j in jac.items():
            assert np.allclose(j(X), reference(), rtol=1e-5, atol=1e-8), mode
        assert np.allclose(jf(X), reference(), rtol=1e-5, atol=1e-8)
        assert np.allclose(jr(X), reference(), rtol=1e-5, atol=1e-8)
        out, pullback = ad.vjp(m.features, X)
        assert np.array_equal(out, m.features(X))
        assert np.allclose(pullback(np.array([1.0, -2.0]))[0], np.array([1.0, -2.0]) @ reference())
        cfg.act = cfg.cube
        m.A = m.A[::-1] * 2.0


def test_rule_for_helper_then_rebinding_to_helper_without_rule(project):
    project(
        cfg=CFG,
        mr="""
        import numpy as np
        import cfg

        def loss(w):
            return np.sum(cfg.act(w) * w) + np.sum(np.cos(w))
        """,
    )
    cfg, m = project.load("cfg"), project.load("mr")
    T = Transforms(m.loss)
    assert all_ok(T) == []
    # a rule (same mathematics) given to the helper in use, then a switch away and back
    ad.defvjp(cfg.swish, lambda g, ans, z: g * (ans / z + ans * (1.0 - ans / z)))
    ad.defjvp(cfg.swish, lambda d, ans, z: d * (ans / z + ans * (1.0 - ans / z)))
    cfg.act = cfg.swish
    assert all_ok(T) == []
    cfg.act = cfg.cube
    assert all_ok(T) == []
    cfg.act = cfg.swish
    assert all_ok(T) == []

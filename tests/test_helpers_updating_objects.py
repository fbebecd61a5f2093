# ruff: noqa: SIM108  (branches written as users write them)
"""A helper that sets an attribute of an object: the derivative code reads what the plain
call reads after it, or refuses where it could not follow the update.

- a flag of a local object a helper changes (`cfg.train = False`), directly, through an
  alias or on its class: read again after the call, not reused from before it (ssa/cse.py);
- a global's attribute tested by an `if`: read once, so the reverse sweep takes the branch
  the forward sweep took though a helper changed it since (ssa/lower.py);
- an object carrying a derivative that a helper may update: refused at the call's line
  (ad/updated_arguments.py), where the derivative would have been the value's before it.
"""

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError


class Config:
    def __init__(self, train, scale=1.0):
        self.train = train
        self.scale = scale


class Settings:
    train = True


SETTINGS = Settings()


def disable(cfg):
    cfg.train = False


def toggle(cfg):
    cfg.train = not cfg.train
    return 0.0


def switch_off():
    SETTINGS.train = False
    return 0.0


def local_flag_disabled(x, train):
    cfg = Config(train)
    y = 2.0 * x
    if cfg.train:
        y = y + np.tanh(x)
    disable(cfg)
    if cfg.train:
        y = y + 3.0 * np.sqrt(x)
    return y


def local_flag_toggled_by_value(x, train):
    cfg = Config(train, 0.5)
    y = x * x
    if cfg.train:
        y = y * cfg.scale
    y = y + toggle(cfg)
    if cfg.train:
        y = y + np.sin(x)
    else:
        y = y - np.cos(x)
    return y


def ternary_on_a_flag(x, train):
    cfg = Config(train)
    a = np.exp(x) if cfg.train else x
    disable(cfg)
    b = np.exp(x) if cfg.train else 2.0 * x
    return a + b


def global_flag_switched(x):
    y = 2.0 * x
    if SETTINGS.train:
        y = y + np.tanh(x)
    y = y + switch_off()
    if SETTINGS.train:
        y = y * 10.0
    return y


def switch_off_by_setattr(name="train"):
    setattr(SETTINGS, name, False)
    return 0.0


def global_flag_switched_by_setattr(x):
    y = np.sin(x) * x
    if SETTINGS.train:
        y = y + np.tanh(x)
    return y * (1.0 + switch_off_by_setattr())


def global_flag_in_a_ternary(x):
    y = np.sin(x) if SETTINGS.train else np.cos(x)
    return y + switch_off()


def set_scale(cfg, scale):
    cfg.scale = scale


def scale_set_through_an_alias(x, train):
    cfg = Config(train, 2.0)
    alias = cfg
    a = x * x * cfg.scale
    set_scale(alias, 5.0)
    return a + x * cfg.scale


def set_class_scale(cfg):
    type(cfg).scale = 3.0


class Scaled:
    scale = 1.0


def scale_set_on_the_class(x, train):
    s = Scaled()
    a = x * x * s.scale
    set_class_scale(s)
    b = x * s.scale
    return a + b


PROGRAMS = [
    (scale_set_through_an_alias, (True,)),
    (scale_set_on_the_class, (True,)),
    (local_flag_disabled, (True,)),
    (local_flag_disabled, (False,)),
    (ternary_on_a_flag, (True,)),
    (global_flag_switched, ()),
    (global_flag_in_a_ternary, ()),
    (global_flag_switched_by_setattr, ()),
]
IDS = [f"{f.__name__}-{rest}" for f, rest in PROGRAMS]


def _reset():
    """The module's state as before a first call (the programs change it)."""
    SETTINGS.train = True
    Scaled.scale = 1.0


def _fresh(f, x, *rest):
    _reset()
    return f(x, *rest)


@pytest.mark.parametrize(("f", "rest"), PROGRAMS, ids=IDS)
def test_values_and_derivatives_follow_the_helpers_update(f, rest):
    x, h = 0.6, 1e-6
    want = _fresh(f, x, *rest)
    slope = (_fresh(f, x + h, *rest) - _fresh(f, x - h, *rest)) / (2 * h)
    _reset()
    value, gradient = ad.value_and_grad(f)(x, *rest)
    assert value == want
    assert gradient == pytest.approx(slope, rel=1e-7)
    _reset()
    value, tangent = ad.jvp(f, (x, *rest), (1.0, *(None for _ in rest)))
    assert value == want
    assert tangent == pytest.approx(gradient, rel=1e-12)
    _reset()
    _, pullback = ad.vjp(f, x, *rest)
    assert pullback(1.0)[0] == pytest.approx(gradient, rel=1e-12)
    _reset()


def test_a_helper_updating_an_attribute_called_for_its_value_is_refused():
    """(called for its value, the helper is read into the caller's code, where an
    attribute's assignment is refused at the helper's line)"""
    with pytest.raises(UnsupportedSyntaxError) as caught:
        ad.value_and_grad(local_flag_toggled_by_value)(0.6, True)
    assert "test_helpers_updating_objects.py:" in str(caught.value)
    assert "assignment to an attribute" in str(caught.value)


class State:
    def __init__(self, w):
        self.w = w


def double(s):
    s.w = s.w * 2.0


def weight_doubled_by_a_helper(x):
    s = State(x * x)
    double(s)
    return s.w + x


def weight_doubled_through_an_alias(x):
    s = State(x * x)
    held = s
    double(held)
    return s.w + x


@pytest.mark.parametrize("f", [weight_doubled_by_a_helper, weight_doubled_through_an_alias])
@pytest.mark.parametrize("api", ["grad", "forward", "jvp", "hessian"])
def test_an_object_carrying_a_derivative_a_helper_updates_is_refused(f, api):
    call = {
        "grad": lambda: ad.grad(f)(0.5),
        "forward": lambda: ad.grad(f, mode="forward")(0.5),
        "jvp": lambda: ad.jvp(f, (0.5,), (1.0,)),
        "hessian": lambda: ad.hessian(f)(0.5),
    }[api]
    with pytest.raises(UnsupportedSyntaxError) as caught:
        call()
    message = str(caught.value)
    assert "test_helpers_updating_objects.py:" in message
    assert "double" in message and "carries a derivative" in message
    assert "return a new value" in message

"""Programs for test_seed_objects_independent.py (float64 losses meeting float32/float16)."""

import dataclasses

import numpy as np

import s2s_ad as ad

S32 = np.float32(0.3)
S16 = np.float16(0.3)
PROP_CALLS = [0]


def inner(w, s):
    return np.sum(w * w) / s


def inner_obj(w, c):
    return np.sum(w * w) / c.s


def outer_plain(w, s):
    g = ad.grad(inner)(w, s)
    return np.sum(g * w) + inner(w, s)


def outer_vg(w, s):
    v, g = ad.value_and_grad(inner)(w, s)
    return v * np.sum(g * w)


def outer_dict(w, d):
    g = ad.grad(inner)(w, d["s"])
    return np.sum(g * g)


@dataclasses.dataclass
class Cfg:
    s: object
    t: float = 2.0


def outer_dc(w, c):
    g = ad.grad(inner)(w, c.s)
    return np.sum(g * w) * c.t


def outer_dc_whole(w, c):
    g = ad.grad(inner_obj)(w, c)
    return np.sum(g * w)


def outer_glob32(w):
    g = ad.grad(inner)(w, S32)
    return np.sum(g * w)


def outer_glob16(w):
    g = ad.grad(inner)(w, S16)
    return np.sum(g * w)


def outer_comp(w, x):
    g = ad.grad(inner)(w, np.float32(x))
    return np.sum(g * w)


def outer_comp16(w, x):
    g = ad.grad(inner)(w, np.float16(x))
    return np.sum(g * w)


# ---- objects as arguments of a float64 loss -----------------------------------


def loss_attr(w, h):
    return np.sum(w * w) / h.s


class ClassAttr:
    s = np.float32(0.3)


class Inherited(ClassAttr):
    pass


class ClassAttr16:
    s = np.float16(0.3)


class WithProperty:
    def __init__(self, s):
        self._s = s

    @property
    def s(self):
        PROP_CALLS[0] += 1
        return self._s


class Slotted:
    __slots__ = ("s", "t")

    def __init__(self, s, t):
        self.s = s
        self.t = t


class GetAttr:
    def __init__(self, s):
        self._store = {"s": s}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._store[name]


class Holder:
    def __init__(self, d, xs):
        self.d = d
        self.xs = xs


def loss_holder(w, h):
    return np.sum(w * w / h.d["a"]) + np.sum(w / h.xs[1])


def loss_rec(w, r):
    return np.sum(w * w / r["s"])


def loss_rec_attr(w, r):
    return np.sum(w * w / r.s)


def loss_dtype_cfg(w, x, cfg):
    return np.sum(w * w / np.asarray(x, dtype=cfg["dtype"]))


def loss_dtype_arg(w, x, dt):
    return np.sum(w * w / np.asarray(x, dtype=dt))


def loss_astype_arg(w, x, dt):
    return np.sum(w * w / x.astype(dt))


def loss_slots_t(w, h):
    return np.sum(w * w) / h.s * h.t


# ---- all-float32 programs -------------------------------------------------------


def outer32(w, s):
    g = ad.grad(inner)(w, s)
    return np.sum(g * w) + np.sum(w) / s

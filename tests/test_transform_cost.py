"""The transformation's speed-ups keep its behaviour: the garbage collector's state after a
derivative is made (or refused), and the one-walk liveness of a loop body
(`ssa.names.first_uses`) against what each name's reads and writes say."""

import gc
import textwrap

import gast
import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.ssa.names import first_uses, may_read_first


def _square_sum(x):
    return np.sum(x * x)


def _no_return(x):
    x * 2.0


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_state_kept(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert np.allclose(ad.grad(_square_sum)(np.array([1.0, 2.0])), [2.0, 4.0])
        assert gc.isenabled() is enabled
        with pytest.raises(S2SError):
            ad.grad(_no_return)(1.0)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def _body(source: str) -> list:
    return gast.parse(textwrap.dedent(source)).body


CASES = [
    # read first / assigned first / untouched, on straight-line code
    ("a = b + 1\nb = 2\nc = a", {"b": True, "a": False, "c": False}),
    # a branch assigns only where both arms do; its test is read first
    ("if t:\n    a = 1\nelse:\n    a = 2\nb = a", {"t": True, "a": False, "b": False}),
    ("if t:\n    a = 1\nb = a", {"t": True, "a": True, "b": False}),
    # a loop may run no iteration: it assigns nothing for what follows
    ("for i in r:\n    a = i\nb = a", {"r": True, "a": True, "b": False, "i": False}),
    # a loop's body reading its own target does not read the name before the loop
    ("for k in ks:\n    v = k\n    w = v", {"ks": True, "k": False, "v": False, "w": False}),
    ("while w:\n    x = y\ny = 1", {"w": True, "y": True, "x": False}),
    ("x += 1", {"x": True}),
]


@pytest.mark.parametrize("source, expected", CASES)
def test_first_uses(source, expected):
    body = _body(source)
    found = first_uses(body)
    for name, first in expected.items():
        assert (found.get(name) is True) is first
        assert may_read_first(name, body) is first

"""The class of an object the function makes is a fact of the SSA value holding it (session
40, ssa/records.py): carried through copies (`g = h`, a method's result given a name, tuple
unpacking) and joins whose values are all of one class (branches, `a if c else b`, loop
headers), so `h = h.next(0.5)` in a loop and `g = h.scaled(s); g.energy(x)` are followed. So is
the class of every item of a list built here of objects of one class (`[A(x), A(y)]`,
`hs.append(A(z))` in a loop, a comprehension): `for h in hs` calls that class's methods.

Where the class may differ by path, methods are refused, never inlined for the wrong class:
a join of two classes (a branch, a conditional expression), a list of two classes (built so,
an item replaced, another class appended, through an alias too), and a loop whose body calls
a method and then rebinds the name to another class (`h = B(x)`, `h = h.other()`, a swap of
objects of two classes, a list given another class's object), refused at the rebinding.
Each program is checked at both signs of its input (the branches), against central
differences, in every mode, and at second order.
"""

from __future__ import annotations

import made_object_classes_programs as P
import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.testing import check_grads

X = np.array([0.3, -0.4, 0.7])

FOLLOWED = [
    P.branch_same,
    P.ifexp_same,
    P.copy_then,
    P.while_chain,
    P.nested_chain,
    P.swap_same,
    P.tuple_unpack,
    P.break_loop,
    P.list_loop,
    P.appended_in_loop,
    P.comprehension_of_objects,
    P.appended_in_branch,
    P.item_methods,
    P.record_rebound_by_helper,  # (fields read, no method inlined: the class is not relied on)
    P.list_item,  # (`hs[1]` of `[A(x), B(x)]`: the class at a literal position, session 44)
    P.item_method_of_two_classes,  # (`hs[1].f(x)` too, without a name: session 45)
    # a loop over a list of two classes built here: its body once per item (session 45,
    # ssa/mixed_loops.py; refused at the method before)
    P.list_of_two_classes,
    P.item_replaced,
    P.other_class_appended,
    P.appended_through_alias,
]
# (program, the line of the refusal, what it says)
REFUSED = [
    (P.loop_switch, "h = B(x * 2.0)", "holds an object of `A`"),
    (P.loop_switch_by_method, "h = h.other()", "holds an object of `A`"),
    (P.while_switch, "h = B(x)", "holds an object of `A`"),  # (not at `while`)
    (P.nested_switch, "h = B(x)", "holds an object of `A`"),
    (P.swap_loop, "a, b = b, a", "holds an object of `A`"),
    (P.loop_switch_used_after, "return h.f(x)", "method `.f()`"),
    (P.branch_two, "return h.f(x)", "method `.f()`"),
    (P.ifexp_two, "return h.f(x)", "method `.f()`"),
    (P.ifexp_direct, "return (A(x) if", "method `.f()`"),
    (P.other_class_appended_in_loop, "hs.append(B(x))", "holds a list of objects of `A`"),
    (P.chosen_in_comprehension, "return sum(h.f(x)", "method `.f()`"),
]


@pytest.mark.parametrize("x", [X, -X], ids=["plus", "minus"])
@pytest.mark.parametrize("f", FOLLOWED, ids=lambda f: f.__name__)
def test_followed(f, x):
    check_grads(f, (x,))
    value, gradient = ad.value_and_grad(f)(x)
    assert value == f(x)
    h = 1e-6
    reference = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(gradient, reference, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ad.jacfwd(f)(x), gradient, rtol=1e-12, atol=1e-14)
    g = ad.grad(f)
    second = np.array([(g(x + 1e-5 * e) - g(x - 1e-5 * e)) / 2e-5 for e in np.eye(3)])
    np.testing.assert_allclose(ad.hessian(f)(x), second, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("f", "text", "says"), REFUSED, ids=lambda v: getattr(v, "__name__", ""))
def test_refused_at_its_line(f, text, says):
    with open(P.__file__) as source:
        line = next(
            k for k, s in enumerate(source, 1) if text in s and k > f.__code__.co_firstlineno
        )
    for api in (ad.grad, ad.hessian, lambda f: lambda x: ad.jvp(f, (x,), (X,))):
        with pytest.raises(ad.S2SError) as caught:
            api(f)(X)
        assert f"made_object_classes_programs.py:{line}" in str(caught.value)
        assert says in str(caught.value)

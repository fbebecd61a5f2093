"""Names a loop binds, read after it, and a global's or closure's list updated in a loop.

Python leaves a loop's name unbound when no iteration binds it (the loop ran no iteration,
or the iterations skipped the assignment) and it had no value before; reading it then raises
`UnboundLocalError`. The lowering joins and carries such names where a later statement may
read them (a later loop of the same name, a checkpoint of it), so it starts them as
`rt.unbound.NAME` (s2s_ad/runtime/unbound.py): copying it is harmless, any use raises the
plain call's error. Each function is checked in both modes against central differences,
forward against reverse, primal values equal to the plain call's, and (scalars) the Hessian
against central differences of the gradient.

A module-level or closure list updated in a loop (`LOG.append(float(y))`) is the program's
object, not a local value: the statement is kept for its effect, once per iteration, in
order, as outside a loop.
"""

import numpy as np
import pytest
from derivative_tests import derivative_tests
from hessian_checks import assert_hessian_consistent

import s2s_ad
import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads, check_modes_agree

# --- loop names no iteration bound, never read by the program -----------------------------


def empty_checkpoint_then_same_name(x):
    """The random find reduced: the first loop of `k` runs no iteration in one branch, a
    later checkpointed loop of `k` saves `k` with its state."""
    if x > 5.0:
        x = x * 2.0
    else:
        for k in s2s_ad.checkpoint(range(0)):
            x = x * (1.0 + k)
    for k in s2s_ad.checkpoint(range(3), every=2):  # noqa: B007 (the name matters after the loop)
        x = np.sin(x) * 1.5
    return x


def counted_empty_then_checkpoint(x, n):
    for k in range(n):
        x = x * (1.0 + 0.1 * k)
    for k in s2s_ad.checkpoint(range(3)):  # noqa: B007 (the name matters after the loop)
        x = np.sin(x) * 1.5
    return x


def while_assigns_first_then_checkpoint(x, n):
    """`y` is assigned first by every iteration of an empty `while`, then by a checkpointed
    loop before the program reads it."""
    i = 0
    while i < n:
        y = np.sin(x)
        i += 1
    for _ in s2s_ad.checkpoint(range(2)):
        x = np.cos(x) + 0.5
        y = x * 2.0
    return y


def nested_empty_inner(x, n):
    for _ in range(2):
        for k in range(n):
            x = x * (1.0 + 0.1 * k)
        x = np.sin(x) + 0.3
    for k in s2s_ad.checkpoint(range(2)):  # noqa: B007 (the name matters after the loop)
        x = x * np.cos(x)
    return x


def skipped_assignment_then_loop(x):
    """`t` is bound only on iterations whose test holds (none here), then by a later loop."""
    for _ in range(3):
        if x > 10.0:
            t = x * 2.0
            x = x - t * 0.01
    for _ in s2s_ad.checkpoint(range(2)):
        t = np.tanh(x)
        x = x + t
    return x * t


# --- loop names read after the loop: Python's last bound value ------------------------------


def target_after_loop(x, n):
    for k in range(n):  # noqa: B007 (the name matters after the loop)
        x = x * 1.1
    return x * k


def target_kept_by_empty_loop(x, n):
    k = 2.5
    for k in range(n):  # noqa: B007 (the name matters after the loop)
        x = x * 1.1
    return x * k


def target_after_break(x):
    for k in range(10):  # noqa: B007 (the name matters after the loop)
        x = x * 1.5
        if x > 3.0:
            break
    return x * k


def target_of_array_loop(v):
    s = 0.0
    for row in v:
        s = s + np.sum(row**2)
    return s * np.sum(row)


def target_after_checkpointed_loop(x):
    for k in s2s_ad.checkpoint(range(4), every=2):
        x = np.sin(x) + 0.1 * k
    return x * k


CASES = [
    (empty_checkpoint_then_same_name, (0.3,)),
    (empty_checkpoint_then_same_name, (6.0,)),
    (counted_empty_then_checkpoint, (0.3, 0)),
    (counted_empty_then_checkpoint, (0.3, 2)),
    (while_assigns_first_then_checkpoint, (0.3, 0)),
    (while_assigns_first_then_checkpoint, (0.3, 2)),
    (nested_empty_inner, (0.3, 0)),
    (nested_empty_inner, (0.3, 2)),
    (skipped_assignment_then_loop, (0.3,)),
    (target_after_loop, (0.7, 3)),
    (target_kept_by_empty_loop, (0.7, 0)),
    (target_kept_by_empty_loop, (0.7, 3)),
    (target_after_break, (0.7,)),
    (target_of_array_loop, (np.array([[0.5, -1.0], [2.0, 0.3]]),)),
    (target_after_checkpointed_loop, (0.4,)),
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


def _case_id(case):
    fn, args = case
    return f"{fn.__name__}-{'-'.join(str(a) for a in args if np.ndim(a) == 0)}"


@pytest.mark.parametrize("case", [c for c in CASES if np.ndim(c[1][0]) == 0], ids=_case_id)
def test_hessian(case):
    fn, args = case
    assert_hessian_consistent(fn, args)


# --- a loop name read unbound: the plain call's error -----------------------------------------


def read_after_empty_loop(x, n):
    for k in range(n):  # noqa: B007 (the name matters after the loop)
        x = x * 1.1
    return x * k


def read_after_empty_while(x, n):
    i = 0
    while i < n:
        y = x * 2.0
        i += 1
    return x * y


def read_when_no_iteration_assigned(x, n):
    for _ in range(n):
        if x > 1.0:
            y = x * 2.0
    return x * y


def printed_unbound(x, n):
    for k in range(n):  # noqa: B007 (the name matters after the loop)
        x = x * 1.1
    print(k)
    return x


def read_after_branch(x, n):
    if x > 1.0:
        y = x
    return x * y


UNBOUND_READS = [
    read_after_empty_loop,
    read_after_empty_while,
    read_when_no_iteration_assigned,
    printed_unbound,
    read_after_branch,
]
ENTRY_POINTS = {
    "grad": lambda f, x, n: ad.grad(f)(x, n),
    "grad_forward": lambda f, x, n: ad.grad(f, mode="forward")(x, n),
    "value_and_grad": lambda f, x, n: ad.value_and_grad(f)(x, n),
    "vjp": lambda f, x, n: ad.vjp(f, x, n)[1](1.0),
    "jvp": lambda f, x, n: ad.jvp(f, (x, n), (1.0, None)),
    "hessian": lambda f, x, n: ad.hessian(f)(x, n),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("fn", UNBOUND_READS, ids=lambda f: f.__name__)
def test_unbound_read_raises_like_the_plain_call(fn, entry):
    with pytest.raises(UnboundLocalError) as plain:
        fn(0.5, 0)
    with pytest.raises((UnboundLocalError, S2SError)) as ours:
        ENTRY_POINTS[entry](fn, 0.5, 0)
    assert str(plain.value) in str(ours.value)  # names the variable as Python does
    if isinstance(ours.value, S2SError):  # located at the user's line that reads it
        assert "UnboundLocalError" in str(ours.value)
        assert "test_loop_names.py" in str(ours.value)


@pytest.mark.parametrize("fn", UNBOUND_READS, ids=lambda f: f.__name__)
def test_bound_read_is_exact(fn):
    """The same functions where the name is bound: the derivative is right."""
    check_grads(fn, (1.5, 2))
    check_modes_agree(fn, (1.5, 2))


def test_placeholder_raises_on_every_use():
    from s2s_ad.runtime import unbound, zeros_like

    k = unbound.k
    assert zeros_like(k) == 0.0  # a zero adjoint of a joined name exists on every path
    uses = [
        lambda: k + 1.0,
        lambda: 2.0 * k,
        lambda: np.float64(2.0) * k,
        lambda: np.ones(2) + k,
        lambda: np.sin(k),
        lambda: np.sum(k),
        lambda: bool(k),
        lambda: k == 1,
        lambda: k < 1,
        lambda: [1, 2][k],
        lambda: float(k),
        lambda: str(k),
        lambda: f"{k}",
        lambda: k.shape,
        lambda: len(k),
        lambda: list(k),
    ]
    for use in uses:
        with pytest.raises(UnboundLocalError, match="local variable 'k'"):
            use()


# --- a global's or closure's list updated in a loop -------------------------------------------

LOG = []


def extend_module_list(x):
    y = x
    for i in range(3):
        y = np.sin(y) + x
        LOG.extend([float(y), float(i)])
    return y


def insert_module_list(x):
    y = x
    for _ in range(3):
        y = np.sin(y) * x
        LOG.insert(0, float(y))
    return y


def append_in_while(x):
    y = x
    i = 0
    while i < 3:
        y = np.tanh(y) + x
        LOG.append(float(y))
        i += 1
    return y * y


def append_in_nested_loops(v):
    s = 0.0
    for i in range(2):
        for j in range(2):
            s = s + v[i] * v[j]
            LOG.append((i, j, float(s)))
    return s


def append_array_copies(v):
    for _ in range(3):
        v = np.sin(v) + 0.5
        LOG.append(v.copy())
    return np.sum(v**2)


def append_in_checkpointed_loop(x):
    """Run once per call: not again when the reverse sweep recomputes a segment."""
    for k in s2s_ad.checkpoint(range(4), every=2):
        x = np.sin(x) + 0.1 * k
        LOG.append(float(x))
    return x


def append_in_branch_in_loop(x):
    for k in range(4):
        x = np.cos(x) + 0.2
        if x > 0.9:
            LOG.append(k)
    return x


def _closure():
    calls = []

    def closure_append(x):
        y = x
        for _ in range(3):
            y = np.sin(y) + x
            calls.append(float(y))
        return y

    return closure_append, calls


closure_append, CLOSURE_LOG = _closure()

EFFECTS = [
    (extend_module_list, (0.4,), LOG),
    (insert_module_list, (0.4,), LOG),
    (append_in_while, (0.4,), LOG),
    (append_in_nested_loops, (np.array([0.5, -1.5]),), LOG),
    (append_array_copies, (np.array([0.5, -1.5]),), LOG),
    (append_in_checkpointed_loop, (0.4,), LOG),
    (append_in_branch_in_loop, (0.4,), LOG),
    (closure_append, (0.4,), CLOSURE_LOG),
]
EFFECT_CALLS = {
    "grad": lambda f, a: ad.grad(f)(*a),
    "grad_forward": lambda f, a: ad.grad(f, mode="forward")(*a),
    "value_and_grad": lambda f, a: ad.value_and_grad(f)(*a)[1],
    "vjp": lambda f, a: ad.vjp(f, *a)[1](1.0),
    "jvp": lambda f, a: ad.jvp(f, a, tuple(np.ones_like(x) for x in a))[1],
    "hessian": lambda f, a: ad.hessian(f)(*a),
}


def _same_entries(ours, plain):
    assert len(ours) == len(plain)
    for a, b in zip(ours, plain, strict=True):
        np.testing.assert_array_equal(a, b)


# The gradient code keeps `LOG.append((i, j, …))` next to a reverse sweep that passes `i` to
# runtime helpers s2s_ad does not prove read-only: its Hessian is refused at the user's line.
SECOND_ORDER_REFUSED = {append_in_nested_loops}


@pytest.mark.parametrize("call", sorted(EFFECT_CALLS))
@pytest.mark.parametrize(("fn", "args", "log"), EFFECTS, ids=lambda v: getattr(v, "__name__", ""))
def test_effects_in_loops_run_once_in_order(fn, args, log, call):
    if call == "hessian" and fn in SECOND_ORDER_REFUSED:
        with pytest.raises(S2SError, match=r"test_loop_names\.py"):
            EFFECT_CALLS[call](fn, args)
        log.clear()
        return
    log.clear()
    fn(*args)
    plain = list(log)
    log.clear()
    try:
        EFFECT_CALLS[call](fn, args)
        _same_entries(log, plain)
    finally:
        log.clear()


@pytest.mark.parametrize(("fn", "args", "log"), EFFECTS, ids=lambda v: getattr(v, "__name__", ""))
def test_effects_in_loops_derivatives(fn, args, log):
    try:
        check_grads(fn, args)
        check_modes_agree(fn, args)
        if np.ndim(args[0]) == 0 and fn not in SECOND_ORDER_REFUSED:
            assert_hessian_consistent(fn, args)
    finally:
        log.clear()


TABLE = {}


def set_module_dict_item_in_loop(x):
    for i in range(2):
        x = np.sin(x)
        TABLE[i] = float(x)
    return x


def set_module_dict_item(x):
    x = np.sin(x)
    TABLE["last"] = float(x)
    return x


@pytest.mark.parametrize("fn", [set_module_dict_item_in_loop, set_module_dict_item])
def test_module_dict_item_set_runs_once(fn):
    """Set as `TABLE.__setitem__` sets it, once per call, in a loop as outside one (was: in a
    loop, silently a local dict and no entry; refused from session 27 to 54)."""
    TABLE.clear()
    fn(0.4)
    plain = dict(TABLE)
    TABLE.clear()
    check_grads(fn, (0.4,))
    TABLE.clear()
    ad.grad(fn)(0.4)
    assert plain == TABLE
    TABLE.clear()


def read_back_module_list(x):
    y = np.sin(x) + x
    LOG.append(y)
    return y + LOG[-1]


def read_back_in_loop(x):
    for _ in range(2):
        x = np.sin(x) + x
        LOG.append(x)
    return np.sum(LOG)


def printed_module_list(x):
    for _ in range(2):
        x = np.sin(x) + x
        LOG.append(float(x))
        print(len(LOG))
    return x


@pytest.mark.parametrize("fn", [read_back_module_list, read_back_in_loop])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_module_list_read_back_is_refused(fn, mode):
    """Was a silently wrong derivative (2.0 instead of 4.0 for `y + LOG[-1]`): the value
    read back from the module's list counted as a constant."""
    try:
        with pytest.raises(S2SError, match=r"`LOG`, an object of the module") as error:
            ad.grad(fn, mode=mode)(0.4)
        assert "test_loop_names.py" in str(error.value)
        assert not LOG
    finally:
        LOG.clear()


def test_module_list_read_by_an_effect_is_kept(capsys):
    LOG.clear()
    printed_module_list(0.4)
    plain = (list(LOG), capsys.readouterr().out)
    LOG.clear()
    try:
        g = ad.grad(printed_module_list)(0.4)
        assert (list(LOG), capsys.readouterr().out) == plain
        check_grads(printed_module_list, (0.4,))
        check_modes_agree(printed_module_list, (0.4,))
        assert np.isfinite(g)
    finally:
        LOG.clear()

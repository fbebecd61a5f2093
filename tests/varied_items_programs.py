"""Programs whose lists, tuples and dicts mix values that depend on the inputs with data:
tests/test_varied_items.py differentiates them forward, twice, and checks the numbers."""

import numpy as np


def powers(x, data):
    """A loop whose tape holds a row of data: the Hessian's pass needs no tangent for it
    (`x ** p` at negative `x`: log(x) is nan, times a zero tangent, was nan)."""
    total = 0.0
    for i in range(3):
        p = data[i]
        total = total + np.sum(x**p)
    return total


def batched_powers(x, data):
    total = 0.0
    for start in range(0, data.shape[0], 2):
        rows = data[start : start + 2]
        total = total + np.sum(np.power(x, rows) * rows)
    return total


def appended_any_position(x, data):
    items = []
    for i in range(4):
        if i % 2 == 0:
            items.append(data[i] * 1.5)
        else:
            items.append(x * float(i))
    return np.sum(items[1] * items[2] + items[-1] * items[3] + items[-4])


def history(x, data):
    states = [x]
    for k in range(3):
        states.append(np.tanh(states[-1] * data[k]) + data[k])
    return np.sum(states[2] * states[-1])


def dict_state(x, data):
    state = {"pos": x, "scale": data[0], "count": 0}
    for k in range(3):
        state["pos"] = state["pos"] * state["scale"] + np.sin(state["pos"])
        state["scale"] = state["scale"] + data[k + 1]
        state["count"] = state["count"] + 1
    return np.sum(state["pos"] ** 2) + state.get("missing", np.sum(x)) * state["scale"][0]


def overwritten_items(x, data):
    pairs = [(x, data[0]), (data[1], data[2])]
    pairs[1] = (pairs[1][0], x * x)
    first, second = pairs[1]
    return np.sum(first * second + pairs[0][0] * pairs[0][1])


def sliced_list(x, data):
    values = [data[0], x, data[1], x * x]
    rest = values[1:]
    return np.sum(rest[0] * rest[2] + rest[1])


def list_of_tuples_loop(x, data):
    taped = []
    for k in range(3):
        z = x * data[k]
        taped.append((data[k], z, k))
    total = 0.0
    for row, z, k in taped:
        total = total + np.sum(np.log1p(z * z) * row) * (k + 1)
    return total


def negative_index_then_append(x, d):
    """`L[-1]` names item 1 here, and item 2 after the append."""
    items = [d, d]
    items[-1] = x
    items.append(d)
    return items[-2] ** 2 + items[-1]


def replayed_in_reverse(x, ps):
    """The gradient code replays its tape with `reversed`: the data exponent stays passive."""
    s = 0.0
    for i in range(len(ps)):
        s = s + x[i] ** ps[i]
    return s

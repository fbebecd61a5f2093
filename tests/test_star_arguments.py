"""`*args` / `**kwargs` parameters of helpers and nested functions, and starred calls
`f(*xs)` / `g(**opts)`, where the arity is known at the call: each arity gets its own
derivative of the helper. Reverse, forward, vector (jacfwd) and second-order code against
central differences and the plain call; the located refusals where the arity is not known."""

import inspect

import numpy as np
import pytest
from derivative_tests import second_differences, two_argument_tests

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads, check_modes_agree


def layer(x, *weights):
    h = x
    for w in weights:
        h = np.tanh(h * w)
    return h


def lstm_step(*params_and_inputs):
    w, b, x = params_and_inputs
    return np.tanh(w * x + b) * len(params_and_inputs)


def concat_and_sum(weights, *args):  # as in autograd's RNN example
    cat_state = np.hstack(args + (np.ones(np.shape(args[0])),))  # noqa: RUF005
    return np.sum(cat_state * weights)


def predict(params, *inputs, scale=1.0):
    total = 0.0
    for k, v in enumerate(inputs):
        total = total + np.sum(params * v) * (k + 1.0)
    return total * scale


def scaled(x, **opts):
    out = x * opts["scale"]
    for _name, v in opts.items():
        out = out + v * 0.5
    return out + opts.get("shift", 0.0)


def explicit_arities(x, y):
    return np.sum(layer(x, y) + layer(x, y, y * 2.0) + layer(y))


def lstm(x, y):
    return np.sum(lstm_step(x, y, x * y))


def rnn_concat(x, y):
    return concat_and_sum(np.concatenate([x, y, x]) if np.ndim(x) else 2.0, x, y)


def predicts(x, y):
    return predict(x, y, x * y, scale=2.0) + predict(y, x)


def starred_tuple(x, y):
    ws = (y, x * y)
    return np.sum(layer(x, *ws) + layer(x, *(y,)) + lstm_step(*(x, y), x))


def starred_list(x, y):
    ws = [y, np.sin(x)]
    ws.append(x * y)
    more = ws + [y]  # noqa: RUF005  (a join, as users write it)
    both = (*ws, x)
    return np.sum(layer(x, *ws) + layer(y, *more[1:3]) + layer(x, *[y, *ws]) + layer(*both))


def keywords(x, y):
    opts = {"scale": y}
    opts["shift"] = x * y
    return np.sum(scaled(x, **opts) + scaled(y, scale=x) + scaled(x, **{"scale": 2.0}))


def starred_numpy(x, y):
    pair = (x, y * 2.0)
    options = {"axis": 0}
    return np.sum(np.maximum(*pair) + np.stack([*pair], **options)[1])


def nested(x, y):
    def inner(a, *rest, c=1.0, **kw):
        s = a * c
        for r in rest:
            s = s + r * kw["w"]
        return s

    ws = (x, y)
    return np.sum(inner(x, y, x * y, w=y) + inner(y, *ws, c=x, w=2.0) + inner(x, w=y))


CASES = [explicit_arities, lstm, rnn_concat, predicts, starred_tuple, starred_list]
CASES += [keywords, starred_numpy, nested]
rng = np.random.default_rng(15)
ELEMENTS = {
    "float": (0.7, -1.3),
    "array": (rng.uniform(0.5, 1.5, 3), rng.uniform(-1.5, -0.5, 3)),
}


test_both_modes, test_jacobians = two_argument_tests(CASES, ELEMENTS)


# flat gradient code does not call the user's helpers yet (a located refusal of its own):
# second order of the cases whose star parameters are inlined (nested functions, NumPy)
SECOND = [starred_numpy, nested]


@pytest.mark.parametrize("point", {"float": 0.7, "array": np.array([0.7, -0.4])})
@pytest.mark.parametrize("fn", SECOND, ids=lambda f: f.__name__)
def test_hessian(fn, point):
    x = {"float": 0.7, "array": np.array([0.7, -0.4])}[point]
    y = x * 0.5 - 1.1
    expected = second_differences(lambda v: fn(v, y), x)
    for hessian in (ad.hessian(fn), ad.jacfwd(ad.grad(fn)), ad.jacrev(ad.grad(fn))):
        got = np.reshape(hessian(x, y), expected.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def two_arities(x, y):
    return np.sum(layer(x, y, y)) * np.sum(layer(x, y, y, y))


def test_each_arity_has_its_own_derivative():
    """The helper's derivative is specialised to the arity: the cache key covers it."""
    from s2s_ad.pipeline import derivative

    x, y = 0.7, -1.3
    check_grads(two_arities, (x, y))
    sources = [
        derivative(layer, "reverse", ("x",), for_calls=True, structures=(("weights", ("*", n)),))
        for n in (2, 3)
    ]
    assert sources[0].params == ["x", "weights_0", "weights_1"]
    assert sources[1].params == ["x", "weights_0", "weights_1", "weights_2"]


# refusals: a located error that says what to write


def unknown_length(x, y):
    ws = np.array([x, y])
    return np.sum(layer(x, *ws))  # <- error


def grown_in_a_loop(x, y):
    ws = []
    for k in range(3):
        ws.append(y * k)
    return np.sum(layer(x, *ws))  # <- error


OPTIONS = {"scale": 2.0}


def global_keywords(x, y):
    return np.sum(scaled(x, **OPTIONS))  # <- error


def unknown_keys(x, y):
    opts = {}
    for name in ("scale", "shift"):
        opts[name] = y
    return np.sum(scaled(x, **opts))  # <- error


def keys_not_names(x, y):
    return np.sum(scaled(x, **{"scale": y, "a b": x}))  # <- error


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (unknown_length, r"`\*ws` in a call, where the number of elements of `ws` is not known"),
        (grown_in_a_loop, r"`\*ws` in a call, where the number"),
        (global_keywords, r"`\*\*OPTIONS` in a call, where the keys of `OPTIONS` are not known"),
        (unknown_keys, r"`\*\*opts` in a call, where the keys"),
        (keys_not_names, r"keywords that are not names"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_refusals(fn, message):
    lines, first = inspect.getsourcelines(fn)
    line = first + next(i for i, text in enumerate(lines) if "# <- error" in text)
    for mode in ("reverse", "forward"):
        with pytest.raises(S2SError, match=message) as info:
            ad.grad(fn, mode=mode)(0.7, -1.3)
        assert info.value.line == line and info.value.filename == __file__
        assert info.value.hint


def star_function(*xs):  # <- error
    return xs[0] * xs[1]


def test_the_differentiated_function_with_star_parameters():
    with pytest.raises(S2SError, match=r"takes \*args") as info:
        ad.grad(star_function)(0.7, 1.3)
    assert info.value.filename == __file__


def tuple_argument(params, x):
    return np.sum(layer(x, *params)) + lstm(*params[:2])


@pytest.mark.parametrize("container", [tuple, list])
def test_starred_argument_of_known_structure(container):
    """A tuple or list argument differentiated as a structure has a known length."""
    params = container([np.array([0.3, 0.5]), np.array([1.2, -0.4]), np.array([0.2, 0.1])])
    x = np.array([0.7, -0.2])
    check_grads(tuple_argument, (params, x))
    check_modes_agree(tuple_argument, (params, x))


def test_starred_argument_not_differentiated_is_refused():
    """Not differentiated, its length is not part of the derivative's specialisation."""
    params = (np.array([0.3, 0.5]), np.array([1.2, -0.4]))
    with pytest.raises(S2SError, match=r"`\*params` in a call, where the number") as info:
        ad.grad(tuple_argument, wrt=1)(params, np.array([0.7, -0.2]))
    assert info.value.filename == __file__


# An RNN and an LSTM written as in autograd's examples (only the imports changed): a dict of
# parameters, a `*args` helper, nested functions closing over the parameters, lists of outputs.


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1.0)


def concat_and_multiply(weights, *args):
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))  # noqa: RUF005
    return np.dot(cat_state, weights)


def make_rnn_params(input_size, state_size, output_size, scale, rng):  # plain NumPy
    return {
        "init hiddens": rng.standard_normal((1, state_size)) * scale,
        "change": rng.standard_normal((input_size + state_size + 1, state_size)) * scale,
        "predict": rng.standard_normal((state_size + 1, output_size)) * scale,
    }


def rnn_predict(params, inputs):
    def update_rnn(input, hiddens):
        return np.tanh(concat_and_multiply(params["change"], input, hiddens))

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params["predict"], hiddens)
        return output - np.log(np.sum(np.exp(output), axis=1, keepdims=True))

    num_sequences = inputs.shape[1]
    hiddens = np.repeat(params["init hiddens"], num_sequences, axis=0)
    output = [hiddens_to_output_probs(hiddens)]
    for input in inputs:
        hiddens = update_rnn(input, hiddens)
        output.append(hiddens_to_output_probs(hiddens))
    return output


def rnn_log_likelihood(params, inputs, targets):
    logprobs = rnn_predict(params, inputs)
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


def lstm_predict(params, inputs):
    def update_lstm(input, hiddens, cells):
        change = np.tanh(concat_and_multiply(params["change"], input, hiddens))
        forget = sigmoid(concat_and_multiply(params["forget"], input, hiddens))
        ingate = sigmoid(concat_and_multiply(params["ingate"], input, hiddens))
        outgate = sigmoid(concat_and_multiply(params["outgate"], input, hiddens))
        cells = cells * forget + ingate * change
        hiddens = outgate * np.tanh(cells)
        return hiddens, cells

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params["predict"], hiddens)
        return output - np.log(np.sum(np.exp(output), axis=1, keepdims=True))

    num_sequences = inputs.shape[1]
    hiddens = np.repeat(params["init hiddens"], num_sequences, axis=0)
    cells = np.repeat(params["init cells"], num_sequences, axis=0)
    output = [hiddens_to_output_probs(hiddens)]
    for input in inputs:
        hiddens, cells = update_lstm(input, hiddens, cells)
        output.append(hiddens_to_output_probs(hiddens))
    return output


def lstm_log_likelihood(params, inputs, targets):
    logprobs = lstm_predict(params, inputs)
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


@pytest.mark.parametrize("objective", [rnn_log_likelihood, lstm_log_likelihood])
def test_rnn_and_lstm_objectives(objective):
    rng = np.random.default_rng(0)
    params = make_rnn_params(3, 4, 3, 0.3, rng)
    for name in ("forget", "ingate", "outgate"):
        params[name] = rng.standard_normal(params["change"].shape) * 0.3
    params["init cells"] = rng.standard_normal((1, 4)) * 0.3
    inputs = rng.standard_normal((5, 2, 3))
    targets = rng.standard_normal((5, 2, 3))
    check_grads(objective, (params, inputs, targets))
    check_modes_agree(objective, (params, inputs, targets))
    grads = ad.grad(objective)(params, inputs, targets)
    assert {k: v.shape for k, v in grads.items()} == {k: v.shape for k, v in params.items()}

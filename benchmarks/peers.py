"""The same gradients and Hessians from other tools, when the optional `bench` extra installed
them.

Each maker takes a workload and returns a zero-argument callable computing the gradient (or
Hessian) with respect to the first argument (as a NumPy array), or raises when the tool cannot.
autograd and JAX run the workload's own source with `np` bound to their NumPy; PyTorch
gets each workload written with torch functions; tangent-ad transforms the NumPy source.
"""

from __future__ import annotations

import importlib.util
import inspect
import time
import types

import numpy as np


def available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def rebound(fn: types.FunctionType, numpy_like) -> types.FunctionType:
    """`fn` with its module's `np` replaced by another NumPy (autograd's, JAX's); its
    other globals as they are."""
    namespace = {**fn.__globals__, "np": numpy_like}
    exec(compile(inspect.getsource(fn), inspect.getsourcefile(fn), "exec"), namespace)
    return namespace[fn.__name__]


def autograd_gradient(w):
    import autograd
    import autograd.numpy as anp

    g = autograd.grad(rebound(w.fn, anp))
    return lambda: g(*w.args)


def _jax_args(args):
    import jax.numpy as jnp

    return [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]


def jax_gradient(w, jit: bool):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    g = jax.grad(rebound(w.fn, jnp))
    if jit:
        g = jax.jit(g)
    args = _jax_args(w.args)
    return lambda: np.asarray(jax.block_until_ready(g(*args)))


def torch_gradient(w):
    import torch

    fn = TORCH[w.fn.__name__]
    args = [torch.tensor(a, dtype=None if isinstance(a, np.ndarray) else torch.float64)
            if isinstance(a, np.ndarray | float) else a for a in w.args]  # fmt: skip

    def gradient():
        x = args[0].detach().requires_grad_(True)
        (g,) = torch.autograd.grad(fn(x, *args[1:]), x)
        return g.numpy()

    return gradient


def tangent_gradient(w):
    import tangent

    g = tangent.grad(w.fn, verbose=0)
    return lambda: g(*w.args)


# the workloads in torch


def _torch_functions():
    import torch

    def squares_loop(x):
        y = torch.zeros((), dtype=x.dtype)
        for _ in range(100):
            y = y + x * x
        return y

    def scalar_loop(x):
        for _ in range(200):
            x = torch.sin(x) * 0.9 + torch.cos(x) * 0.1
        return x

    def chain(x):
        a = torch.exp(torch.sin(x) * 0.5)
        b = torch.log(1.0 + a * a)
        c = torch.tanh(b * x)
        return torch.sqrt(1.0 + c * c) * a

    def tanh_layer(w, x, b):
        return torch.sum(torch.tanh(w @ x + b))

    def mlp(w1, b1, w2, b2, x, labels):
        h = torch.tanh(x @ w1 + b1)
        logp = torch.log_softmax(h @ w2 + b2, dim=1)
        return -torch.mean(torch.gather(logp, 1, labels[:, None]))

    def rosenbrock(x):
        return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    def recurrent(w, h):
        for _ in range(20):
            h = torch.tanh(w @ h)
        return torch.sum(h)

    functions = (squares_loop, scalar_loop, chain, tanh_layer, mlp, rosenbrock, recurrent)
    return {f.__name__: f for f in functions}


TORCH = _torch_functions() if available("torch") else {}

PEERS = {
    "tangent-ad": ("tangent", tangent_gradient),
    "autograd": ("autograd", autograd_gradient),
    "PyTorch eager": ("torch", torch_gradient),
    "JAX eager": ("jax", lambda w: jax_gradient(w, jit=False)),
    "JAX jit": ("jax", lambda w: jax_gradient(w, jit=True)),
}


def autograd_hessian(w):
    import autograd
    import autograd.numpy as anp

    h = autograd.hessian(rebound(w.fn, anp))
    return lambda: h(*w.args)


def jax_hessian(w):
    """`jax.hessian` (forward over reverse, as s2s_ad's) under `jit`."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    h = jax.jit(jax.hessian(rebound(w.fn, jnp)))
    args = _jax_args(w.args)
    return lambda: np.asarray(jax.block_until_ready(h(*args)))


HESSIAN_PEERS = {"autograd": ("autograd", autograd_hessian), "JAX jit": ("jax", jax_hessian)}


def installed_peers() -> list[str]:
    """The compared tools whose modules are installed."""
    return [name for name, (module, _) in {**PEERS, **HESSIAN_PEERS}.items() if available(module)]


def peer_gradients(w, peers: dict = PEERS) -> dict:
    """{tool: gradient callable or the reason it failed} for the installed tools (`peers`:
    HESSIAN_PEERS for Hessians)."""
    found = {}
    for name, (module, make) in peers.items():
        if not available(module):
            continue
        try:
            found[name] = make(w)
        except Exception as exc:  # a tool that cannot differentiate this: reported, not fatal
            found[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:60]}"
    return found


def checked_peers(w, expected, failures: list[str], peers: dict = PEERS) -> tuple[dict, dict]:
    """({tool: callable} of the installed tools whose result equals `expected`, {"JAX jit
    compile s": seconds}); each tool that fails or differs is described in `failures`."""
    calls, notes = {}, {}
    for name, call in peer_gradients(w, peers).items():
        try:
            start = time.perf_counter()
            result = call()  # JAX jit compiles here
            if name == "JAX jit":
                notes["JAX jit compile s"] = time.perf_counter() - start
            np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-6, atol=1e-8)
            calls[name] = call
        except Exception as exc:
            failures.append(f"{w.name}: {name}: {str(call if isinstance(call, str) else exc)[:90]}")
    return calls, notes

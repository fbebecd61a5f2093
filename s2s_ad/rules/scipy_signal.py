"""`scipy.signal.convolve`: registered when the user's program has imported scipy.signal.

convolve(in1, in2) is bilinear, in any number of axes: its tangent convolves the tangent
with the other operand; its adjoint correlates the cotangent (padded back to the full
convolution where 'same' or 'valid' cut it) with the other operand, i.e. convolves it with
the operand flipped along every axis (`correlate` convolves with the flipped operand;
`fftconvolve` is `convolve` by FFT, without `axes=`). `method` picks an algorithm, not
the math: it is passed on. Before → after:

    signal.convolve(x, k, 'same')   (no rule)  →  x̄ = convolve(pad(g), flip(k), 'valid')
"""

from __future__ import annotations

from dataclasses import replace

import scipy.signal

from .. import runtime as rt
from .registry import Rule, nondifferentiable, registrar

register = registrar("scipy.signal")

SIGNAL = (("signal", scipy.signal, "signal"),)
_PADDED = "np.pad(d, rt.signal_padding(in1, in2, mode))"


def _convolution(name: str, method: str, correlate: bool = False) -> Rule:
    """The rule of `signal.<name>` (`method`: the trailing argument passed on, or "")."""
    call = f"signal.{name}"
    # correlate(a, v) = convolve(a, flip(v)): the adjoint convolves with v itself, and the
    # cotangent of v is the flipped convolution with flipped a
    v_other = "in2" if correlate else "np.flip(in2)"
    v_vjp = f"signal.convolve({_PADDED}, np.flip(in1), 'valid'{method})"
    return replace(
        Rule(
            f"scipy.signal.{name}",
            ("in1", "in2"),
            (f"{call}(d, in2, mode{method})", f"{call}(in1, d, mode{method})"),
            (
                f"signal.convolve({_PADDED}, {v_other}, 'valid'{method})",
                f"np.flip({v_vjp})" if correlate else v_vjp,
            ),
            keywords=(("mode", "full"), ("method", "auto")) if method else (("mode", "full"),),
        ),
        references=SIGNAL,
    )


register(scipy.signal.convolve, _convolution("convolve", ", method"))
register(scipy.signal.correlate, _convolution("correlate", ", method", correlate=True))
# `axes` is not a keyword of the rule (the flips and pads are over every axis): such a call
# has no rule
register(scipy.signal.fftconvolve, _convolution("fftconvolve", ""))
register(rt.signal_padding, nondifferentiable("rt.signal_padding"))

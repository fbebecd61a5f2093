"""`scipy.signal.convolve`: registered when the user's program has imported scipy.signal.

convolve(in1, in2) is bilinear, in any number of axes: its tangent convolves the tangent
with the other operand; its adjoint correlates the cotangent (padded back to the full
convolution where 'same' or 'valid' cut it) with the other operand, i.e. convolves it with
the operand flipped along every axis. `method` picks an algorithm, not the math: it is
passed on. Before → after:

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

register(
    scipy.signal.convolve,
    replace(
        Rule(
            "scipy.signal.convolve",
            ("in1", "in2"),
            ("signal.convolve(d, in2, mode, method)", "signal.convolve(in1, d, mode, method)"),
            (
                f"signal.convolve({_PADDED}, np.flip(in2), 'valid', method)",
                f"signal.convolve({_PADDED}, np.flip(in1), 'valid', method)",
            ),
            keywords=(("mode", "full"), ("method", "auto")),
        ),
        references=SIGNAL,
    ),
)
register(rt.signal_padding, nondifferentiable("rt.signal_padding"))

"""Issue 18's second NumPy wave: the forms that stay refused give a located error in both
modes; the rules themselves are rows of tests/test_rules.py (`numpy_more_rows`: both
modes, float32, vector mode, second order)."""

import numpy as np
import pytest
from derivative_tests import marked_line

import s2s_ad as ad
from s2s_ad.errors import S2SError


def gradient_with_active_spacing(x):
    return np.sum(np.gradient(x, x[0]))  # <- error


def gradient_with_spacing_per_axis(x):
    return np.sum(np.gradient(x, 0.5, 2.0)[0])  # <- error


def fft_then_shift(x):
    return np.sum(np.fft.fftshift(np.fft.fft(x)).real)  # <- error


def einsum_with_computed_sublist(x):
    labels = [0, 1]
    return np.einsum(x, labels, x, [1, 2], [0, 2])[0, 0]  # <- error


REFUSED = [
    (einsum_with_computed_sublist, "np.einsum"),
    (gradient_with_active_spacing, "argument `h`"),
    (gradient_with_spacing_per_axis, "np.gradient"),
    (fft_then_shift, "complex"),
]


@pytest.mark.parametrize(("fn", "match"), REFUSED, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused(fn, match, mode):
    with pytest.raises(S2SError, match=match) as info:
        ad.grad(fn, mode=mode)(np.arange(1.0, 10.0).reshape(3, 3) ** 1.5)
    assert info.value.filename == __file__
    assert info.value.line == marked_line(fn)
    assert info.value.hint, "every error says what to do instead"


def test_list_reduction_forward_over_many_directions():
    """A list of as many items as directions (where reading the items' tangents in NumPy's
    (items, directions) layout would broadcast silently): forward equals reverse."""

    def f(x):
        return np.var([x[0] * x[1], x[1], x[0] ** 2]) + np.std([x[1], 2.0 * x[0]])

    x = np.array([0.7, -1.3])
    np.testing.assert_allclose(ad.grad(f, mode="forward")(x), ad.grad(f)(x), rtol=1e-12, atol=1e-14)
    eps = 1e-6
    central = [(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(ad.grad(f)(x), central, rtol=1e-6)


def lstsq_rank_deficient(x):
    return np.sum(np.linalg.lstsq(x, np.ones(3), rcond=None)[0])  # <- error


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_lstsq_without_full_column_rank_refused_when_run(mode):
    singular = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    with pytest.raises(S2SError, match="full column rank") as info:
        ad.grad(lstsq_rank_deficient, mode=mode)(singular)
    assert info.value.filename == __file__
    assert info.value.line == marked_line(lstsq_rank_deficient)
    assert info.value.hint


def eig_complex(x):
    w, v = np.linalg.eig(x)  # <- error
    return np.sum(w) + np.sum(v)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_eig_with_complex_eigenvalues_refused_when_run(mode):
    rotation = np.array([[0.0, -1.0, 0.2], [1.0, 0.0, 0.1], [0.0, 0.3, 2.0]])
    with pytest.raises(S2SError, match="complex") as info:
        ad.grad(eig_complex, mode=mode)(rotation)
    assert info.value.filename == __file__
    assert info.value.line == marked_line(eig_complex)
    assert info.value.hint

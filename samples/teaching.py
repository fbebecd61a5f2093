"""The classic teaching example of automatic differentiation (Griewank & Walther; Baydin et al.).

    f(x1, x2) = ln(x1) + x1·x2 - sin(x2)

Run `python samples/teaching.py` to see its SSA form, its tangent (forward-mode) pass, its
adjoint (reverse-mode) pass, and both checked against central differences at (2, 5).
"""

import numpy as np


def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


if __name__ == "__main__":
    import s2s_ad

    x1, x2 = 2.0, 5.0
    print("# f in three-address SSA form: one primitive per line")
    print(s2s_ad.ssa_source(f))
    print("# tangent pass (forward mode): J·v, one column of the Jacobian per pass")
    print(s2s_ad.derivative_source(f, mode="forward", wrt=("x1", "x2")))
    print("# adjoint pass (reverse mode): uᵀ·J, the whole gradient of a scalar in one pass")
    print(s2s_ad.derivative_source(f, mode="reverse", wrt=("x1", "x2")))

    value, (g1, g2) = s2s_ad.value_and_grad(f, wrt=(0, 1))(x1, x2)
    _, t1 = s2s_ad.jvp(f, (x1, x2), (1.0, 0.0))
    _, t2 = s2s_ad.jvp(f, (x1, x2), (0.0, 1.0))
    h = 1e-6
    n1 = (f(x1 + h, x2) - f(x1 - h, x2)) / (2 * h)
    n2 = (f(x1, x2 + h) - f(x1, x2 - h)) / (2 * h)
    print(f"f({x1}, {x2}) = {value:.6f}")
    print(f"{'':10}{'reverse':>12}{'forward':>12}{'numeric':>12}")
    print(f"{'df/dx1':10}{g1:12.6f}{t1:12.6f}{n1:12.6f}")
    print(f"{'df/dx2':10}{g2:12.6f}{t2:12.6f}{n2:12.6f}")
    exact = (1 / x1 + x2, x1 - np.cos(x2))
    agree = np.allclose([g1, g2], [t1, t2], rtol=1e-12) and np.allclose(
        [g1, g2], [n1, n2], rtol=1e-6
    )
    assert agree and np.allclose([g1, g2], exact, rtol=1e-12), "derivatives disagree"
    print("reverse, forward and numeric derivatives agree")

"""The compiled backend (`grad(f, jit=True)`): the shape-specialised derivative code compiled
by Numba (the optional extra `s2s_ad[jit]`), or the NumPy code where Numba cannot compile it.
See backend.py."""

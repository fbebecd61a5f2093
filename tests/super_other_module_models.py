"""Classes for tests/test_super_other_module.py: a model library in a module of its own, as
users lay one out (their `super()` calls are made on their own for the callers)."""

import numpy as np


class Dense:
    k = 0.5

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return np.tanh(self.W @ x + self.b)

    @property
    def weight(self):
        return self.W * 2.0


class Scaled(Dense):
    def __init__(self, W, b, c):
        super().__init__(W, b)
        self.c = c

    def forward(self, x):
        return self.c * super().forward(x)


class Residual(Scaled):
    def forward(self, x):
        return x + super().forward(x)  # Scaled's, whose own super() is Dense's


class Named(Dense):
    def forward(self, x):
        return super(Named, self).forward(x) ** 2  # noqa: UP008 (the two-argument form)


class Weighted(Dense):
    @property
    def weight(self):
        return super().weight + 1.0

    def forward(self, x):
        return np.sin(self.weight @ x) * super().k


# a diamond: for objects of Both, Left's super() is Right
class Base2:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return self.W @ x


class Left(Base2):
    def forward(self, x):
        return np.tanh(super().forward(x))


class Right(Base2):
    def forward(self, x):
        return super().forward(x) * 3.0


class Both(Left, Right):
    pass


# a base for a class derived later, in the test
class Base3:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return self.W @ x


class Later(Base3):
    def forward(self, x):
        return np.cos(super().forward(x))

"""The derivative transforms: activity analysis, tangent (forward) and adjoint (reverse)."""

"""A package for tests/test_model_libraries_independent.py: layers importing their
activations relatively."""

from .layers import Block, block_loss

__all__ = ["Block", "block_loss"]

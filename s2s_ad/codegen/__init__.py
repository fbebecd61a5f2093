"""Turning statements into Python source and compiled functions."""

"""Helium (MVE, M55) int8 kernels: see the module docstring of kernels/__init__.py."""

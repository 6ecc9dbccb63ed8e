"""Arm DSP-extension (M4/M7/M33) int8 kernels: see the module docstring of kernels/__init__.py."""

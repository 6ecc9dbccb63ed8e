"""Test-only helpers: read ``.tflite`` flatbuffers and run them with ``edgeai.reference.qkernels``.

Nothing here is part of the compiler; it exists so the reference kernels can be checked bit for
bit against TFLite Micro golden outputs.
"""

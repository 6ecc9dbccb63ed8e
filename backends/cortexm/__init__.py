"""Cortex-M backend: portable C99 from kernel-level programs (see README.md).

`emit.emit_c` writes the network's C files, `host.HostRunner` compiles and runs them on the host,
`sizes` gives the flash/RAM figures. Importing this package is cheap (nothing is loaded here).
"""

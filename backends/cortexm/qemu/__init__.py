"""Running Cortex-M images under qemu-system-arm (see runner.py): the project's own startup
code, semihosting layer, linker script and instruction-counting TCG plugin."""

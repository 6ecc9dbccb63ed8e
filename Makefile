# edgeai — common tasks. Every target installs what it needs first (`setup`).
#   make demo    compile the bundled digits CNN to `nn` and check it against onnxruntime
#   make test    run every test (pytest + lit)
# Uses a virtual environment in .venv (Debian 12's system Python refuses global pip installs).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: all setup toolchain demo test pytest lit lint format bench clean new-backend

all: test

$(VENV)/bin/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3-venv missing: installing it with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && \
	  $(PYTHON) -m venv $(VENV); }

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

# C toolchains from Debian (apt-get only when one is missing; `make setup` runs as root in CI):
# the host gcc (host-compiled C, the QEMU plugin), arm-none-eabi-gcc with newlib-nano and
# qemu-system-arm (Cortex-M images run on emulated MPS2/MPS3 boards), chromium (headless, for the
# HTML report test)
toolchain:
	@missing=""; \
	command -v gcc >/dev/null 2>&1 || missing="$$missing gcc"; \
	command -v arm-none-eabi-gcc >/dev/null 2>&1 || missing="$$missing gcc-arm-none-eabi"; \
	[ -f "$$(arm-none-eabi-gcc -print-file-name=nano.specs 2>/dev/null)" ] || \
	  missing="$$missing libnewlib-arm-none-eabi"; \
	command -v qemu-system-arm >/dev/null 2>&1 || missing="$$missing qemu-system-arm"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	  echo "installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $$missing >/dev/null || { echo "could not install:$$missing"; exit 1; }; \
	fi

setup: $(STAMP) toolchain

demo: setup
	$(PY) examples/demo.py

test: pytest lit

pytest: setup
	$(PY) -m pytest -n $(JOBS) tests

lit: setup
	$(VENV)/bin/lit -q tests/lit

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup
	$(PY) benchmarks/onnx_conformance.py
	$(PY) benchmarks/import_speed.py

# a new backend folder copied from backends/_template (docs/adding-a-backend.md):
#   make new-backend NAME=foo [BACKENDS_DIR=dir]   (NAME: a lowercase identifier; no setup needed)
BACKENDS_DIR ?= backends
new-backend:
	@test -n "$(NAME)" || { echo "usage: make new-backend NAME=foo [BACKENDS_DIR=backends]" >&2; exit 2; }
	@$(PYTHON) tools/new_backend.py "$(NAME)" --dir "$(BACKENDS_DIR)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info

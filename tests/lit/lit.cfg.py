# ruff: noqa
import os
import sys

import lit.formats

config.name = "edgeai"
config.test_format = lit.formats.ShTest()
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.excludes = ["lit.cfg.py", "inputs"]
bin_dir = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([bin_dir, config.environment.get("PATH", "")])
config.environment["PYTHONWARNINGS"] = "ignore"
project_root = os.path.dirname(os.path.dirname(config.test_source_root))
config.substitutions.append(("%project", project_root))
try:
    from edgeai.support.paths import shared_models_dir

    config.substitutions.append(("%models", str(shared_models_dir())))
except FileNotFoundError:
    pass
config.substitutions.append(
    ("EDGEAI_ROUNDTRIP", "edgeai-opt %s --split-input-file --print-op-generic | edgeai-opt --split-input-file | filecheck %s")
)

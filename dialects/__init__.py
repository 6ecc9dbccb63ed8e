"""edgeai dialects: `onnx` (level 0), `nn` (level 1) and their element types."""

from edgeai.support import xdsl_fixes as _xdsl_fixes

_xdsl_fixes.apply()

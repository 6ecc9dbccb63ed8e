"""Command-line tools: `edgeai`, `edgeai-opt`, `edgeai-translate`."""

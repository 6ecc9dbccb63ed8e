"""Quantizer configuration: global defaults and per-layer overrides (mixed precision).

A JSON file (`edgeai quantize --config q.json`) holds the same fields:

    {
      "method": "mse",                  # minmax | percentile | mse | kl (activation ranges)
      "percentile": 99.99,              # for method = percentile
      "activation_bits": 8,             # 8 (asymmetric) or 16 (symmetric, zero point 0)
      "weight_bits": 8,                 # symmetric, narrow range, per output channel
      "io": "float",                    # float: quantize/dequantize inside; int: integer I/O
      "layers": {                       # overrides by layer (= the model's node name)
        "conv2": {"weight_bits": 4},
        "fc": {"weights": "binary"},    # +-1 weights scaled by alpha per output channel
        "relu3": {"activation_bits": 16},
        "head": {"skip": true}          # keep this layer in float
      }
    }
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from typing import Any

from edgeai.support.errors import EdgeAIError

METHODS = ("minmax", "percentile", "mse", "kl")


@dataclass(frozen=True)
class LayerConfig:
    """Per-layer overrides; None keeps the global value."""

    weight_bits: int | None = None
    activation_bits: int | None = None
    weights: str | None = None  # "int" | "binary"
    activations: str | None = None  # "int" | "binary"
    skip: bool = False


@dataclass(frozen=True)
class QuantConfig:
    """Global PTQ settings (see the module docstring for the JSON form)."""

    method: str = "minmax"
    percentile: float = 99.99
    activation_bits: int = 8
    weight_bits: int = 8
    per_channel: bool = True
    io: str = "float"
    bins: int = 2048
    layers: dict[str, LayerConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise EdgeAIError(
                f"quantizer method '{self.method}' unknown (choose from {', '.join(METHODS)})"
            )
        if not 50.0 < self.percentile <= 100.0:
            raise EdgeAIError(f"quantizer percentile {self.percentile} must be in (50, 100]")
        if self.io not in ("float", "int"):
            raise EdgeAIError(f"quantizer io '{self.io}' must be 'float' or 'int'")
        _check_bits("activation_bits", self.activation_bits, activation=True)
        _check_bits("weight_bits", self.weight_bits, activation=False)
        for name, lc in self.layers.items():
            if lc.activation_bits is not None:
                _check_bits(f"layer '{name}' activation_bits", lc.activation_bits, activation=True)
            if lc.weight_bits is not None:
                _check_bits(f"layer '{name}' weight_bits", lc.weight_bits, activation=False)
            if lc.weights not in (None, "int", "binary"):
                raise EdgeAIError(
                    f"layer '{name}': weights must be 'int' or 'binary', got '{lc.weights}'"
                )
            if lc.activations not in (None, "int", "binary"):
                raise EdgeAIError(
                    f"layer '{name}': activations must be 'int' or 'binary', got '{lc.activations}'"
                )

    def for_layer(self, name: str | None) -> LayerConfig:
        """The effective settings of a layer (global values filled in)."""
        lc = self.layers.get(name or "", LayerConfig())
        return LayerConfig(
            weight_bits=lc.weight_bits if lc.weight_bits is not None else self.weight_bits,
            activation_bits=lc.activation_bits
            if lc.activation_bits is not None
            else self.activation_bits,
            weights=lc.weights or "int",
            activations=lc.activations or "int",
            skip=lc.skip,
        )

    @staticmethod
    def from_dict(data: dict[str, Any], source: str = "config") -> QuantConfig:
        known = {f.name for f in fields(QuantConfig)}
        unknown = set(data) - known
        if unknown:
            raise EdgeAIError(
                f"{source}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})"
            )
        layers = {}
        layer_keys = {f.name for f in fields(LayerConfig)}
        for name, lc in (data.get("layers") or {}).items():
            if not isinstance(lc, dict):
                raise EdgeAIError(f"{source}: layer '{name}' must map to an object")
            bad = set(lc) - layer_keys
            if bad:
                raise EdgeAIError(
                    f"{source}: layer '{name}': unknown key(s) {', '.join(sorted(bad))}"
                )
            layers[name] = LayerConfig(**lc)
        args = {k: v for k, v in data.items() if k != "layers"}
        try:
            return QuantConfig(**args, layers=layers)
        except TypeError as e:
            raise EdgeAIError(f"{source}: {e}") from None

    @staticmethod
    def load(path: str) -> QuantConfig:
        if not os.path.exists(path):
            raise EdgeAIError(f"--config {path}: no such file")
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except json.JSONDecodeError as e:
            raise EdgeAIError(
                f"--config {path}: invalid JSON ({e.msg} at line {e.lineno})"
            ) from None
        if not isinstance(data, dict):
            raise EdgeAIError(f"--config {path}: expected a JSON object")
        return QuantConfig.from_dict(data, f"--config {path}")


def _check_bits(what: str, bits: int, activation: bool) -> None:
    allowed = (2, 3, 4, 5, 6, 7, 8, 16) if activation else (2, 3, 4, 5, 6, 7, 8)
    if not isinstance(bits, int) or bits not in allowed:
        raise EdgeAIError(
            f"{what} = {bits} not supported (choose from {', '.join(map(str, allowed))})"
        )

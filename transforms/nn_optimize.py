"""`nn-optimize`: the `nn`-level graph optimizer, as one pass."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

#: the passes of one round, in order
PHASES: tuple[str, ...] = (
    "nn-fold-constants",
    "nn-fold-batchnorm",
    "nn-fuse-pad",
    "nn-fuse-bias",
    "nn-sink-transposes",
    "nn-simplify-reshapes",
    "nn-fuse-activation",
    "nn-eliminate-dead-code",
)


@dataclass(frozen=True)
class NnOptimizePass(ModulePass):
    """The `nn`-level graph optimizer, as one pass.

    Input: `nn` functions (as produced by `convert-onnx-to-nn`).
    Output: the fixpoint of, in this order, `nn-fold-constants` (evaluate constant subgraphs),
    `nn-fold-batchnorm` (batch norms into weights), `nn-fuse-pad` (explicit pads into windows), `nn-fuse-bias` (constant adds into biases),
    `nn-sink-transposes` and `nn-simplify-reshapes` (layout clean-up), `nn-fuse-activation`
    (ReLU/clamp into producers, after batch norms are gone) and `nn-eliminate-dead-code`, repeated
    until a round changes nothing or `max-iterations` rounds ran. Batch norms are folded before
    activations are fused, as a fused activation blocks the fold. On a conv -> batch_norm -> relu
    model this leaves convs with folded weights and `act`, no batch_norm and no relu.
    Invariants kept: those of every pass above: function signatures, reference results (bit-exact
    except where batch norm parameters are folded, which changes float rounding).
    """

    name = "nn-optimize"

    max_iterations: int = 8
    max_elements: int = 1 << 20  # forwarded to nn-fold-constants

    def rewrite(self, module: ModuleOp) -> bool:
        """Run rounds until nothing changes; True when the module changed."""
        from edgeai.support.universe import pass_class

        passes = []
        for name in PHASES:
            cls = pass_class(name)
            passes.append(
                cls(max_elements=self.max_elements) if name == "nn-fold-constants" else cls()
            )
        changed = False
        for _ in range(self.max_iterations):
            round_changed = False
            for p in passes:
                round_changed |= p.rewrite(module)
            changed |= round_changed
            if not round_changed:
                break
        return changed

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)

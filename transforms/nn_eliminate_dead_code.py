"""`nn-eliminate-dead-code`: erase side-effect-free ops whose results are unused."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern
from xdsl.transforms.dead_code_elimination import is_trivially_dead


class EraseDeadOp(RewritePattern):
    """An op without effects and without users is erased (its operands' producers revisited)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if op.parent is not None and not isinstance(op, ModuleOp) and is_trivially_dead(op):
            rewriter.erase(op)


@dataclass(frozen=True)
class NnEliminateDeadCodePass(ModulePass):
    """Erase side-effect-free ops whose results are unused.

    Input: any module (typically `nn` functions after other rewrites).
    Output: the same module without ops that are free of side effects (`Pure`, e.g. every `nn` op,
    `nn.constant` included) and whose results have no users, iterated to a fixpoint so chains of
    dead ops disappear entirely. Ops with unknown or real effects, terminators (`func.return`),
    symbols (`func.func`) and block arguments (function inputs) are never touched.
    Invariants kept: everything observable: function signatures, returned values, side effects.
    """

    name = "nn-eliminate-dead-code"

    def rewrite(self, module: ModuleOp) -> bool:
        """Apply to a fixpoint; True when the module changed."""
        # Users before producers: one reverse sweep removes whole dead chains; the walker's
        # worklist revisits producers of erased ops for anything left.
        walker = PatternRewriteWalker(EraseDeadOp(), walk_reverse=True)
        return walker.rewrite_module(module)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)

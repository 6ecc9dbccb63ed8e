"""Contexts and pipelines for edgeai programs."""

from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects import get_all_dialects
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.transforms import get_all_passes

from edgeai.support import xdsl_fixes
from edgeai.support.errors import EdgeAIError
from edgeai.support.universe import DIALECTS, EDGEAI_UNIVERSE, PASSES


def make_context() -> Context:
    """A context that knows xDSL's dialects plus edgeai's (loaded lazily)."""
    xdsl_fixes.apply()
    ctx = Context()
    for name, factory in get_all_dialects().items():
        if name not in DIALECTS:
            ctx.register_dialect(name, factory)
    for name, factory in EDGEAI_UNIVERSE.all_dialects.items():
        ctx.register_dialect(name, factory)
    return ctx


def available_passes() -> dict:
    """Pass name -> factory, for xDSL's passes and ours."""
    passes = {k: v for k, v in get_all_passes().items() if k not in PASSES}
    passes.update(EDGEAI_UNIVERSE.all_passes)
    return passes


def run_pipeline(
    module: ModuleOp, pipeline: str, ctx: Context | None = None, verify: bool = True
) -> ModuleOp:
    """Apply a textual pass pipeline (`a,b{opt=1}`) to `module` in place and return it."""
    ctx = ctx or make_context()

    def callback(prev: ModulePass | None, mod: ModuleOp, nxt: ModulePass | None) -> None:
        if verify and prev is not None:
            mod.verify()

    try:
        pp = PassPipeline.parse_spec(available_passes(), pipeline, callback)
    except Exception as e:  # xDSL raises plain exceptions for bad pass names/options
        raise EdgeAIError(f"invalid pass pipeline '{pipeline}': {e}") from None
    pp.apply(ctx, module)
    if verify:
        module.verify()
    return module

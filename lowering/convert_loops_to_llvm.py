"""`convert-loops-to-llvm`: level 3 (`scf`/`memref`/`arith`/`math`/`func`) -> the `llvm` dialect.

Runs xDSL's memref/ptr/scf conversions and fills what xDSL 0.74 lacks:

1. `memref.global` -> `llvm.mlir.global` (an `!llvm.array<N x T>` holding the same dense data;
   uninitialized buffers get no value), `memref.get_global` -> `llvm.mlir.addressof`, and
   `memref.view` (a byte offset into an i8 arena) -> `ptr_xdsl` pointer arithmetic; xDSL's
   `convert-memref-to-ptr` handles none of the three.
2. xDSL: `convert-memref-to-ptr{lower_func=true}`, `convert-ptr-type-offsets`,
   `convert-scf-to-cf`.
3. `convert-ptr-to-llvm`'s load/store/to_ptr/from_ptr patterns (xDSL's), with two changes:
   `ptr_xdsl.ptradd` -> `llvm.getelementptr inbounds i8` (xDSL goes through ptrtoint/inttoptr,
   which hides the address arithmetic from LLVM's loop optimizers), and pointer/index types are
   rewritten directly on results and block arguments (`retype`): xDSL's recursive
   `TypeConversionPattern` inspects every attribute of every op and took 1.3-4 s per MLPerf
   Tiny model, against milliseconds.
4. arith/math/cf/func/index -> llvm (absent from xDSL 0.74): every arith op incl. casts, shifts,
   select, cmpi/cmpf, min/max; `arith.fptosi` as the saturating `llvm.fptosi.sat` intrinsic (a
   refinement of arith's poison on overflow: NaN -> 0); `arith.maximumf`/`minimumf` as the
   NaN-propagating `llvm.maximum`/`llvm.minimum`; math ops as LLVM intrinsics (`llvm.exp`,
   `llvm.round`, `llvm.ctlz`, ...); public functions get external linkage, private ones internal.
5. `reconcile-unrealized-casts`.

The result holds only `llvm.func`/`llvm.mlir.global` at the top level and translates with
`xdsl.backend.llvm.convert.convert_module` (`edgeai-opt -t llvm`); `edgeai.reference.jit` compiles
it with llvmlite. Any op left unconverted is reported by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, cf, func, llvm, math, memref, ptr
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    UnrealizedConversionCastOp,
    i1,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import Rewriter
from xdsl.transforms.convert_memref_to_ptr import ConvertMemRefToPtr
from xdsl.transforms.convert_ptr_to_llvm import (
    ConvertFromPtrOp,
    ConvertLoadOp,
    ConvertStoreOp,
    ConvertToPtrOp,
)
from xdsl.transforms.convert_ptr_type_offsets import ConvertPtrTypeOffsetsPass
from xdsl.transforms.convert_scf_to_cf import ConvertScfToCf
from xdsl.transforms.reconcile_unrealized_casts import ReconcileUnrealizedCastsPass

from edgeai.support.errors import EdgeAIError

LLVM_PTR = llvm.LLVMPointerType()


def _lt(t: Attribute) -> Attribute:
    """LLVM type of a builtin scalar or pointer type (index -> i64, ptr -> llvm.ptr)."""
    if isinstance(t, IndexType):
        return i64
    if isinstance(t, ptr.PtrType):
        return LLVM_PTR
    return t


def _suffix(t: Attribute) -> str:
    """Intrinsic name suffix of a scalar type (`f32`, `i32`)."""
    if isinstance(t, Float32Type):
        return "f32"
    if isinstance(t, Float64Type):
        return "f64"
    if isinstance(t, IntegerType):
        return f"i{t.width.data}"
    if isinstance(t, IndexType):
        return "i64"
    raise EdgeAIError(f"convert-loops-to-llvm: no intrinsic for type {t}")


def _bits(t: Attribute) -> int:
    t = _lt(t)
    assert isinstance(t, IntegerType), t
    return t.width.data


# ----------------------------------------------------------------------------------------------
# 1. globals and views


class LowerGlobal(RewritePattern):
    """`memref.global` -> `llvm.mlir.global` of an `!llvm.array<numel x T>`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.GlobalOp, rewriter: PatternRewriter, /) -> None:
        t = op.type
        assert isinstance(t, MemRefType)
        numel = 1
        for d in t.get_shape():
            numel *= d
        value = op.initial_value
        public = op.sym_visibility.data == "public"
        g = llvm.GlobalOp(
            llvm.LLVMArrayType(numel, t.element_type),
            op.sym_name,
            "external" if public else "internal",
            constant=op.constant is not None,
            value=value if isinstance(value, DenseIntOrFPElementsAttr) else None,
            alignment=op.alignment.value.data if op.alignment is not None else None,
        )
        rewriter.replace(op, g)


class LowerGetGlobal(RewritePattern):
    """`memref.get_global @g` -> the address of `@g` seen as that memref."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.GetGlobalOp, rewriter: PatternRewriter, /) -> None:
        addr = llvm.AddressOfOp(op.name_, LLVM_PTR)
        # llvmlite types a global's address as `[N x T]*`; an explicit ptr -> ptr bitcast
        # makes it an opaque `ptr`, so that stores of any element type through it are accepted
        opaque = llvm.BitcastOp(addr.result, LLVM_PTR)
        cast = UnrealizedConversionCastOp.get([opaque.results[0]], [ptr.PtrType()])
        view = ptr.FromPtrOp(cast.results[0], op.memref.type)  # type: ignore[arg-type]
        rewriter.replace(op, [addr, opaque, cast, view])


class LowerView(RewritePattern):
    """`memref.view %arena[%bytes][]` -> the arena pointer advanced by `%bytes`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.ViewOp, rewriter: PatternRewriter, /) -> None:
        if op.sizes:
            raise EdgeAIError("convert-loops-to-llvm: memref.view with dynamic sizes")
        base = ptr.ToPtrOp(op.source)
        moved = ptr.PtrAddOp(base.res, op.byte_shift)
        rewriter.replace(op, [base, moved, ptr.FromPtrOp(moved.result, op.result.type)])


# ----------------------------------------------------------------------------------------------
# 3. pointer offsets as GEPs


class PtrAddToGEP(RewritePattern):
    """`ptr_xdsl.ptradd %p, %bytes` -> `llvm.getelementptr inbounds i8, %p[%bytes]`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ptr.PtrAddOp, rewriter: PatternRewriter, /) -> None:
        src = UnrealizedConversionCastOp.get([op.addr], [LLVM_PTR])
        off = arith.IndexCastOp(op.offset, i64)
        gep = llvm.GEPOp(
            src.results[0],
            [llvm.GEP_USE_SSA_VAL],
            IntegerType(8),
            ssa_indices=[off.result],
            inbounds=True,
        )
        back = UnrealizedConversionCastOp.get([gep.result], [ptr.PtrType()])
        rewriter.replace(op, [src, off, gep, back])


# ----------------------------------------------------------------------------------------------
# 4. arith / math / cf / func -> llvm

_INT_BINARY: dict[type[Operation], type[Operation]] = {
    arith.AddiOp: llvm.AddOp,
    arith.SubiOp: llvm.SubOp,
    arith.MuliOp: llvm.MulOp,
    arith.DivSIOp: llvm.SDivOp,
    arith.DivUIOp: llvm.UDivOp,
    arith.RemSIOp: llvm.SRemOp,
    arith.RemUIOp: llvm.URemOp,
    arith.AndIOp: llvm.AndOp,
    arith.OrIOp: llvm.OrOp,
    arith.XOrIOp: llvm.XOrOp,
    arith.ShLIOp: llvm.ShlOp,
    arith.ShRSIOp: llvm.AShrOp,
    arith.ShRUIOp: llvm.LShrOp,
}
_FLOAT_BINARY: dict[type[Operation], type[Operation]] = {
    arith.AddfOp: llvm.FAddOp,
    arith.SubfOp: llvm.FSubOp,
    arith.MulfOp: llvm.FMulOp,
    arith.DivfOp: llvm.FDivOp,
}
#: integer min/max -> (icmp predicate choosing the lhs, ...)
_INT_MINMAX: dict[type[Operation], str] = {
    arith.MaxSIOp: "sgt",
    arith.MinSIOp: "slt",
    arith.MaxUIOp: "ugt",
    arith.MinUIOp: "ult",
}
#: ops lowered to a call of an LLVM intrinsic `llvm.<name>.<type suffix>` on their operands
_INTRINSICS: dict[type[Operation], str] = {
    arith.MaximumfOp: "maximum",
    arith.MinimumfOp: "minimum",
    arith.MaxnumfOp: "maxnum",
    arith.MinnumfOp: "minnum",
    math.ExpOp: "exp",
    math.Exp2Op: "exp2",
    math.LogOp: "log",
    math.Log2Op: "log2",
    math.SqrtOp: "sqrt",
    math.FloorOp: "floor",
    math.CeilOp: "ceil",
    math.RoundOp: "round",
    math.RoundEvenOp: "roundeven",
    math.TruncOp: "trunc",
    math.AbsFOp: "fabs",
    math.SinOp: "sin",
    math.CosOp: "cos",
    math.FmaOp: "fma",
    math.CtPopOp: "ctpop",
}
_ICMP = ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge")


def _intrinsic(name: str, args: list[SSAValue], result: Attribute) -> llvm.CallIntrinsicOp:
    return llvm.CallIntrinsicOp(f"llvm.{name}.{_suffix(result)}", args, [result])


def _lower_constant(op: arith.ConstantOp) -> list[Operation]:
    v = op.value
    t = _lt(op.result.type)
    if isinstance(v, IntegerAttr):
        raw = v.value.data
        if t == i1:
            raw = raw & 1
        return [llvm.ConstantOp(IntegerAttr(raw, t, truncate_bits=True), t)]
    if isinstance(v, FloatAttr):
        return [llvm.ConstantOp(v, t)]
    raise EdgeAIError(f"convert-loops-to-llvm: unsupported constant {v}")


def _lower_cast(op: Operation) -> list[Operation] | None:
    """Integer/float conversions; None leaves the op alone, [] forwards the operand."""
    src, res = op.operands[0], op.results[0]
    st, rt = _lt(src.type), _lt(res.type)
    if isinstance(op, arith.IndexCastOp):
        if _bits(st) == _bits(rt):
            return []
        if _bits(st) > _bits(rt):
            return [llvm.TruncOp(src, rt)]
        return [llvm.SExtOp(src, rt)]
    if isinstance(op, arith.ExtSIOp):
        return [llvm.SExtOp(src, rt)]
    if isinstance(op, arith.ExtUIOp):
        return [llvm.ZExtOp(src, rt)]
    if isinstance(op, arith.TruncIOp):
        return [llvm.TruncOp(src, rt)]
    if isinstance(op, arith.SIToFPOp):
        return [llvm.SIToFPOp(src, rt)]
    if isinstance(op, arith.ExtFOp):
        return [llvm.FPExtOp(src, rt)]
    if isinstance(op, arith.TruncFOp):
        return [llvm.FPTruncOp(src, rt)]
    if isinstance(op, arith.FPToSIOp | arith.FPToUIOp):
        kind = "fptosi" if isinstance(op, arith.FPToSIOp) else "fptoui"
        name = f"llvm.{kind}.sat.{_suffix(rt)}.{_suffix(st)}"
        return [llvm.CallIntrinsicOp(name, [src], [rt])]
    if isinstance(op, arith.BitcastOp):
        return [llvm.BitcastOp(src, rt)]
    return None


def _lower_func(op: func.FuncOp, rewriter: PatternRewriter) -> llvm.FuncOp:
    ft = op.function_type
    outs = list(ft.outputs.data)
    if len(outs) > 1:
        raise EdgeAIError(f"convert-loops-to-llvm: @{op.sym_name.data} returns several values")
    out = _lt(outs[0]) if outs else None
    private = op.sym_visibility is not None and op.sym_visibility.data == "private"
    linkage = llvm.LinkageAttr("internal" if private and not op.is_declaration else "external")
    body = None if op.is_declaration else rewriter.move_region_contents_to_new_regions(op.body)
    fty = llvm.LLVMFunctionType([_lt(t) for t in ft.inputs.data], out)
    return llvm.FuncOp(op.sym_name.data, fty, linkage=linkage, body=body)


class StdToLLVM(RewritePattern):
    """arith, math, cf and func ops -> llvm ops (see the module docstring)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        new = self.lower(op, rewriter)
        if new is None:
            return
        if new:
            rewriter.replace(op, new)
        else:
            rewriter.replace(op, [], [op.operands[0]])

    def lower(self, op: Operation, rewriter: PatternRewriter) -> list[Operation] | None:
        kind = type(op)
        if kind in _INT_BINARY or kind in _FLOAT_BINARY:
            target = _INT_BINARY.get(kind) or _FLOAT_BINARY[kind]
            return [target(op.operands[0], op.operands[1])]  # type: ignore[call-arg]
        if kind in _INT_MINMAX:
            a, b = op.operands
            pred = IntegerAttr(_ICMP.index(_INT_MINMAX[kind]), i64)
            c = llvm.ICmpOp(a, b, pred)
            return [c, llvm.SelectOp(c.res, a, b)]
        if kind in _INTRINSICS:
            return [_intrinsic(_INTRINSICS[kind], list(op.operands), _lt(op.results[0].type))]
        match op:
            case arith.ConstantOp():
                return _lower_constant(op)
            case arith.CmpiOp():
                return [llvm.ICmpOp(op.lhs, op.rhs, IntegerAttr(op.predicate.value.data, i64))]
            case arith.CmpfOp():
                pred = IntegerAttr(op.predicate.value.data, i64)
                return [llvm.FCmpOp(op.lhs, op.rhs, pred)]
            case arith.SelectOp():
                return [llvm.SelectOp(op.cond, op.lhs, op.rhs)]
            case arith.NegfOp():
                return [llvm.FNegOp(op.operand)]
            case math.CountLeadingZerosOp() | math.CountTrailingZerosOp():
                name = "ctlz" if isinstance(op, math.CountLeadingZerosOp) else "cttz"
                no_poison = llvm.ConstantOp(IntegerAttr(0, i1), i1)
                t = _lt(op.results[0].type)
                return [no_poison, _intrinsic(name, [op.operands[0], no_poison.result], t)]
            case math.AbsIOp():
                no_poison = llvm.ConstantOp(IntegerAttr(0, i1), i1)
                t = _lt(op.results[0].type)
                return [no_poison, _intrinsic("abs", [op.operands[0], no_poison.result], t)]
            case cf.BranchOp():
                return [llvm.BrOp(op.successor, *op.arguments)]
            case cf.ConditionalBranchOp():
                return [
                    llvm.CondBrOp(
                        op.cond, op.then_block, op.then_arguments, op.else_block,
                        op.else_arguments,
                    )
                ]  # fmt: skip
            case func.ReturnOp():
                return [llvm.ReturnOp(op.arguments[0] if op.arguments else None)]
            case func.CallOp():
                outs = [_lt(t) for t in op.result_types]
                if len(outs) > 1:
                    raise EdgeAIError("convert-loops-to-llvm: calls with several results")
                return [
                    llvm.CallOp(op.callee, *op.arguments, return_type=outs[0] if outs else None)
                ]
            case func.FuncOp():
                return [_lower_func(op, rewriter)]
        return _lower_cast(op) if kind.__module__.startswith("xdsl.dialects.arith") else None


def retype(module: ModuleOp) -> None:
    """`index` -> i64 and `!ptr_xdsl.ptr` -> `!llvm.ptr` on every op result and block argument.

    (xDSL's `TypeConversionPattern`, used by `convert-ptr-to-llvm`, does this by inspecting every
    attribute of every op: 1-4 s on an MLPerf Tiny model, against milliseconds here.)"""
    for op in module.walk():
        for r in list(op.results):
            if isinstance(r.type, IndexType | ptr.PtrType):
                Rewriter.replace_value_with_new_type(r, _lt(r.type))
        for region in op.regions:
            for block in region.blocks:
                for a in list(block.args):
                    if isinstance(a.type, IndexType | ptr.PtrType):
                        Rewriter.replace_value_with_new_type(a, _lt(a.type))


def _walk(*patterns: RewritePattern) -> Callable[[ModuleOp], None]:
    def run(module: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(list(patterns)), apply_recursively=True
        ).rewrite_module(module)

    return run


_ALLOWED_AFTER = ("llvm.",)


@dataclass(frozen=True)
class ConvertLoopsToLlvmPass(ModulePass):
    """Lower loop-level functions (scf/memref/arith/math/func) to the llvm dialect with xDSL's
    memref/ptr/scf conversions plus edgeai's globals, GEP and arith/math/cf/func lowering (see
    the module docstring); the result translates to LLVM IR with `-t llvm`."""

    name = "convert-loops-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        _walk(LowerGlobal(), LowerGetGlobal(), LowerView())(op)
        ConvertMemRefToPtr(lower_func=True).apply(ctx, op)
        ConvertPtrTypeOffsetsPass().apply(ctx, op)
        ConvertScfToCf().apply(ctx, op)
        # convert-ptr-to-llvm's patterns, with our GEPs and retyping
        _walk(
            PtrAddToGEP(), ConvertStoreOp(), ConvertLoadOp(), ConvertToPtrOp(), ConvertFromPtrOp()
        )(op)
        _walk(StdToLLVM())(op)
        retype(op)
        ReconcileUnrealizedCastsPass().apply(ctx, op)
        left = sorted(
            {o.name for o in op.walk() if o is not op and not o.name.startswith(_ALLOWED_AFTER)}
        )
        if left:
            raise EdgeAIError(f"convert-loops-to-llvm: cannot lower {', '.join(left)}")

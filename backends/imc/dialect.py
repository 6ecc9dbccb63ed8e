"""The `imc` dialect: layers placed on DIMC tiles, and the network schedule (level 4).

An `imc.layer` is one convolution, depthwise convolution or dense layer computed by the tiles
of the in-memory-compute NPU. It is SSA like the `nn` op it replaces (same operands, same
types: quantized NHWC activations, OHWI / `1xHxWxC` depthwise / `OxI` dense weights, see
`dialects/nn.py`) and carries, besides the layer's window and output properties, how it is
placed (`#imc.mapping`) and what that placement implies on the tiles (`#imc.tile`):

    %y = imc.layer %x, %w, %b {layer = "conv1", kind = "conv2d",
           mapping = #imc.mapping<stripes = 2, chains = 1, parallel = 1, copies = 4,
                                  cluster_stripes = 4, cluster_rounds = 1>,
           tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, ...>,
           strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, act = #nn.act<relu>}
         : (tensor<1x8x8x3x!nn.q<u4, 0.05:0>>, tensor<8x3x3x3x!nn.q<i4, 0.1:0>>,
            tensor<8xi32>) -> tensor<1x8x8x8x!nn.q<u4, 0.1:0>>

The rows, columns, chains, stripes, copies, depth blocks and rounds are those of
`mapping.geometry` (the one definition shared with the cost model, the mapper and the
simulator). The verifier rebuilds the layer's `LayerShape` from the operand/result types and
properties, rebuilds an `ImcTarget` from the tile limits written in `#imc.tile`, calls
`geometry()` and checks that the derived figures written in `#imc.tile` agree: hand-edited IR
that breaks a tile limit fails to verify with the `MappingError` text (`stripes x chains x
parallel = 3x3x1 = 9 tiles > 8 per cluster`).

Which element types the tiles take (checked by the verifier): features `!nn.q` (per tensor,
1..`layer_max_bits` bits, signed or unsigned) or `!nn.bin`; weights `!nn.q` with zero points 0
(symmetric, per tensor or per output channel) or `!nn.bin` (`!nn.bin` features need `!nn.bin`
weights: xnor-popcount); result `!nn.q` (per tensor; requantized in the output unit, with the
fused activation) or a plain integer accumulator. One image (batch 1); no dilation; a conv2d
has one group. The numerics are those of the equivalent `nn` op (`to_nn()`), bit for bit.

The schedule is a module-level `imc.schedule` op naming the function it describes, the target,
the execution order (`#imc.step<imc "conv1">`, `#imc.step<host "pool1">`) and the totals. An op
rather than a function attribute, so that its verifier can check the order against the
function (every imc.layer and every host op, in order) and the totals against the layers'
costs, and so that interpreters, which only look at functions, need not know about it. Ops
that stay on the Cortex-M host remain ordinary `nn` ops and carry the discardable attribute
`imc.host = "<why it is not on the tiles>"` (constants and the return excepted), so the IR
itself says which ops fall back and why.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from collections.abc import Mapping as MappingT
from typing import Any, ClassVar

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    DenseArrayBase,
    DictionaryAttr,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    SymbolRefAttr,
    TensorType,
    f64,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, ParametrizedAttribute
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from edgeai.backends.imc.mapping import (
    KINDS,
    Geometry,
    LayerShape,
    Mapping,
    MappingError,
    geometry,
)
from edgeai.backends.imc.target import PRESETS, ImcTarget
from edgeai.dialects import nn
from edgeai.dialects.common import PropGetter, Shape, TensorOp, shape_of, shape_str
from edgeai.dialects.nn_types import ActivationAttr, BinaryType, QuantType
from edgeai.support.errors import EdgeAIError

__all__ = [
    "IMC",
    "HOST_ATTR",
    "LayerOp",
    "ScheduleOp",
    "MappingAttr",
    "TileAttr",
    "StepAttr",
    "layer_shape",
    "element_bits",
    "output_kind",
    "weight_bytes_loaded",
    "host_reason",
]

#: discardable attribute of an op that stays on the host: the reason, one line
HOST_ATTR = "imc.host"

#: imc.layer kind -> the nn op it replaces
_NN_OF_KIND: dict[str, type[TensorOp]] = {
    "conv2d": nn.Conv2dOp,
    "depthwise": nn.DepthwiseConv2dOp,
    "dense": nn.DenseOp,
}


# ---------------------------------------------------------------------------------------------
# `<key = value, ...>` attribute syntax shared by #imc.mapping and #imc.tile


def _parse_fields(
    parser: AttrParser, what: str, spec: MappingT[str, type], defaults: MappingT[str, Any]
) -> dict[str, Any]:
    """Parse `<key = value, ...>` (any order); `spec` maps keys to int, bool or str."""
    values: dict[str, Any] = {}

    def field() -> None:
        pos = parser.pos
        key = parser.parse_identifier()
        if key not in spec:
            parser.raise_error(
                f"{what}: unknown field '{key}' (fields: {', '.join(spec)})", pos, parser.pos
            )
        if key in values:
            parser.raise_error(f"{what}: field '{key}' given twice", pos, parser.pos)
        parser.parse_punctuation("=")
        kind = spec[key]
        if kind is bool:
            values[key] = parser.parse_boolean()
        elif kind is str:
            values[key] = parser.parse_str_literal()
        else:
            values[key] = parser.parse_integer()

    parser.parse_comma_separated_list(parser.Delimiter.ANGLE, field)
    missing = [k for k in spec if k not in values and k not in defaults]
    if missing:
        parser.raise_error(f"{what}: missing field(s) {', '.join(missing)}")
    return {k: values.get(k, defaults.get(k)) for k in spec}


def _print_fields(printer: Printer, values: Sequence[tuple[str, Any]]) -> None:
    def text(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return str(v)

    printer.print_string("<" + ", ".join(f"{k} = {text(v)}" for k, v in values) + ">")


# ---------------------------------------------------------------------------------------------
# attributes


@irdl_attr_definition
class MappingAttr(ParametrizedAttribute):
    """A layer's placement choice (`mapping.Mapping`): inside a cluster `stripes x chains x
    parallel` tiles and `copies` shifted kernel copies per chain; across clusters
    `cluster_stripes x cluster_rounds` clusters; `depth_splits` blocks of kernel rows computed
    one after the other when the kernel is deeper than a chain.

        #imc.mapping<stripes = 2, chains = 3, parallel = 1, copies = 1, cluster_stripes = 4,
                     cluster_rounds = 2>
        #imc.mapping<stripes = 1, chains = 8, parallel = 1, copies = 1, cluster_stripes = 1,
                     cluster_rounds = 7, depth_splits = 3>

    Fields may be given in any order; an omitted field is 1. It prints the first six fields
    always and `depth_splits` when it is not 1, in the order above: printing and parsing
    round-trip losslessly.
    """

    name = "imc.mapping"
    stripes: IntAttr
    chains: IntAttr
    parallel: IntAttr
    copies: IntAttr
    cluster_stripes: IntAttr
    cluster_rounds: IntAttr
    depth_splits: IntAttr

    FIELDS: ClassVar[tuple[str, ...]] = tuple(f.name for f in dataclasses.fields(Mapping))
    #: fields printed only when they are not 1
    OPTIONAL: ClassVar[tuple[str, ...]] = ("depth_splits",)

    @staticmethod
    def get(mapping: Mapping | MappingT[str, int]) -> MappingAttr:
        """The attribute of a `Mapping` (or of a dict with its fields; missing ones are 1)."""
        m = mapping if isinstance(mapping, Mapping) else Mapping(**dict(mapping))
        return MappingAttr(*(IntAttr(getattr(m, k)) for k in MappingAttr.FIELDS))

    def to_mapping(self) -> Mapping:
        """The `mapping.Mapping` this attribute holds."""
        return Mapping(**{k: getattr(self, k).data for k in self.FIELDS})

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        v = _parse_fields(
            parser, "#imc.mapping", dict.fromkeys(cls.FIELDS, int), dict.fromkeys(cls.FIELDS, 1)
        )
        return tuple(IntAttr(v[k]) for k in cls.FIELDS)

    def print_parameters(self, printer: Printer) -> None:
        values = [(k, getattr(self, k).data) for k in self.FIELDS]
        _print_fields(printer, [(k, v) for k, v in values if k not in self.OPTIONAL or v != 1])

    def verify(self) -> None:
        for k in self.FIELDS:
            if getattr(self, k).data < 1:
                raise VerifyException(f"#imc.mapping {k} must be >= 1, got {getattr(self, k).data}")


#: the target fields #imc.tile records (what geometry() reads)
_LIMITS: tuple[str, ...] = (
    "tiles_per_cluster",
    "clusters",
    "columns_per_tile",
    "bits_per_column",
    "tile_max_bits",
    "layer_max_bits",
)
#: derived integer figures #imc.tile records (checked against the geometry)
_DERIVED: tuple[str, ...] = (
    "w_bits",
    "a_bits",
    "tile_w_bits",
    "tile_a_bits",
    "w_slices",
    "a_passes",
    "rows_used",
    "columns_used",
    "kernel_rounds",
    "weight_bytes",
)


@irdl_attr_definition
class TileAttr(ParametrizedAttribute):
    """The tile limits a layer was mapped under and the figures its mapping implies.

    Limits (the `ImcTarget` fields `geometry()` reads): `tiles_per_cluster`, `clusters`,
    `columns_per_tile`, `bits_per_column`, `tile_max_bits`, `layer_max_bits`. Derived figures:
    the layer's precision `w_bits`/`a_bits`, the tile precision `tile_w_bits`/`tile_a_bits`,
    `w_slices` weight slices and `a_passes` bit-serial feature passes, `rows_used` rows of a
    chain (of one depth block), `columns_used` columns of a chain, `kernel_rounds`,
    `weight_bytes` written into the tiles of one stripe over all rounds and depth blocks
    (`weight_bytes_loaded`), `psum` (partial sums are accumulated: chains > 1, depth splits,
    or several slices/passes shifted and added), and `output`: what
    the output unit does, `"accumulate"` (integer result), `"requantize"` or
    `"requantize+<activation>"` (`relu`, `relu6`, `clamp`).

        #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32,
                  bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4,
                  a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1,
                  rows_used = 27, columns_used = 32, kernel_rounds = 1, weight_bytes = 432,
                  psum = false, output = "requantize+relu">

    Every field is required; fields may come in any order and print in the order above.
    """

    name = "imc.tile"
    tiles_per_cluster: IntAttr
    clusters: IntAttr
    columns_per_tile: IntAttr
    bits_per_column: IntAttr
    tile_max_bits: IntAttr
    layer_max_bits: IntAttr
    w_bits: IntAttr
    a_bits: IntAttr
    tile_w_bits: IntAttr
    tile_a_bits: IntAttr
    w_slices: IntAttr
    a_passes: IntAttr
    rows_used: IntAttr
    columns_used: IntAttr
    kernel_rounds: IntAttr
    weight_bytes: IntAttr
    psum: IntAttr
    output: StringAttr

    INT_FIELDS: ClassVar[tuple[str, ...]] = _LIMITS + _DERIVED
    OUTPUTS: ClassVar[tuple[str, ...]] = (
        "accumulate",
        "requantize",
        "requantize+relu",
        "requantize+relu6",
        "requantize+clamp",
    )

    @staticmethod
    def get(values: MappingT[str, Any]) -> TileAttr:
        """From a dict of every field (ints, `psum` bool, `output` str)."""
        return TileAttr(
            *(IntAttr(int(values[k])) for k in TileAttr.INT_FIELDS),
            IntAttr(int(bool(values["psum"]))),
            StringAttr(values["output"]),
        )

    @staticmethod
    def from_geometry(g: Geometry, target: ImcTarget, output: str) -> TileAttr:
        """The attribute of geometry `g` on `target` with output-unit function `output`."""
        return TileAttr.get(
            {**{k: getattr(target, k) for k in _LIMITS}, **derived_figures(g), "output": output}
        )

    def as_dict(self) -> dict[str, Any]:
        """Every field as a Python value."""
        d: dict[str, Any] = {k: getattr(self, k).data for k in self.INT_FIELDS}
        d["psum"] = bool(self.psum.data)
        d["output"] = self.output.data
        return d

    def target(self, base: ImcTarget | None = None) -> ImcTarget:
        """An `ImcTarget` with these tile limits (other fields from `base`, default preset)."""
        t = dataclasses.replace(base or ImcTarget(), **{k: getattr(self, k).data for k in _LIMITS})
        t.validate()
        return t

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        spec: dict[str, type] = {**dict.fromkeys(cls.INT_FIELDS, int), "psum": bool, "output": str}
        v = _parse_fields(parser, "#imc.tile", spec, {})
        return (
            *(IntAttr(v[k]) for k in cls.INT_FIELDS),
            IntAttr(int(v["psum"])),
            StringAttr(v["output"]),
        )

    def print_parameters(self, printer: Printer) -> None:
        _print_fields(printer, list(self.as_dict().items()))

    def verify(self) -> None:
        for k in self.INT_FIELDS:
            v = getattr(self, k).data
            if v < (0 if k == "weight_bytes" else 1):
                raise VerifyException(f"#imc.tile {k} must be >= 1, got {v}")
        if self.psum.data not in (0, 1):
            raise VerifyException("#imc.tile psum must be true or false")
        if self.output.data not in self.OUTPUTS:
            raise VerifyException(
                f"#imc.tile output '{self.output.data}' is not one of {', '.join(self.OUTPUTS)}"
            )


@irdl_attr_definition
class StepAttr(ParametrizedAttribute):
    """One step of a schedule: a layer on the tiles or an op on the host, by name.

        #imc.step<imc "conv1">     #imc.step<host "pool1">

    The name is the layer name (`layer` of an imc.layer or of an nn op), else the op name.
    """

    name = "imc.step"
    unit: StringAttr
    step: StringAttr

    UNITS: ClassVar[tuple[str, ...]] = ("imc", "host")

    @staticmethod
    def get(unit: str, step: str) -> StepAttr:
        return StepAttr(StringAttr(unit), StringAttr(step))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            pos = parser.pos
            unit = parser.parse_identifier()
            if unit not in cls.UNITS:
                parser.raise_error(f"#imc.step: unit must be imc or host, got '{unit}'", pos)
            step = parser.parse_str_literal()
        return (StringAttr(unit), StringAttr(step))

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{self.unit.data} ")
        printer.print_string_literal(self.step.data)
        printer.print_string(">")

    def verify(self) -> None:
        if self.unit.data not in self.UNITS:
            raise VerifyException(f"#imc.step unit must be imc or host, got '{self.unit.data}'")


# ---------------------------------------------------------------------------------------------
# the layer shape of an op, the derived figures of a geometry


def element_bits(elt: Attribute) -> int:
    """Precision of a tile operand element type: storage width of `!nn.q`, 1 for `!nn.bin`."""
    if isinstance(elt, QuantType):
        return elt.width
    if isinstance(elt, BinaryType):
        return 1
    raise VerifyException(f"the tiles take !nn.q or !nn.bin values, got {elt}")


def _kind_of(op: Operation) -> str:
    if isinstance(op, LayerOp):
        return op.kind.data
    if isinstance(op, nn.Conv2dOp):
        return "conv2d"
    if isinstance(op, nn.DepthwiseConv2dOp):
        return "depthwise"
    if isinstance(op, nn.DenseOp):
        return "dense"
    raise EdgeAIError(f"'{op.name}' is not a layer the IMC tiles compute")


def _layer_name(op: Operation) -> str:
    a = op.attributes.get("layer")
    if isinstance(a, StringAttr):
        return a.data
    return op.results[0].name_hint or _kind_of(op)


def layer_shape(op: Operation) -> LayerShape:
    """The `LayerShape` of an imc.layer or of an nn conv2d / depthwise_conv2d / dense op, from
    its operand/result types and window properties (raises VerifyException when the op is
    not a layer the tiles take: batch > 1, non-tile element types)."""
    kind = _kind_of(op)
    x, w, y = op.operands[0], op.operands[1], op.results[0]
    xs, ws, ys = shape_of(x), shape_of(w), shape_of(y)
    a_bits = element_bits(x.type.element_type)
    w_bits = element_bits(w.type.element_type)
    name = _layer_name(op)
    if kind == "dense":
        if math.prod(xs[:-1]) != 1:
            raise VerifyException(
                f"layer '{name}': a dense layer on the tiles takes one input vector, "
                f"got {shape_str(xs)}"
            )
        return LayerShape(name, kind, xs[-1], 1, 1, ws[0], 1, 1, w_bits=w_bits, a_bits=a_bits)
    if len(xs) != 4 or xs[0] != 1:
        raise VerifyException(
            f"layer '{name}': the tiles take one NHWC image (batch 1), got {shape_str(xs)}"
        )
    strides = tuple(op.prop("strides") or (1, 1))
    out_c = ws[0] if kind == "conv2d" else ws[3]
    return LayerShape(
        name,
        kind,
        xs[3],
        xs[1],
        xs[2],
        out_c,
        ys[1],
        ys[2],
        kh=ws[1],
        kw=ws[2],
        stride_h=int(strides[0]),
        stride_w=int(strides[1]),
        w_bits=w_bits,
        a_bits=a_bits,
    )


def weight_bytes_loaded(g: Geometry) -> int:
    """Bytes written into the tiles of one stripe over all kernel rounds: each round, each
    parallel group's chain receives its columns (kernels x copies x slices, the zero taps of
    shifted copies included) over its rows (a depthwise chain: the rows of its kernels; with
    depth splits, each block of rows in turn, the last one possibly shorter) at the tile weight
    precision. Stripes and clusters receive the same bytes (broadcast)."""
    total = 0
    for r in range(g.kernel_rounds):
        for q in range(g.mapping.parallel):
            n = len(g.kernels_of(r, q))
            if not n:
                continue
            cols = n * g.mapping.copies * g.w_slices
            if g.shape.kind == "depthwise":
                blocks = [n * g.kernel_rows]
            else:
                blocks = [len(g.block_rows(d)) for d in range(g.depth_splits)]
            total += sum(math.ceil(cols * rows * g.tile_w_bits / 8) for rows in blocks)
    return total


def derived_figures(g: Geometry) -> dict[str, Any]:
    """The derived figures #imc.tile records for geometry `g`."""
    return {
        "w_bits": g.shape.w_bits,
        "a_bits": g.shape.a_bits,
        "tile_w_bits": g.tile_w_bits,
        "tile_a_bits": g.tile_a_bits,
        "w_slices": g.w_slices,
        "a_passes": g.a_passes,
        "rows_used": g.rows_used,
        "columns_used": g.columns_used,
        "kernel_rounds": g.kernel_rounds,
        "weight_bytes": weight_bytes_loaded(g),
        "psum": g.mapping.chains > 1 or g.w_slices > 1 or g.a_passes > 1 or g.depth_splits > 1,
    }


def output_kind(op: Operation) -> str:
    """What the output unit does for `op`: accumulate (integer result) or requantize, with the
    fused activation (`requantize+relu` ...)."""
    if isinstance(op.results[0].type.element_type, IntegerType):
        return "accumulate"
    act = op.properties.get("act")
    return "requantize" + (f"+{act.kind.data}" if isinstance(act, ActivationAttr) else "")


def _check_element_types(op: Operation, name: str) -> None:
    """The element types the tiles take (see the module docstring)."""
    x, w, y = (v.type.element_type for v in (op.operands[0], op.operands[1], op.results[0]))
    where = f"layer '{name}'"
    for what, t in (("features", x), ("weights", w)):
        if not isinstance(t, QuantType | BinaryType):
            raise VerifyException(f"{where}: {what} must be !nn.q or !nn.bin, got {t}")
    if isinstance(x, QuantType | BinaryType) and x.channel_axis is not None:
        raise VerifyException(f"{where}: features must be quantized per tensor")
    if isinstance(x, BinaryType) and not isinstance(w, BinaryType):
        raise VerifyException(f"{where}: !nn.bin features need !nn.bin weights")
    if isinstance(w, QuantType) and any(z.data != 0 for z in w.zero_points):
        raise VerifyException(f"{where}: weights must be symmetric (zero points 0), got {w}")
    if not isinstance(y, QuantType | IntegerType) or (
        isinstance(y, QuantType) and y.channel_axis is not None
    ):
        raise VerifyException(
            f"{where}: the result must be !nn.q per tensor or an integer accumulator, got {y}"
        )


# ---------------------------------------------------------------------------------------------
# ops


def _dict_attr(values: MappingT[str, Any]) -> DictionaryAttr:
    out: dict[str, Attribute] = {}
    for k, v in values.items():
        if isinstance(v, Attribute):
            out[k] = v
        elif isinstance(v, bool):
            out[k] = BoolAttr.from_bool(v)
        elif isinstance(v, int):
            out[k] = IntegerAttr(v, i64)
        elif isinstance(v, float):
            out[k] = FloatAttr(v, f64)
        elif isinstance(v, str):
            out[k] = StringAttr(v)
        else:
            raise TypeError(f"cost entry {k}: {type(v).__name__} is not int, float, bool or str")
    return DictionaryAttr(out)


def _attr_value(a: Attribute) -> Any:
    if isinstance(a, IntegerAttr):
        return a.value.data
    if isinstance(a, FloatAttr):
        return a.value.data
    if isinstance(a, StringAttr):
        return a.data
    return a


@irdl_op_definition
class LayerOp(TensorOp):
    """One conv2d / depthwise / dense layer computed by the DIMC tiles.

    Operands `input`, `weight`, optional `bias` and the result have the types of the `nn` op
    it replaces. Properties: `kind` ("conv2d" | "depthwise" | "dense"), `strides` and
    `padding` [top, left, bottom, right] (convolutions only), the fused activation `act` and
    the requantization `rounding` as in `nn`, `mapping` (`#imc.mapping`), `tile`
    (`#imc.tile`) and an optional `cost` dictionary (cycles, energy, utilization ... written
    by `imc-map-tiles`). The model's node name is the `layer` attribute, required here (the
    key of `--imc-mapping` files and of the schedule); it stays a discardable attribute as on
    every other op (`dialects/common.py`), so reports and error messages find it the same way.

        %y = imc.layer %x, %w, %b {layer = "fc", kind = "dense",
               mapping = #imc.mapping<stripes = 1, chains = 1, parallel = 2, copies = 1,
                                      cluster_stripes = 1, cluster_rounds = 1>,
               tile = #imc.tile<...>, cost = {cycles_all_clusters = 60 : i64}}
             : (tensor<1x64x!nn.q<i4, 0.1:0>>, tensor<40x64x!nn.q<i4, 0.05:0>>, tensor<40xi32>)
               -> tensor<1x40x!nn.q<i8, 0.2:3>>

    Semantics: those of `to_nn()`, bit for bit (the simulator, `sim.py`, checks it tile by
    tile). The verifier checks the types the tiles take, the mapping against the tile limits
    (through `mapping.geometry`) and every derived figure of `tile`.
    """

    name = "imc.layer"
    irdl_options = (ParsePropInAttrDict(),)
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    output = result_def(TensorType)
    kind = prop_def(StringAttr)
    strides = opt_prop_def(DenseArrayBase)
    padding = opt_prop_def(DenseArrayBase)
    act = opt_prop_def(ActivationAttr)
    rounding = opt_prop_def(StringAttr)
    mapping = prop_def(MappingAttr)
    tile = prop_def(TileAttr)
    cost = opt_prop_def(DictionaryAttr)
    traits = traits_def(Pure())

    # -- construction ---------------------------------------------------------------------

    @staticmethod
    def from_nn(
        nn_op: Operation,
        mapping: Mapping | MappingT[str, int],
        target: ImcTarget,
        cost: MappingT[str, Any] | None = None,
        *,
        name: str | None = None,
    ) -> LayerOp:
        """The imc.layer computing nn conv2d / depthwise_conv2d / dense `nn_op` under `mapping`.

        Uses `nn_op`'s operands (insert the result and replace `nn_op` with it). `name`
        defaults to the op's `layer` attribute. Raises `EdgeAIError` (or its `MappingError`)
        when the op is not one the tiles take or the mapping does not fit `target`.
        """
        kind = _kind_of(nn_op)
        layer = name or _layer_name(nn_op)
        where = f"layer '{layer}' ({nn_op.name})"
        if kind != "dense":
            if tuple(nn_op.prop("dilations") or (1, 1)) != (1, 1):
                raise EdgeAIError(f"{where}: dilated convolutions do not map onto the tiles")
        if kind == "conv2d" and int(nn_op.prop("groups") or 1) != 1:
            raise EdgeAIError(f"{where}: grouped convolutions do not map onto the tiles")
        try:
            _check_element_types(nn_op, layer)
            shape = dataclasses.replace(layer_shape(nn_op), name=layer)
        except VerifyException as e:
            raise EdgeAIError(str(e)) from None
        m = mapping if isinstance(mapping, Mapping) else Mapping(**dict(mapping))
        g = geometry(shape, m, target)
        props: dict[str, Attribute] = {
            "kind": StringAttr(kind),
            "mapping": MappingAttr.get(m),
            "tile": TileAttr.from_geometry(g, target, output_kind(nn_op)),
        }
        for k in ("strides", "padding", "act", "rounding"):
            a = nn_op.properties.get(k)
            if a is not None:
                props[k] = a
        if cost is not None:
            props["cost"] = _dict_attr(cost)
        op = LayerOp.create(
            operands=list(nn_op.operands),
            result_types=[nn_op.results[0].type],
            properties=props,
            attributes={"layer": StringAttr(layer)},
        )
        op.output.name_hint = nn_op.results[0].name_hint
        return op

    def to_nn(self) -> TensorOp:
        """The equivalent nn op (a new, detached op on the same operands: insert it or erase
        it). It defines the numerics of this layer."""
        kind = self.kind.data
        props: dict[str, Attribute] = {}
        if kind != "dense":
            props["strides"] = self.strides or DenseArrayBase.from_list(i64, [1, 1])
            props["dilations"] = DenseArrayBase.from_list(i64, [1, 1])
            props["padding"] = self.padding or DenseArrayBase.from_list(i64, [0, 0, 0, 0])
        if kind == "conv2d":
            props["groups"] = IntegerAttr(1, i64)
        props.update({k: self.properties[k] for k in ("act", "rounding") if k in self.properties})
        op = _NN_OF_KIND[kind].create(
            operands=list(self.operands),
            result_types=[self.output.type],
            properties=props,
            attributes={"layer": StringAttr(self.layer)},
        )
        op.results[0].name_hint = self.output.name_hint
        return op

    # -- accessors ------------------------------------------------------------------------

    def shape(self) -> LayerShape:
        """The layer's `LayerShape`."""
        return layer_shape(self)

    def target(self, base: ImcTarget | None = None) -> ImcTarget:
        """An `ImcTarget` with the tile limits this layer was mapped under."""
        return self.tile.target(base)

    def geometry(self) -> Geometry:
        """The geometry of this layer's mapping (raises `MappingError` when it does not fit)."""
        return geometry(self.shape(), self.mapping.to_mapping(), self.target())

    def cost_dict(self) -> dict[str, Any]:
        """The `cost` entries as Python values ({} when absent)."""
        return {} if self.cost is None else {k: _attr_value(v) for k, v in self.cost.data.items()}

    # -- verification ---------------------------------------------------------------------

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        kind = prop("kind")
        if kind not in _NN_OF_KIND:
            raise VerifyException(f"imc.layer kind '{kind}' is not one of {', '.join(KINDS)}")
        return _NN_OF_KIND[kind].infer_shapes(shapes, prop)

    def check_types(self) -> None:
        kind = self.kind.data
        name = self.layer
        if not name:
            raise VerifyException("imc.layer needs its layer name (a non-empty `layer` string)")
        if self.rounding is not None and self.rounding.data not in ("tflite", "onnx"):
            raise VerifyException(
                f"rounding must be 'tflite' or 'onnx', got '{self.rounding.data}'"
            )
        if kind == "dense":
            for k in ("strides", "padding"):
                if k in self.properties:
                    raise VerifyException(f"layer '{name}': a dense layer has no {k}")
        else:
            for k, n in (("strides", 2), ("padding", 4)):
                if k not in self.properties:
                    raise VerifyException(f"layer '{name}': a {kind} layer needs {k}")
                if len(self.prop(k)) != n:
                    raise VerifyException(f"layer '{name}': {k} must have {n} values")
        _check_element_types(self, name)
        if isinstance(self.output.type.element_type, IntegerType) and self.act is not None:
            raise VerifyException(
                f"layer '{name}': an accumulator (integer) result cannot carry an activation"
            )
        if self.bias is not None and shape_of(self.bias) != (shape_of(self.output)[-1],):
            raise VerifyException(
                f"layer '{name}': bias must have shape {shape_of(self.output)[-1]}, "
                f"got {shape_str(shape_of(self.bias))}"
            )

    def verify_(self) -> None:
        super().verify_()
        try:
            target = self.target()
        except EdgeAIError as e:
            raise VerifyException(f"layer '{self.layer}': #imc.tile limits: {e}") from None
        try:
            g = geometry(self.shape(), self.mapping.to_mapping(), target)
        except MappingError as e:
            raise VerifyException(str(e)) from None
        expected = {**derived_figures(g), "output": output_kind(self)}
        got = self.tile.as_dict()
        for k, v in expected.items():
            if got[k] != v:
                raise VerifyException(
                    f"layer '{self.layer}': #imc.tile {k} = {_show(got[k])} does not match the "
                    f"mapping on these tiles ({_show(v)})"
                )


def _show(v: Any) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def host_reason(op: Operation) -> str | None:
    """The reason an op stays on the host (its `imc.host` attribute), or None."""
    a = op.attributes.get(HOST_ATTR)
    return a.data if isinstance(a, StringAttr) else None


def _step_name(op: Operation) -> str:
    a = op.attributes.get("layer")
    return a.data if isinstance(a, StringAttr) else op.name


def schedule_steps(f: func.FuncOp) -> list[StepAttr]:
    """The steps of function `f` in execution order: its imc.layer ops and its host ops."""
    steps = []
    for op in f.body.walk():
        if isinstance(op, LayerOp):
            steps.append(StepAttr.get("imc", op.layer))
        elif HOST_ATTR in op.attributes:
            steps.append(StepAttr.get("host", _step_name(op)))
    return steps


#: cost entries the schedule's totals sum over its layers
SUMMED_TOTALS: tuple[str, ...] = ("cycles_1cluster", "cycles_all_clusters")


@irdl_op_definition
class ScheduleOp(IRDLOperation):
    """The schedule of one function on the IMC NPU (a module-level op).

    `function` names the function, `target` the target (a preset name or the name of a target
    file), `steps` the execution order (`#imc.step<imc "...">` for an imc.layer,
    `#imc.step<host "...">` for an op on the Cortex-M host, which carries `imc.host`), and
    `totals` the network figures (cycles for 1 and for all clusters, inferences/s ...).

        imc.schedule @main {target = "dimc-18nm",
            steps = [#imc.step<imc "conv1">, #imc.step<host "pool1">, #imc.step<imc "fc">],
            totals = {cycles_1cluster = 5120 : i64, cycles_all_clusters = 900 : i64,
                      inferences_per_s = 666666.7 : f64}}

    Verified: the function exists; its ops other than constants, the return and imc.layer
    carry `imc.host`; `steps` lists the imc.layer and host ops in the function's order; with a
    preset target, every layer's tile limits are the preset's; `cycles_1cluster` and
    `cycles_all_clusters` of `totals` are the sums of the layers' `cost` entries (when every
    layer has them).
    """

    name = "imc.schedule"
    irdl_options = (ParsePropInAttrDict(),)
    function = prop_def(SymbolRefAttr)
    target = prop_def(StringAttr)
    steps = prop_def(ArrayAttr[StepAttr])
    totals = opt_prop_def(DictionaryAttr)
    assembly_format = "$function attr-dict"

    @staticmethod
    def get(f: func.FuncOp, target: str, totals: MappingT[str, Any] | None = None) -> ScheduleOp:
        """The schedule of `f` (steps taken from the function)."""
        props: dict[str, Attribute] = {
            "function": SymbolRefAttr(f.sym_name.data),
            "target": StringAttr(target),
            "steps": ArrayAttr(schedule_steps(f)),
        }
        if totals is not None:
            props["totals"] = _dict_attr(totals)
        return ScheduleOp.create(properties=props)

    def totals_dict(self) -> dict[str, Any]:
        """`totals` as Python values ({} when absent)."""
        return (
            {} if self.totals is None else {k: _attr_value(v) for k, v in self.totals.data.items()}
        )

    def _function(self) -> func.FuncOp:
        module = self.parent_op()
        sym = self.function.root_reference.data
        if isinstance(module, ModuleOp):
            for op in module.ops:
                if isinstance(op, func.FuncOp) and op.sym_name.data == sym:
                    return op
        raise VerifyException(f"imc.schedule: no function @{sym} in the enclosing module")

    def verify_(self) -> None:
        f = self._function()
        layers = [op for op in f.body.walk() if isinstance(op, LayerOp)]
        for op in f.body.walk():
            if op is f or isinstance(op, LayerOp | nn.ConstantOp | func.ReturnOp):
                continue
            if host_reason(op) is None:
                raise VerifyException(
                    f"imc.schedule: '{op.name}' ({_step_name(op)}) is neither an imc.layer nor "
                    f'marked {HOST_ATTR} = "<reason>"'
                )
        expected = schedule_steps(f)
        got = list(self.steps.data)
        if got != expected:
            show: Callable[[list[StepAttr]], str] = lambda s: ", ".join(  # noqa: E731
                f"{a.unit.data} {a.step.data}" for a in s
            )
            raise VerifyException(
                f"imc.schedule steps [{show(got)}] do not match the order of @{f.sym_name.data} "
                f"[{show(expected)}]"
            )
        preset = PRESETS.get(self.target.data)
        if preset is not None:
            for op in layers:
                for k in _LIMITS:
                    if getattr(op.tile, k).data != getattr(preset, k):
                        raise VerifyException(
                            f"imc.schedule: layer '{op.layer}' was mapped with {k} = "
                            f"{getattr(op.tile, k).data}, target {preset.name} has "
                            f"{getattr(preset, k)}"
                        )
        totals = self.totals_dict()
        for k in SUMMED_TOTALS:
            costs = [op.cost_dict().get(k) for op in layers]
            if k in totals and layers and all(isinstance(c, int) for c in costs):
                if totals[k] != sum(costs):
                    raise VerifyException(
                        f"imc.schedule total {k} = {totals[k]} is not the sum of the layers' "
                        f"{k} ({sum(costs)})"
                    )


IMC = Dialect("imc", [LayerOp, ScheduleOp], [MappingAttr, TileAttr, StepAttr])

"""Bit-exact fixed-point primitives of TFLite / TFLite Micro and gemmlowp, in vectorized NumPy.

Every integer primitive accepts NumPy arrays (with broadcasting) or Python ints and computes in
``int64``, reproducing the exact ``int32`` (or ``int16``) semantics of the C++ code it mirrors:
saturation where the C++ saturates, and two's-complement wrap-around where the C++ relies on
(technically undefined, in practice wrapping) signed overflow. Results are ``int64`` arrays whose
values lie in the range of the emulated C type (0-d arrays for scalar inputs).

Sources of truth (re-implemented here, not transcribed):

* gemmlowp ``fixedpoint/fixedpoint.h``: ``SaturatingRoundingDoublingHighMul``,
  ``RoundingDivideByPOT``, ``SaturatingRoundingMultiplyByPOT``, ``Rescale``, ``RoundingHalfSum``,
  ``exp_on_negative_values``, ``one_over_one_plus_x_for_x_in_0_1``, ``logistic``, ``tanh``.
* TFLite ``kernels/internal/common.{h,cc}``: ``MultiplyByQuantizedMultiplier`` (int32 and int64
  inputs, default double rounding and ``TFLITE_SINGLE_ROUNDING``), the ``SmallerThanOneExp`` /
  ``GreaterThanOne`` variants, ``GetReciprocal``, ``DownScaleInt32ToInt16Multiplier``.
* TFLite ``kernels/internal/quantization_util.cc``: ``QuantizeMultiplier`` and friends,
  ``PreprocessSoftmaxScaling``, ``CalculateInputRadius``, ``CheckedLog2``.
* ``reference_ops::AffineQuantize`` / ``Dequantize`` for float <-> integer conversion, and the ONNX
  ``QuantizeLinear`` / ``QLinearConv`` requantization semantics for the ``"onnx"`` mode.

Fixed-point values (gemmlowp ``FixedPoint<int32_t, IntegerBits>``) are represented by their raw
``int32`` integers; functions taking such values document the number of integer bits they assume.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "INT16_MAX",
    "INT16_MIN",
    "INT32_MAX",
    "INT32_MIN",
    "calculate_input_radius",
    "checked_log2",
    "count_leading_zeros32",
    "dequantize",
    "downscale_int32_to_int16_multiplier",
    "exp_on_interval_between_negative_one_quarter_and_0_excl",
    "exp_on_negative_values",
    "fixedpoint_rescale",
    "get_reciprocal",
    "logistic_fixedpoint",
    "multiply_by_quantized_multiplier",
    "multiply_by_quantized_multiplier_greater_than_one",
    "multiply_by_quantized_multiplier_int64",
    "multiply_by_quantized_multiplier_smaller_than_one_exp",
    "one_minus_x_over_one_plus_x_for_x_in_0_1",
    "one_over_one_plus_x_for_x_in_0_1",
    "preprocess_softmax_scaling",
    "quantize",
    "quantize_multiplier",
    "quantize_multiplier_greater_than_one",
    "quantize_multiplier_smaller_than_one_exp",
    "rescale",
    "round_half_away",
    "round_half_even",
    "rounding_divide_by_pot",
    "rounding_half_sum",
    "saturate",
    "saturating_add",
    "saturating_doubling_high_mul_int16",
    "saturating_left_shift_int16",
    "saturating_rounding_doubling_high_mul",
    "saturating_rounding_multiply_by_pot",
    "saturating_sub",
    "tanh_fixedpoint",
    "wrap",
    "wrap_int16",
    "wrap_int32",
]

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
INT16_MIN = -(1 << 15)
INT16_MAX = (1 << 15) - 1

I64 = NDArray[np.int64]


def _i64(x: ArrayLike) -> I64:
    """``x`` as an int64 array (no copy when it already is one)."""
    return np.asarray(x, dtype=np.int64)


def _type_range(bits: int) -> tuple[int, int]:
    if bits not in (8, 16, 32):
        raise ValueError(f"unsupported integer width {bits}")
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


# ----------------------------------------------------------------------------------------------
# Plain integer helpers
# ----------------------------------------------------------------------------------------------


def wrap(x: ArrayLike, bits: int) -> I64:
    """Two's-complement wrap of ``x`` to a signed ``bits``-bit integer (C narrowing cast)."""
    v = _i64(x)
    m = (1 << bits) - 1
    u = v & m
    return np.where(u > (m >> 1), u - (1 << bits), u)


def wrap_int32(x: ArrayLike) -> I64:
    """Two's-complement wrap to int32: what int32 overflow does on every target TFLite runs on."""
    return wrap(x, 32)


def wrap_int16(x: ArrayLike) -> I64:
    """Two's-complement wrap to int16 (C++ implicit narrowing to ``int16_t``)."""
    return wrap(x, 16)


def saturate(x: ArrayLike, qmin: ArrayLike, qmax: ArrayLike) -> I64:
    """Clamp ``x`` to ``[qmin, qmax]`` (``std::min(std::max(x, qmin), qmax)``)."""
    return np.minimum(np.maximum(_i64(x), qmin), qmax)


def _trunc_div_pow2(x: I64, n: int) -> I64:
    """``x / 2**n`` with C's truncation toward zero (``x`` must not be INT64_MIN)."""
    return np.where(x >= 0, x >> n, -((-x) >> n))


def _trunc_div(x: I64, d: ArrayLike) -> I64:
    """C integer division (truncation toward zero) of int64 ``x`` by positive ``d``."""
    d = _i64(d)
    return np.where(x >= 0, x // d, -((-x) // d))


def count_leading_zeros32(x: ArrayLike) -> I64:
    """``CountLeadingZeros(static_cast<uint32_t>(x))``; 32 for zero."""
    u = _i64(x) & 0xFFFFFFFF
    _, exponent = np.frexp(u.astype(np.float64))  # exact: u < 2**53, bit length == exponent
    return 32 - exponent.astype(np.int64)


# ----------------------------------------------------------------------------------------------
# Float rounding
# ----------------------------------------------------------------------------------------------


def round_half_away(x: ArrayLike) -> np.ndarray:
    """Round to nearest, ties away from zero (C ``round`` / ``roundf``, TFLite's ``TfLiteRound``).

    Exact for every finite float: it works on ``|x|``, where ``|x| - floor(|x|)`` is exact, so
    there is no ``x + 0.5`` double rounding (``round(-0.49999999999999994) == 0``). The float
    dtype of ``x`` is preserved (float32 input mimics ``roundf``)."""
    a = np.asarray(x)
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    mag = np.abs(a)
    fl = np.floor(mag)
    up = (mag - fl) >= a.dtype.type(0.5)
    return np.copysign(fl + up.astype(a.dtype), a)


def round_half_even(x: ArrayLike) -> np.ndarray:
    """Round to nearest, ties to even (``nearbyint`` in the default FP mode; ONNX rounding)."""
    a = np.asarray(x)
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    return np.rint(a)


# ----------------------------------------------------------------------------------------------
# QuantizeMultiplier family (quantization_util.cc)
# ----------------------------------------------------------------------------------------------


def quantize_multiplier(
    real: float | ArrayLike, *, single_rounding: bool = False
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """TFLite ``QuantizeMultiplier``: ``real ~= multiplier * 2**(shift - 31)``.

    ``frexp`` gives ``real = q * 2**shift`` with ``0.5 <= |q| < 1``; ``q * 2**31`` is rounded half
    away from zero to the Q31 ``multiplier``. A rounding up to exactly ``2**31`` is folded into
    ``(2**30, shift + 1)``; ``shift < -31`` flushes to ``(0, 0)``; ``real == 0`` gives ``(0, 0)``.
    With ``single_rounding`` (``TFLITE_SINGLE_ROUNDING``) a shift above 30 saturates to
    ``(2**31 - 1, 30)``. Negative reals give negative multipliers (as the C++ code does).

    Returns ``(multiplier, shift)`` as int32 arrays shaped like ``real``; ``shift`` is positive for
    a left shift."""
    r = np.asarray(real, dtype=np.float64)
    if not np.all(np.isfinite(r)):
        raise ValueError("quantize_multiplier: multiplier must be finite")
    q, e = np.frexp(r)
    q_fixed = round_half_away(q * float(1 << 31)).astype(np.int64)
    e = e.astype(np.int64)
    full = q_fixed == (1 << 31)
    q_fixed = np.where(full, q_fixed // 2, q_fixed)
    e = np.where(full, e + 1, e)
    tiny = e < -31
    q_fixed = np.where(tiny, 0, q_fixed)
    e = np.where(tiny, 0, e)
    if single_rounding:
        big = e > 30
        q_fixed = np.where(big, (1 << 31) - 1, q_fixed)
        e = np.where(big, 30, e)
    return q_fixed.astype(np.int32), e.astype(np.int32)


def quantize_multiplier_smaller_than_one_exp(
    real: float | ArrayLike,
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """TFLite ``QuantizeMultiplierSmallerThanOneExp``: requires ``0 < real < 1``; shift <= 0."""
    r = np.asarray(real, dtype=np.float64)
    if not (np.all(r > 0.0) and np.all(r < 1.0)):
        raise ValueError("quantize_multiplier_smaller_than_one_exp needs 0 < real < 1")
    m, s = quantize_multiplier(r)
    if np.any(s > 0):
        raise ValueError("quantize_multiplier_smaller_than_one_exp produced a positive shift")
    return m, s


def quantize_multiplier_greater_than_one(
    real: float | ArrayLike, *, single_rounding: bool = False
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """TFLite ``QuantizeMultiplierGreaterThanOne``: requires ``real > 1``; shift >= 0."""
    r = np.asarray(real, dtype=np.float64)
    if not np.all(r > 1.0):
        raise ValueError("quantize_multiplier_greater_than_one needs real > 1")
    m, s = quantize_multiplier(r, single_rounding=single_rounding)
    if np.any(s < 0):
        raise ValueError("quantize_multiplier_greater_than_one produced a negative shift")
    return m, s


def downscale_int32_to_int16_multiplier(multiplier: ArrayLike) -> I64:
    """TFLite ``DownScaleInt32ToInt16Multiplier``: Q31 -> Q15 with rounding, saturating to
    ``INT16_MAX`` near the top."""
    m = _i64(multiplier)
    if np.any(m < 0):
        raise ValueError("downscale_int32_to_int16_multiplier needs a non-negative multiplier")
    return np.where(m >= INT32_MAX - (1 << 15), INT16_MAX, (m + (1 << 15)) >> 16)


def preprocess_softmax_scaling(
    beta: float,
    input_scale: float,
    input_integer_bits: int,
    *,
    single_rounding: bool = False,
) -> tuple[int, int]:
    """TFLite ``PreprocessSoftmaxScaling``: the Q31 multiplier and left shift turning an input
    difference into ``Q(input_integer_bits).(31 - input_integer_bits)`` after multiplying by
    ``beta * input_scale``; the real multiplier is capped at ``2**31 - 1`` (``2**30 - 1`` with
    single rounding). Computed in double like the C++ (pass float32-rounded ``beta`` and scale
    to mirror a .tflite file)."""
    cap = float((1 << 30) - 1) if single_rounding else float((1 << 31) - 1)
    real = min(float(beta) * float(input_scale) * float(1 << (31 - input_integer_bits)), cap)
    m, s = quantize_multiplier_greater_than_one(real, single_rounding=single_rounding)
    return int(m), int(s)


def calculate_input_radius(
    input_integer_bits: int, input_left_shift: int, total_signed_bits: int = 31
) -> int:
    """TFLite ``CalculateInputRadius``: the largest input magnitude (in input units) whose rescaled
    value stays below the fixed-point range, ``floor((2**ib - 1) * 2**(tsb - ib) / 2**shift)``."""
    max_input_rescaled = (
        float((1 << input_integer_bits) - 1)
        * float(1 << (total_signed_bits - input_integer_bits))
        / math.ldexp(1.0, input_left_shift)
    )
    return int(math.floor(max_input_rescaled))


def checked_log2(x: float) -> tuple[bool, int]:
    """TFLite ``CheckedLog2`` (float32 arithmetic): ``(is_power_of_two, rounded_log2)`` where
    "power of two" means the fractional part of the float32 log2 is below 1e-3."""
    xf = np.float32(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_log2 = np.float32(np.log(xf)) * (np.float32(1.0) / np.float32(np.log(np.float32(2.0))))
    x_log2 = np.float32(x_log2)
    rounded = np.float32(round_half_away(x_log2))
    frac = np.float32(x_log2 - rounded)
    return bool(abs(frac) < np.float32(1e-3)), int(rounded)


# ----------------------------------------------------------------------------------------------
# gemmlowp / TFLite integer primitives
# ----------------------------------------------------------------------------------------------


def saturating_rounding_doubling_high_mul(a: ArrayLike, b: ArrayLike, bits: int = 32) -> I64:
    """gemmlowp ``SaturatingRoundingDoublingHighMul`` (ARM ``VQRDMULH``) for int32 (or int16 with
    ``bits=16``): ``floor(a * b / 2**(bits - 1) + 1/2)``, i.e. rounding to nearest with ties
    toward +infinity (gemmlowp's sign-dependent nudge followed by a truncating division amounts
    to that for both signs), and the single overflow case ``MIN * MIN`` saturating to ``MAX``."""
    lo, hi = _type_range(bits)
    a = _i64(a)
    b = _i64(b)
    overflow = (a == b) & (a == lo)
    ab = a * b
    half = 1 << (bits - 2)
    nudge = np.where(ab >= 0, half, 1 - half)
    res = _trunc_div_pow2(ab + nudge, bits - 1)
    return np.where(overflow, hi, res)


def saturating_doubling_high_mul_int16(a: ArrayLike, b: ArrayLike) -> I64:
    """TFLite's int16 ``SaturatingDoublingHighMul`` (ARM ``SQDMULH``, used by hard-swish): like
    :func:`saturating_rounding_doubling_high_mul` but truncating toward zero."""
    a = _i64(a)
    b = _i64(b)
    overflow = (a == b) & (a == INT16_MIN)
    return np.where(overflow, INT16_MAX, _trunc_div_pow2(a * b, 15))


def rounding_divide_by_pot(x: ArrayLike, exponent: ArrayLike) -> I64:
    """gemmlowp ``RoundingDivideByPOT``: arithmetic right shift rounding to nearest, ties away
    from zero. ``exponent`` (scalar or array) must be in ``[0, 31]`` for int32 ``x`` (the C
    contract); values up to 62 are accepted for int64 use."""
    x = _i64(x)
    e = _i64(exponent)
    if np.any((e < 0) | (e > 62)):
        raise ValueError("rounding_divide_by_pot: exponent out of range")
    mask = (np.int64(1) << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (remainder > threshold)


def saturating_rounding_multiply_by_pot(x: ArrayLike, exponent: int, bits: int = 32) -> I64:
    """gemmlowp ``SaturatingRoundingMultiplyByPOT<exponent>`` on raw ``bits``-bit integers: a
    saturating left shift for ``exponent > 0`` (saturating when ``x`` exceeds
    ``+-(2**(bits-1-exponent) - 1)``), :func:`rounding_divide_by_pot` for ``exponent < 0``."""
    x = _i64(x)
    if exponent == 0:
        return x
    if exponent < 0:
        return rounding_divide_by_pot(x, -exponent)
    lo, hi = _type_range(bits)
    threshold = (1 << (bits - 1 - exponent)) - 1
    res = wrap(x << exponent, bits)
    res = np.where(x > threshold, hi, res)
    return np.where(x < -threshold, lo, res)


def fixedpoint_rescale(x: ArrayLike, src_integer_bits: int, dst_integer_bits: int) -> I64:
    """gemmlowp ``Rescale<dst>(FixedPoint<int32, src>)``: change the number of integer bits of a
    raw int32 fixed-point value, saturating (more fractional bits) or rounding (fewer)."""
    return saturating_rounding_multiply_by_pot(x, src_integer_bits - dst_integer_bits)


def rounding_half_sum(a: ArrayLike, b: ArrayLike) -> I64:
    """gemmlowp ``RoundingHalfSum`` (``VRHADD``): ``(a + b) / 2`` rounded half away from zero."""
    s = _i64(a) + _i64(b)
    sign = np.where(s >= 0, 1, -1)
    return _trunc_div(s + sign, 2)


def saturating_add(a: ArrayLike, b: ArrayLike, bits: int = 32) -> I64:
    """Saturating ``a + b`` for ``bits``-bit integers (gemmlowp int16 ``SaturatingAdd``, TFLite's
    int32 ``SaturatingAddNonGemmlowp``)."""
    lo, hi = _type_range(bits)
    return saturate(_i64(a) + _i64(b), lo, hi)


def saturating_sub(a: ArrayLike, b: ArrayLike, bits: int = 32) -> I64:
    """Saturating ``a - b`` for ``bits``-bit integers (TFLite ``SaturatingSub``)."""
    lo, hi = _type_range(bits)
    return saturate(_i64(a) - _i64(b), lo, hi)


def saturating_left_shift_int16(x: ArrayLike, amount: int) -> I64:
    """TFLite's ``SaturatingLeftShift(int16_t, amount)`` (hard-swish): ``x * 2**amount``
    saturated to int16."""
    return saturate(_i64(x) * (1 << amount), INT16_MIN, INT16_MAX)


def multiply_by_quantized_multiplier(
    x: ArrayLike,
    quantized_multiplier: ArrayLike,
    shift: ArrayLike,
    *,
    single_rounding: bool = False,
) -> I64:
    """TFLite ``MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift)``.

    Default (double rounding, what TFLite Micro's reference kernels build with): wrap
    ``x * 2**max(shift, 0)`` to int32, :func:`saturating_rounding_doubling_high_mul` by the
    multiplier, then :func:`rounding_divide_by_pot` by ``max(-shift, 0)``.

    ``single_rounding=True`` is the ``TFLITE_SINGLE_ROUNDING`` build: one rounding,
    ``(x * multiplier + 2**(30 - shift)) >> (31 - shift)`` (needs ``-31 <= shift <= 30``).

    ``x`` is taken as int32 (wrapped, like the C argument conversion); arguments broadcast."""
    x = wrap_int32(x)
    m = _i64(quantized_multiplier)
    s = _i64(shift)
    if single_rounding:
        if np.any((s < -31) | (s > 30)):
            raise ValueError("single-rounding multiply needs -31 <= shift <= 30")
        total = 31 - s
        return wrap_int32((x * m + (np.int64(1) << (total - 1))) >> total)
    left = np.maximum(s, 0)
    right = np.maximum(-s, 0)
    return rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(wrap_int32(x << left), m), right
    )


def multiply_by_quantized_multiplier_int64(
    x: ArrayLike, quantized_multiplier: ArrayLike, shift: ArrayLike
) -> I64:
    """TFLite ``MultiplyByQuantizedMultiplier(int64_t x, int32_t multiplier, int shift)`` (int16x8
    convolution / fully-connected with 64-bit accumulators; identical in both rounding builds).

    The multiplier is first reduced to Q15 (``(m + 2**15) >> 16``, or ``0x7FFF`` when
    ``m >= 0x7FFF0000``), then ``(x * reduced + 2**(14 - shift)) >> (15 - shift)`` is truncated to
    int32. The C contract is ``multiplier >= 0``, ``-31 <= shift < 8``, ``|x| < 2**47``."""
    x = _i64(x)
    m = _i64(quantized_multiplier)
    s = _i64(shift)
    if np.any(m < 0) or np.any((s < -31) | (s >= 8)):
        raise ValueError("int64 multiply needs multiplier >= 0 and -31 <= shift < 8")
    reduced = np.where(m < 0x7FFF0000, (m + (1 << 15)) >> 16, 0x7FFF)
    total = 15 - s
    return wrap_int32((x * reduced + (np.int64(1) << (total - 1))) >> total)


def multiply_by_quantized_multiplier_smaller_than_one_exp(
    x: ArrayLike,
    quantized_multiplier: ArrayLike,
    left_shift: ArrayLike,
    *,
    single_rounding: bool = False,
) -> I64:
    """TFLite ``MultiplyByQuantizedMultiplierSmallerThanOneExp`` (``left_shift <= 0``):
    ``RoundingDivideByPOT(SRDHM(x, multiplier), -left_shift)``; the single-rounding build calls
    :func:`multiply_by_quantized_multiplier` instead."""
    if single_rounding:
        return multiply_by_quantized_multiplier(
            x, quantized_multiplier, left_shift, single_rounding=True
        )
    s = _i64(left_shift)
    if np.any(s > 0):
        raise ValueError("smaller_than_one_exp needs left_shift <= 0")
    return rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(wrap_int32(x), quantized_multiplier), -s
    )


def multiply_by_quantized_multiplier_greater_than_one(
    x: ArrayLike,
    quantized_multiplier: ArrayLike,
    left_shift: ArrayLike,
    *,
    single_rounding: bool = False,
) -> I64:
    """TFLite ``MultiplyByQuantizedMultiplierGreaterThanOne`` (``left_shift >= 0``):
    ``SRDHM(x * 2**left_shift, multiplier)`` with the shifted value wrapped to int32."""
    if single_rounding:
        return multiply_by_quantized_multiplier(
            x, quantized_multiplier, left_shift, single_rounding=True
        )
    s = _i64(left_shift)
    if np.any(s < 0):
        raise ValueError("greater_than_one needs left_shift >= 0")
    return saturating_rounding_doubling_high_mul(
        wrap_int32(wrap_int32(x) << s), quantized_multiplier
    )


# ----------------------------------------------------------------------------------------------
# gemmlowp fixed-point transcendental functions (raw int32 values)
# ----------------------------------------------------------------------------------------------

_ONE_Q0 = INT32_MAX  # FixedPoint<int32, 0>::One()


def exp_on_interval_between_negative_one_quarter_and_0_excl(a: ArrayLike) -> I64:
    """gemmlowp: ``exp(a)`` for ``a`` in ``[-1/4, 0)``, both Q0.31 raw values (4th-order Taylor
    expansion around -1/8)."""
    a = _i64(a)
    constant_term = 1895147668  # exp(-1/8) in Q0.31
    constant_1_over_3 = 715827883
    x = wrap_int32(a + (1 << 28))
    x2 = saturating_rounding_doubling_high_mul(x, x)
    x3 = saturating_rounding_doubling_high_mul(x2, x)
    x4 = saturating_rounding_doubling_high_mul(x2, x2)
    x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2)
    poly = saturating_rounding_multiply_by_pot(
        wrap_int32(
            saturating_rounding_doubling_high_mul(wrap_int32(x4_over_4 + x3), constant_1_over_3)
            + x2
        ),
        -1,
    )
    return wrap_int32(
        constant_term + saturating_rounding_doubling_high_mul(constant_term, wrap_int32(x + poly))
    )


_EXP_BARREL = (
    (-2, 1672461947),
    (-1, 1302514674),
    (0, 790015084),
    (1, 290630308),
    (2, 39332535),
    (3, 720401),
    (4, 242),
)


def exp_on_negative_values(a: ArrayLike, integer_bits: int) -> I64:
    """gemmlowp ``exp_on_negative_values``: ``exp(a)`` for ``a <= 0`` given as a raw
    ``FixedPoint<int32, integer_bits>``; the result is Q0.31 (``exp(0)`` is ``INT32_MAX``).

    The input is split into ``a mod 1/4`` (handled by the Taylor polynomial) and multiples of
    1/4, 1/2, 1, 2, ... applied through a barrel shifter of constant Q0.31 factors; inputs below
    -32 (when representable) flush to zero."""
    a = _i64(a)
    k = integer_bits
    frac = 31 - k
    one_quarter = 1 << (frac - 2)
    mask = one_quarter - 1
    a_mod_quarter_minus_one_quarter = wrap_int32((a & mask) - one_quarter)
    result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        fixedpoint_rescale(a_mod_quarter_minus_one_quarter, k, 0)
    )
    remainder = wrap_int32(a_mod_quarter_minus_one_quarter - a)
    for exponent, multiplier in _EXP_BARREL:
        if k > exponent:
            bit = 1 << (frac + exponent)
            result = np.where(
                (remainder & bit) != 0,
                saturating_rounding_doubling_high_mul(result, multiplier),
                result,
            )
    if k > 5:
        clamp = -(1 << (36 - k))
        result = np.where(a < clamp, 0, result)
    return np.where(a == 0, _ONE_Q0, result)


def _newton_reciprocal_f2(half_denominator: I64) -> I64:
    """Three Newton-Raphson steps for ``1 / half_denominator``, result in Q2.29 (gemmlowp)."""
    constant_48_over_17 = 1515870810
    constant_neg_32_over_17 = -1010580540
    one_f2 = 1 << 29
    x = wrap_int32(
        constant_48_over_17
        + saturating_rounding_doubling_high_mul(half_denominator, constant_neg_32_over_17)
    )
    for _ in range(3):
        half_denominator_times_x = saturating_rounding_doubling_high_mul(half_denominator, x)
        one_minus = wrap_int32(one_f2 - half_denominator_times_x)
        x = wrap_int32(
            x
            + saturating_rounding_multiply_by_pot(
                saturating_rounding_doubling_high_mul(x, one_minus), 2
            )
        )
    return x


def one_over_one_plus_x_for_x_in_0_1(a: ArrayLike) -> I64:
    """gemmlowp ``one_over_one_plus_x_for_x_in_0_1``: ``1 / (1 + a)`` for Q0.31 ``a`` in [0, 1),
    result Q0.31."""
    half_denominator = rounding_half_sum(a, _ONE_Q0)
    x = _newton_reciprocal_f2(half_denominator)
    # ExactMulByPot<-1> (reinterpret Q2.29 as Q1.30) then Rescale<0> (saturating << 1).
    return saturating_rounding_multiply_by_pot(x, 1)


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: ArrayLike) -> I64:
    """gemmlowp ``one_minus_x_over_one_plus_x_for_x_in_0_1``: ``(1 - a) / (1 + a)`` for Q0.31
    ``a`` in [0, 1), result Q0.31."""
    half_denominator = rounding_half_sum(a, _ONE_Q0)
    x = _newton_reciprocal_f2(half_denominator)
    return saturating_rounding_multiply_by_pot(wrap_int32(x - (1 << 29)), 2)


def logistic_fixedpoint(a: ArrayLike, integer_bits: int) -> I64:
    """gemmlowp ``logistic``: ``1 / (1 + exp(-a))`` for a raw ``FixedPoint<int32, integer_bits>``,
    result Q0.31 (exactly ``2**30`` for ``a == 0``)."""
    a = _i64(a)
    positive = a > 0
    abs_input = np.where(positive, a, wrap_int32(-a))
    result_if_positive = one_over_one_plus_x_for_x_in_0_1(
        exp_on_negative_values(wrap_int32(-abs_input), integer_bits)
    )
    result_if_negative = wrap_int32(_ONE_Q0 - result_if_positive)
    out = np.where(positive, result_if_positive, result_if_negative)
    return np.where(a == 0, 1 << 30, out)


def tanh_fixedpoint(a: ArrayLike, integer_bits: int) -> I64:
    """gemmlowp ``tanh`` for a raw ``FixedPoint<int32, integer_bits>``, result Q0.31."""
    a = _i64(a)
    negative = a < 0
    n = np.where(negative, a, wrap_int32(-a))
    # ExactMulByPot<1>: same raw value read with one more integer bit (i.e. 2 * n).
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    out = np.where(negative, wrap_int32(-t), t)
    return np.where(a == 0, 0, out)


def get_reciprocal(x: ArrayLike, x_integer_digits: int) -> tuple[I64, I64]:
    """TFLite ``GetReciprocal``: for a positive raw ``FixedPoint<int32, x_integer_digits>`` ``x``,
    returns ``(shifted_scale, num_bits_over_unit)`` with ``shifted_scale`` the Q0.31 value of
    ``1 / (x * 2**-num_bits_over_unit)`` (x normalised into [1, 2))."""
    x = _i64(x)
    if np.any(x <= 0):
        raise ValueError("get_reciprocal needs a positive input")
    headroom_plus_one = count_leading_zeros32(x)
    num_bits_over_unit = x_integer_digits - headroom_plus_one
    shifted = ((x & 0xFFFFFFFF) << headroom_plus_one) & 0xFFFFFFFF
    shifted_sum_minus_one = wrap_int32(shifted - (1 << 31))
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit


# ----------------------------------------------------------------------------------------------
# Rescaling and float <-> integer conversion
# ----------------------------------------------------------------------------------------------

Mode = Literal["tflite", "onnx"]


def rescale(
    acc: ArrayLike,
    real_multiplier: float | ArrayLike,
    out_zp: ArrayLike,
    qmin: int,
    qmax: int,
    mode: Mode = "tflite",
) -> I64:
    """Requantize an int32 accumulator: ``saturate(round(acc * real_multiplier) + out_zp)``.

    * ``"tflite"``: ``quantize_multiplier(real_multiplier)`` then
      :func:`multiply_by_quantized_multiplier` (double rounding), add ``out_zp``, clamp.
    * ``"onnx"``: ONNX ``QLinearConv`` / ``QuantizeLinear`` as onnxruntime computes it: the
      accumulator converted to float32 times the float32 multiplier (one float32 rounding), rounded
      half to even, plus ``out_zp``, saturated.

    ``real_multiplier`` broadcasts against ``acc`` (per-channel: shape ``[C]`` on the last axis)."""
    if mode == "tflite":
        m, s = quantize_multiplier(real_multiplier)
        return saturate(multiply_by_quantized_multiplier(acc, m, s) + _i64(out_zp), qmin, qmax)
    if mode == "onnx":
        prod = np.asarray(acc).astype(np.float32) * np.asarray(real_multiplier, dtype=np.float32)
        r = round_half_even(prod.astype(np.float32))
        r = np.clip(r, -(2.0**40), 2.0**40).astype(np.int64)
        return saturate(r + _i64(out_zp), qmin, qmax)
    raise ValueError(f"unknown rescale mode {mode!r}")


def _broadcast_axis(param: ArrayLike, ndim: int, axis: int | None, dtype: type) -> np.ndarray:
    p = np.asarray(param, dtype=dtype)
    if axis is None or p.ndim == 0:
        return p
    shape = [1] * ndim
    shape[axis] = p.shape[0]
    return p.reshape(shape)


def quantize(
    x: ArrayLike,
    scale: float | ArrayLike,
    zp: int | ArrayLike,
    qmin: int,
    qmax: int,
    mode: Mode = "tflite",
    *,
    axis: int | None = None,
) -> I64:
    """Float -> integer quantization.

    * ``"tflite"`` (``reference_ops::AffineQuantize`` / ``PerChannelQuantize``): in float32,
      ``x / float(scale)`` rounded half away from zero (``TfLiteRound``), plus ``zp``, clamped.
    * ``"onnx"`` (``QuantizeLinear``): ``saturate(round_half_even(x / scale) + zp)``, division
      in float32.

    ``x`` is converted to float32 first. With ``axis``, 1-D ``scale``/``zp`` apply per channel
    along that axis. NaN inputs are undefined (as in C)."""
    xf = np.asarray(x, dtype=np.float32)
    sc = _broadcast_axis(scale, xf.ndim, axis, np.float32)
    z = _broadcast_axis(zp, xf.ndim, axis, np.int64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = (xf / sc).astype(np.float32)
    if mode == "tflite":
        r = round_half_away(ratio)
    elif mode == "onnx":
        r = round_half_even(ratio)
    else:
        raise ValueError(f"unknown quantize mode {mode!r}")
    r = np.nan_to_num(np.clip(r, -(2.0**40), 2.0**40), nan=0.0).astype(np.int64)
    return saturate(r + z, qmin, qmax)


def dequantize(
    q: ArrayLike, scale: float | ArrayLike, zp: int | ArrayLike, *, axis: int | None = None
) -> NDArray[np.float32]:
    """Integer -> float32 as TFLite ``Dequantize``: ``float(double(scale) * (q - zp))`` with the
    float32 scale widened to double, the product rounded once to float32. With ``axis``, 1-D
    ``scale``/``zp`` apply per channel along that axis."""
    qi = _i64(q)
    sc = _broadcast_axis(np.asarray(scale, dtype=np.float32), qi.ndim, axis, np.float64)
    z = _broadcast_axis(zp, qi.ndim, axis, np.int64)
    return (sc * (qi - z).astype(np.float64)).astype(np.float32)

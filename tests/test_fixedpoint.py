"""Tests of ``edgeai.reference.fixedpoint`` against exact integer / ``Fraction`` definitions."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeai.reference import fixedpoint as fp

I32_MIN, I32_MAX = fp.INT32_MIN, fp.INT32_MAX
int32s = st.integers(I32_MIN, I32_MAX)
SETTINGS = settings(max_examples=150, deadline=None)


# ------------------------------------------------------------------------------------------------
# Exact reference definitions (Python integers and fractions)
# ------------------------------------------------------------------------------------------------


def ref_round_half_away(q: Fraction) -> int:
    fl = math.floor(q)
    rem = q - fl
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and q > 0):
        return fl + 1
    return fl


def ref_round_half_up(q: Fraction) -> int:
    return math.floor(q + Fraction(1, 2))


def ref_wrap32(v: int) -> int:
    return (v + (1 << 31)) % (1 << 32) - (1 << 31)


def ref_srdhm(a: int, b: int, bits: int = 32) -> int:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if a == b == lo:
        return hi
    return ref_round_half_up(Fraction(a * b, 1 << (bits - 1)))


def ref_rdbpot(x: int, e: int) -> int:
    return ref_round_half_away(Fraction(x, 1 << e))


def ref_quantize_multiplier(r: float) -> tuple[int, int]:
    if r == 0.0:
        return 0, 0
    q, e = math.frexp(r)  # exact decomposition r = q * 2**e
    m = ref_round_half_away(Fraction(q) * (1 << 31))
    if m == 1 << 31:
        m, e = 1 << 30, e + 1
    if e < -31:
        return 0, 0
    return m, e


def ref_mbqm(x: int, m: int, s: int) -> int:
    left, right = max(s, 0), max(-s, 0)
    return ref_rdbpot(ref_srdhm(ref_wrap32(x * (1 << left)), m), right)


# ------------------------------------------------------------------------------------------------
# Wrapping, saturation, rounding of floats
# ------------------------------------------------------------------------------------------------


def test_wrap_and_saturate() -> None:
    assert int(fp.wrap_int32(1 << 31)) == I32_MIN
    assert int(fp.wrap_int32(-(1 << 31) - 1)) == I32_MAX
    assert int(fp.wrap_int16(40000)) == 40000 - 65536
    np.testing.assert_array_equal(fp.wrap_int32([5, -5, 3 << 31]), [5, -5, I32_MIN])
    np.testing.assert_array_equal(fp.saturate([-300, 0, 300], -128, 127), [-128, 0, 127])


def test_round_half_known_values() -> None:
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.49999999999999994, 0.49999999999999994])
    np.testing.assert_array_equal(fp.round_half_away(x), [-3, -2, -1, 1, 2, 3, 0, 0])
    np.testing.assert_array_equal(fp.round_half_even(x), [-2, -2, 0, 0, 2, 2, 0, 0])
    f = np.float32([2.5, -3.5, 0.4999999701976776])
    r = fp.round_half_away(f)
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, [3, -4, 0])


@SETTINGS
@given(st.floats(-1e12, 1e12, allow_nan=False) | st.integers(-(10**6), 10**6).map(lambda v: v / 2))
def test_round_half_away_exact(x: float) -> None:
    assert float(fp.round_half_away(x)) == ref_round_half_away(Fraction(x))


# ------------------------------------------------------------------------------------------------
# QuantizeMultiplier family
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("real", "expected"),
    [
        (0.0, (0, 0)),
        (0.5, (1 << 30, 0)),
        (1.0, (1 << 30, 1)),
        (2.0, (1 << 30, 2)),
        (0.75, (3 << 29, 0)),
        (0.1, (1717986918, -3)),  # 0.8 * 2**31 = 1717986918.4
        (1.0 - 2.0**-53, (1 << 30, 1)),  # rounds up to 2**31: folded into the next exponent
        (0.5 + 2.0**-32, ((1 << 30) + 1, 0)),  # exact tie, half away from zero
        (-(0.5 + 2.0**-32), (-(1 << 30) - 1, 0)),
        (2.0**-32, (1 << 30, -31)),  # smallest shift kept
        (2.0**-33, (0, 0)),  # shift < -31 flushes to zero
        (-0.3, (-1288490189, -1)),
    ],
)
def test_quantize_multiplier_known(real: float, expected: tuple[int, int]) -> None:
    m, s = fp.quantize_multiplier(real)
    assert (int(m), int(s)) == expected
    assert (int(m), int(s)) == ref_quantize_multiplier(real)
    assert m.dtype == np.int32 and s.dtype == np.int32


def test_quantize_multiplier_single_rounding_saturates() -> None:
    assert tuple(map(int, fp.quantize_multiplier(2.0**31))) == (1 << 30, 32)
    m, s = fp.quantize_multiplier(2.0**31, single_rounding=True)
    assert (int(m), int(s)) == ((1 << 31) - 1, 30)


def test_quantize_multiplier_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        fp.quantize_multiplier(float("inf"))


@SETTINGS
@given(st.floats(1e-9, 1e9, allow_nan=False, allow_infinity=False))
def test_quantize_multiplier_property(real: float) -> None:
    m, s = (int(v) for v in fp.quantize_multiplier(real))
    assert (m, s) == ref_quantize_multiplier(real)
    assert (1 << 30) <= m < (1 << 31)
    # The Q31 significand is the nearest one: error at most half a unit of 2**(s - 31).
    assert abs(Fraction(real) - Fraction(m) * Fraction(2) ** (s - 31)) <= Fraction(2) ** (s - 32)


def test_quantize_multiplier_vectorized() -> None:
    rng = np.random.default_rng(0)
    reals = np.exp(rng.uniform(-25, 10, 500))
    m, s = fp.quantize_multiplier(reals)
    assert m.shape == s.shape == (500,)
    for r, mi, si in zip(reals, m, s, strict=True):
        assert (int(mi), int(si)) == ref_quantize_multiplier(float(r))


def test_quantize_multiplier_smaller_and_greater_than_one() -> None:
    assert tuple(map(int, fp.quantize_multiplier_smaller_than_one_exp(0.25))) == (1 << 30, -1)
    assert tuple(map(int, fp.quantize_multiplier_greater_than_one(3.0))) == (3 << 29, 2)
    with pytest.raises(ValueError):
        fp.quantize_multiplier_smaller_than_one_exp(1.0)
    with pytest.raises(ValueError):
        fp.quantize_multiplier_greater_than_one(0.9)


def test_downscale_int32_to_int16_multiplier() -> None:
    np.testing.assert_array_equal(
        fp.downscale_int32_to_int16_multiplier([1 << 30, (1 << 30) + (1 << 15), I32_MAX, 0]),
        [1 << 14, (1 << 14) + 1, 32767, 0],
    )


def test_softmax_scaling_helpers() -> None:
    # beta * scale = 1/16 -> real multiplier 2**22 for Q5.26 -> (2**30, 23).
    assert fp.preprocess_softmax_scaling(1.0, 1 / 16, 5) == (1 << 30, 23)
    # The cap at 2**31 - 1 for huge scales.
    m, s = fp.preprocess_softmax_scaling(1.0, 1e6, 5)
    assert (m, s) == ref_quantize_multiplier(float((1 << 31) - 1))
    assert fp.calculate_input_radius(5, 23) == 248  # floor(31 * 2**26 / 2**23)
    assert fp.calculate_input_radius(4, 24, 31) == 120  # floor(15 * 2**27 / 2**24)
    assert fp.calculate_input_radius(4, 25) == 60


def test_checked_log2() -> None:
    assert fp.checked_log2(0.25) == (True, -2)
    assert fp.checked_log2(1 / 32768) == (True, -15)
    assert fp.checked_log2(0.3) == (False, -2)


# ------------------------------------------------------------------------------------------------
# SaturatingRoundingDoublingHighMul, RoundingDivideByPOT, MultiplyByQuantizedMultiplier
# ------------------------------------------------------------------------------------------------

EDGE32 = [I32_MIN, I32_MIN + 1, -(1 << 30), -3, -1, 0, 1, 3, 1 << 30, I32_MAX - 1, I32_MAX]


def test_srdhm_edges() -> None:
    a, b = np.meshgrid(EDGE32, EDGE32)
    got = fp.saturating_rounding_doubling_high_mul(a, b)
    for ai, bi, gi in zip(a.ravel(), b.ravel(), got.ravel(), strict=True):
        assert int(gi) == ref_srdhm(int(ai), int(bi))
    assert int(fp.saturating_rounding_doubling_high_mul(I32_MIN, I32_MIN)) == I32_MAX
    # Ties round toward +infinity (VQRDMULH), for both signs.
    assert int(fp.saturating_rounding_doubling_high_mul(5, 1 << 30)) == 3
    assert int(fp.saturating_rounding_doubling_high_mul(-5, 1 << 30)) == -2


@SETTINGS
@given(int32s, int32s)
def test_srdhm_exact(a: int, b: int) -> None:
    assert int(fp.saturating_rounding_doubling_high_mul(a, b)) == ref_srdhm(a, b)


@SETTINGS
@given(st.integers(-32768, 32767), st.integers(-32768, 32767))
def test_srdhm_int16_exact(a: int, b: int) -> None:
    assert int(fp.saturating_rounding_doubling_high_mul(a, b, bits=16)) == ref_srdhm(a, b, 16)
    trunc = a * b // (1 << 15) if a * b >= 0 else -((-a * b) // (1 << 15))
    expected = 32767 if a == b == -32768 else trunc
    assert int(fp.saturating_doubling_high_mul_int16(a, b)) == expected


def test_rounding_divide_by_pot_known() -> None:
    x = np.array([5, -5, 6, -6, 7, -7, 4, -4])
    np.testing.assert_array_equal(fp.rounding_divide_by_pot(x, 1), [3, -3, 3, -3, 4, -4, 2, -2])
    np.testing.assert_array_equal(fp.rounding_divide_by_pot([6, -6, 10, -10], 2), [2, -2, 3, -3])
    assert int(fp.rounding_divide_by_pot(I32_MIN, 31)) == -1
    assert int(fp.rounding_divide_by_pot(I32_MAX, 31)) == 1
    assert int(fp.rounding_divide_by_pot(123, 0)) == 123
    with pytest.raises(ValueError):
        fp.rounding_divide_by_pot(1, -1)


@SETTINGS
@given(int32s, st.integers(0, 31))
def test_rounding_divide_by_pot_exact(x: int, e: int) -> None:
    assert int(fp.rounding_divide_by_pot(x, e)) == ref_rdbpot(x, e)


def test_rounding_divide_by_pot_broadcasts_exponent() -> None:
    got = fp.rounding_divide_by_pot(np.array([[10], [-10]]), np.array([0, 1, 2, 3]))
    np.testing.assert_array_equal(got, [[10, 5, 3, 1], [-10, -5, -3, -1]])


multipliers = st.integers(1 << 30, I32_MAX)


@SETTINGS
@given(int32s, multipliers, st.integers(-31, 30))
def test_mbqm_exact(x: int, m: int, s: int) -> None:
    assert int(fp.multiply_by_quantized_multiplier(x, m, s)) == ref_mbqm(x, m, s)


@SETTINGS
@given(int32s, multipliers, st.integers(-31, 30))
def test_mbqm_single_rounding_exact(x: int, m: int, s: int) -> None:
    expected = ref_wrap32(ref_round_half_up(Fraction(x * m, 1 << (31 - s))))
    got = fp.multiply_by_quantized_multiplier(x, m, s, single_rounding=True)
    assert int(got) == expected


def test_mbqm_known_values() -> None:
    m, s = fp.quantize_multiplier(0.1)
    assert int(fp.multiply_by_quantized_multiplier(100, m, s)) == 10
    m, s = fp.quantize_multiplier(0.25)
    # -5 * 0.25 = -1.25; -6 * 0.25 = -1.5 rounds away from zero in the final shift.
    np.testing.assert_array_equal(
        fp.multiply_by_quantized_multiplier([-5, -6, 6], m, s), [-1, -2, 2]
    )
    # Per-channel broadcasting over the last axis.
    ms, ss = fp.quantize_multiplier([0.5, 2.0])
    got = fp.multiply_by_quantized_multiplier(np.array([[7, 7], [-7, -7]]), ms, ss)
    np.testing.assert_array_equal(got, [[4, 14], [-3, -14]])
    # The left shift wraps in int32 like the C++ code (x * (1 << shift) overflows).
    assert int(fp.multiply_by_quantized_multiplier(1 << 30, 1 << 30, 2)) == ref_mbqm(
        1 << 30, 1 << 30, 2
    )


@SETTINGS
@given(st.floats(1e-6, 0.999999), st.integers(-(1 << 31) + 1, (1 << 31) - 1))
def test_mbqm_close_to_real_product_below_one(real: float, x: int) -> None:
    m, s = fp.quantize_multiplier(real)
    got = int(fp.multiply_by_quantized_multiplier(x, m, s))
    assert abs(got - ref_round_half_away(Fraction(x) * Fraction(real))) <= 1


@SETTINGS
@given(st.floats(1.0, 1000.0), st.floats(-1.0, 1.0))
def test_mbqm_close_to_real_product_above_one(real: float, frac: float) -> None:
    m, s = fp.quantize_multiplier(real)
    x = int(frac * ((1 << (31 - int(s))) - 1))  # keep x * 2**shift inside int32
    got = int(fp.multiply_by_quantized_multiplier(x, m, s))
    assert abs(got - ref_round_half_away(Fraction(x) * Fraction(real))) <= 1


@SETTINGS
@given(st.integers(-(1 << 47), (1 << 47) - 1), st.integers(0, I32_MAX), st.integers(-31, 7))
def test_mbqm_int64_exact(x: int, m: int, s: int) -> None:
    reduced = (m + (1 << 15)) >> 16 if m < 0x7FFF0000 else 0x7FFF
    expected = ref_wrap32(ref_round_half_up(Fraction(x * reduced, 1 << (15 - s))))
    assert int(fp.multiply_by_quantized_multiplier_int64(x, m, s)) == expected


def test_mbqm_int64_known() -> None:
    m, s = fp.quantize_multiplier(2.0**-20)
    assert int(fp.multiply_by_quantized_multiplier_int64(1 << 40, m, s)) == 1 << 20
    m, s = fp.quantize_multiplier(0.3)
    x = np.array([1000, -1000, 123456789])
    # The 64-bit form only keeps a Q15 multiplier: relative error up to ~2**-16.
    got = fp.multiply_by_quantized_multiplier_int64(x, m, s)
    np.testing.assert_allclose(got, x * 0.3, rtol=2.0**-15, atol=1)


@SETTINGS
@given(int32s, multipliers, st.integers(-31, 0))
def test_smaller_than_one_exp_matches_general_form(x: int, m: int, s: int) -> None:
    got = int(fp.multiply_by_quantized_multiplier_smaller_than_one_exp(x, m, s))
    assert got == ref_rdbpot(ref_srdhm(x, m), -s) == ref_mbqm(x, m, s)


@SETTINGS
@given(st.integers(-(1 << 20), 1 << 20), multipliers, st.integers(0, 10))
def test_greater_than_one_matches_general_form(x: int, m: int, s: int) -> None:
    got = int(fp.multiply_by_quantized_multiplier_greater_than_one(x, m, s))
    assert got == ref_srdhm(ref_wrap32(x << s), m) == ref_mbqm(x, m, s)


# ------------------------------------------------------------------------------------------------
# gemmlowp helpers
# ------------------------------------------------------------------------------------------------


@SETTINGS
@given(int32s, int32s)
def test_rounding_half_sum_and_saturating_ops(a: int, b: int) -> None:
    assert int(fp.rounding_half_sum(a, b)) == ref_round_half_away(Fraction(a + b, 2))
    assert int(fp.saturating_add(a, b)) == min(max(a + b, I32_MIN), I32_MAX)
    assert int(fp.saturating_sub(a, b)) == min(max(a - b, I32_MIN), I32_MAX)


def test_saturating_rounding_multiply_by_pot() -> None:
    t = (1 << 28) - 1  # threshold for exponent 3
    got = fp.saturating_rounding_multiply_by_pot([t, t + 1, -t, -t - 1, 5], 3)
    np.testing.assert_array_equal(got, [t << 3, I32_MAX, -t << 3, I32_MIN, 40])
    np.testing.assert_array_equal(fp.saturating_rounding_multiply_by_pot([12, -12], -3), [2, -2])
    assert int(fp.fixedpoint_rescale(1 << 26, 5, 0)) == I32_MAX  # 1.0 does not fit Q0.31
    assert int(fp.fixedpoint_rescale(-(1 << 25), 5, 0)) == -(1 << 30)  # -0.5
    assert int(fp.fixedpoint_rescale(1 << 30, 0, 12)) == 1 << 18  # 0.5 in Q12.19
    np.testing.assert_array_equal(
        fp.saturating_left_shift_int16([100, 300, -300], 7), [12800, 32767, -32768]
    )


def test_count_leading_zeros32() -> None:
    vals = [0, 1, 2, 3, 255, 1 << 30, I32_MAX, -1, I32_MIN]
    got = fp.count_leading_zeros32(vals)
    np.testing.assert_array_equal(got, [32 - (v & 0xFFFFFFFF).bit_length() for v in vals])


def test_exp_on_negative_values() -> None:
    assert int(fp.exp_on_negative_values(0, 5)) == I32_MAX
    a = -np.arange(0, 40 * (1 << 26), (1 << 26) // 997, dtype=np.int64)
    a = a[a >= I32_MIN]
    got = fp.exp_on_negative_values(a, 5) / 2.0**31
    np.testing.assert_allclose(got, np.exp(a / 2.0**26), atol=5e-7)
    assert np.all(np.diff(got) <= 1e-9)  # monotone (non-increasing as a decreases)
    # Q0.31 interval helper on [-1/4, 0).
    q = -np.arange(1, 1 << 29, (1 << 29) // 501, dtype=np.int64)
    got_q = fp.exp_on_interval_between_negative_one_quarter_and_0_excl(q) / 2.0**31
    np.testing.assert_allclose(got_q, np.exp(q / 2.0**31), atol=3e-7)
    # More integer bits clamp below -32.
    assert int(fp.exp_on_negative_values(-(33 << 24), 7)) == 0


def test_reciprocal_helpers() -> None:
    x = np.arange(0, I32_MAX, I32_MAX // 1999, dtype=np.int64)
    v = x / 2.0**31
    np.testing.assert_allclose(
        fp.one_over_one_plus_x_for_x_in_0_1(x) / 2.0**31, 1 / (1 + v), atol=1e-8
    )
    np.testing.assert_allclose(
        fp.one_minus_x_over_one_plus_x_for_x_in_0_1(x) / 2.0**31, (1 - v) / (1 + v), atol=1e-8
    )
    s = np.arange(1 << 19, I32_MAX, I32_MAX // 997, dtype=np.int64)  # Q12.19 values >= 1
    scale, bits = fp.get_reciprocal(s, 12)
    approx = scale / 2.0**31 * 2.0 ** (-bits.astype(np.float64))
    np.testing.assert_allclose(approx * (s / 2.0**19), 1.0, atol=2e-8)
    with pytest.raises(ValueError):
        fp.get_reciprocal(0, 12)


def test_logistic_and_tanh_fixedpoint() -> None:
    a = np.arange(I32_MIN + 1, I32_MAX, (1 << 32) // 4001, dtype=np.int64)
    real = a / 2.0**27  # Q4.27
    lg = fp.logistic_fixedpoint(a, 4)
    th = fp.tanh_fixedpoint(a, 4)
    np.testing.assert_allclose(lg / 2.0**31, 1 / (1 + np.exp(-real)), atol=2e-7)
    np.testing.assert_allclose(th / 2.0**31, np.tanh(real), atol=3e-7)
    # Exact symmetries by construction.
    np.testing.assert_array_equal(lg + fp.logistic_fixedpoint(-a, 4), I32_MAX)
    np.testing.assert_array_equal(th, -fp.tanh_fixedpoint(-a, 4))
    assert int(fp.logistic_fixedpoint(0, 4)) == 1 << 30
    assert int(fp.tanh_fixedpoint(0, 4)) == 0


# ------------------------------------------------------------------------------------------------
# rescale, quantize, dequantize
# ------------------------------------------------------------------------------------------------


def test_rescale_modes() -> None:
    acc = np.array([5, -5, 7, -7, 1000, -1000])
    # TFLite: SRDHM rounds the tie of 2.5 up (3) and of -2.5 up (-2); ONNX rounds half to even.
    np.testing.assert_array_equal(
        fp.rescale(acc, 0.5, 0, -128, 127, "tflite"), [3, -2, 4, -3, 127, -128]
    )
    np.testing.assert_array_equal(
        fp.rescale(acc, 0.5, 0, -128, 127, "onnx"), [2, -2, 4, -4, 127, -128]
    )
    np.testing.assert_array_equal(
        fp.rescale(acc, 0.5, 10, -128, 127, "onnx"), [12, 8, 14, 6, 127, -128]
    )
    per_channel = fp.rescale(np.array([[10, 10], [-10, -10]]), np.array([0.1, 0.3]), 0, -128, 127)
    np.testing.assert_array_equal(per_channel, [[1, 3], [-1, -3]])
    with pytest.raises(ValueError):
        fp.rescale(acc, 0.5, 0, -128, 127, "bogus")  # type: ignore[arg-type]


def test_quantize_dequantize_known() -> None:
    x = np.array([-0.5, 0.5, 1.5, 2.5, -1000.0, 1000.0], dtype=np.float32)
    np.testing.assert_array_equal(
        fp.quantize(x, 1.0, 0, -128, 127, "tflite"), [-1, 1, 2, 3, -128, 127]
    )
    np.testing.assert_array_equal(
        fp.quantize(x, 1.0, 0, -128, 127, "onnx"), [0, 0, 2, 2, -128, 127]
    )
    np.testing.assert_array_equal(fp.quantize([0.25], 0.5, -3, -128, 127), [-2])
    # Per-channel along an axis.
    q = fp.quantize(np.ones((2, 3), np.float32), [0.5, 0.25, 1.0], [0, 1, 2], -128, 127, axis=1)
    np.testing.assert_array_equal(q, [[2, 5, 3], [2, 5, 3]])
    d = fp.dequantize(np.array([-128, 0, 127], np.int8), 0.1, -1)
    assert d.dtype == np.float32
    s01 = float(np.float32(0.1))  # the scale is float32, the product double, then float32
    np.testing.assert_array_equal(d, np.float32([s01 * -127, s01, s01 * 128]))
    d_axis = fp.dequantize(np.array([[2, 4]]), [0.5, 0.25], [0, 2], axis=1)
    np.testing.assert_array_equal(d_axis, [[1.0, 0.5]])


@SETTINGS
@given(
    st.floats(1e-4, 10.0),
    st.integers(-128, 127),
    st.floats(0.0, 1.0),
    st.sampled_from(["tflite", "onnx"]),
)
def test_quantize_dequantize_round_trip(scale: float, zp: int, u: float, mode: str) -> None:
    s = float(np.float32(scale))
    lo, hi = (-128 - zp) * s, (127 - zp) * s
    x = np.float32(lo + u * (hi - lo))
    q = fp.quantize(x, s, zp, -128, 127, mode)  # type: ignore[arg-type]
    back = float(fp.dequantize(q, s, zp))
    assert -128 <= int(q) <= 127
    # half a step, plus float32 rounding of x / scale near a tie (TFLite divides in float32)
    slack = 4 * float(np.spacing(np.float32(abs(x) + abs(zp * s))))
    assert abs(back - float(x)) <= 0.5 * s * (1 + 1e-5) + slack + 1e-12

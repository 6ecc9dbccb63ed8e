/* Integer helpers of the generated kernels: TFLite / gemmlowp fixed-point arithmetic.
 *
 * The semantics are those of edgeai's reference (reference/fixedpoint.py), bit for bit:
 *   ea_srdhm        SaturatingRoundingDoublingHighMul (round half up, MIN*MIN saturates)
 *   ea_rdbpot       RoundingDivideByPOT (arithmetic shift right, ties away from zero)
 *   ea_mbqm         MultiplyByQuantizedMultiplier (TFLite's default double rounding)
 *   ea_mbqm_le1     MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0)
 *   ea_exp_on_negative_values, ea_one_over_one_plus_x, ea_get_reciprocal (int8 softmax).
 * Signed right shifts are arithmetic and int32 conversions wrap, as on every compiler that
 * targets Cortex-M (GCC, Clang, Arm Compiler 6). All functions are `static inline`: nothing here
 * is an external symbol. */

static inline int32_t ea_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static inline int32_t ea_shl(int32_t x, int s)
{
    return (int32_t)((uint32_t)x << s);
}

/* gemmlowp's sign-dependent nudge followed by a truncating division by 2^31 equals
 * floor((a * b + 2^30) / 2^31) for both signs: one arithmetic shift. */
static inline int32_t ea_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    return (int32_t)(((int64_t)a * (int64_t)b + (INT64_C(1) << 30)) >> 31);
}

static inline int32_t ea_rdbpot(int32_t x, int e)
{
    const int32_t mask = (int32_t)((UINT32_C(1) << e) - 1u);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (remainder > threshold ? 1 : 0);
}

static inline int32_t ea_mbqm(int32_t x, int32_t multiplier, int shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return ea_rdbpot(ea_srdhm(ea_shl(x, left), multiplier), right);
}

static inline int32_t ea_mbqm_le1(int32_t x, int32_t multiplier, int shift)
{
    return ea_rdbpot(ea_srdhm(x, multiplier), -shift);
}

/* SaturatingRoundingMultiplyByPOT<e> for e > 0: a saturating left shift. */
static inline int32_t ea_sat_shl(int32_t x, int e)
{
    const int32_t threshold = (int32_t)((UINT32_C(1) << (31 - e)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return ea_shl(x, e);
}

static inline int32_t ea_wrap_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t ea_wrap_sub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

/* gemmlowp exp(a) for a in [-1/4, 0), Q0.31 in and out. */
static inline int32_t ea_exp_on_interval(int32_t a)
{
    const int32_t constant_term = 1895147668;
    const int32_t constant_1_over_3 = 715827883;
    const int32_t x = ea_wrap_add(a, 1 << 28);
    const int32_t x2 = ea_srdhm(x, x);
    const int32_t x3 = ea_srdhm(x2, x);
    const int32_t x4 = ea_srdhm(x2, x2);
    const int32_t x4_over_4 = ea_rdbpot(x4, 2);
    const int32_t poly = ea_rdbpot(
        ea_wrap_add(ea_srdhm(ea_wrap_add(x4_over_4, x3), constant_1_over_3), x2), 1);
    return ea_wrap_add(constant_term, ea_srdhm(constant_term, ea_wrap_add(x, poly)));
}

/* gemmlowp exp_on_negative_values: a <= 0 with k integer bits, result Q0.31. */
static inline int32_t ea_exp_on_negative_values(int32_t a, int k)
{
    const int frac = 31 - k;
    const int32_t one_quarter = (int32_t)1 << (frac - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_minus_quarter = ea_wrap_sub(a & mask, one_quarter);
    const int32_t remainder = ea_wrap_sub(a_mod_minus_quarter, a);
    int32_t result = ea_exp_on_interval(k > 0 ? ea_sat_shl(a_mod_minus_quarter, k)
                                              : a_mod_minus_quarter);
    if (k > -2 && (remainder & ((int32_t)1 << (frac - 2))) != 0) {
        result = ea_srdhm(result, 1672461947);
    }
    if (k > -1 && (remainder & ((int32_t)1 << (frac - 1))) != 0) {
        result = ea_srdhm(result, 1302514674);
    }
    if (k > 0 && (remainder & ((int32_t)1 << frac)) != 0) {
        result = ea_srdhm(result, 790015084);
    }
    if (k > 1 && (remainder & ((int32_t)1 << (frac + 1))) != 0) {
        result = ea_srdhm(result, 290630308);
    }
    if (k > 2 && (remainder & ((int32_t)1 << (frac + 2))) != 0) {
        result = ea_srdhm(result, 39332535);
    }
    if (k > 3 && (remainder & ((int32_t)1 << (frac + 3))) != 0) {
        result = ea_srdhm(result, 720401);
    }
    if (k > 4 && (remainder & ((int32_t)1 << (frac + 4))) != 0) {
        result = ea_srdhm(result, 242);
    }
    if (k > 5 && a < -((int32_t)1 << (36 - k))) {
        result = 0;
    }
    return a == 0 ? INT32_MAX : result;
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0.31 in [0, 1) -> Q0.31. */
static inline int32_t ea_one_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t one_f2 = 1 << 29;
    int32_t x = ea_wrap_add(1515870810, ea_srdhm(half_denominator, -1010580540));
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t one_minus = ea_wrap_sub(one_f2, ea_srdhm(half_denominator, x));
        x = ea_wrap_add(x, ea_sat_shl(ea_srdhm(x, one_minus), 2));
    }
    return ea_sat_shl(x, 1);
}

static inline int ea_clz32(uint32_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return x == 0u ? 32 : __builtin_clz(x);
#else
    int n = 0;
    if (x == 0u) {
        return 32;
    }
    while ((x & 0x80000000u) == 0u) {
        x <<= 1;
        ++n;
    }
    return n;
#endif
}

/* TFLite GetReciprocal for x > 0 with `integer_digits` integer bits: 1/x normalised, Q0.31. */
static inline int32_t ea_get_reciprocal(int32_t x, int integer_digits, int *bits_over_unit)
{
    const int headroom_plus_one = ea_clz32((uint32_t)x);
    const uint32_t shifted = (uint32_t)x << headroom_plus_one;
    *bits_over_unit = integer_digits - headroom_plus_one;
    return ea_one_over_one_plus_x((int32_t)(shifted - 0x80000000u));
}

/* TFLite float -> integer: round(x / scale) half away from zero, + zero point, clamped. */
static inline int32_t ea_quantize_f32(float x, float scale, int32_t zero_point, int32_t lo,
                                      int32_t hi)
{
    float r = x / scale;
    int32_t t;
    float frac;
    if (r != r) {
        r = 0.0f;
    }
    if (r > 16777216.0f) {
        r = 16777216.0f;
    } else if (r < -16777216.0f) {
        r = -16777216.0f;
    }
    t = (int32_t)r;
    frac = r - (float)t;
    if (frac >= 0.5f) {
        ++t;
    } else if (frac <= -0.5f) {
        --t;
    }
    return ea_clamp(t + zero_point, lo, hi);
}

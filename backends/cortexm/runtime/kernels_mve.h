/* Helium (MVE) helpers of the generated kernels (Cortex-M55, Cortex-M85; kernels/mve.py).
 *
 *   EA_MVE_ADVANCE  advance a pointer and hide its value from the compiler, so that a run of
 *                   loads from one pointer compiles to post-increment addressing instead of one
 *                   address computation (and a spilled register) per load
 *   ea_mve_vec4     four int32 scalars (the VMLADAVA accumulators) into one vector (2 VMOVs)
 *   ea_mve_rdbpot   TFLite RoundingDivideByPOT on lanes (ties away from zero)
 *   ea_mve_fill     fill bytes with a vector (whole vectors: may write up to 15 bytes beyond)
 *   ea_mve_copy     copy exactly n bytes (tail-predicated: no access beyond either buffer)
 *
 * GCC 12 models a predicated store as a store of the whole vector: it would delete an earlier
 * store of the bytes the predicate leaves alone (e.g. a zero-point fill before a partial copy)
 * or forward the vector to a later load. ea_mve_copy is therefore fenced with compiler memory
 * barriers (no instruction is emitted for them).
 *
 * The requantization is TFLite's MultiplyByQuantizedMultiplier bit for bit: VQRDMULH is
 * SaturatingRoundingDoublingHighMul (round half up, MIN*MIN saturates), and VRSHL by a
 * negative amount rounds half up, so ea_mve_rdbpot first subtracts one from negative lanes
 * whose exponent is positive (saturating: INT32_MIN stays, and rounds the same). */
#include <arm_mve.h>

#define EA_MVE_ADVANCE(p, n) \
    do {                     \
        (p) += (n);          \
        __asm__("" : "+r"(p)); \
    } while (0)

#if defined(__GNUC__)
#define EA_MVE_INLINE static inline __attribute__((always_inline))
#else
#define EA_MVE_INLINE static inline
#endif

EA_MVE_INLINE int32x4_t ea_mve_vec4(int32_t a0, int32_t a1, int32_t a2, int32_t a3)
{
    int32x4_t v;
    __asm__("vmov %q0[2], %q0[0], %1, %3\n\tvmov %q0[3], %q0[1], %2, %4"
            : "=w"(v)
            : "r"(a0), "r"(a1), "r"(a2), "r"(a3));
    return v;
}

/* `neg_e` holds minus the exponent of each lane (<= 0). */
EA_MVE_INLINE int32x4_t ea_mve_rdbpot(int32x4_t x, int32x4_t neg_e)
{
    const int32x4_t fixup = vshrq_n_s32(vandq_s32(x, neg_e), 31);
    return vrshlq_s32(vqaddq_s32(x, fixup), neg_e);
}

/* The same when every exponent is positive. */
EA_MVE_INLINE int32x4_t ea_mve_rdbpot_pos(int32x4_t x, int32x4_t neg_e)
{
    return vrshlq_s32(vqaddq_s32(x, vshrq_n_s32(x, 31)), neg_e);
}

/* The same with one positive exponent -neg_e for every lane. */
EA_MVE_INLINE int32x4_t ea_mve_rdbpot_n(int32x4_t x, int32_t neg_e)
{
    return vrshlq_n_s32(vqaddq_s32(x, vshrq_n_s32(x, 31)), neg_e);
}

EA_MVE_INLINE void ea_mve_fill(int8_t *dst, int8x16_t v, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i += 16) {
        vstrbq_s8(dst + i, v);
    }
}

static inline void ea_mve_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    int32_t i;
    __asm__ volatile("" ::: "memory");
    for (i = 0; i < n; i += 16) {
        const mve_pred16_t p = vctp8q((uint32_t)(n - i));
        vstrbq_p_s8(dst + i, vldrbq_z_s8(src + i, p), p);
    }
    __asm__ volatile("" ::: "memory");
}

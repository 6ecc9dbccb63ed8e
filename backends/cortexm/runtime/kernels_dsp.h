/* Helpers of the Arm DSP-extension kernels (kernels/dsp.py): dual 16-bit MACs on int8 data.
 *
 * On a core with the DSP extension (__ARM_FEATURE_DSP: Cortex-M4/M7/M33/M55) each helper is one
 * instruction (ACLE intrinsics of <arm_acle.h>, or a one-line `__asm__` where GCC has no
 * intrinsic or does not fold the operand shift); elsewhere (the host, when a network emitted for
 * an M4 is compiled natively for a test) the same operation is written in portable C with the
 * same result, bit for bit, wrapping where the instruction wraps.
 *
 *   ea_dsp_sxtb16(x)         lanes (int16)x.b0, (int16)x.b2                        SXTB16
 *   ea_dsp_sxtb16_ror8(x)    lanes (int16)x.b1, (int16)x.b3                        SXTB16 ROR #8
 *   ea_dsp_smlad(a, b, c)    c + a.lo * b.lo + a.hi * b.hi                          SMLAD
 *   ea_dsp_smlabb(a, b, c)   c + a.lo * b.lo                                        SMLABB
 *   ea_dsp_smlatt(a, b, c)   c + a.hi * b.hi                                        SMLATT
 *   ea_dsp_pkhbt(lo, hi)     lanes lo.lo, hi.lo                                     PKHBT
 *   ea_dsp_smmlar(a, b, c)   c + ((a * b + 2^31) >> 32)                             SMMLAR
 *   ea_dsp_ssat8(v)          v saturated to [-128, 127]                             SSAT
 *   EA_DSP_LDRD(p, off, a, b)  a = p[off], b = p[off + 4] (words, p 8-byte aligned) LDRD
 *   ea_dsp_ld32(p)           a word from any address (unaligned loads: M3 and up)   LDR
 *   EA_DSP_DOT4(bp, wp, a0, a1, a2, a3)  one group of 4 taps for 4 output channels: the
 *       int16 pairs bp[0] (taps 0, 2) and bp[1] (taps 1, 3) against the int8 weight words
 *       wp[0..3] (one per channel), accumulated into a0..a3; bp += 2, wp += 4.
 *       21 instructions (LDRD, then per channel LDR, SXTB16, SMLAD, SXTB16 ROR, SMLAD) in one
 *       asm block, so the compiler keeps the 4 accumulators and 2 pointers in registers.
 *
 * Requantization (`ea_dsp_requant`): TFLite's MultiplyByQuantizedMultiplier for a shift
 * -e <= -1, plus the output offset, as
 *     v = SMMLAR(acc << 1, m, c) = c + SaturatingRoundingDoublingHighMul(acc, m)
 *     v = (v + (acc >> 31)) >> e       c = 2^(e-1) + (output_offset << e)
 * which is RoundingDivideByPOT(., e) + output_offset exactly when m >= 0, |2 acc| < 2^31 and
 * nothing overflows (the kernels check these bounds at compile time and fall back to
 * ea_mbqm otherwise): the high product keeps the sign of acc (or is 0, where the -1 does not
 * change the rounded quotient), and the offset, a multiple of 2^e, passes through the shift. */

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define EA_DSP_NATIVE 1
#else
#define EA_DSP_NATIVE 0
#endif

static inline int32_t ea_dsp_ld32(const void *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

#if EA_DSP_NATIVE

static inline int32_t ea_dsp_sxtb16(int32_t x)
{
    return __sxtb16(x);
}

static inline int32_t ea_dsp_sxtb16_ror8(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

static inline int32_t ea_dsp_smlad(int32_t a, int32_t b, int32_t c)
{
    return __smlad(a, b, c);
}

static inline int32_t ea_dsp_smlabb(int32_t a, int32_t b, int32_t c)
{
    return __smlabb(a, b, c);
}

static inline int32_t ea_dsp_smlatt(int32_t a, int32_t b, int32_t c)
{
    return __smlatt(a, b, c);
}

static inline int32_t ea_dsp_pkhbt(int32_t lo, int32_t hi)
{
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}

static inline int32_t ea_dsp_smmlar(int32_t a, int32_t b, int32_t c)
{
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(c));
    return r;
}

static inline int32_t ea_dsp_ssat8(int32_t v)
{
    return __ssat(v, 8);
}

/* two words at byte offset `off` (a literal, multiple of 4, below 1024) of the 8-byte aligned
 * int32_t pointer p; the memory operand tells the compiler which bytes are read */
#define EA_DSP_LDRD(p, off, a, b)                                                             \
    __asm__("ldrd %0, %1, [%2, %3]"                                                           \
            : "=r"(a), "=r"(b)                                                                \
            : "r"(p), "i"(off), "m"(*(const int32_t(*)[2])((const char *)(p) + (off))))

/* see the top of this file; bp 8-byte aligned (post-incremented LDRD) */
#define EA_DSP_DOT4_CH(a)                                                                     \
    "ldr %[w], [%[wp]], #4\n\t"                                                              \
    "sxtb16 %[t], %[w]\n\t"                                                                  \
    "smlad %[" #a "], %[xe], %[t], %[" #a "]\n\t"                                              \
    "sxtb16 %[w], %[w], ror #8\n\t"                                                          \
    "smlad %[" #a "], %[xo], %[w], %[" #a "]\n\t"
#define EA_DSP_DOT4(bp, wp, a0, a1, a2, a3)                                                   \
    do {                                                                                      \
        int32_t ea_xe_, ea_xo_, ea_w_, ea_t_;                                                 \
        __asm__("ldrd %[xe], %[xo], [%[bp]], #8\n\t" EA_DSP_DOT4_CH(c0) EA_DSP_DOT4_CH(c1)     \
                    EA_DSP_DOT4_CH(c2) EA_DSP_DOT4_CH(c3)                                     \
                : [c0] "+r"(a0), [c1] "+r"(a1), [c2] "+r"(a2), [c3] "+r"(a3), [bp] "+r"(bp),  \
                  [wp] "+r"(wp), [xe] "=&r"(ea_xe_), [xo] "=&r"(ea_xo_), [w] "=&r"(ea_w_),    \
                  [t] "=&r"(ea_t_)                                                            \
                : "m"(*(const int32_t(*)[2])(bp)), "m"(*(const int32_t(*)[4])(wp)));          \
    } while (0)

#else /* portable C with the instructions' results */

static inline int32_t ea_dsp_sxtb16(int32_t x)
{
    const uint32_t u = (uint32_t)x;
    const int32_t lo = (int8_t)(u & 0xffu);
    const int32_t hi = (int8_t)((u >> 16) & 0xffu);
    return (int32_t)(((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16));
}

static inline int32_t ea_dsp_sxtb16_ror8(int32_t x)
{
    return ea_dsp_sxtb16((int32_t)(((uint32_t)x >> 8) | ((uint32_t)x << 24)));
}

static inline int32_t ea_dsp_lo16(int32_t x)
{
    return (int16_t)((uint32_t)x & 0xffffu);
}

static inline int32_t ea_dsp_hi16(int32_t x)
{
    return (int16_t)((uint32_t)x >> 16);
}

static inline int32_t ea_dsp_smlad(int32_t a, int32_t b, int32_t c)
{
    const uint32_t p0 = (uint32_t)(ea_dsp_lo16(a) * ea_dsp_lo16(b));
    const uint32_t p1 = (uint32_t)(ea_dsp_hi16(a) * ea_dsp_hi16(b));
    return (int32_t)((uint32_t)c + p0 + p1);
}

static inline int32_t ea_dsp_smlabb(int32_t a, int32_t b, int32_t c)
{
    return (int32_t)((uint32_t)c + (uint32_t)(ea_dsp_lo16(a) * ea_dsp_lo16(b)));
}

static inline int32_t ea_dsp_smlatt(int32_t a, int32_t b, int32_t c)
{
    return (int32_t)((uint32_t)c + (uint32_t)(ea_dsp_hi16(a) * ea_dsp_hi16(b)));
}

static inline int32_t ea_dsp_pkhbt(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16));
}

static inline int32_t ea_dsp_smmlar(int32_t a, int32_t b, int32_t c)
{
    const int64_t high = ((int64_t)a * b + INT64_C(0x80000000)) >> 32;
    return (int32_t)((uint32_t)c + (uint32_t)(int32_t)high);
}

static inline int32_t ea_dsp_ssat8(int32_t v)
{
    return v < -128 ? -128 : (v > 127 ? 127 : v);
}

#define EA_DSP_LDRD(p, off, a, b)                                                             \
    do {                                                                                      \
        (a) = (p)[(off) / 4];                                                                 \
        (b) = (p)[(off) / 4 + 1];                                                             \
    } while (0)

#define EA_DSP_DOT4(bp, wp, a0, a1, a2, a3)                                                   \
    do {                                                                                      \
        const int32_t ea_xe_ = (bp)[0], ea_xo_ = (bp)[1];                                     \
        (a0) = ea_dsp_smlad(ea_xo_, ea_dsp_sxtb16_ror8((wp)[0]),                              \
                            ea_dsp_smlad(ea_xe_, ea_dsp_sxtb16((wp)[0]), (a0)));              \
        (a1) = ea_dsp_smlad(ea_xo_, ea_dsp_sxtb16_ror8((wp)[1]),                              \
                            ea_dsp_smlad(ea_xe_, ea_dsp_sxtb16((wp)[1]), (a1)));              \
        (a2) = ea_dsp_smlad(ea_xo_, ea_dsp_sxtb16_ror8((wp)[2]),                              \
                            ea_dsp_smlad(ea_xe_, ea_dsp_sxtb16((wp)[2]), (a2)));              \
        (a3) = ea_dsp_smlad(ea_xo_, ea_dsp_sxtb16_ror8((wp)[3]),                              \
                            ea_dsp_smlad(ea_xe_, ea_dsp_sxtb16((wp)[3]), (a3)));              \
        (bp) += 2;                                                                            \
        (wp) += 4;                                                                            \
    } while (0)

#endif

/* MultiplyByQuantizedMultiplier(acc, m, -e) + output offset for e >= 1, m >= 0 and |acc| <
 * 2^30 (see the top of this file); c = 2^(e-1) + (output_offset << e). */
static inline int32_t ea_dsp_requant(int32_t acc, int32_t m, int32_t c, int e)
{
    const int32_t v = ea_dsp_smmlar((int32_t)((uint32_t)acc << 1), m, c);
    return (v + (acc >> 31)) >> e;
}

/* The same for a left shift l - 1 >= 0 (output shift >= 0, no rounding shift): c = offset. */
static inline int32_t ea_dsp_requant_left(int32_t acc, int32_t m, int32_t c, int l)
{
    return ea_dsp_smmlar((int32_t)((uint32_t)acc << l), m, c);
}

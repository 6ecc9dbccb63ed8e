/* A hand-written stand-in network with the emitted C API (see backends/cortexm/emit.py), used to
 * test the QEMU runner on its own: two inputs, two outputs.
 *
 *   out0[8] (float) = relu(W x + b),   x = in0[16] (float)
 *   out1[8] (int8)  = clamp(round(4 * out0[i]) + in1[i % 4], -128, 127),   in1[4] (int8)
 *
 * with W[i][j] = ((7 i + 3 j) % 11 - 5) / 8 and b[i] = (i - 4) / 4. The arena holds the
 * accumulators (float[8]).
 */
#ifndef STANDIN_H
#define STANDIN_H

#include <stdint.h>

#define standin_OK 0
#define standin_ERR_NULL (-1)
#define standin_ERR_ALIGN (-2)
#define standin_ERR_STATE (-3)

#define standin_ARENA_BYTES 32u
#define standin_ARENA_ALIGN 16u
#define standin_IN0_BYTES 64u
#define standin_IN1_BYTES 4u
#define standin_OUT0_BYTES 32u
#define standin_OUT1_BYTES 8u

typedef struct {
    float *acc;
    uint32_t magic;
} standin_ctx;

int standin_init(standin_ctx *ctx, void *arena);
int standin_run(standin_ctx *ctx, const void *const inputs[], void *const outputs[]);
void standin_deinit(standin_ctx *ctx);

#endif

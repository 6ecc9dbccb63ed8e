/* The stand-in network of standin.h. */
#include "standin.h"

#include <stddef.h>

#define STANDIN_MAGIC 0x57A9D1A0u

static float standin_w[8][16];
static const float standin_b[8] = {-1.0f, -0.75f, -0.5f, -0.25f, 0.0f, 0.25f, 0.5f, 0.75f};

int standin_init(standin_ctx *ctx, void *arena)
{
    if (ctx == NULL || arena == NULL) {
        return standin_ERR_NULL;
    }
    if (((uintptr_t)arena & (standin_ARENA_ALIGN - 1u)) != 0u) {
        return standin_ERR_ALIGN;
    }
    for (int i = 0; i < 8; ++i) {
        for (int j = 0; j < 16; ++j) {
            standin_w[i][j] = (float)((7 * i + 3 * j) % 11 - 5) * 0.125f;
        }
    }
    ctx->acc = (float *)arena;
    ctx->magic = STANDIN_MAGIC;
    return standin_OK;
}

int standin_run(standin_ctx *ctx, const void *const inputs[], void *const outputs[])
{
    if (ctx == NULL || inputs == NULL || outputs == NULL) {
        return standin_ERR_NULL;
    }
    if (ctx->magic != STANDIN_MAGIC) {
        return standin_ERR_STATE;
    }
    const float *x = (const float *)inputs[0];
    const int8_t *bias = (const int8_t *)inputs[1];
    float *y = (float *)outputs[0];
    int8_t *q = (int8_t *)outputs[1];
    for (int i = 0; i < 8; ++i) {
        float acc = standin_b[i];
        for (int j = 0; j < 16; ++j) {
            acc += standin_w[i][j] * x[j];
        }
        ctx->acc[i] = acc > 0.0f ? acc : 0.0f;
    }
    for (int i = 0; i < 8; ++i) {
        float v = ctx->acc[i] * 4.0f;
        int32_t r = (int32_t)(v + 0.5f) + bias[i % 4]; /* v >= 0: round half up */
        y[i] = ctx->acc[i];
        q[i] = (int8_t)(r > 127 ? 127 : (r < -128 ? -128 : r));
    }
    return standin_OK;
}

void standin_deinit(standin_ctx *ctx)
{
    if (ctx != NULL) {
        ctx->magic = 0u;
    }
}

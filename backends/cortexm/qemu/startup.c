/* Startup of the QEMU test images (our own code, no vendor files): vector table, reset handler,
 * fault reporting. Works on every M-profile core the runner supports (v7-M and v8-M mainline).
 *
 * Reset: enable the FPU/MVE coprocessors (CPACR CP10/CP11) before any compiled code runs (GCC
 * vectorizes at -O2, so even the copy loops may use FP/MVE registers), set the v8-M stack limit
 * (MSPLIM) or, on v7-M, an MPU guard below RAM (a stack overflow faults instead of passing
 * unnoticed), enable the configurable faults and
 * the divide-by-zero trap, copy .data from flash, zero .bss/.arena/.testbuf, run .init_array,
 * call main and exit through semihosting with main's status.
 *
 * A fault prints one line (exception number, fault status and address registers, stacked PC and
 * LR) on the semihosting console and exits with status 100 + exception number; the runner
 * decodes it (fault name, cause, function at the PC).
 */
#include <stdint.h>

#include "semihost.h"

/* symbols of sections.ld */
extern uint32_t __stack_limit[];
extern uint32_t __stack_top[];
extern uint32_t __data_load[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __zero_start[];
extern uint32_t __zero_end[];
typedef void (*edgeai_init_fn)(void);
extern edgeai_init_fn __init_array_start[];
extern edgeai_init_fn __init_array_end[];

int main(void);
void Reset_Handler(void);
void edgeai_c_start(void) __attribute__((noreturn, used));
void edgeai_fault(uint32_t exc, const uint32_t *frame) __attribute__((noreturn, used));

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define SCB_CCR (*(volatile uint32_t *)0xE000ED14u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_MMFAR (*(volatile uint32_t *)0xE000ED34u)
#define SCB_BFAR (*(volatile uint32_t *)0xE000ED38u)

__attribute__((naked, noreturn)) void Reset_Handler(void)
{
    __asm__ volatile(
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
        /* CP10 and CP11 full access: FPU and Helium */
        "ldr r0, =0xE000ED88\n"
        "ldr r1, [r0]\n"
        "orr r1, r1, #0x00F00000\n"
        "str r1, [r0]\n"
        "dsb\n"
        "isb\n"
#endif
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
        "ldr r0, =__stack_limit\n"
        "msr msplim, r0\n"
#endif
        "ldr r0, =__stack_top\n"
        "mov sp, r0\n"
        "bl edgeai_c_start\n"
        "b .\n"
        ".ltorg\n");
}

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
/* Armv7-M has no stack limit register, and the MPS2 boards read the memory below RAM as zero
 * and ignore writes to it: an overflow of the stack (the first thing in RAM) would go unnoticed.
 * An MPU region makes the 1 MiB below RAM (`__stack_guard`, sections.ld) inaccessible, so the
 * overflow faults (MemManage); the default memory map stays in force everywhere else. */
#define MPU_TYPE (*(volatile uint32_t *)0xE000ED90u)
#define MPU_CTRL (*(volatile uint32_t *)0xE000ED94u)
#define MPU_RNR (*(volatile uint32_t *)0xE000ED98u)
#define MPU_RBAR (*(volatile uint32_t *)0xE000ED9Cu)
#define MPU_RASR (*(volatile uint32_t *)0xE000EDA0u)
extern uint32_t __stack_guard[];

static void edgeai_stack_guard(void)
{
    if (((MPU_TYPE >> 8) & 0xFFu) == 0u) {
        return; /* no MPU */
    }
    MPU_RNR = 0u;
    MPU_RBAR = (uint32_t)(uintptr_t)__stack_guard;
    /* XN, AP = 0 (no access), SIZE = 19 (2^20 bytes), enabled */
    MPU_RASR = (1u << 28) | (19u << 1) | 1u;
    MPU_CTRL = (1u << 2) | 1u; /* PRIVDEFENA: the default map elsewhere; ENABLE */
    __asm__ volatile("dsb\n"
                     "isb\n" ::: "memory");
}
#endif

void edgeai_c_start(void)
{
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
    edgeai_stack_guard();
#endif
    /* MemManage, BusFault, UsageFault (and SecureFault on v8-M) get their own handlers */
    SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18) | (1u << 19);
    SCB_CCR |= 1u << 4; /* DIV_0_TRP: integer division by zero faults */

    const uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = __zero_start; dst < __zero_end;) {
        *dst++ = 0u;
    }
    for (edgeai_init_fn *fn = __init_array_start; fn < __init_array_end; ++fn) {
        (*fn)();
    }
    sh_exit(main());
}

#define SCB_SFSR (*(volatile uint32_t *)0xE000EDE4u) /* v8-M with the Security Extension */
#define SCB_SFAR (*(volatile uint32_t *)0xE000EDE8u)

/* One console line the runner parses (runner.py, _fault_message):
 *   edgeai: fault <exception number> CFSR=0x.. HFSR=0x.. MMFAR=0x.. BFAR=0x..[ SFSR=0x.. SFAR=0x..]
 *   [ PC=0x.. LR=0x..]
 * then exit with status 100 + exception number. */
void edgeai_fault(uint32_t exc, const uint32_t *frame)
{
    exc &= 0x1FFu;
    sh_put_dec("edgeai: fault ", exc);
    sh_put_hex(" CFSR=", SCB_CFSR);
    sh_put_hex(" HFSR=", SCB_HFSR);
    sh_put_hex(" MMFAR=", SCB_MMFAR);
    sh_put_hex(" BFAR=", SCB_BFAR);
#if defined(__ARM_FEATURE_CMSE)
    sh_put_hex(" SFSR=", SCB_SFSR);
    sh_put_hex(" SFAR=", SCB_SFAR);
#endif
    /* the stacked frame, unless the stack pointer had left the stack (then frame is NULL) */
    if (frame != 0 && (uint32_t)(uintptr_t)frame + 32u <= (uint32_t)(uintptr_t)__stack_top) {
        sh_put_hex(" PC=", frame[6]);
        sh_put_hex(" LR=", frame[5]);
    }
    sh_puts("\n");
    sh_exit(100 + (int)exc);
}

/* Every exception lands here: pass IPSR and the stacked frame (MSP or PSP) to edgeai_fault. */
__attribute__((naked, noreturn)) static void Fault_Handler(void)
{
    __asm__ volatile(
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
        /* room for the handler below the limit: the overflow itself already happened */
        "movs r0, #0\n"
        "msr msplim, r0\n"
#endif
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r1, msp\n"
        "mrsne r1, psp\n"
        /* a stack pointer near or below the limit (overflow): restart on a fresh stack */
        "ldr r2, =__stack_limit\n"
        "adds r2, #128\n"
        "cmp r1, r2\n"
        "bhs 1f\n"
        "movs r1, #0\n"
        "ldr r0, =__stack_top\n"
        "mov sp, r0\n"
        "1:\n"
        "mrs r0, ipsr\n"
        "b edgeai_fault\n"
        ".ltorg\n");
}

typedef void (*vector_fn)(void);

/* 16 system vectors; the images enable no interrupt, so no external vectors. The table is the
 * first thing in .vectors (flash, or the boot memory on boards that cannot boot from flash). */
__attribute__((section(".vectors"), used, aligned(128))) const vector_fn edgeai_vectors[16] = {
    (vector_fn)(uintptr_t)__stack_top,
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    Fault_Handler, /* SecureFault (v8-M) */
    0,
    0,
    0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMonitor */
    0,
    Fault_Handler, /* PendSV */
    Fault_Handler, /* SysTick */
};

/* QEMU TCG plugin: exact count of the guest instructions executed between two marker functions.
 *
 *   qemu-system-arm ... -plugin insn_count.so,start=0xADDR,stop=0xADDR,out=FILE[,mode=tb|insn]
 *
 * A running counter counts every executed instruction: `mode=tb` (default) adds the length of a
 * translation block when the block starts, `mode=insn` adds one per instruction (slower; both
 * agree whenever blocks run to their end, which they do between the markers: no interrupt or
 * fault happens there). The first instruction of each marker function gets a callback that takes
 * the number of instructions executed before it, correcting for the part of its block that the
 * block-level counter has already added. Each start..stop pair appends "region <n> <count>" to
 * FILE (at once, so a later hang loses nothing); "total <count>" (the whole run) follows at exit.
 * The count of a region includes the start marker's body and the call of the stop marker: the
 * runner measures an empty region (start(); stop();) and subtracts it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

EDGEAI_PLUGIN_EXPORT int qemu_plugin_version = 1;

static uint64_t executed;      /* instructions executed so far (one vCPU) */
static uint64_t region_start;  /* `executed` at the last start marker */
static int region_open;
static unsigned region_count;
static uint64_t start_addr, stop_addr;
static int per_insn;
static FILE *out;

/* The userdata of a marker callback: which marker, and (block mode) how many instructions of its
 * block, from the marker on, the block-level counter has already added. */
#define MARK_STOP ((uint64_t)1 << 63)

static void on_marker(unsigned int vcpu, void *userdata)
{
    uint64_t data = (uint64_t)(uintptr_t)userdata;
    uint64_t before;
    (void)vcpu;
    if (per_insn) {
        before = executed;
        executed += 1; /* the marker instruction itself has no inline op */
    } else {
        before = executed - (data & ~MARK_STOP);
    }
    if ((data & MARK_STOP) == 0) {
        region_start = before;
        region_open = 1;
    } else if (region_open) {
        region_open = 0;
        fprintf(out, "region %u %" PRIu64 "\n", region_count++, before - region_start);
        fflush(out);
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    if (!per_insn) {
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed, n);
    }
    for (size_t i = 0; i < n; ++i) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        if (pc == start_addr || pc == stop_addr) {
            uint64_t data = per_insn ? 0 : (uint64_t)(n - i);
            if (pc == stop_addr) {
                data |= MARK_STOP;
            }
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)data);
        } else if (per_insn) {
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                       &executed, 1);
        }
    }
}

static void on_qemu_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    fprintf(out, "total %" PRIu64 "\n", executed);
    fclose(out);
}

static int parse_address(const char *text, uint64_t *value)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 0);
    if (end == text || *end != '\0') {
        return -1;
    }
    *value = (uint64_t)v & ~(uint64_t)1; /* Thumb symbols carry bit 0 */
    return 0;
}

EDGEAI_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                             int argc, char **argv)
{
    const char *path = NULL;
    int have_start = 0, have_stop = 0;
    (void)info;
    for (int i = 0; i < argc; ++i) {
        const char *arg = argv[i];
        if (strncmp(arg, "start=", 6) == 0) {
            have_start = parse_address(arg + 6, &start_addr) == 0;
        } else if (strncmp(arg, "stop=", 5) == 0) {
            have_stop = parse_address(arg + 5, &stop_addr) == 0;
        } else if (strncmp(arg, "out=", 4) == 0) {
            path = arg + 4;
        } else if (strcmp(arg, "mode=insn") == 0) {
            per_insn = 1;
        } else if (strcmp(arg, "mode=tb") == 0) {
            per_insn = 0;
        } else {
            qemu_plugin_outs("insn_count: unknown argument (start=, stop=, out=, mode=tb|insn)\n");
            return -1;
        }
    }
    if (!have_start || !have_stop || path == NULL) {
        qemu_plugin_outs("insn_count: start=ADDR, stop=ADDR and out=FILE are required\n");
        return -1;
    }
    out = fopen(path, "w");
    if (out == NULL) {
        qemu_plugin_outs("insn_count: cannot open the output file\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}

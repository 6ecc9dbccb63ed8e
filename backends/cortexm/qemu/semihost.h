/* Minimal Arm semihosting for M-profile cores (BKPT 0xAB), our own implementation.
 *
 * Only what the QEMU runner needs: console text, host files (open/read/write/close) and exit with
 * a status. Every call traps into the emulator, so keep them out of measured regions.
 */
#ifndef EDGEAI_SEMIHOST_H
#define EDGEAI_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* operation numbers of the Arm semihosting specification */
enum {
    SH_SYS_OPEN = 0x01,
    SH_SYS_CLOSE = 0x02,
    SH_SYS_WRITE0 = 0x04,
    SH_SYS_WRITE = 0x05,
    SH_SYS_READ = 0x06,
    SH_SYS_EXIT = 0x18,
    SH_SYS_EXIT_EXTENDED = 0x20
};

/* SYS_OPEN modes (ISO C fopen modes, in the specification's order) */
enum { SH_MODE_RB = 1, SH_MODE_WB = 5 };

#define SH_ADP_STOPPED_APPLICATION_EXIT 0x20026u

/* Console (host stderr, or QEMU's semihosting chardev). */
void sh_puts(const char *text);
/* `text` then `value` as 0x-prefixed hex (8 digits, no newline). */
void sh_put_hex(const char *text, uint32_t value);
/* `text` then `value` in decimal (no newline). */
void sh_put_dec(const char *text, uint32_t value);

/* Host files; -1 on failure. sh_read/sh_write return the number of bytes NOT transferred. */
int sh_open(const char *path, int mode);
int sh_close(int fd);
int sh_write(int fd, const void *data, size_t size);
int sh_read(int fd, void *data, size_t size);

/* Stop the emulator with `status` as its exit code. */
void sh_exit(int status) __attribute__((noreturn));

#endif

/* Arm semihosting over BKPT 0xAB (the M-profile trap), our own code; see semihost.h. */
#include "semihost.h"

static int sh_call(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static size_t sh_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        ++n;
    }
    return n;
}

void sh_puts(const char *text)
{
    sh_call(SH_SYS_WRITE0, text);
}

void sh_put_hex(const char *text, uint32_t value)
{
    char buf[11];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 8; ++i) {
        unsigned nibble = (value >> (28 - 4 * i)) & 0xFu;
        buf[2 + i] = (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
    }
    buf[10] = '\0';
    sh_puts(text);
    sh_puts(buf);
}

void sh_put_dec(const char *text, uint32_t value)
{
    char buf[11];
    int i = 10;
    buf[10] = '\0';
    do {
        buf[--i] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0u && i > 0);
    sh_puts(text);
    sh_puts(&buf[i]);
}

int sh_open(const char *path, int mode)
{
    uint32_t block[3] = {(uint32_t)(uintptr_t)path, (uint32_t)mode, (uint32_t)sh_strlen(path)};
    return sh_call(SH_SYS_OPEN, block);
}

int sh_close(int fd)
{
    uint32_t block[1] = {(uint32_t)fd};
    return sh_call(SH_SYS_CLOSE, block);
}

int sh_write(int fd, const void *data, size_t size)
{
    uint32_t block[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)data, (uint32_t)size};
    return sh_call(SH_SYS_WRITE, block);
}

int sh_read(int fd, void *data, size_t size)
{
    uint32_t block[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)data, (uint32_t)size};
    return sh_call(SH_SYS_READ, block);
}

void sh_exit(int status)
{
    /* SYS_EXIT_EXTENDED carries the status on AArch32 (plain SYS_EXIT only says ok / not ok) */
    uint32_t block[2] = {SH_ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    for (;;) {
        sh_call(SH_SYS_EXIT_EXTENDED, block);
    }
}

/* Human-readable units shared by every command's output. */
#ifndef NGXMEM_FORMAT_H
#define NGXMEM_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "512 B", "4.0 KiB", "1.5 MiB", "2.25 GiB" into BUF (>= 16 bytes). */
const char *format_bytes(uint64_t n, char *buf, size_t len);

/* 1234567 -> "1,234,567" into BUF (>= 28 bytes). */
const char *format_count(uint64_t n, char *buf, size_t len);

#endif

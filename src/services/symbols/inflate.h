/* Inflating zlib streams (RFC 1950 / 1951), for ELF sections compressed with
 * ELFCOMPRESS_ZLIB: into a caller's buffer, with no allocation, every read
 * and write bounded, so a corrupt stream is an error and never a crash. */
#ifndef HS_ELF_INFLATE_H
#define HS_ELF_INFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Inflates the zlib stream in[0, in_len) into exactly out_len bytes of out;
 * false if the stream is malformed or truncated, does not make exactly
 * out_len bytes, or fails its checksum. */
bool hs_inflate_zlib(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len);

#endif

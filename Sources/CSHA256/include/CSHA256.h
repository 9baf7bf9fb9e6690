#ifndef TALLY_CSHA256_H
#define TALLY_CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// SHA-256's 64 round constants (FIPS 180-4, 4.2.2): the one copy the hardware and the portable
/// Swift rounds both read.
const uint32_t *tally_sha256_round_constants(void);

/// 1 when this CPU has the x86 SHA extensions (and SSSE3 and SSE4.1, which the code also uses),
/// 0 otherwise (any other CPU, or any other architecture).
int tally_sha256_hardware_available(void);

/// Compresses `blocks` 64-byte blocks at `data` into `state` (the eight words a…h, in order)
/// with the SHA extensions. Call it only when tally_sha256_hardware_available() returned 1.
void tally_sha256_hardware_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif

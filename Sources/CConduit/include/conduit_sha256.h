#ifndef CONDUIT_SHA256_H
#define CONDUIT_SHA256_H

#include <stddef.h>
#include <stdint.h>

/// Runs the SHA-256 compression function over `blocks` consecutive 64-byte blocks,
/// updating the eight chaining words in `state`. Uses the CPU's SHA extensions when
/// it has them, portable code otherwise.
void conduit_sha256_compress(uint32_t state[8], const uint8_t *data, size_t blocks);

/// The portable code alone, whatever the CPU has (for tests that compare the two).
void conduit_sha256_compress_portable(uint32_t state[8], const uint8_t *data, size_t blocks);

/// 1 when the SHA extensions are in use, 0 for the portable code.
int conduit_sha256_accelerated(void);

#endif

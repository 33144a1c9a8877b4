#pragma once

// What Swift lacks for a few hot loops: a prefetch, SSE2's byte compares with movemask
// (Swift's SIMD types compile a mask's lanes to a loop through memory), and relaxed atomic
// loads and stores of words in a plain buffer (Synchronization's `Atomic` is a value of its
// own, not a view of memory). Header only: the functions are inlined into the Swift that
// calls them; no library is linked.

#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// A hint that `address` will be read soon: the load starts now and nothing waits for it.
static inline void tw_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

// The word at `address`, read atomically with no ordering: another thread may store it.
static inline uint64_t tw_load_relaxed(const uint64_t *address) { return __atomic_load_n(address, __ATOMIC_RELAXED); }

// Stores `value` at `address` atomically with no ordering: other threads may read it.
static inline void tw_store_relaxed(uint64_t *address, uint64_t value) { __atomic_store_n(address, value, __ATOMIC_RELAXED); }

// What the CSV tokenizer needs to know of 64 bytes; bit k of each mask stands for byte k.
typedef struct {
    // Bytes below 0x2D: every comma, quote, CR and LF, plus a few bytes that are none of them
    // (a space, mostly). Outside quotes, a field ends at one of these.
    uint64_t below_dash;
    // Quotes and LFs: inside quotes, the bytes between two of these are the field's own.
    uint64_t quote_or_lf;
} tw_csv_masks;

// The masks of the 64 bytes at `p` (any alignment). SSE2 is part of x86-64, so no flag or
// runtime check is needed there; elsewhere a plain loop gives the same bits.
static inline tw_csv_masks tw_csv_block(const void *p) {
    tw_csv_masks masks = {0, 0};
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(0x2C), quote = _mm_set1_epi8(0x22), lf = _mm_set1_epi8(0x0A);
    for (int k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)((const uint8_t *)p + 16 * k));
        // Unsigned x <= 0x2C exactly when min(x, 0x2C) == x (SSE2 has no unsigned compare).
        __m128i below = _mm_cmpeq_epi8(_mm_min_epu8(x, comma), x);
        __m128i special = _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, lf));
        masks.below_dash |= (uint64_t)(uint16_t)_mm_movemask_epi8(below) << (16 * k);
        masks.quote_or_lf |= (uint64_t)(uint16_t)_mm_movemask_epi8(special) << (16 * k);
    }
#else
    const uint8_t *b = (const uint8_t *)p;
    for (int k = 0; k < 64; k++) {
        masks.below_dash |= (uint64_t)(b[k] <= 0x2C) << k;
        masks.quote_or_lf |= (uint64_t)(b[k] == 0x22 || b[k] == 0x0A) << k;
    }
#endif
    return masks;
}

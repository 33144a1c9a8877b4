#pragma once

// A hint that `address` will be read soon: the load starts now and nothing waits for it.
static inline void tw_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

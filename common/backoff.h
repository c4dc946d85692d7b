/* SPDX-License-Identifier: MIT */
/*
 * Exponential backoff with jitter, pure: the caller supplies the randomness.
 * The n-th delay is drawn from [d/2, d] where d = min(cap, base * 2^n)
 * ("equal jitter"): never zero, so a fleet reconnecting after a hub restart
 * spreads out, and never above the cap.
 */
#ifndef TILLNET_BACKOFF_H
#define TILLNET_BACKOFF_H

#include <stdint.h>

struct backoff {
	uint32_t base_ms;
	uint32_t cap_ms;
	uint32_t attempt;
};

void backoff_init(struct backoff *b, uint32_t base_ms, uint32_t cap_ms);

/* backoff_next: the next delay in ms; `random` is any uniformly drawn value. */
uint32_t backoff_next(struct backoff *b, uint32_t random);

/* backoff_reset: after a success, start again from the base. */
void backoff_reset(struct backoff *b);

#endif

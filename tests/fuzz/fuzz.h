/* SPDX-License-Identifier: MIT */
/*
 * The libFuzzer entry point every target in tests/fuzz defines, and small
 * helpers they share. Each target is built twice: with clang's libFuzzer
 * (-Dfuzz=true, scripts/fuzz) and with replay.c, a main that feeds it the
 * files of its seed corpus and its regression cases, in every build.
 *
 * A target must free all it allocates for an input (LeakSanitizer stays on)
 * and keep nothing from one input that changes what the next one does.
 */
#ifndef TILLNET_FUZZ_H
#define TILLNET_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * fuzz_text: a NUL-terminated copy of the input (parsers of C strings get
 * the bytes up to the first NUL, like a request body would). free() it.
 * Aborts when memory runs out: that is the harness's failure, not a finding.
 */
char *fuzz_text(const uint8_t *data, size_t size);

/*
 * fuzz_split: the input's first line (up to '\n', at most `max` - 1 bytes,
 * NUL-terminated) into `line`; `rest` and `rest_len` get what follows it.
 */
void fuzz_split(const uint8_t *data, size_t size, char *line, size_t max, const uint8_t **rest,
		size_t *rest_len);

#endif

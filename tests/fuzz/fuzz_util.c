// SPDX-License-Identifier: MIT
/* Helpers the fuzz targets share (see fuzz.h). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

void fuzz_split(const uint8_t *data, size_t size, char *line, size_t max, const uint8_t **rest,
		size_t *rest_len)
{
	const uint8_t *nl = size ? memchr(data, '\n', size) : NULL;
	size_t n = nl ? (size_t)(nl - data) : size;

	if (n > max - 1)
		n = max - 1;
	if (n)
		memcpy(line, data, n);
	line[n] = '\0';
	*rest = nl ? nl + 1 : data + size;
	*rest_len = nl ? size - (size_t)(nl - data) - 1 : 0;
}

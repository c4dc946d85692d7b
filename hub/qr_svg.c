// SPDX-License-Identifier: MIT
/* QR codes as SVG (see qr_svg.h). */
#include "qr_svg.h"

#include <errno.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>

#define QR_QUIET 4

int qr_svg(const char *text, char **out)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 0);
	size_t len = 0;
	FILE *f;
	int size;

	*out = NULL;
	if (!qr)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	f = open_memstream(out, &len);
	if (!f) {
		QRcode_free(qr);
		return -ENOMEM;
	}
	size = qr->width + 2 * QR_QUIET;
	/* crispEdges: no anti-aliased seams between modules, so scanners read it. */
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		"shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
		"fill=\"#fff\"/><path fill=\"#000\" d=\"",
		size, size, size, size);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				fprintf(f, "M%d %dh1v1h-1z", x + QR_QUIET, y + QR_QUIET);
	fputs("\"/></svg>", f);
	QRcode_free(qr);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

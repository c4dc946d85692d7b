/* SPDX-License-Identifier: MIT */
/*
 * A QR code as an SVG image (libqrencode draws the modules; this writes them
 * as one SVG path), for the admin page to show an enrollment code. No I/O.
 */
#ifndef TILLNET_QR_SVG_H
#define TILLNET_QR_SVG_H

/*
 * qr_svg: `text` as a QR code (error correction M, 8-bit mode, as
 * `tillnet-hub terminal add` prints it) in a standalone SVG document with a
 * quiet zone of 4 modules. Caller frees *out. 0, -ENOMEM, -EINVAL (text too
 * long for a QR code).
 */
int qr_svg(const char *text, char **out);

#endif

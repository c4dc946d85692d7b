/* SPDX-License-Identifier: MIT */
/*
 * Printing an order's receipt from term.db: the order document laid out
 * (receipt.h), turned into ESC/POS bytes (escpos.h), sent to the printer
 * (printer.h), and the print counted in receipt_prints so that a reprint
 * says "DUPLICATE n". Called by `tillnet-term receipt` and, after a sale,
 * by whoever prints it; one thread per database handle.
 */
#ifndef TILLNET_RECEIPT_PRINT_H
#define TILLNET_RECEIPT_PRINT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct term_config;

#define RECEIPT_KICK_AUTO (-1) /* open the drawer when the order has a cash payment */

/*
 * receipt_print_order: print the receipt of `order` (an order id or a
 * receipt number) to `target` (printer.h; NULL or "": cfg's [printer]
 * target) at cfg's [printer] width, with the drawer kick when `kick` is 1
 * (0: never; RECEIPT_KICK_AUTO: for a sale paid at least partly in cash).
 * The n-th print of a receipt is marked "DUPLICATE n-1". The print is
 * counted only after every byte was written; *prints (when not NULL) gets
 * how many times it has been printed, this time included.
 * Must not be called inside an open transaction: it does not hold one
 * while the printer is slow. Two prints of the same receipt at the same
 * moment may both carry the same duplicate number; both are counted.
 * Errors, with a sentence in `why`:
 *  -ENOENT  no such order or receipt on this terminal;
 *  -EINVAL  the order has no receipt (open or parked), or its document
 *           cannot be laid out; no printer target anywhere;
 *  -EAGAIN  the printer could not be reached or written to (`why` names
 *           the target and the reason); nothing was counted;
 *  -EIO     term.db failed (when it fails after printing, `why` says the
 *           receipt printed but was not counted); -ENOMEM.
 */
int receipt_print_order(sqlite3 *db, const struct term_config *cfg, const char *order,
			const char *target, int kick, int64_t *prints, char *why, size_t whylen);

/*
 * receipt_text_order: the receipt of `order` as text (receipt_text) at
 * cfg's [printer] width, for a screen: not counted as a print; it says
 * "DUPLICATE n" when the receipt was printed n times already. *text is the
 * caller's to free(). Errors as receipt_print_order, without -EAGAIN.
 */
int receipt_text_order(sqlite3 *db, const struct term_config *cfg, const char *order, char **text,
		       char *why, size_t whylen);

#endif

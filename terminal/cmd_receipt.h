/* SPDX-License-Identifier: MIT */
/*
 * tillnet-term receipt (terminal/cmd_receipt.c). Kept apart from term.h,
 * where the other commands are declared, only because term.h had another
 * owner when the command was added; it may move there.
 */
#ifndef TILLNET_CMD_RECEIPT_H
#define TILLNET_CMD_RECEIPT_H

int cmd_receipt(int argc, char **argv);

#endif

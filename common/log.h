/* SPDX-License-Identifier: MIT */
/*
 * One readable line per event on stderr: UTC time, program, level, message.
 * Both programs log through here, libwebsockets' own messages included.
 */
#ifndef TILLNET_LOG_H
#define TILLNET_LOG_H

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* log_init: name the program in every line; `verbose` adds debug lines. */
void log_init(const char *program, int verbose);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif

// SPDX-License-Identifier: MIT
/* libwebsockets settings both programs share (see ws_lws.h). */
#include "ws_lws.h"
#include "log.h"

const lws_retry_bo_t ws_lws_idle_policy = {
    .secs_since_valid_ping = 15,
    .secs_since_valid_hangup = 45,
};

static void ws_lws_log(int level, const char *line)
{
	log_msg(level == LLL_ERR ? LOG_LEVEL_ERROR : LOG_LEVEL_WARN, "lws: %s", line);
}

void ws_lws_log_init(void)
{
	lws_set_log_level(LLL_ERR, ws_lws_log);
}

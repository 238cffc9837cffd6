/* log: timestamped lines on stderr (see log.h). */
#include "lib/log.h"
#include "lib/timeutil.h"
#include <stdarg.h>
#include <stdio.h>

int log_quiet;

void log_msg(const char *level, const char *fmt, ...)
{
    if (log_quiet) return;
    char ts[21];
    time_format(time_now(), ts);
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s %s %s\n", ts, level, line);
}

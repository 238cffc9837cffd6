/* fuzz_time: time_parse and date_parse on arbitrary text, with round trips:
 * a parsed time formats to text that parses to the same instant, and a
 * parsed date formats back to exactly its input. */
#include "lib/timeutil.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256) return 0;
    char s[257];
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t t, t2;
    if (time_parse(s, &t) == 0) {
        char out[21];
        time_format(t, out);
        if (time_parse(out, &t2) != 0 || t2 != t) abort();
    }
    if (date_parse(s, &t) == 0) {
        if (t % 86400) abort();
        char out[11];
        date_format(t, out);
        if (strcmp(out, s) != 0) abort();
        if (time_parse(s, &t2) != 0 || t2 != t) abort();
    }
    return 0;
}

/* lazy_ical: libical loaded on first use (see lazylib.h), for calendar feeds. */
#ifndef RAPPORT_LIB_LAZY_ICAL_H
#define RAPPORT_LIB_LAZY_ICAL_H

#include <libical/ical.h>
#include "lib/lazylib.h"

#define LAZY_ICAL_FNS(X) X(icalcomponent_add_component) X(icalcomponent_add_property) \
    X(icalcomponent_as_ical_string_r) X(icalcomponent_free) X(icalcomponent_new_vevent) X(icalcomponent_vanew) \
    X(icaldurationtype_from_int) X(icalproperty_new_calscale) X(icalproperty_new_categories) \
    X(icalproperty_new_description) X(icalproperty_new_dtstamp) X(icalproperty_new_dtstart) \
    X(icalproperty_new_duration) X(icalproperty_new_method) X(icalproperty_new_prodid) X(icalproperty_new_summary) \
    X(icalproperty_new_uid) X(icalproperty_new_version) X(icalproperty_new_x) X(icalproperty_set_x_name) \
    X(icaltime_from_timet_with_zone) X(icaltimezone_get_utc_timezone)

struct lazy_ical { LAZY_ICAL_FNS(LAZYLIB_FIELD) };
extern struct lazy_ical lz_ical;
int lazy_ical_load(char *err, size_t errlen);

#endif

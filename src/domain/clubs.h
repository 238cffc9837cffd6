/* clubs: the social and structural levels of relationship marketing
 * (DOMAIN D7) as record types — clubs, their members, their events and the
 * invitations to them, and the structural services delivered to channel
 * partners (clubs.c). */
#ifndef RAPPORT_CLUBS_H
#define RAPPORT_CLUBS_H
#include "api/resource.h"
#include "records/workflow.h"

extern struct resource club_resource, club_member_resource, club_event_resource, event_attendance_resource,
    structural_service_resource;
extern const struct workflow attendance_workflow;
/* left_on not before joined_on. */
int club_member_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
#endif

/* campaign_members: a campaign's segment resolved into its frozen member
 * list, with the control group held out (issue 20). The segment is a
 * party-list query string ("tier=platinum&tags=vip"), compiled by the list
 * query builder (api/res_query.c) exactly as GET /api/v1/parties would
 * compile it for an admin, so a segment means what the party list shows.
 * (A second resolver, domain/segment.c, comes with contact plans; the two
 * are to become one.) */
#ifndef RAPPORT_CAMPAIGN_MEMBERS_H
#define RAPPORT_CAMPAIGN_MEMBERS_H
#include "api/resource.h"
#include "db/db.h"
#include <stdint.h>

struct campaign_freeze {
    long members;         /* rows written, control group included */
    long controls;        /* of which held out */
    char at[21];          /* when (UTC ISO 8601) */
};

/* 0 when seg is a valid party-list query, else -1 with e (422, segment). */
int campaign_segment_check(const char *seg, struct verr *e);

/* Writes campaign id's member list from seg inside the caller's write
 * transaction, holding out a share (0-0.5) as the control group, and stamps
 * the campaign's members_frozen_at / member_count / control_count. The
 * draw is reproducible: a member is in the control group when a hash of
 * (campaign id, party id) falls below share, so the same campaign and
 * parties give the same group. 0, or -1 (storage error). */
int campaign_members_freeze(db *w, int64_t id, const char *seg, double share, struct campaign_freeze *out);

/* The control-group hash of party_id in campaign id: in [0, 2147483647).
 * The same arithmetic as the SQL of campaign_members_freeze (unit tests). */
int64_t campaign_control_hash(int64_t id, int64_t party_id);
#endif

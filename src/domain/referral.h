/* referral: the VIP referral-card programme (DOMAIN D9) — the record type
 * (referral.c), card codes (referral_code.c) and the member tree with its
 * cards, benefits, aggregates and report (referral_tree.c). */
#ifndef RAPPORT_REFERRAL_H
#define RAPPORT_REFERRAL_H
#include "api/resource.h"
#include "db/db.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

extern struct resource referral_program_resource;
/* levels are 1..n in order, each {level, card_quota, benefit, benefit_cost,
 * expected_spend} with money in the budget cap's currency; the growth
 * triple goes together; ends_on not before starts_on. 0 or -1 with e. */
int referral_program_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);

/* ---- card codes (pure) ----
 * A card code is "L<level>-XXXX-XXXX-XXXX-XXXX-C": 80 random bits in
 * Crockford base 32 and a check character (Luhn mod 32) computed over the
 * issuer's id, the level and the random part, so a code typed wrong, or
 * shown with another level or for another issuer, fails its check. */
#define REFERRAL_CODE_MAX 40
/* Writes a new code for (issuer, level) with the random bytes rnd[10]. */
void referral_code_make(int64_t issuer, int level, const unsigned char rnd[10], char out[REFERRAL_CODE_MAX]);
/* The code's lookup key: upper case without separators ("" when the text
 * cannot be a code). */
void referral_code_key(const char *code, char out[REFERRAL_CODE_MAX]);
/* True when key (referral_code_key's) carries the right check character
 * for issuer and level. */
bool referral_code_valid(const char *key, int64_t issuer, int level);

/* ---- the tree (referral_tree.c); w: the writer inside db_write ---- */
struct referral_identity { char id_number[64], phone[32], email[256]; };
/* Enrols party as a first-level member with its personal file. */
int referral_enrol(db *w, int64_t program, int64_t party, const struct referral_identity *id, int64_t order_id,
                   const char *actor, int64_t *member_out, struct verr *e);
/* Issues count cards of member; json array of the cards into *cards. */
int referral_issue(db *w, int64_t program, int64_t member, int count, json_t **cards, struct verr *e);
/* Redeems the card with code for party: a member one level down. */
int referral_redeem(db *w, const char *code, int64_t party, const struct referral_identity *id, int64_t order_id,
                    const char *actor, int64_t *member_out, struct verr *e);
/* An ordinary member referred by a member (from the open level on) named
 * by their member card number and name: no benefit, no quota. */
int referral_refer(db *w, int64_t program, const char *member_card, const char *referrer_name, int64_t party,
                   const struct referral_identity *id, const char *actor, int64_t *member_out, struct verr *e);
/* The member as API JSON (a new object), or NULL. */
json_t *referral_member_json(db *c, int64_t member);
/* {member, subtree, children, next}: one level of the tree under member. */
json_t *referral_tree(db *c, int64_t program, int64_t member, int64_t after, int limit);
/* The first-level members, a page. */
json_t *referral_roots(db *c, int64_t program, int64_t after, int limit);
/* The per-level planned-against-actual report. */
json_t *referral_report(db *c, int64_t program);
/* Purchases add to their member's and the ancestors' revenue. */
void referral_subscribe(void);
#endif

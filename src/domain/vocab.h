/* vocab: the controlled vocabularies of the customer database, from the
 * seed documents (DOMAIN.md D1–D3, D8): party kinds and the six-market roles,
 * information sources, the D3 classifications, link kinds and decision-unit
 * roles, interaction channels. Each list is NULL-terminated; the API, import,
 * demo data and UI all use these. */
#ifndef RAPPORT_VOCAB_H
#define RAPPORT_VOCAB_H
extern const char *const party_kinds[];
extern const char *const party_roles[];            /* D2 six markets */
extern const char *const info_sources[];           /* D1 信息来源 */
extern const char *const relation_to_company[];    /* D3.1 */
extern const char *const importance_levels[];      /* D3.2 */
extern const char *const loyalty_classes[];        /* D3.3 */
extern const char *const value_classes[];          /* D3.4 */
extern const char *const customer_types[];         /* D3.5 */
extern const char *const relationship_levels[];    /* D3.6 Kotler */
extern const char *const link_kinds[];
extern const char *const decision_roles[];         /* D1 决策单位 */
extern const char *const interaction_channels[];   /* D8 */
extern const char *const interaction_directions[];
extern const char *const interaction_statuses[];
extern const char *const address_keys[];
extern const char *const item_keys[];
#include <stdbool.h>
/* Whether s is one of the NULL-terminated list's values. */
bool vocab_has(const char *const *list, const char *s);
#endif

/* order: sales orders with the member order flow of DOMAIN D9 as the
 * workflow of status, each step stamped with who and when; the payment
 * step creates the order's transaction (order.c). */
#ifndef RAPPORT_ORDER_H
#define RAPPORT_ORDER_H
#include "api/resource.h"
#include "records/workflow.h"

extern struct resource order_resource;
extern const struct workflow order_workflow;
/* The steps of D9 in order, NULL-terminated: confirmed, file_created, …,
 * deal_confirmed. */
extern const char *const order_steps[];
/* The step whose move creates the order's transaction ("paid"). */
#define ORDER_PAYMENT_STEP "paid"
int order_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
#endif

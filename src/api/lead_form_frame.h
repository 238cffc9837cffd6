/* lead_form_frame: the frame policy of the public web-to-lead form pages
 * and its setting (see lead_form_frame.c). */
#ifndef RAPPORT_LEAD_FORM_FRAME_H
#define RAPPORT_LEAD_FORM_FRAME_H
#include "http/http.h"

/* Sets on rs the headers that let the configured origins frame an HTML
 * answer of a form (nothing when none are configured: the server's
 * default refuses frames). */
void lead_form_frame_headers(struct resp *rs);
/* Registers GET/PUT /api/v1/settings/lead-form-origins. */
void lead_form_frame_register(void);
#endif

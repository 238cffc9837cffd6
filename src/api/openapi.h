/* openapi: the OpenAPI 3.0 description generated from the route table (see
 * openapi.c). */
#ifndef RAPPORT_OPENAPI_H
#define RAPPORT_OPENAPI_H
#include <jansson.h>

#define RAPPORT_VERSION_TEXT "0.1.0"

/* The whole description (a new reference), or NULL with *bad naming the
 * route whose route_doc does not parse. */
json_t *openapi_describe(const char **bad);
#endif

/* lazy_pq: libpq loaded on first use (see lazylib.h), by the PostgreSQL
 * driver (db/db_pg.c) when a postgres:// database is opened. A server on
 * SQLite never maps libpq nor what it brings (OpenSSL, Kerberos, LDAP):
 * about 2.7 MB of resident library pages. */
#ifndef RAPPORT_LIB_LAZY_PQ_H
#define RAPPORT_LIB_LAZY_PQ_H

#include <libpq-fe.h>
#include "lib/lazylib.h"

#define LAZY_PQ_FNS(X) X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdb) X(PQdescribePrepared) \
    X(PQenterPipelineMode) X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQexecPrepared) X(PQexitPipelineMode) \
    X(PQfinish) X(PQfname) X(PQfreemem) X(PQftype) X(PQgetResult) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) \
    X(PQnfields) X(PQntuples) X(PQpipelineSync) X(PQputCopyData) X(PQputCopyEnd) X(PQprepare) X(PQresultErrorField) X(PQresultErrorMessage) \
    X(PQresultStatus) X(PQsendQueryParams) X(PQsendQueryPrepared) X(PQsetNoticeProcessor) \
    X(PQsetSingleRowMode) X(PQstatus) X(PQtransactionStatus) X(PQunescapeBytea)

struct lazy_pq { LAZY_PQ_FNS(LAZYLIB_FIELD) };
extern struct lazy_pq lz_pq;
int lazy_pq_load(char *err, size_t errlen);

#endif

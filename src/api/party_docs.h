/* party_docs: the stored GET documents of parties (migration 007): their
 * format check and the background pass that fills in missing ones. */
#ifndef RAPPORT_PARTY_DOCS_H
#define RAPPORT_PARTY_DOCS_H
#include <stdbool.h>

#define PARTY_DOC_FORMAT_CHARS 48
/* "<version>:<digest of the party fields>", as kept in setting 'party.doc_format'. */
void party_doc_format(char out[PARTY_DOC_FORMAT_CHARS]);
/* Clears every stored document when the database's format is not this
 * binary's, and records this one. Call after opening the database, before
 * anything writes a party (it goes through db_write). 0 or -1. */
int party_docs_check_format(void);
/* The server's background passes that fill in missing documents: one at
 * start, and one after each kick (a pass already running goes round once
 * more). Without a server (the command line) a kick does nothing: the next
 * start's pass fills them in. */
int party_docs_start(void);
void party_docs_kick(void);
void party_docs_stop(void);
/* Imports write many parties in bulk; while one runs (defer(true) ..
 * defer(false)) party writes leave the document to a pass: storing them as it
 * went made the CDNOW import about 18% slower in one measurement. A missing document only
 * means a GET writes the record from its columns. */
void party_docs_defer(bool on);
bool party_docs_deferred(void);
/* Documents filled in by the pass since the start; whether it still runs. */
long party_docs_filled(void);
bool party_docs_filling(void);
#endif

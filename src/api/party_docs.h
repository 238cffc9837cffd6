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
/* Starts / stops the background pass that fills in missing documents. */
int party_docs_start(void);
void party_docs_stop(void);
/* Documents filled in by the pass since the start; whether it still runs. */
long party_docs_filled(void);
bool party_docs_filling(void);
#endif

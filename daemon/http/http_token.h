/*
 * http_token.h - the bearer token REST edits need: read from a 0600 file,
 * or made (32 random bytes, hex) and written there at the first start.
 */
#ifndef VIGIL_HTTP_TOKEN_H
#define VIGIL_HTTP_TOKEN_H

#include <stddef.h>

#define HTTP_TOKEN_LEN 64

/* 0 with the token (and *created 1 when it was made now), or -1 with `err`
 * set (a file others can read is refused). */
int http_token_load(const char *path, char token[HTTP_TOKEN_LEN + 1], int *created, char *err, size_t errlen);
/* Whether `given` is the token, in time independent of where they differ;
 * never true for an empty token. */
int http_token_equal(const char *given, const char *token);

#endif /* VIGIL_HTTP_TOKEN_H */

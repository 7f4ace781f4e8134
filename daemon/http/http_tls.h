/*
 * http_tls.h - the certificate and key of the HTTPS server, read by the
 * parent (root) before mgmt, which runs as another user, is forked; checked
 * with GnuTLS so that a bad file is named at start, not at a client's first
 * handshake.
 */
#ifndef VIGIL_HTTP_TLS_H
#define VIGIL_HTTP_TLS_H

#include <stddef.h>

/* 0 with the two PEM texts (malloc'd), or -1 with `err` naming the file
 * and the problem (unreadable, not PEM, key not the certificate's). */
int http_tls_load(const char *cert_file, const char *key_file, char **cert_pem, char **key_pem, char *err,
		  size_t errlen);

#endif /* VIGIL_HTTP_TLS_H */

/* http_tls.c - see http_tls.h. */
#include "config.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_tls.h"

#define PEM_MAX (1024 * 1024)

static char *read_text(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(PEM_MAX + 1);
	n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n == 0 || n > PEM_MAX) {
		snprintf(err, errlen, "%s: %s", path, !buf ? "out of memory" : n ? "larger than 1 MiB" : "empty");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int http_tls_load(const char *cert_file, const char *key_file, char **cert_pem, char **key_pem, char *err,
		  size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t c, k;
	char *cert, *key;
	int r;

	*cert_pem = *key_pem = NULL;
	if (!(cert = read_text(cert_file, err, errlen)))
		return -1;
	if (!(key = read_text(key_file, err, errlen))) {
		free(cert);
		return -1;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "GnuTLS: out of memory");
		free(cert);
		free(key);
		return -1;
	}
	c = (gnutls_datum_t){ (unsigned char *)cert, (unsigned)strlen(cert) };
	k = (gnutls_datum_t){ (unsigned char *)key, (unsigned)strlen(key) };
	r = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (r < 0) {
		snprintf(err, errlen, "%s with %s: %s (a PEM certificate, and the PEM private key of that certificate)",
			 cert_file, key_file, gnutls_strerror(r));
		free(cert);
		free(key);
		return -1;
	}
	*cert_pem = cert;
	*key_pem = key;
	return 0;
}

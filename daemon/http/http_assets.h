/*
 * http_assets.h - the status page (webui/), embedded into vigild at build
 * time by scripts/embed-webui.sh: no file is read at run time, and the page
 * needs nothing from outside the binary.
 */
#ifndef VIGIL_HTTP_ASSETS_H
#define VIGIL_HTTP_ASSETS_H

#include <stddef.h>

struct http_asset {
	const char *path;            /* "/", "/app.js", ... */
	const char *content_type;    /* "text/html; charset=utf-8", ... */
	const char *data;            /* NUL-terminated */
	size_t len;
};

/* The asset served at `path` ("/" is webui/index.html), NULL if none. */
const struct http_asset *http_asset_find(const char *path);

#endif /* VIGIL_HTTP_ASSETS_H */

/*
 * fuzz_conf.c - libFuzzer target for the keepalived.conf parser.
 *
 * Any bytes must give either a configuration or diagnostics: no crash, no
 * leak, no hang.  Includes are refused (CONF_NO_INCLUDE) so that fuzz input
 * never reads the host's files.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_diags d = { 0 };
	struct conf *c = conf_load_buffer("fuzz.conf", (const char *)data, size, CONF_NO_INCLUDE, &d);

	if (c) {
		json_t *j = conf_to_json(c);

		json_decref(j);
		conf_free(c);
	}
	conf_diags_free(&d);
	return 0;
}

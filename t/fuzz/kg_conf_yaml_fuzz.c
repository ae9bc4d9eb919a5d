/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_conf_yaml.h>


/*
 * Input: a YAML document, translated as if read by "include_yaml".  Any
 * bytes must either translate or fail with a message; a translation must
 * be text the directive parser can take: no NUL, no control bytes but
 * LF, and its lines no more than the input's (the line mapping).
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static kg_log_t  kg_fuzz_log;


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char          *copy, *p, *last;
    size_t           lines;
    kg_pool_t       *pool;
    kg_conf_yaml_t   cy;

    /* an exact copy, so that the sanitizer sees any overread */

    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    if (size) {
        memcpy(copy, data, size);
    }

    pool = kg_create_pool(4096, &kg_fuzz_log);
    if (pool == NULL) {
        free(copy);
        return 0;
    }

    kg_memzero(&cy, sizeof(kg_conf_yaml_t));

    cy.pool = pool;
    kg_str_set(&cy.name, "fuzz.yaml");

    if (kg_conf_yaml_translate(&cy, copy, size) == KG_OK) {

        lines = 0;
        last = cy.text.data + cy.text.len;

        for (p = cy.text.data; p < last; p++) {
            if (*p == LF) {
                lines++;
                continue;
            }

            if (*p < 0x20 || *p == 0x7f) {
                abort();
            }
        }

        /* libyaml also counts CR and Unicode line breaks */

        if (lines > size) {
            abort();
        }

    } else if (cy.error.len == 0) {

        /* only a failed allocation fails without a message */

        abort();
    }

    kg_destroy_pool(pool);
    free(copy);

    return 0;
}

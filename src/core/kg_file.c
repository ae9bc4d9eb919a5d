/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


kg_int_t
kg_get_full_name(kg_pool_t *pool, kg_str_t *prefix, kg_str_t *name)
{
    size_t   len;
    u_char  *p, *n;

    if (name->len > 0 && name->data[0] == '/') {
        return KG_OK;
    }

    len = prefix->len;

    n = kg_pnalloc(pool, len + name->len + 1);
    if (n == NULL) {
        return KG_ERROR;
    }

    p = n;

    if (len) {
        p = kg_cpymem(p, prefix->data, len);
    }

    if (name->len) {
        p = kg_cpymem(p, name->data, name->len);
    }

    *p = '\0';

    name->len += len;
    name->data = n;

    return KG_OK;
}

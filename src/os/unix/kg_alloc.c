/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


kg_uint_t  kg_pagesize;
kg_uint_t  kg_pagesize_shift;
kg_uint_t  kg_cacheline_size;


void *
kg_alloc(size_t size, kg_log_t *log)
{
    void  *p;

    p = malloc(size);
    if (p == NULL) {
        kg_log_error(KG_LOG_EMERG, log, kg_errno,
                     "malloc(%uz) failed", size);
    }

    kg_log_debug2(KG_LOG_DEBUG_ALLOC, log, 0, "malloc: %p:%uz", p, size);

    return p;
}


void *
kg_calloc(size_t size, kg_log_t *log)
{
    void  *p;

    p = kg_alloc(size, log);

    if (p) {
        kg_memzero(p, size);
    }

    return p;
}


void *
kg_memalign(size_t alignment, size_t size, kg_log_t *log)
{
    void  *p;
    int    err;

    err = posix_memalign(&p, alignment, size);

    if (err) {
        kg_log_error(KG_LOG_EMERG, log, err,
                     "posix_memalign(%uz, %uz) failed", alignment, size);
        p = NULL;
    }

    kg_log_debug3(KG_LOG_DEBUG_ALLOC, log, 0,
                  "posix_memalign: %p:%uz @%uz", p, size, alignment);

    return p;
}

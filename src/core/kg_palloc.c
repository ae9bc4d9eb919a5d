/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


static inline void *kg_palloc_small(kg_pool_t *pool, size_t size,
    kg_uint_t align);
static void *kg_palloc_block(kg_pool_t *pool, size_t size);
static void *kg_palloc_large(kg_pool_t *pool, size_t size);


kg_pool_t *
kg_create_pool(size_t size, kg_log_t *log)
{
    kg_pool_t  *p;

    p = kg_memalign(KG_POOL_ALIGNMENT, size, log);
    if (p == NULL) {
        return NULL;
    }

    p->d.last = (u_char *) p + sizeof(kg_pool_t);
    p->d.end = (u_char *) p + size;
    p->d.next = NULL;
    p->d.failed = 0;

    size = size - sizeof(kg_pool_t);
    p->max = (size < KG_MAX_ALLOC_FROM_POOL) ? size : KG_MAX_ALLOC_FROM_POOL;

    p->current = p;
    p->chain = NULL;
    p->large = NULL;
    p->cleanup = NULL;
    p->log = log;

    return p;
}


void
kg_destroy_pool(kg_pool_t *pool)
{
    kg_pool_t          *p, *n;
    kg_pool_large_t    *l;
    kg_pool_cleanup_t  *c;

    for (c = pool->cleanup; c; c = c->next) {
        if (c->handler) {
            kg_log_debug1(KG_LOG_DEBUG_ALLOC, pool->log, 0,
                          "run cleanup: %p", c);
            c->handler(c->data);
        }
    }

#if (KG_DEBUG)

    /*
     * we could allocate the pool->log from this pool
     * so we cannot use this log while free()ing the pool
     */

    for (l = pool->large; l; l = l->next) {
        kg_log_debug1(KG_LOG_DEBUG_ALLOC, pool->log, 0, "free: %p", l->alloc);
    }

    for (p = pool, n = pool->d.next; /* void */; p = n, n = n->d.next) {
        kg_log_debug2(KG_LOG_DEBUG_ALLOC, pool->log, 0,
                      "free: %p, unused: %uz", p, p->d.end - p->d.last);

        if (n == NULL) {
            break;
        }
    }

#endif

    for (l = pool->large; l; l = l->next) {
        if (l->alloc) {
            kg_free(l->alloc);
        }
    }

    for (p = pool, n = pool->d.next; /* void */; p = n, n = n->d.next) {
        kg_free(p);

        if (n == NULL) {
            break;
        }
    }
}


void
kg_reset_pool(kg_pool_t *pool)
{
    kg_pool_t        *p;
    kg_pool_large_t  *l;

    for (l = pool->large; l; l = l->next) {
        if (l->alloc) {
            kg_free(l->alloc);
        }
    }

    for (p = pool; p; p = p->d.next) {
        p->d.last = (u_char *) p + sizeof(kg_pool_t);
        p->d.failed = 0;
    }

    pool->current = pool;
    pool->chain = NULL;
    pool->large = NULL;
}


void *
kg_palloc(kg_pool_t *pool, size_t size)
{
#if !(KG_DEBUG_PALLOC)
    if (size <= pool->max) {
        return kg_palloc_small(pool, size, 1);
    }
#endif

    return kg_palloc_large(pool, size);
}


void *
kg_pnalloc(kg_pool_t *pool, size_t size)
{
#if !(KG_DEBUG_PALLOC)
    if (size <= pool->max) {
        return kg_palloc_small(pool, size, 0);
    }
#endif

    return kg_palloc_large(pool, size);
}


static inline void *
kg_palloc_small(kg_pool_t *pool, size_t size, kg_uint_t align)
{
    u_char     *m;
    kg_pool_t  *p;

    p = pool->current;

    do {
        m = p->d.last;

        if (align) {
            m = kg_align_ptr(m, KG_ALIGNMENT);
        }

        if ((size_t) (p->d.end - m) >= size) {
            p->d.last = m + size;

            return m;
        }

        p = p->d.next;

    } while (p);

    return kg_palloc_block(pool, size);
}


static void *
kg_palloc_block(kg_pool_t *pool, size_t size)
{
    u_char     *m;
    size_t      psize;
    kg_pool_t  *p, *new;

    psize = (size_t) (pool->d.end - (u_char *) pool);

    m = kg_memalign(KG_POOL_ALIGNMENT, psize, pool->log);
    if (m == NULL) {
        return NULL;
    }

    new = (kg_pool_t *) m;

    new->d.end = m + psize;
    new->d.next = NULL;
    new->d.failed = 0;

    m += sizeof(kg_pool_data_t);
    m = kg_align_ptr(m, KG_ALIGNMENT);
    new->d.last = m + size;

    /*
     * a block that failed to satisfy four requests is skipped from now on,
     * so a nearly full pool does not make every allocation walk the list
     */

    for (p = pool->current; p->d.next; p = p->d.next) {
        if (p->d.failed++ > 4) {
            pool->current = p->d.next;
        }
    }

    p->d.next = new;

    return m;
}


static void *
kg_palloc_large(kg_pool_t *pool, size_t size)
{
    void             *p;
    kg_uint_t         n;
    kg_pool_large_t  *large;

    p = kg_alloc(size, pool->log);
    if (p == NULL) {
        return p;
    }

    n = 0;

    /* reuse a slot freed by kg_pfree(), but do not search far */

    for (large = pool->large; large; large = large->next) {
        if (large->alloc == NULL) {
            large->alloc = p;
            return p;
        }

        if (n++ > 3) {
            break;
        }
    }

    large = kg_palloc_small(pool, sizeof(kg_pool_large_t), 1);
    if (large == NULL) {
        kg_free(p);
        return NULL;
    }

    large->alloc = p;
    large->next = pool->large;
    pool->large = large;

    return p;
}


void *
kg_pmemalign(kg_pool_t *pool, size_t size, size_t alignment)
{
    void             *p;
    kg_pool_large_t  *large;

    p = kg_memalign(alignment, size, pool->log);
    if (p == NULL) {
        return NULL;
    }

    large = kg_palloc_small(pool, sizeof(kg_pool_large_t), 1);
    if (large == NULL) {
        kg_free(p);
        return NULL;
    }

    large->alloc = p;
    large->next = pool->large;
    pool->large = large;

    return p;
}


kg_int_t
kg_pfree(kg_pool_t *pool, void *p)
{
    kg_pool_large_t  *l;

    for (l = pool->large; l; l = l->next) {
        if (p == l->alloc) {
            kg_log_debug1(KG_LOG_DEBUG_ALLOC, pool->log, 0,
                          "free: %p", l->alloc);
            kg_free(l->alloc);
            l->alloc = NULL;

            return KG_OK;
        }
    }

    return KG_DECLINED;
}


void *
kg_pcalloc(kg_pool_t *pool, size_t size)
{
    void  *p;

    p = kg_palloc(pool, size);
    if (p) {
        kg_memzero(p, size);
    }

    return p;
}


kg_pool_cleanup_t *
kg_pool_cleanup_add(kg_pool_t *p, size_t size)
{
    kg_pool_cleanup_t  *c;

    c = kg_palloc(p, sizeof(kg_pool_cleanup_t));
    if (c == NULL) {
        return NULL;
    }

    if (size) {
        c->data = kg_palloc(p, size);
        if (c->data == NULL) {
            return NULL;
        }

    } else {
        c->data = NULL;
    }

    c->handler = NULL;
    c->next = p->cleanup;

    p->cleanup = c;

    kg_log_debug1(KG_LOG_DEBUG_ALLOC, p->log, 0, "add cleanup: %p", c);

    return c;
}


void
kg_pool_run_cleanup_file(kg_pool_t *p, kg_fd_t fd)
{
    kg_pool_cleanup_t       *c;
    kg_pool_cleanup_file_t  *cf;

    for (c = p->cleanup; c; c = c->next) {
        if (c->handler == kg_pool_cleanup_file) {

            cf = c->data;

            if (cf->fd == fd) {
                c->handler(cf);
                c->handler = NULL;
                return;
            }
        }
    }
}


void
kg_pool_cleanup_file(void *data)
{
    kg_pool_cleanup_file_t  *c = data;

    kg_log_debug1(KG_LOG_DEBUG_ALLOC, c->log, 0, "file cleanup: fd:%d",
                  c->fd);

    if (kg_close_file(c->fd) == KG_FILE_ERROR) {
        kg_log_error(KG_LOG_ALERT, c->log, kg_errno,
                     kg_close_file_n " \"%s\" failed", c->name);
    }
}


void
kg_pool_delete_file(void *data)
{
    kg_pool_cleanup_file_t  *c = data;

    kg_err_t  err;

    kg_log_debug2(KG_LOG_DEBUG_ALLOC, c->log, 0, "file cleanup: fd:%d %s",
                  c->fd, c->name);

    if (kg_delete_file(c->name) == KG_FILE_ERROR) {
        err = kg_errno;

        if (err != KG_ENOENT) {
            kg_log_error(KG_LOG_CRIT, c->log, err,
                         kg_delete_file_n " \"%s\" failed", c->name);
        }
    }

    if (kg_close_file(c->fd) == KG_FILE_ERROR) {
        kg_log_error(KG_LOG_ALERT, c->log, kg_errno,
                     kg_close_file_n " \"%s\" failed", c->name);
    }
}

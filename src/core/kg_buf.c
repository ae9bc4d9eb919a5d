/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


kg_buf_t *
kg_create_temp_buf(kg_pool_t *pool, size_t size)
{
    kg_buf_t  *b;

    b = kg_calloc_buf(pool);
    if (b == NULL) {
        return NULL;
    }

    b->start = kg_palloc(pool, size);
    if (b->start == NULL) {
        return NULL;
    }

    /*
     * set by kg_calloc_buf():
     *
     *     b->file_pos = 0;
     *     b->file_last = 0;
     *     b->file = NULL;
     *     b->shadow = NULL;
     *     b->tag = 0;
     *     and flags
     */

    b->pos = b->start;
    b->last = b->start;
    b->end = b->last + size;
    b->temporary = 1;

    return b;
}


kg_chain_t *
kg_alloc_chain_link(kg_pool_t *pool)
{
    kg_chain_t  *cl;

    cl = pool->chain;

    if (cl) {
        pool->chain = cl->next;
        return cl;
    }

    cl = kg_palloc(pool, sizeof(kg_chain_t));
    if (cl == NULL) {
        return NULL;
    }

    return cl;
}


kg_chain_t *
kg_create_chain_of_bufs(kg_pool_t *pool, kg_bufs_t *bufs)
{
    u_char       *p;
    kg_int_t      i;
    kg_buf_t     *b;
    kg_chain_t   *chain, *cl, **ll;

    p = kg_palloc(pool, bufs->num * bufs->size);
    if (p == NULL) {
        return NULL;
    }

    ll = &chain;

    for (i = 0; i < bufs->num; i++) {

        b = kg_calloc_buf(pool);
        if (b == NULL) {
            return NULL;
        }

        b->pos = p;
        b->last = p;
        b->temporary = 1;

        b->start = p;
        p += bufs->size;
        b->end = p;

        cl = kg_alloc_chain_link(pool);
        if (cl == NULL) {
            return NULL;
        }

        cl->buf = b;
        *ll = cl;
        ll = &cl->next;
    }

    *ll = NULL;

    return chain;
}


kg_int_t
kg_chain_add_copy(kg_pool_t *pool, kg_chain_t **chain, kg_chain_t *in)
{
    kg_chain_t  *cl, **ll;

    ll = chain;

    for (cl = *chain; cl; cl = cl->next) {
        ll = &cl->next;
    }

    while (in) {
        cl = kg_alloc_chain_link(pool);
        if (cl == NULL) {
            *ll = NULL;
            return KG_ERROR;
        }

        cl->buf = in->buf;
        *ll = cl;
        ll = &cl->next;
        in = in->next;
    }

    *ll = NULL;

    return KG_OK;
}


kg_chain_t *
kg_chain_get_free_buf(kg_pool_t *p, kg_chain_t **free)
{
    kg_chain_t  *cl;

    if (*free) {
        cl = *free;
        *free = cl->next;
        cl->next = NULL;
        return cl;
    }

    cl = kg_alloc_chain_link(p);
    if (cl == NULL) {
        return NULL;
    }

    cl->buf = kg_calloc_buf(p);
    if (cl->buf == NULL) {
        return NULL;
    }

    cl->next = NULL;

    return cl;
}


/*
 * appends "out" to "busy", then moves the fully sent buffers at the head
 * of "busy" to "free" if they carry "tag", or back to the pool's chain
 * link cache otherwise
 */

void
kg_chain_update_chains(kg_pool_t *p, kg_chain_t **free, kg_chain_t **busy,
    kg_chain_t **out, kg_buf_tag_t tag)
{
    kg_chain_t  *cl;

    if (*out) {
        if (*busy == NULL) {
            *busy = *out;

        } else {
            for (cl = *busy; cl->next; cl = cl->next) { /* void */ }

            cl->next = *out;
        }

        *out = NULL;
    }

    while (*busy) {
        cl = *busy;

        if (cl->buf->tag != tag) {
            *busy = cl->next;
            kg_free_chain(p, cl);
            continue;
        }

        if (kg_buf_size(cl->buf) != 0) {
            break;
        }

        cl->buf->pos = cl->buf->start;
        cl->buf->last = cl->buf->start;

        *busy = cl->next;
        cl->next = *free;
        *free = cl;
    }
}


kg_chain_t *
kg_chain_update_sent(kg_chain_t *in, off_t sent)
{
    off_t  size;

    for ( /* void */ ; in; in = in->next) {

        if (kg_buf_special(in->buf)) {
            continue;
        }

        if (sent == 0) {
            break;
        }

        size = kg_buf_size(in->buf);

        if (sent >= size) {
            sent -= size;

            if (kg_buf_in_memory(in->buf)) {
                in->buf->pos = in->buf->last;
            }

            if (in->buf->in_file) {
                in->buf->file_pos = in->buf->file_last;
            }

            continue;
        }

        if (kg_buf_in_memory(in->buf)) {
            in->buf->pos += (size_t) sent;
        }

        if (in->buf->in_file) {
            in->buf->file_pos += sent;
        }

        break;
    }

    return in;
}

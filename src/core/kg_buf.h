/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_BUF_H_INCLUDED_
#define _KG_BUF_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef void *            kg_buf_tag_t;

typedef struct kg_buf_s  kg_buf_t;

struct kg_buf_s {
    u_char          *pos;
    u_char          *last;
    off_t            file_pos;
    off_t            file_last;

    u_char          *start;         /* start of buffer */
    u_char          *end;           /* end of buffer */
    kg_buf_tag_t     tag;
    kg_file_t       *file;
    kg_buf_t        *shadow;


    /* the buf's content could be changed */
    unsigned         temporary:1;

    /*
     * the buf's content is in a memory cache or in a read only memory
     * and must not be changed
     */
    unsigned         memory:1;

    /* the buf's content is mmap()ed and must not be changed */
    unsigned         mmap:1;

    unsigned         recycled:1;
    unsigned         in_file:1;
    unsigned         flush:1;
    unsigned         sync:1;
    unsigned         last_buf:1;
    unsigned         last_in_chain:1;

    unsigned         last_shadow:1;
    unsigned         temp_file:1;

    int              num;
};


struct kg_chain_s {
    kg_buf_t        *buf;
    kg_chain_t      *next;
};


typedef struct {
    kg_int_t         num;
    size_t           size;
} kg_bufs_t;


#define KG_CHAIN_ERROR     (kg_chain_t *) KG_ERROR


#define kg_buf_in_memory(b)       ((b)->temporary || (b)->memory || (b)->mmap)
#define kg_buf_in_memory_only(b)  (kg_buf_in_memory(b) && !(b)->in_file)

#define kg_buf_special(b)                                                    \
    (((b)->flush || (b)->last_buf || (b)->sync)                              \
     && !kg_buf_in_memory(b) && !(b)->in_file)

#define kg_buf_sync_only(b)                                                  \
    ((b)->sync && !kg_buf_in_memory(b)                                       \
     && !(b)->in_file && !(b)->flush && !(b)->last_buf)

#define kg_buf_size(b)                                                       \
    (kg_buf_in_memory(b) ? (off_t) ((b)->last - (b)->pos):                   \
                           ((b)->file_last - (b)->file_pos))

kg_buf_t *kg_create_temp_buf(kg_pool_t *pool, size_t size);
kg_chain_t *kg_create_chain_of_bufs(kg_pool_t *pool, kg_bufs_t *bufs);


#define kg_alloc_buf(pool)  kg_palloc(pool, sizeof(kg_buf_t))
#define kg_calloc_buf(pool) kg_pcalloc(pool, sizeof(kg_buf_t))

kg_chain_t *kg_alloc_chain_link(kg_pool_t *pool);
#define kg_free_chain(pool, cl)                                              \
    (cl)->next = (pool)->chain;                                              \
    (pool)->chain = (cl)


kg_int_t kg_chain_add_copy(kg_pool_t *pool, kg_chain_t **chain,
    kg_chain_t *in);
kg_chain_t *kg_chain_get_free_buf(kg_pool_t *p, kg_chain_t **free);
void kg_chain_update_chains(kg_pool_t *p, kg_chain_t **free,
    kg_chain_t **busy, kg_chain_t **out, kg_buf_tag_t tag);

kg_chain_t *kg_chain_update_sent(kg_chain_t *in, off_t sent);


#endif /* _KG_BUF_H_INCLUDED_ */

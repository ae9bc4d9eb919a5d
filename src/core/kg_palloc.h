/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_PALLOC_H_INCLUDED_
#define _KG_PALLOC_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/*
 * KG_MAX_ALLOC_FROM_POOL should be (kg_pagesize - 1), i.e. 4095 on x86;
 * bigger allocations go to the "large" list
 */
#define KG_MAX_ALLOC_FROM_POOL  (kg_pagesize - 1)

#define KG_DEFAULT_POOL_SIZE    (16 * 1024)

#define KG_POOL_ALIGNMENT       16
#define KG_MIN_POOL_SIZE                                                     \
    kg_align((sizeof(kg_pool_t) + 2 * sizeof(kg_pool_large_t)),              \
             KG_POOL_ALIGNMENT)


typedef void (*kg_pool_cleanup_pt)(void *data);

typedef struct kg_pool_cleanup_s  kg_pool_cleanup_t;

struct kg_pool_cleanup_s {
    kg_pool_cleanup_pt   handler;
    void                *data;
    kg_pool_cleanup_t   *next;
};


typedef struct kg_pool_large_s  kg_pool_large_t;

struct kg_pool_large_s {
    kg_pool_large_t     *next;
    void                *alloc;
};


typedef struct {
    u_char              *last;
    u_char              *end;
    kg_pool_t           *next;
    kg_uint_t            failed;
} kg_pool_data_t;


struct kg_pool_s {
    kg_pool_data_t       d;
    size_t               max;
    kg_pool_t           *current;
    kg_chain_t          *chain;
    kg_pool_large_t     *large;
    kg_pool_cleanup_t   *cleanup;
    kg_log_t            *log;
};


typedef struct {
    kg_fd_t              fd;
    u_char              *name;
    kg_log_t            *log;
} kg_pool_cleanup_file_t;


kg_pool_t *kg_create_pool(size_t size, kg_log_t *log);
void kg_destroy_pool(kg_pool_t *pool);
void kg_reset_pool(kg_pool_t *pool);

void *kg_palloc(kg_pool_t *pool, size_t size);
void *kg_pnalloc(kg_pool_t *pool, size_t size);
void *kg_pcalloc(kg_pool_t *pool, size_t size);
void *kg_pmemalign(kg_pool_t *pool, size_t size, size_t alignment);
kg_int_t kg_pfree(kg_pool_t *pool, void *p);


/*
 * cleanup handlers run in reverse order of registration (the most recent
 * first) when the pool is destroyed; size > 0 allocates cleanup->data
 */

kg_pool_cleanup_t *kg_pool_cleanup_add(kg_pool_t *p, size_t size);
void kg_pool_run_cleanup_file(kg_pool_t *p, kg_fd_t fd);
void kg_pool_cleanup_file(void *data);
void kg_pool_delete_file(void *data);


#endif /* _KG_PALLOC_H_INCLUDED_ */

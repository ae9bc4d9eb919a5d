/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_SHMEM_H_INCLUDED_
#define _KG_SHMEM_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef struct {
    u_char      *addr;
    size_t       size;
    kg_str_t     name;
    kg_log_t    *log;
    kg_uint_t    exists;   /* unsigned  exists:1;  */
} kg_shm_t;


/*
 * the mapping is anonymous and shared: it must be created in the master
 * before the workers are forked so that every worker sees the same pages
 */

kg_int_t kg_shm_alloc(kg_shm_t *shm);
void kg_shm_free(kg_shm_t *shm);


#endif /* _KG_SHMEM_H_INCLUDED_ */

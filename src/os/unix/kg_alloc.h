/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_ALLOC_H_INCLUDED_
#define _KG_ALLOC_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


void *kg_alloc(size_t size, kg_log_t *log);
void *kg_calloc(size_t size, kg_log_t *log);

#define kg_free          free


/*
 * Linux has memalign() and posix_memalign(); posix_memalign() is the
 * portable one and reports errors without touching errno
 */

void *kg_memalign(size_t alignment, size_t size, kg_log_t *log);


extern kg_uint_t  kg_pagesize;
extern kg_uint_t  kg_pagesize_shift;
extern kg_uint_t  kg_cacheline_size;


#endif /* _KG_ALLOC_H_INCLUDED_ */

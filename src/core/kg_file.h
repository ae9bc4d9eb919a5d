/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_FILE_H_INCLUDED_
#define _KG_FILE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/*
 * makes "name" absolute by prepending "prefix" unless it already starts
 * with '/'; the result is allocated from "pool" and NUL-terminated
 */

kg_int_t kg_get_full_name(kg_pool_t *pool, kg_str_t *prefix, kg_str_t *name);


#endif /* _KG_FILE_H_INCLUDED_ */

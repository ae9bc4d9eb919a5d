/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_PARSE_H_INCLUDED_
#define _KG_PARSE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/* "16", "16k", "16K", "1m", "1g"; KG_ERROR on a bad value or overflow */
ssize_t kg_parse_size(kg_str_t *line);
off_t kg_parse_offset(kg_str_t *line);

/*
 * "500ms", "30s", "1h 30m", "1y 2M 3w 4d 5h 6m 7s 8ms"; a bare number is
 * seconds; the result is in seconds if is_sec, else in milliseconds;
 * KG_ERROR on a bad value, a unit out of order or overflow
 */
kg_int_t kg_parse_time(kg_str_t *line, kg_uint_t is_sec);


#endif /* _KG_PARSE_H_INCLUDED_ */

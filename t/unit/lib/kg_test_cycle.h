/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_TEST_CYCLE_H_INCLUDED_
#define _KG_TEST_CYCLE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/* temporary files and directories, all in the build directory */

const char *kg_test_builddir(void);
void kg_test_temp_name(char *buf, const char *name);
kg_int_t kg_test_mkdtemp(char *dir, size_t size, const char *name);
void kg_test_rmtree(const char *dir);
void kg_test_write(const char *dir, const char *name, const char *data,
    size_t len);
char *kg_test_path(const char *dir, const char *name);

/* a cycle to parse configurations in, as kg_init_cycle() makes one */

kg_cycle_t *kg_test_cycle_create(kg_log_t *log, const char *prefix);
kg_int_t kg_test_cycle_create_conf(kg_cycle_t *cycle);
kg_int_t kg_test_conf_init(kg_conf_t *cf, kg_cycle_t *cycle);
char *kg_test_conf_parse_text(kg_cycle_t *cycle, char *path,
    const char *name, const char *text);


#endif /* _KG_TEST_CYCLE_H_INCLUDED_ */

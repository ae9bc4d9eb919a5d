/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>

#include <kg_test_cycle.h>


/* the test runner names the build directory; by hand it is the current one */

const char *
kg_test_builddir(void)
{
    char  *dir;

    dir = getenv("KG_TEST_BUILDDIR");

    if (dir == NULL || *dir == '\0') {
        return ".";
    }

    return dir;
}


/* a template for mkstemp(): buf holds PATH_MAX bytes */

void
kg_test_temp_name(char *buf, const char *name)
{
    (void) snprintf(buf, PATH_MAX, "%s/%s.XXXXXX", kg_test_builddir(), name);
}


/* a fresh directory BUILDDIR/t/unit/NAME.XXXXXX */

kg_int_t
kg_test_mkdtemp(char *dir, size_t size, const char *name)
{
    snprintf(dir, size, "%s/t/unit", kg_test_builddir());
    (void) mkdir(dir, 0755);

    snprintf(dir, size, "%s/t/unit/%s.XXXXXX", kg_test_builddir(), name);

    if (mkdtemp(dir) == NULL) {
        return KG_ERROR;
    }

    return KG_OK;
}


void
kg_test_rmtree(const char *dir)
{
    char            path[PATH_MAX];
    DIR            *d;
    struct stat     sb;
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        return;
    }

    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);

        if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            chmod(path, 0700);
            kg_test_rmtree(path);
            continue;
        }

        unlink(path);
    }

    closedir(d);
    rmdir(dir);
}


void
kg_test_write(const char *dir, const char *name, const char *data,
    size_t len)
{
    FILE  *f;

    f = fopen(kg_test_path(dir, name), "w");
    assert_non_null(f);

    if (len) {
        assert_int_equal(fwrite(data, 1, len, f), len);
    }

    assert_int_equal(fclose(f), 0);
}


/* the result lasts until the next call */

char *
kg_test_path(const char *dir, const char *name)
{
    static char  path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    return path;
}


/*
 * the lists and arrays kg_init_cycle() prepares, and the static modules;
 * with a prefix, relative paths in the configuration start there
 */

kg_cycle_t *
kg_test_cycle_create(kg_log_t *log, const char *prefix)
{
    size_t       len;
    kg_pool_t   *pool;
    kg_cycle_t  *cycle;

    pool = kg_create_pool(KG_CYCLE_POOL_SIZE, log);
    if (pool == NULL) {
        return NULL;
    }

    cycle = kg_pcalloc(pool, sizeof(kg_cycle_t));
    if (cycle == NULL) {
        goto failed;
    }

    cycle->pool = pool;
    cycle->log = log;

    kg_queue_init(&cycle->reusable_connections_queue);

    if (prefix) {
        len = strlen(prefix);

        cycle->conf_prefix.data = kg_pnalloc(pool, len + 2);
        if (cycle->conf_prefix.data == NULL) {
            goto failed;
        }

        kg_memcpy(cycle->conf_prefix.data, prefix, len);
        cycle->conf_prefix.data[len++] = '/';
        cycle->conf_prefix.data[len] = '\0';
        cycle->conf_prefix.len = len;
        cycle->prefix = cycle->conf_prefix;
    }

    /* debug builds keep every file read for "kgate -T" */

    if (kg_array_init(&cycle->config_dump, pool, 1, sizeof(kg_conf_dump_t))
        != KG_OK
        || kg_list_init(&cycle->open_files, pool, 4, sizeof(kg_open_file_t))
           != KG_OK
        || kg_list_init(&cycle->shared_memory, pool, 1,
                        sizeof(kg_shm_zone_t))
           != KG_OK
        || kg_array_init(&cycle->listening, pool, 4, sizeof(kg_listening_t))
           != KG_OK)
    {
        goto failed;
    }

    if (kg_cycle_modules(cycle) != KG_OK) {
        goto failed;
    }

    cycle->conf_ctx = kg_pcalloc(pool, kg_max_module * sizeof(void *));
    if (cycle->conf_ctx == NULL) {
        goto failed;
    }

    return cycle;

failed:

    kg_destroy_pool(pool);

    return NULL;
}


/* the configurations of the core modules, before any directive */

kg_int_t
kg_test_cycle_create_conf(kg_cycle_t *cycle)
{
    void              *rv;
    kg_uint_t          i;
    kg_core_module_t  *module;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->type != KG_CORE_MODULE) {
            continue;
        }

        module = cycle->modules[i]->ctx;

        if (module->create_conf) {
            rv = module->create_conf(cycle);
            if (rv == NULL) {
                return KG_ERROR;
            }

            cycle->conf_ctx[cycle->modules[i]->index] = rv;
        }
    }

    return KG_OK;
}


/* the parser at the main level of the cycle's configuration */

kg_int_t
kg_test_conf_init(kg_conf_t *cf, kg_cycle_t *cycle)
{
    kg_memzero(cf, sizeof(kg_conf_t));

    cf->args = kg_array_create(cycle->pool, 10, sizeof(kg_str_t));
    if (cf->args == NULL) {
        return KG_ERROR;
    }

    cf->temp_pool = cycle->pool;
    cf->ctx = cycle->conf_ctx;
    cf->cycle = cycle;
    cf->pool = cycle->pool;
    cf->log = cycle->log;
    cf->module_type = KG_CORE_MODULE;
    cf->cmd_type = KG_MAIN_CONF;

    return KG_OK;
}


/*
 * Writes text to a new file BUILDDIR/NAME.XXXXXX (its name left in path,
 * PATH_MAX bytes) and parses it at main level into cycle, as
 * kg_init_cycle() does: returns what kg_conf_parse() returned.
 */

char *
kg_test_conf_parse_text(kg_cycle_t *cycle, char *path, const char *name,
    const char *text)
{
    int         fd;
    char       *rv;
    size_t      len;
    kg_str_t    file;
    kg_conf_t   conf;

    kg_test_temp_name(path, name);

    fd = mkstemp(path);
    if (fd == -1) {
        return KG_CONF_ERROR;
    }

    len = strlen(text);

    if (write(fd, text, len) != (ssize_t) len) {
        (void) close(fd);
        return KG_CONF_ERROR;
    }

    (void) close(fd);

    if (kg_test_conf_init(&conf, cycle) != KG_OK) {
        return KG_CONF_ERROR;
    }

    conf.temp_pool = kg_create_pool(16384, cycle->log);
    if (conf.temp_pool == NULL) {
        return KG_CONF_ERROR;
    }

    file.data = (u_char *) path;
    file.len = strlen(path);

    rv = kg_conf_parse(&conf, &file);

    kg_destroy_pool(conf.temp_pool);

    return rv;
}

/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_conf_yaml.h>


static kg_int_t kg_conf_add_dump(kg_conf_t *cf, kg_str_t *filename);
static kg_int_t kg_conf_check_file(kg_conf_t *cf, kg_str_t *filename,
    kg_file_info_t *fi);
static kg_int_t kg_conf_handler(kg_conf_t *cf, kg_int_t last);
static kg_int_t kg_conf_read_token(kg_conf_t *cf);
static kg_int_t kg_conf_invalid_byte(kg_conf_t *cf, u_char ch);
static void kg_conf_flush_files(kg_cycle_t *cycle);


static kg_command_t  kg_conf_commands[] = {

    { kg_string("include"),
      KG_ANY_CONF|KG_CONF_TAKE1,
      kg_conf_include,
      0,
      0,
      NULL },

    /* a Confluent Gateway YAML file, see kg_conf_yaml.c */

    { kg_string("include_yaml"),
      KG_MAIN_CONF|KG_CONF_TAKE1,
      kg_conf_include_yaml,
      0,
      0,
      NULL },

      kg_null_command
};


kg_module_t  kg_conf_module = {
    KG_MODULE_V1,
    NULL,                                  /* module context */
    kg_conf_commands,                      /* module directives */
    KG_CONF_MODULE,                        /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    kg_conf_flush_files,                   /* exit master */
    KG_MODULE_V1_PADDING
};


/* the number of arguments including the directive name itself */

static kg_uint_t  argument_number[] = {
    KG_CONF_NOARGS,
    KG_CONF_TAKE1,
    KG_CONF_TAKE2,
    KG_CONF_TAKE3,
    KG_CONF_TAKE4,
    KG_CONF_TAKE5,
    KG_CONF_TAKE6,
    KG_CONF_TAKE7
};


char *
kg_conf_param(kg_conf_t *cf)
{
    char            *rv;
    kg_str_t        *param;
    kg_buf_t         b;
    kg_conf_file_t   conf_file;

    param = &cf->cycle->conf_param;

    if (param->len == 0) {
        return KG_CONF_OK;
    }

    kg_memzero(&conf_file, sizeof(kg_conf_file_t));

    kg_memzero(&b, sizeof(kg_buf_t));

    b.start = param->data;
    b.pos = param->data;
    b.last = param->data + param->len;
    b.end = b.last;
    b.temporary = 1;

    conf_file.file.fd = KG_INVALID_FILE;
    conf_file.file.name.data = NULL;
    conf_file.line = 0;

    cf->conf_file = &conf_file;
    cf->conf_file->buffer = &b;

    rv = kg_conf_parse(cf, NULL);

    cf->conf_file = NULL;

    return rv;
}


static kg_int_t
kg_conf_add_dump(kg_conf_t *cf, kg_str_t *filename)
{
    off_t            size;
    u_char          *p;
    kg_buf_t        *buf;
    kg_uint_t        i;
    kg_conf_dump_t  *cd;

    /* a file included twice is dumped once */

    cd = cf->cycle->config_dump.elts;

    for (i = 0; i < cf->cycle->config_dump.nelts; i++) {
        if (cd[i].name.len == filename->len
            && kg_strncmp(cd[i].name.data, filename->data, filename->len)
               == 0)
        {
            cf->conf_file->dump = NULL;
            return KG_OK;
        }
    }

    p = kg_pstrdup(cf->cycle->pool, filename);
    if (p == NULL) {
        return KG_ERROR;
    }

    cd = kg_array_push(&cf->cycle->config_dump);
    if (cd == NULL) {
        return KG_ERROR;
    }

    size = kg_file_size(&cf->conf_file->file.info);

    buf = kg_create_temp_buf(cf->cycle->pool, (size_t) size + 1);
    if (buf == NULL) {
        return KG_ERROR;
    }

    cd->name.data = p;
    cd->name.len = filename->len;
    cd->buffer = buf;

    cf->conf_file->dump = buf;

    return KG_OK;
}


/*
 * Refuses a file that is already being read (an include loop), too deep
 * an include chain, and anything but a regular file: reading a directory
 * or a device would either fail at a low level or never end.
 */

static kg_int_t
kg_conf_check_file(kg_conf_t *cf, kg_str_t *filename, kg_file_info_t *fi)
{
    kg_uint_t        depth;
    kg_conf_file_t  *cfl;

    if (!kg_is_file(fi)) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "\"%s\" is not a regular file", filename->data);
        return KG_ERROR;
    }

    depth = 0;

    for (cfl = cf->conf_file; cfl; cfl = cfl->prev) {

        if (cfl->file.fd == KG_INVALID_FILE) {
            continue;
        }

        if (cfl->file.info.st_dev == fi->st_dev
            && cfl->file.info.st_ino == fi->st_ino)
        {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "include loop: \"%s\" is already being read",
                              filename->data);
            return KG_ERROR;
        }

        depth++;
    }

    if (depth > KG_CONF_MAX_INCLUDE_DEPTH) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0, "include nesting too deep");
        return KG_ERROR;
    }

    return KG_OK;
}


char *
kg_conf_parse(kg_conf_t *cf, kg_str_t *filename)
{
    char            *rv;
    kg_fd_t          fd;
    kg_int_t         rc;
    kg_buf_t         buf;
    kg_file_info_t   fi;
    kg_conf_file_t  *prev, conf_file;
    enum {
        parse_file = 0,
        parse_block,
        parse_param
    } type;

    fd = KG_INVALID_FILE;
    prev = NULL;

    if (filename) {

        type = parse_file;

        /* open configuration file */

        fd = kg_open_file(filename->data, KG_FILE_RDONLY, KG_FILE_OPEN, 0);

        if (fd == KG_INVALID_FILE) {
            kg_conf_log_error(KG_LOG_EMERG, cf, kg_errno,
                              kg_open_file_n " \"%s\" failed",
                              filename->data);
            return KG_CONF_ERROR;
        }

        if (kg_fd_info(fd, &fi) == KG_FILE_ERROR) {
            kg_conf_log_error(KG_LOG_EMERG, cf, kg_errno,
                              kg_fd_info_n " \"%s\" failed", filename->data);
            goto close;
        }

        if (kg_conf_check_file(cf, filename, &fi) != KG_OK) {
            goto close;
        }

        prev = cf->conf_file;

        kg_memzero(&conf_file, sizeof(kg_conf_file_t));

        cf->conf_file = &conf_file;
        cf->conf_file->prev = prev;
        cf->conf_file->file.info = fi;

        cf->conf_file->buffer = &buf;

        kg_memzero(&buf, sizeof(kg_buf_t));

        buf.start = kg_alloc(KG_CONF_BUFFER, cf->log);
        if (buf.start == NULL) {
            goto failed;
        }

        buf.pos = buf.start;
        buf.last = buf.start;
        buf.end = buf.last + KG_CONF_BUFFER;
        buf.temporary = 1;

        cf->conf_file->file.fd = fd;
        cf->conf_file->file.name.len = filename->len;
        cf->conf_file->file.name.data = filename->data;
        cf->conf_file->file.offset = 0;
        cf->conf_file->file.log = cf->log;
        cf->conf_file->line = 1;

        if (kg_dump_config
#if (KG_DEBUG)
            || 1
#endif
           )
        {
            if (kg_conf_add_dump(cf, filename) != KG_OK) {
                goto failed;
            }

        } else {
            cf->conf_file->dump = NULL;
        }

    } else if (cf->conf_file->file.fd != KG_INVALID_FILE) {

        type = parse_block;

    } else {
        type = parse_param;
    }

    if (type == parse_block) {

        /* each block level costs stack in the block handlers */

        if (cf->depth >= KG_CONF_MAX_BLOCK_DEPTH) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "block nesting too deep (max %d)",
                              KG_CONF_MAX_BLOCK_DEPTH);
            return KG_CONF_ERROR;
        }

        cf->depth++;
    }

    for ( ;; ) {
        rc = kg_conf_read_token(cf);

        /*
         * kg_conf_read_token() may return
         *
         *    KG_ERROR             there is error
         *    KG_OK                the token terminated by ";" was found
         *    KG_CONF_BLOCK_START  the token terminated by "{" was found
         *    KG_CONF_BLOCK_DONE   the "}" was found
         *    KG_CONF_FILE_DONE    the configuration file is done
         */

        if (rc == KG_ERROR) {
            goto done;
        }

        if (rc == KG_CONF_BLOCK_DONE) {

            if (type != parse_block) {
                kg_conf_log_error(KG_LOG_EMERG, cf, 0, "unexpected \"}\"");
                goto failed;
            }

            goto done;
        }

        if (rc == KG_CONF_FILE_DONE) {

            if (type == parse_block) {
                kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                  "unexpected end of file, expecting \"}\"");
                goto failed;
            }

            goto done;
        }

        if (rc == KG_CONF_BLOCK_START) {

            if (type == parse_param) {
                kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                  "block directives are not supported "
                                  "in -g option");
                goto failed;
            }
        }

        /* rc == KG_OK || rc == KG_CONF_BLOCK_START */

        if (cf->handler) {

            /*
             * the custom handler of a block whose contents are not
             * directives, such as a list of names
             */

            if (rc == KG_CONF_BLOCK_START) {
                kg_conf_log_error(KG_LOG_EMERG, cf, 0, "unexpected \"{\"");
                goto failed;
            }

            rv = (*cf->handler)(cf, NULL, cf->handler_conf);
            if (rv == KG_CONF_OK) {
                continue;
            }

            if (rv == KG_CONF_ERROR) {
                goto failed;
            }

            kg_conf_log_error(KG_LOG_EMERG, cf, 0, "%s", rv);

            goto failed;
        }


        rc = kg_conf_handler(cf, rc);

        if (rc == KG_ERROR) {
            goto failed;
        }
    }

failed:

    rc = KG_ERROR;

done:

    if (type == parse_block) {
        cf->depth--;
    }

    if (filename) {
        if (cf->conf_file->buffer->start) {
            kg_free(cf->conf_file->buffer->start);
        }

        if (kg_close_file(fd) == KG_FILE_ERROR) {
            kg_log_error(KG_LOG_ALERT, cf->log, kg_errno,
                         kg_close_file_n " %s failed",
                         filename->data);
            rc = KG_ERROR;
        }

        cf->conf_file = prev;
    }

    if (rc == KG_ERROR) {
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;

close:

    if (kg_close_file(fd) == KG_FILE_ERROR) {
        kg_log_error(KG_LOG_ALERT, cf->log, kg_errno,
                     kg_close_file_n " %s failed", filename->data);
    }

    return KG_CONF_ERROR;
}


static kg_int_t
kg_conf_handler(kg_conf_t *cf, kg_int_t last)
{
    char           *rv;
    void           *conf, **confp;
    kg_uint_t       i, found;
    kg_str_t       *name;
    kg_module_t    *module;
    kg_command_t   *cmd;

    name = cf->args->elts;

    found = 0;

    for (i = 0; cf->cycle->modules[i]; i++) {

        module = cf->cycle->modules[i];

        cmd = module->commands;
        if (cmd == NULL) {
            continue;
        }

        for ( /* void */ ; cmd->name.len; cmd++) {

            if (name->len != cmd->name.len) {
                continue;
            }

            if (kg_strcmp(name->data, cmd->name.data) != 0) {
                continue;
            }

            found = 1;

            if (module->type != KG_CONF_MODULE
                && module->type != cf->module_type)
            {
                continue;
            }

            /* is the directive's location right ? */

            if (!(cmd->type & cf->cmd_type)) {
                continue;
            }

            if (!(cmd->type & KG_CONF_BLOCK) && last != KG_OK) {
                kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                  "directive \"%s\" is not terminated by \";\"",
                                  name->data);
                return KG_ERROR;
            }

            if ((cmd->type & KG_CONF_BLOCK) && last != KG_CONF_BLOCK_START) {
                kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                  "directive \"%s\" has no opening \"{\"",
                                  name->data);
                return KG_ERROR;
            }

            /* is the directive's argument count right ? */

            if (!(cmd->type & KG_CONF_ANY)) {

                if (cmd->type & KG_CONF_FLAG) {

                    if (cf->args->nelts != 2) {
                        goto invalid;
                    }

                } else if (cmd->type & KG_CONF_1MORE) {

                    if (cf->args->nelts < 2) {
                        goto invalid;
                    }

                } else if (cmd->type & KG_CONF_2MORE) {

                    if (cf->args->nelts < 3) {
                        goto invalid;
                    }

                } else if (cf->args->nelts > KG_CONF_MAX_ARGS) {

                    goto invalid;

                } else if (!(cmd->type & argument_number[cf->args->nelts - 1]))
                {
                    goto invalid;
                }
            }

            /*
             * load_module must come before the directives of any other
             * module: their configurations are laid out by then
             */

            if (module != &kg_core_module && module != &kg_conf_module) {
                cf->cycle->modules_used = 1;
            }

            /* set up the directive's configuration context */

            conf = NULL;

            if (cmd->type & KG_DIRECT_CONF) {
                conf = ((void **) cf->ctx)[module->index];

            } else if (cmd->type & KG_MAIN_CONF) {
                conf = &(((void **) cf->ctx)[module->index]);

            } else if (cf->ctx) {
                confp = *(void **) ((char *) cf->ctx + cmd->conf);

                if (confp) {
                    conf = confp[module->ctx_index];
                }
            }

            rv = cmd->set(cf, cmd, conf);

            if (rv == KG_CONF_OK) {
                return KG_OK;
            }

            if (rv == KG_CONF_ERROR) {
                return KG_ERROR;
            }

            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "\"%s\" directive %s", name->data, rv);

            return KG_ERROR;
        }
    }

    if (found) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "\"%s\" directive is not allowed here", name->data);

        return KG_ERROR;
    }

    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                      "unknown directive \"%s\"", name->data);

    return KG_ERROR;

invalid:

    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                      "invalid number of arguments in \"%s\" directive",
                      name->data);

    return KG_ERROR;
}


/*
 * One state loop over the file buffer; it can stop at any byte when the
 * buffer runs dry, move the partial token to the buffer start and read
 * on.  Besides nginx's checks it refuses control bytes outside quoted
 * strings, NUL anywhere, and lines longer than KG_CONF_MAX_LINE, so that
 * garbage fed as a configuration fails at once with a clear message.
 */

static kg_int_t
kg_conf_read_token(kg_conf_t *cf)
{
    u_char      *start, ch, *src, *dst;
    off_t        file_size;
    size_t       len;
    ssize_t      n, size;
    kg_uint_t    found, need_space, last_space, sharp_comment;
    kg_uint_t    quoted, s_quoted, d_quoted, start_line;
    kg_str_t    *word;
    kg_buf_t    *b, *dump;

    found = 0;
    need_space = 0;
    last_space = 1;
    sharp_comment = 0;
    quoted = 0;
    s_quoted = 0;
    d_quoted = 0;

    cf->args->nelts = 0;
    b = cf->conf_file->buffer;
    dump = cf->conf_file->dump;
    start = b->pos;
    start_line = cf->conf_file->line;

    file_size = kg_file_size(&cf->conf_file->file.info);

    for ( ;; ) {

        if (b->pos >= b->last) {

            if (cf->conf_file->file.offset >= file_size) {

                if (s_quoted || d_quoted) {
                    cf->conf_file->line = start_line;
                    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                      "unterminated quoted string");
                    return KG_ERROR;
                }

                if (cf->args->nelts > 0 || !last_space) {

                    if (cf->conf_file->file.fd == KG_INVALID_FILE) {
                        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                          "unexpected end of parameter, "
                                          "expecting \";\"");
                        return KG_ERROR;
                    }

                    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                      "unexpected end of file, "
                                      "expecting \";\" or \"}\"");
                    return KG_ERROR;
                }

                return KG_CONF_FILE_DONE;
            }

            len = b->pos - start;

            if (len == KG_CONF_BUFFER) {
                cf->conf_file->line = start_line;

                if (d_quoted) {
                    ch = '"';

                } else if (s_quoted) {
                    ch = '\'';

                } else {
                    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                      "too long parameter \"%*s...\" started",
                                      10, start);
                    return KG_ERROR;
                }

                kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                  "too long parameter, probably "
                                  "missing terminating \"%c\" character", ch);
                return KG_ERROR;
            }

            if (len) {
                kg_memmove(b->start, start, len);
            }

            size = (ssize_t) (file_size - cf->conf_file->file.offset);

            if (size > b->end - (b->start + len)) {
                size = b->end - (b->start + len);
            }

            n = kg_read_file(&cf->conf_file->file, b->start + len, size,
                             cf->conf_file->file.offset);

            if (n == KG_ERROR) {
                return KG_ERROR;
            }

            if (n != size) {
                kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                  kg_read_file_n " returned "
                                  "only %z bytes instead of %z",
                                  n, size);
                return KG_ERROR;
            }

            b->pos = b->start + len;
            b->last = b->pos + n;
            start = b->start;

            if (dump) {
                dump->last = kg_cpymem(dump->last, b->pos, size);
            }
        }

        ch = *b->pos++;

        if (ch == LF) {
            cf->conf_file->line++;
            cf->conf_file->line_len = 0;

            if (sharp_comment) {
                sharp_comment = 0;
            }

        } else if (++cf->conf_file->line_len > KG_CONF_MAX_LINE) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "line too long (max %d bytes)",
                              KG_CONF_MAX_LINE);
            return KG_ERROR;
        }

        if (ch == '\0') {
            return kg_conf_invalid_byte(cf, ch);
        }

        if (sharp_comment) {
            continue;
        }

        if (!s_quoted && !d_quoted
            && ((ch < 0x20 && ch != '\t' && ch != CR && ch != LF)
                || ch == 0x7f))
        {
            return kg_conf_invalid_byte(cf, ch);
        }

        if (quoted) {
            quoted = 0;
            continue;
        }

        if (need_space) {
            if (ch == ' ' || ch == '\t' || ch == CR || ch == LF) {
                last_space = 1;
                need_space = 0;
                continue;
            }

            if (ch == ';') {
                return KG_OK;
            }

            if (ch == '{') {
                return KG_CONF_BLOCK_START;
            }

            kg_conf_log_error(KG_LOG_EMERG, cf, 0, "unexpected \"%c\"", ch);
            return KG_ERROR;
        }

        if (last_space) {

            start = b->pos - 1;
            start_line = cf->conf_file->line;

            if (ch == ' ' || ch == '\t' || ch == CR || ch == LF) {
                continue;
            }

            switch (ch) {

            case ';':
            case '{':
                if (cf->args->nelts == 0) {
                    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                      "unexpected \"%c\"", ch);
                    return KG_ERROR;
                }

                if (ch == '{') {
                    return KG_CONF_BLOCK_START;
                }

                return KG_OK;

            case '}':
                if (cf->args->nelts != 0) {
                    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                      "unexpected \"}\"");
                    return KG_ERROR;
                }

                return KG_CONF_BLOCK_DONE;

            case '#':
                sharp_comment = 1;
                continue;

            case '\\':
                quoted = 1;
                last_space = 0;
                continue;

            case '"':
                start++;
                d_quoted = 1;
                last_space = 0;
                continue;

            case '\'':
                start++;
                s_quoted = 1;
                last_space = 0;
                continue;

            default:
                last_space = 0;
            }

        } else {

            if (ch == '\\') {
                quoted = 1;
                continue;
            }

            if (d_quoted) {
                if (ch == '"') {
                    d_quoted = 0;
                    need_space = 1;
                    found = 1;
                }

            } else if (s_quoted) {
                if (ch == '\'') {
                    s_quoted = 0;
                    need_space = 1;
                    found = 1;
                }

            } else if (ch == ' ' || ch == '\t' || ch == CR || ch == LF
                       || ch == ';' || ch == '{')
            {
                last_space = 1;
                found = 1;
            }

            if (found) {
                word = kg_array_push(cf->args);
                if (word == NULL) {
                    return KG_ERROR;
                }

                word->data = kg_pnalloc(cf->pool, b->pos - 1 - start + 1);
                if (word->data == NULL) {
                    return KG_ERROR;
                }

                for (dst = word->data, src = start, len = 0;
                     src < b->pos - 1;
                     len++)
                {
                    if (*src == '\\') {
                        switch (src[1]) {
                        case '"':
                        case '\'':
                        case '\\':
                            src++;
                            break;

                        case 't':
                            *dst++ = '\t';
                            src += 2;
                            continue;

                        case 'r':
                            *dst++ = '\r';
                            src += 2;
                            continue;

                        case 'n':
                            *dst++ = '\n';
                            src += 2;
                            continue;
                        }

                    }
                    *dst++ = *src++;
                }
                *dst = '\0';
                word->len = len;

                if (ch == ';') {
                    return KG_OK;
                }

                if (ch == '{') {
                    return KG_CONF_BLOCK_START;
                }

                found = 0;
            }
        }
    }
}


static kg_int_t
kg_conf_invalid_byte(kg_conf_t *cf, u_char ch)
{
    static u_char  hex[] = "0123456789abcdef";

    kg_conf_log_error(KG_LOG_EMERG, cf, 0, "invalid byte 0x%c%c",
                      hex[ch >> 4], hex[ch & 0xf]);

    return KG_ERROR;
}


char *
kg_conf_include(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char        *rv;
    kg_int_t     n;
    kg_str_t    *value, file, name;
    kg_glob_t    gl;

    value = cf->args->elts;
    file = value[1];

    if (kg_conf_full_name(cf->cycle, &file, 1) != KG_OK) {
        return KG_CONF_ERROR;
    }

    if (strpbrk((char *) file.data, "*?[") == NULL) {

        kg_log_debug1(KG_LOG_DEBUG_CORE, cf->log, 0, "include %s", file.data);

        return kg_conf_parse(cf, &file);
    }

    kg_memzero(&gl, sizeof(kg_glob_t));

    gl.pattern = file.data;
    gl.log = cf->log;
    gl.test = 1;

    if (kg_open_glob(&gl) != KG_OK) {
        kg_conf_log_error(KG_LOG_EMERG, cf, kg_errno,
                          kg_open_glob_n " \"%s\" failed", file.data);
        return KG_CONF_ERROR;
    }

    rv = KG_CONF_OK;

    for ( ;; ) {
        n = kg_read_glob(&gl, &name);

        if (n != KG_OK) {
            break;
        }

        file.len = name.len++;
        file.data = kg_pstrdup(cf->pool, &name);
        if (file.data == NULL) {
            rv = KG_CONF_ERROR;
            break;
        }

        kg_log_debug1(KG_LOG_DEBUG_CORE, cf->log, 0, "include %s", file.data);

        rv = kg_conf_parse(cf, &file);

        if (rv != KG_CONF_OK) {
            break;
        }
    }

    kg_close_glob(&gl);

    return rv;
}


/*
 * Makes a relative name absolute against the configuration prefix
 * (conf_prefix set) or the prefix; the result is NUL-terminated.
 */

kg_int_t
kg_conf_full_name(kg_cycle_t *cycle, kg_str_t *name, kg_uint_t conf_prefix)
{
    size_t     len;
    u_char    *p, *n;
    kg_str_t  *prefix;

    prefix = conf_prefix ? &cycle->conf_prefix : &cycle->prefix;

    if ((name->len && name->data[0] == '/') || prefix->len == 0) {

        /* keep the name, but make sure it is NUL-terminated */

        n = kg_pnalloc(cycle->pool, name->len + 1);
        if (n == NULL) {
            return KG_ERROR;
        }

        p = kg_cpymem(n, name->data, name->len);
        *p = '\0';

        name->data = n;

        return KG_OK;
    }

    len = prefix->len;

    n = kg_pnalloc(cycle->pool, len + name->len + 1);
    if (n == NULL) {
        return KG_ERROR;
    }

    p = kg_cpymem(n, prefix->data, len);
    p = kg_cpymem(p, name->data, name->len);
    *p = '\0';

    name->len += len;
    name->data = n;

    return KG_OK;
}


kg_open_file_t *
kg_conf_open_file(kg_cycle_t *cycle, kg_str_t *name)
{
    kg_str_t         full;
    kg_uint_t        i;
    kg_list_part_t  *part;
    kg_open_file_t  *file;

    kg_str_null(&full);

    /* "stderr" is not a file: it is the stream kgate started with */

    if (name->len == sizeof("stderr") - 1
        && kg_strncmp(name->data, "stderr", sizeof("stderr") - 1) == 0)
    {
        name = &full;
    }

    if (name->len) {
        full = *name;

        if (kg_conf_full_name(cycle, &full, 0) != KG_OK) {
            return NULL;
        }

        part = &cycle->open_files.part;
        file = part->elts;

        for (i = 0; /* void */ ; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }
                part = part->next;
                file = part->elts;
                i = 0;
            }

            if (full.len != file[i].name.len) {
                continue;
            }

            if (kg_strcmp(full.data, file[i].name.data) == 0) {
                return &file[i];
            }
        }
    }

    file = kg_list_push(&cycle->open_files);
    if (file == NULL) {
        return NULL;
    }

    if (name->len) {
        file->fd = KG_INVALID_FILE;
        file->name = full;

    } else {
        file->fd = kg_stderr;
        file->name = *name;
    }

    file->flush = NULL;
    file->data = NULL;

    return file;
}


static void
kg_conf_flush_files(kg_cycle_t *cycle)
{
    kg_uint_t        i;
    kg_list_part_t  *part;
    kg_open_file_t  *file;

    kg_log_debug0(KG_LOG_DEBUG_CORE, cycle->log, 0, "flush files");

    part = &cycle->open_files.part;
    file = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            file = part->elts;
            i = 0;
        }

        if (file[i].flush) {
            file[i].flush(&file[i], cycle->log);
        }
    }
}


void
kg_conf_log_error(kg_uint_t level, kg_conf_t *cf, kg_err_t err,
    const char *fmt, ...)
{
    u_char   errstr[KG_MAX_CONF_ERRSTR], *p, *last;
    va_list  args;

    last = errstr + KG_MAX_CONF_ERRSTR;

    va_start(args, fmt);
    p = kg_vslprintf(errstr, last, fmt, args);
    va_end(args);

    if (err) {
        p = kg_log_errno(p, last, err);
    }

    if (cf->conf_file == NULL) {
        kg_log_error(level, cf->log, 0, "%*s", p - errstr, errstr);
        return;
    }

    if (cf->conf_file->file.fd == KG_INVALID_FILE) {
        kg_log_error(level, cf->log, 0, "%*s in command line",
                     p - errstr, errstr);
        return;
    }

    kg_log_error(level, cf->log, 0, "%*s in %s:%ui",
                 p - errstr, errstr,
                 cf->conf_file->file.name.data, cf->conf_file->line);
}


char *
kg_conf_set_flag_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    kg_str_t        *value;
    kg_flag_t       *fp;
    kg_conf_post_t  *post;

    fp = (kg_flag_t *) (p + cmd->offset);

    if (*fp != KG_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (kg_strcasecmp(value[1].data, (u_char *) "on") == 0) {
        *fp = 1;

    } else if (kg_strcasecmp(value[1].data, (u_char *) "off") == 0) {
        *fp = 0;

    } else {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "invalid value \"%s\" in \"%s\" directive, "
                          "it must be \"on\" or \"off\"",
                          value[1].data, cmd->name.data);
        return KG_CONF_ERROR;
    }

    if (cmd->post) {
        post = cmd->post;
        return post->post_handler(cf, post, fp);
    }

    return KG_CONF_OK;
}


char *
kg_conf_set_str_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    kg_str_t        *field, *value;
    kg_conf_post_t  *post;

    field = (kg_str_t *) (p + cmd->offset);

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *field = value[1];

    if (cmd->post) {
        post = cmd->post;
        return post->post_handler(cf, post, field);
    }

    return KG_CONF_OK;
}


char *
kg_conf_set_str_array_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    kg_str_t         *value, *s;
    kg_array_t      **a;
    kg_conf_post_t   *post;

    a = (kg_array_t **) (p + cmd->offset);

    if (*a == KG_CONF_UNSET_PTR || *a == NULL) {
        *a = kg_array_create(cf->pool, 4, sizeof(kg_str_t));
        if (*a == NULL) {
            return KG_CONF_ERROR;
        }
    }

    s = kg_array_push(*a);
    if (s == NULL) {
        return KG_CONF_ERROR;
    }

    value = cf->args->elts;

    *s = value[1];

    if (cmd->post) {
        post = cmd->post;
        return post->post_handler(cf, post, s);
    }

    return KG_CONF_OK;
}


char *
kg_conf_set_keyval_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    kg_str_t         *value;
    kg_array_t      **a;
    kg_keyval_t      *kv;
    kg_conf_post_t   *post;

    a = (kg_array_t **) (p + cmd->offset);

    if (*a == KG_CONF_UNSET_PTR || *a == NULL) {
        *a = kg_array_create(cf->pool, 4, sizeof(kg_keyval_t));
        if (*a == NULL) {
            return KG_CONF_ERROR;
        }
    }

    kv = kg_array_push(*a);
    if (kv == NULL) {
        return KG_CONF_ERROR;
    }

    value = cf->args->elts;

    kv->key = value[1];
    kv->value = value[2];

    if (cmd->post) {
        post = cmd->post;
        return post->post_handler(cf, post, kv);
    }

    return KG_CONF_OK;
}


char *
kg_conf_set_num_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    kg_int_t        *np;
    kg_str_t        *value;
    kg_conf_post_t  *post;


    np = (kg_int_t *) (p + cmd->offset);

    if (*np != KG_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    *np = kg_atoi(value[1].data, value[1].len);
    if (*np == KG_ERROR) {
        return "invalid number";
    }

    if (cmd->post) {
        post = cmd->post;
        return post->post_handler(cf, post, np);
    }

    return KG_CONF_OK;
}


char *
kg_conf_set_size_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    size_t          *sp;
    kg_str_t        *value;
    kg_conf_post_t  *post;


    sp = (size_t *) (p + cmd->offset);
    if (*sp != KG_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *sp = kg_parse_size(&value[1]);
    if (*sp == (size_t) KG_ERROR) {
        return "invalid value";
    }

    if (cmd->post) {
        post = cmd->post;
        return post->post_handler(cf, post, sp);
    }

    return KG_CONF_OK;
}


char *
kg_conf_set_off_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    off_t           *op;
    kg_str_t        *value;
    kg_conf_post_t  *post;


    op = (off_t *) (p + cmd->offset);
    if (*op != KG_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *op = kg_parse_offset(&value[1]);
    if (*op == (off_t) KG_ERROR) {
        return "invalid value";
    }

    if (cmd->post) {
        post = cmd->post;
        return post->post_handler(cf, post, op);
    }

    return KG_CONF_OK;
}


char *
kg_conf_set_msec_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    kg_msec_t       *msp;
    kg_str_t        *value;
    kg_conf_post_t  *post;


    msp = (kg_msec_t *) (p + cmd->offset);
    if (*msp != KG_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *msp = kg_parse_time(&value[1], 0);
    if (*msp == (kg_msec_t) KG_ERROR) {
        return "invalid value";
    }

    if (cmd->post) {
        post = cmd->post;
        return post->post_handler(cf, post, msp);
    }

    return KG_CONF_OK;
}


char *
kg_conf_set_sec_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    time_t          *sp;
    kg_str_t        *value;
    kg_conf_post_t  *post;


    sp = (time_t *) (p + cmd->offset);
    if (*sp != KG_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *sp = kg_parse_time(&value[1], 1);
    if (*sp == (time_t) KG_ERROR) {
        return "invalid value";
    }

    if (cmd->post) {
        post = cmd->post;
        return post->post_handler(cf, post, sp);
    }

    return KG_CONF_OK;
}


char *
kg_conf_set_enum_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    kg_uint_t       *np, i;
    kg_str_t        *value;
    kg_conf_enum_t  *e;

    np = (kg_uint_t *) (p + cmd->offset);

    if (*np != KG_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    e = cmd->post;

    for (i = 0; e[i].name.len != 0; i++) {
        if (e[i].name.len != value[1].len
            || kg_strcasecmp(e[i].name.data, value[1].data) != 0)
        {
            continue;
        }

        *np = e[i].value;

        return KG_CONF_OK;
    }

    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                      "invalid value \"%s\"", value[1].data);

    return KG_CONF_ERROR;
}


char *
kg_conf_set_bitmask_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char  *p = conf;

    kg_uint_t          *np, i, m;
    kg_str_t           *value;
    kg_conf_bitmask_t  *mask;


    np = (kg_uint_t *) (p + cmd->offset);
    value = cf->args->elts;
    mask = cmd->post;

    for (i = 1; i < cf->args->nelts; i++) {
        for (m = 0; mask[m].name.len != 0; m++) {

            if (mask[m].name.len != value[i].len
                || kg_strcasecmp(mask[m].name.data, value[i].data) != 0)
            {
                continue;
            }

            if (*np & mask[m].mask) {
                kg_conf_log_error(KG_LOG_WARN, cf, 0,
                                  "duplicate value \"%s\"", value[i].data);

            } else {
                *np |= mask[m].mask;
            }

            break;
        }

        if (mask[m].name.len == 0) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "invalid value \"%s\"", value[i].data);

            return KG_CONF_ERROR;
        }
    }

    return KG_CONF_OK;
}


char *
kg_conf_deprecated(kg_conf_t *cf, void *post, void *data)
{
    kg_conf_deprecated_t  *d = post;

    kg_conf_log_error(KG_LOG_WARN, cf, 0,
                      "the \"%s\" directive is deprecated, "
                      "use the \"%s\" directive instead",
                      d->old_name, d->new_name);

    return KG_CONF_OK;
}


char *
kg_conf_check_num_bounds(kg_conf_t *cf, void *post, void *data)
{
    kg_conf_num_bounds_t  *bounds = post;
    kg_int_t  *np = data;

    if (bounds->high == -1) {
        if (*np >= bounds->low) {
            return KG_CONF_OK;
        }

        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "value must be equal to or greater than %i",
                          bounds->low);

        return KG_CONF_ERROR;
    }

    if (*np >= bounds->low && *np <= bounds->high) {
        return KG_CONF_OK;
    }

    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                      "value must be between %i and %i",
                      bounds->low, bounds->high);

    return KG_CONF_ERROR;
}

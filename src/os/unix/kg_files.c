/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


ssize_t
kg_read_file(kg_file_t *file, u_char *buf, size_t size, off_t offset)
{
    ssize_t  n;

    kg_log_debug4(KG_LOG_DEBUG_CORE, file->log, 0,
                  "read: %d, %p, %uz, %O", file->fd, buf, size, offset);

    n = pread(file->fd, buf, size, offset);

    if (n == -1) {
        kg_log_error(KG_LOG_ERR, file->log, kg_errno,
                     "pread() \"%s\" failed", file->name.data);
        return KG_ERROR;
    }

    file->offset += n;

    return n;
}


ssize_t
kg_write_file(kg_file_t *file, u_char *buf, size_t size, off_t offset)
{
    ssize_t   n, written;
    kg_err_t  err;

    kg_log_debug4(KG_LOG_DEBUG_CORE, file->log, 0,
                  "write: %d, %p, %uz, %O", file->fd, buf, size, offset);

    written = 0;

    for ( ;; ) {
        n = pwrite(file->fd, buf + written, size, offset);

        if (n == -1) {
            err = kg_errno;

            if (err == KG_EINTR) {
                kg_log_debug0(KG_LOG_DEBUG_CORE, file->log, err,
                              "pwrite() was interrupted");
                continue;
            }

            kg_log_error(KG_LOG_ERR, file->log, err,
                         "pwrite() \"%s\" failed", file->name.data);
            return KG_ERROR;
        }

        file->offset += n;
        written += n;

        if ((size_t) n == size) {
            return written;
        }

        offset += n;
        size -= n;
    }
}


kg_int_t
kg_open_glob(kg_glob_t *gl)
{
    int  n;

    n = glob((char *) gl->pattern, 0, NULL, &gl->pglob);

    if (n == 0) {
        return KG_OK;
    }

#ifdef GLOB_NOMATCH

    /* a wildcard that matches nothing is fine, a plain name is not */

    if (n == GLOB_NOMATCH && gl->test) {
        return KG_OK;
    }

#endif

    globfree(&gl->pglob);

    return KG_ERROR;
}


kg_int_t
kg_read_glob(kg_glob_t *gl, kg_str_t *name)
{
    size_t  count;

    count = (size_t) gl->pglob.gl_pathc;

    if (gl->n < count) {

        name->len = (size_t) kg_strlen(gl->pglob.gl_pathv[gl->n]);
        name->data = (u_char *) gl->pglob.gl_pathv[gl->n];
        gl->n++;

        return KG_OK;
    }

    return KG_DONE;
}


void
kg_close_glob(kg_glob_t *gl)
{
    globfree(&gl->pglob);
}


kg_err_t
kg_trylock_fd(kg_fd_t fd)
{
    struct flock  fl;

    kg_memzero(&fl, sizeof(struct flock));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;

    if (fcntl(fd, F_SETLK, &fl) == -1) {
        return kg_errno;
    }

    return 0;
}


kg_err_t
kg_lock_fd(kg_fd_t fd)
{
    struct flock  fl;

    kg_memzero(&fl, sizeof(struct flock));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;

    if (fcntl(fd, F_SETLKW, &fl) == -1) {
        return kg_errno;
    }

    return 0;
}


kg_err_t
kg_unlock_fd(kg_fd_t fd)
{
    struct flock  fl;

    kg_memzero(&fl, sizeof(struct flock));
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;

    if (fcntl(fd, F_SETLK, &fl) == -1) {
        return  kg_errno;
    }

    return 0;
}

/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_FILES_H_INCLUDED_
#define _KG_FILES_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef int                      kg_fd_t;
typedef struct stat              kg_file_info_t;
typedef ino_t                    kg_file_uniq_t;


typedef struct {
    size_t                       n;
    glob_t                       pglob;
    u_char                      *pattern;
    kg_log_t                    *log;
    kg_uint_t                    test;
} kg_glob_t;


struct kg_file_s {
    kg_fd_t                      fd;
    kg_str_t                     name;
    kg_file_info_t               info;

    off_t                        offset;
    off_t                        sys_offset;

    kg_log_t                    *log;

    unsigned                     valid_info:1;
};


#define KG_INVALID_FILE         -1
#define KG_FILE_ERROR           -1


#define kg_open_file(name, mode, create, access)                            \
    open((const char *) name, mode|create|O_CLOEXEC, access)

#define kg_open_file_n           "open()"

#define KG_FILE_RDONLY           O_RDONLY
#define KG_FILE_WRONLY           O_WRONLY
#define KG_FILE_RDWR             O_RDWR
#define KG_FILE_CREATE_OR_OPEN   O_CREAT
#define KG_FILE_OPEN             0
#define KG_FILE_TRUNCATE         (O_CREAT|O_TRUNC)
#define KG_FILE_APPEND           (O_WRONLY|O_APPEND)
#define KG_FILE_NONBLOCK         O_NONBLOCK

#define KG_FILE_DEFAULT_ACCESS   0644
#define KG_FILE_OWNER_ACCESS     0600


#define kg_close_file            close
#define kg_close_file_n          "close()"


#define kg_delete_file(name)     unlink((const char *) name)
#define kg_delete_file_n         "unlink()"


ssize_t kg_read_file(kg_file_t *file, u_char *buf, size_t size, off_t offset);
#define kg_read_file_n           "pread()"

ssize_t kg_write_file(kg_file_t *file, u_char *buf, size_t size,
    off_t offset);


static inline ssize_t
kg_read_fd(kg_fd_t fd, void *buf, size_t n)
{
    return read(fd, buf, n);
}

#define kg_read_fd_n             "read()"


/* one write() per call: concurrent writers to an O_APPEND file never mix */

static inline ssize_t
kg_write_fd(kg_fd_t fd, void *buf, size_t n)
{
    return write(fd, buf, n);
}

#define kg_write_fd_n            "write()"


#define kg_write_console         kg_write_fd


#define kg_linefeed(p)           *p++ = LF;
#define KG_LINEFEED_SIZE         1
#define KG_LINEFEED              "\x0a"


#define kg_rename_file(o, n)     rename((const char *) o, (const char *) n)
#define kg_rename_file_n         "rename()"


#define kg_change_file_access(n, a) chmod((const char *) n, a)
#define kg_change_file_access_n  "chmod()"


#define kg_file_info(file, sb)   stat((const char *) file, sb)
#define kg_file_info_n           "stat()"

#define kg_fd_info(fd, sb)       fstat(fd, sb)
#define kg_fd_info_n             "fstat()"

#define kg_link_info(file, sb)   lstat((const char *) file, sb)
#define kg_link_info_n           "lstat()"

#define kg_is_dir(sb)            (S_ISDIR((sb)->st_mode))
#define kg_is_file(sb)           (S_ISREG((sb)->st_mode))
#define kg_is_link(sb)           (S_ISLNK((sb)->st_mode))
#define kg_is_exec(sb)           (((sb)->st_mode & S_IXUSR) == S_IXUSR)
#define kg_file_access(sb)       ((sb)->st_mode & 0777)
#define kg_file_size(sb)         (sb)->st_size
#define kg_file_mtime(sb)        (sb)->st_mtime
#define kg_file_uniq(sb)         (sb)->st_ino


#define kg_realpath(p, r)        (u_char *) realpath((char *) p, (char *) r)
#define kg_realpath_n            "realpath()"
#define kg_getcwd(buf, size)     (getcwd((char *) buf, size) != NULL)
#define kg_getcwd_n              "getcwd()"
#define kg_path_separator(c)     ((c) == '/')

#define KG_HAVE_MAX_PATH         1
#define KG_MAX_PATH              PATH_MAX


#define kg_create_dir(name, access) mkdir((const char *) name, access)
#define kg_create_dir_n          "mkdir()"


/*
 * glob for "include" with wildcards; kg_read_glob() returns KG_DONE after
 * the last name, a pattern that matches nothing is not an error
 */

kg_int_t kg_open_glob(kg_glob_t *gl);
#define kg_open_glob_n           "glob()"
kg_int_t kg_read_glob(kg_glob_t *gl, kg_str_t *name);
void kg_close_glob(kg_glob_t *gl);


kg_err_t kg_trylock_fd(kg_fd_t fd);
kg_err_t kg_lock_fd(kg_fd_t fd);
kg_err_t kg_unlock_fd(kg_fd_t fd);

#define kg_trylock_fd_n          "fcntl(F_SETLK, F_WRLCK)"
#define kg_lock_fd_n             "fcntl(F_SETLKW, F_WRLCK)"
#define kg_unlock_fd_n           "fcntl(F_SETLK, F_UNLCK)"


#define kg_stdout               STDOUT_FILENO
#define kg_stderr               STDERR_FILENO
#define kg_set_stderr(fd)       dup2(fd, STDERR_FILENO)
#define kg_set_stderr_n         "dup2(STDERR_FILENO)"


#endif /* _KG_FILES_H_INCLUDED_ */

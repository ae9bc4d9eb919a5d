/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_ADMIN_HTTP_H_INCLUDED_
#define _KG_ADMIN_HTTP_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/*
 * The HTTP/1.1 subset the admin API speaks: one request at a time on a
 * connection (keep-alive, no pipelining), bodies with Content-Length
 * only, a whole header block of at most KG_ADMIN_HTTP_MAX_HEADER bytes
 * and a body of at most KG_ADMIN_HTTP_MAX_BODY bytes.  The parser does
 * not allocate and may be called again with more bytes at any point: it
 * resumes the search for the end of the headers where it stopped and
 * parses the block once it is complete.
 */

#define KG_ADMIN_HTTP_MAX_HEADER  8192
#define KG_ADMIN_HTTP_MAX_BODY    65536


typedef struct {
    /* the header block: request line, headers, empty line */
    size_t                   header_len;

    kg_str_t                 method;
    kg_str_t                 uri;
    kg_str_t                 path;           /* percent-decoded in place */
    kg_str_t                 args;           /* after '?', as sent */

    kg_uint_t                version;        /* 1000 * major + minor */

    kg_str_t                 host;
    kg_str_t                 authorization;
    kg_str_t                 content_type;

    off_t                    content_length; /* -1: no body announced */

    unsigned                 keepalive:1;
    unsigned                 expect_continue:1;

    /* on KG_ERROR: the status to answer, then the connection is closed */
    kg_uint_t                status;
    const char              *error;
    const char              *message;

    /* private: where the search for the end of the headers resumes */
    size_t                   scanned;
} kg_admin_http_request_t;


/*
 * KG_OK: hr describes the request, its header block is hr->header_len
 * bytes from start; KG_AGAIN: more bytes are needed; KG_ERROR: hr->status
 * (400, 411, 413, 431, 501, 505), hr->error and hr->message tell why.
 * hr must be zeroed before the first call.
 */
kg_int_t kg_admin_http_parse(kg_admin_http_request_t *hr, u_char *start,
    u_char *last);

const char *kg_admin_http_reason(kg_uint_t status);

/*
 * A complete response in one buffer; headers, if not NULL, are extra
 * header lines each ending in CRLF.
 */
kg_buf_t *kg_admin_http_response(kg_pool_t *pool, kg_uint_t status,
    const char *content_type, kg_str_t *headers, kg_str_t *body,
    kg_uint_t keepalive);

/* {"error":"...","message":"..."} with both strings escaped */
kg_int_t kg_admin_http_error_body(kg_pool_t *pool, kg_str_t *body,
    const char *error, const char *message);

/* a JSON string body, escaped, without the quotes */
kg_int_t kg_admin_json_escape(kg_pool_t *pool, kg_str_t *dst, kg_str_t *src);

/* percent-decodes src into dst (may be the same memory); KG_ERROR if bad */
kg_int_t kg_admin_http_unescape(kg_str_t *dst, kg_str_t *src);

/* the value of argument name in args ("a=1&b=2"), percent-decoded */
kg_int_t kg_admin_http_arg(kg_pool_t *pool, kg_str_t *args, const char *name,
    kg_str_t *value);


/*
 * Credentials.
 *
 * A basic auth file has one "user:{SCHEME}hash" line per user; empty
 * lines and lines starting with "#" are skipped:
 *
 *     user:{SHA256}base64(sha256(password))
 *     user:{SSHA256}base64(sha256(password salt) salt)
 *
 * the salt being any bytes.  One line, with openssl:
 *
 *     s=$(openssl rand -hex 8); printf 'admin:{SSHA256}%s\n' "$( (printf \
 *     '%s%s' "$PASSWORD" "$s" | openssl dgst -sha256 -binary; printf '%s' \
 *     "$s") | openssl base64 -A)" >> conf/admin.htpasswd
 *
 * A bearer token file has one token per line (at least 16 characters;
 * empty and "#" lines skipped).  Only SHA-256 digests of the passwords and
 * tokens are kept in memory, and digests are compared in constant time.
 */

typedef struct {
    kg_str_t                 user;
    kg_str_t                 salt;
    u_char                   digest[32];
} kg_admin_user_t;


typedef struct {
    u_char                   digest[32];
} kg_admin_token_t;


/* on KG_ERROR *line is the bad line (1-based), 0 for a memory error */
kg_int_t kg_admin_auth_basic_parse(kg_pool_t *pool, kg_str_t *text,
    kg_array_t *users, kg_uint_t *line);
kg_int_t kg_admin_auth_bearer_parse(kg_pool_t *pool, kg_str_t *text,
    kg_array_t *tokens, kg_uint_t *line);

/*
 * KG_OK: the Authorization header value is valid; KG_DECLINED: it is
 * not (absent, malformed, unknown user, wrong secret).  For basic auth,
 * *user is set to the user name that was claimed (for logs) when the
 * header can be decoded; it points into pool memory.
 */
kg_int_t kg_admin_auth_basic(kg_pool_t *pool, kg_array_t *users,
    kg_str_t *authorization, kg_str_t *user);
kg_int_t kg_admin_auth_bearer(kg_array_t *tokens, kg_str_t *authorization);


#endif /* _KG_ADMIN_HTTP_H_INCLUDED_ */

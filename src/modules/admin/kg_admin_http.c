/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kgate.h>
#include <kg_admin.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>


static kg_int_t kg_admin_http_parse_request_line(kg_admin_http_request_t *hr,
    u_char *p, u_char *last);
static kg_int_t kg_admin_http_parse_header(kg_admin_http_request_t *hr,
    u_char *p, u_char *last);
static kg_int_t kg_admin_http_bad(kg_admin_http_request_t *hr,
    kg_uint_t status, const char *error, const char *message);
static kg_int_t kg_admin_http_token(u_char *p, u_char *last);
static kg_int_t kg_admin_http_header_is(kg_str_t *name, const char *known);
static kg_int_t kg_admin_sha256(u_char *data, size_t len, u_char *salt,
    size_t salt_len, u_char *digest);
static void kg_admin_trim(kg_str_t *s);
static u_char *kg_admin_next_line(u_char *p, u_char *last, kg_str_t *line);
static void kg_admin_registry_cleanup(void *data);


static kg_admin_registry_t  *kg_admin_current;


kg_int_t
kg_admin_http_parse(kg_admin_http_request_t *hr, u_char *start, u_char *last)
{
    u_char    *p, *end, *line;
    kg_int_t   rc;

    /* find the empty line that ends the header block */

    p = start + hr->scanned;
    end = NULL;

    for ( /* void */ ; p < last; p++) {
        if (*p != LF) {
            continue;
        }

        if (p + 1 < last && p[1] == LF) {
            end = p + 2;
            break;
        }

        if (p + 2 < last && p[1] == CR && p[2] == LF) {
            end = p + 3;
            break;
        }

        if (p + 2 >= last) {
            /* the LF may start the empty line: look at it again */
            break;
        }
    }

    if (end == NULL) {
        hr->scanned = p - start;

        if ((size_t) (last - start) >= KG_ADMIN_HTTP_MAX_HEADER) {
            return kg_admin_http_bad(hr, 431, "header_too_large",
                                     "the request header is larger "
                                     "than 8 KiB");
        }

        return KG_AGAIN;
    }

    if ((size_t) (end - start) > KG_ADMIN_HTTP_MAX_HEADER) {
        return kg_admin_http_bad(hr, 431, "header_too_large",
                                 "the request header is larger than 8 KiB");
    }

    hr->header_len = end - start;
    hr->content_length = -1;

    /* the request line */

    line = start;
    p = kg_strlchr(line, end, LF);

    rc = kg_admin_http_parse_request_line(hr, line, p);
    if (rc != KG_OK) {
        return rc;
    }

    hr->keepalive = (hr->version >= 1001);

    /* the header lines, up to the empty one */

    for ( ;; ) {
        line = p + 1;
        p = kg_strlchr(line, end, LF);

        if (p == line || (p == line + 1 && *line == CR)) {
            break;
        }

        rc = kg_admin_http_parse_header(hr, line, p);
        if (rc != KG_OK) {
            return rc;
        }
    }

    if (hr->version >= 1001 && hr->host.data == NULL) {
        return kg_admin_http_bad(hr, 400, "bad_request",
                                 "no Host header in an HTTP/1.1 request");
    }

    if (hr->content_length > KG_ADMIN_HTTP_MAX_BODY) {
        return kg_admin_http_bad(hr, 413, "body_too_large",
                                 "the request body is larger than 64 KiB");
    }

    return KG_OK;
}


static kg_int_t
kg_admin_http_parse_request_line(kg_admin_http_request_t *hr, u_char *p,
    u_char *last)
{
    u_char  *sp, *q;

    if (last > p && last[-1] == CR) {
        last--;
    }

    /* method SP request-target SP HTTP-version */

    sp = kg_strlchr(p, last, ' ');

    if (sp == NULL || sp == p || sp - p > 16
        || kg_admin_http_token(p, sp) != KG_OK)
    {
        return kg_admin_http_bad(hr, 400, "bad_request",
                                 "invalid request line");
    }

    hr->method.data = p;
    hr->method.len = sp - p;

    p = sp + 1;
    sp = kg_strlchr(p, last, ' ');

    if (sp == NULL || sp == p || *p != '/') {
        return kg_admin_http_bad(hr, 400, "bad_request",
                                 "invalid request line");
    }

    for (q = p; q < sp; q++) {
        if (*q <= 0x20 || *q >= 0x7f) {
            return kg_admin_http_bad(hr, 400, "bad_request",
                                     "invalid request line");
        }
    }

    hr->uri.data = p;
    hr->uri.len = sp - p;

    q = kg_strlchr(p, sp, '?');

    hr->path.data = p;
    hr->path.len = (q ? q : sp) - p;

    if (q) {
        hr->args.data = q + 1;
        hr->args.len = sp - (q + 1);
    }

    if (kg_admin_http_unescape(&hr->path, &hr->path) != KG_OK) {
        return kg_admin_http_bad(hr, 400, "bad_request",
                                 "invalid escape in the path");
    }

    p = sp + 1;

    if (last - p != 8 || kg_strncmp(p, "HTTP/", 5) != 0
        || p[5] < '0' || p[5] > '9' || p[6] != '.'
        || p[7] < '0' || p[7] > '9')
    {
        return kg_admin_http_bad(hr, 400, "bad_request",
                                 "invalid request line");
    }

    if (p[5] != '1') {
        return kg_admin_http_bad(hr, 505, "version_not_supported",
                                 "only HTTP/1.0 and HTTP/1.1 are served");
    }

    hr->version = 1000 + (p[7] - '0');

    return KG_OK;
}


static kg_int_t
kg_admin_http_parse_header(kg_admin_http_request_t *hr, u_char *p,
    u_char *last)
{
    u_char    *colon;
    off_t      n;
    kg_str_t   name, value;

    if (last > p && last[-1] == CR) {
        last--;
    }

    if (*p == ' ' || *p == '\t') {
        return kg_admin_http_bad(hr, 400, "bad_request",
                                 "folded header lines are not accepted");
    }

    colon = kg_strlchr(p, last, ':');

    if (colon == NULL || colon == p
        || kg_admin_http_token(p, colon) != KG_OK)
    {
        return kg_admin_http_bad(hr, 400, "bad_request",
                                 "invalid header line");
    }

    name.data = p;
    name.len = colon - p;

    value.data = colon + 1;
    value.len = last - (colon + 1);
    kg_admin_trim(&value);

    for (p = value.data; p < value.data + value.len; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            return kg_admin_http_bad(hr, 400, "bad_request",
                                     "invalid header value");
        }
    }

    if (kg_admin_http_header_is(&name, "host")) {
        if (hr->host.data) {
            return kg_admin_http_bad(hr, 400, "bad_request",
                                     "duplicate Host header");
        }

        hr->host = value;
        return KG_OK;
    }

    if (kg_admin_http_header_is(&name, "authorization")) {
        hr->authorization = value;
        return KG_OK;
    }

    if (kg_admin_http_header_is(&name, "content-type")) {
        hr->content_type = value;
        return KG_OK;
    }

    if (kg_admin_http_header_is(&name, "content-length")) {

        n = 0;

        for (p = value.data; p < value.data + value.len; p++) {
            if (*p < '0' || *p > '9' || n > KG_MAX_OFF_T_VALUE / 10 - 10) {
                return kg_admin_http_bad(hr, 400, "bad_request",
                                         "invalid Content-Length");
            }

            n = n * 10 + (*p - '0');
        }

        if (value.len == 0
            || (hr->content_length != -1 && hr->content_length != n))
        {
            return kg_admin_http_bad(hr, 400, "bad_request",
                                     "invalid Content-Length");
        }

        hr->content_length = n;
        return KG_OK;
    }

    if (kg_admin_http_header_is(&name, "transfer-encoding")) {

        if (value.len == 7
            && kg_strncasecmp(value.data, (u_char *) "chunked", 7) == 0)
        {
            return kg_admin_http_bad(hr, 411, "length_required",
                                     "chunked bodies are not accepted: "
                                     "send Content-Length");
        }

        return kg_admin_http_bad(hr, 501, "not_implemented",
                                 "transfer codings are not supported");
    }

    if (kg_admin_http_header_is(&name, "connection")) {

        if (kg_strlcasestrn(value.data, value.data + value.len,
                            (u_char *) "close", 5 - 1))
        {
            hr->keepalive = 0;

        } else if (kg_strlcasestrn(value.data, value.data + value.len,
                                   (u_char *) "keep-alive", 10 - 1))
        {
            hr->keepalive = 1;
        }

        return KG_OK;
    }

    if (kg_admin_http_header_is(&name, "expect")) {

        if (value.len == 12
            && kg_strncasecmp(value.data, (u_char *) "100-continue", 12)
               == 0)
        {
            hr->expect_continue = 1;
            return KG_OK;
        }

        return kg_admin_http_bad(hr, 417, "expectation_failed",
                                 "unsupported Expect header");
    }

    return KG_OK;
}


static kg_int_t
kg_admin_http_bad(kg_admin_http_request_t *hr, kg_uint_t status,
    const char *error, const char *message)
{
    hr->status = status;
    hr->error = error;
    hr->message = message;
    hr->keepalive = 0;

    return KG_ERROR;
}


static kg_int_t
kg_admin_http_token(u_char *p, u_char *last)
{
    /* RFC 9110 tchar */

    static const char  tchar[] = "!#$%&'*+-.^_`|~";

    for ( /* void */ ; p < last; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
            || (*p >= '0' && *p <= '9')
            || (*p && kg_strchr(tchar, *p)))
        {
            continue;
        }

        return KG_ERROR;
    }

    return KG_OK;
}


static kg_int_t
kg_admin_http_header_is(kg_str_t *name, const char *known)
{
    size_t  len;

    len = kg_strlen(known);

    return name->len == len
           && kg_strncasecmp(name->data, (u_char *) known, len) == 0;
}


static void
kg_admin_trim(kg_str_t *s)
{
    while (s->len && (s->data[0] == ' ' || s->data[0] == '\t')) {
        s->data++;
        s->len--;
    }

    while (s->len
           && (s->data[s->len - 1] == ' ' || s->data[s->len - 1] == '\t'
               || s->data[s->len - 1] == CR))
    {
        s->len--;
    }
}


kg_int_t
kg_admin_http_unescape(kg_str_t *dst, kg_str_t *src)
{
    u_char   *d, *s, *last, c;
    kg_int_t  n;

    d = dst->data;
    s = src->data;
    last = s + src->len;

    while (s < last) {
        c = *s++;

        if (c == '%') {
            if (last - s < 2) {
                return KG_ERROR;
            }

            n = kg_hextoi(s, 2);

            if (n <= 0) {
                /* invalid, or an encoded NUL */
                return KG_ERROR;
            }

            c = (u_char) n;
            s += 2;
        }

        *d++ = c;
    }

    dst->len = d - dst->data;

    return KG_OK;
}


kg_int_t
kg_admin_http_arg(kg_pool_t *pool, kg_str_t *args, const char *name,
    kg_str_t *value)
{
    u_char    *p, *last, *eq, *amp;
    size_t     len;
    kg_str_t   raw;

    len = kg_strlen(name);
    p = args->data;
    last = p + args->len;

    while (p < last) {
        amp = kg_strlchr(p, last, '&');
        if (amp == NULL) {
            amp = last;
        }

        eq = kg_strlchr(p, amp, '=');

        if ((size_t) ((eq ? eq : amp) - p) == len
            && kg_strncmp(p, name, len) == 0)
        {
            raw.data = eq ? eq + 1 : amp;
            raw.len = amp - raw.data;

            value->data = kg_pnalloc(pool, raw.len + 1);
            if (value->data == NULL) {
                return KG_ERROR;
            }

            /* '+' is a space in a query */

            for (p = raw.data; p < amp; p++) {
                value->data[p - raw.data] = (*p == '+') ? ' ' : *p;
            }

            raw.data = value->data;

            if (kg_admin_http_unescape(value, &raw) != KG_OK) {
                return KG_ERROR;
            }

            return KG_OK;
        }

        p = amp + 1;
    }

    return KG_DECLINED;
}


const char *
kg_admin_http_reason(kg_uint_t status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default:  return "Unknown";
    }
}


kg_buf_t *
kg_admin_http_response(kg_pool_t *pool, kg_uint_t status,
    const char *content_type, kg_str_t *headers, kg_str_t *body,
    kg_uint_t keepalive)
{
    size_t       len;
    kg_buf_t    *b;
    const char  *reason;

    reason = kg_admin_http_reason(status);

    if (content_type == NULL) {
        content_type = "application/json";
    }

    len = sizeof("HTTP/1.1 000 " CRLF) - 1 + kg_strlen(reason)
          + sizeof("Server: " KGATE_VER CRLF) - 1
          + sizeof("Content-Type: " CRLF) - 1 + kg_strlen(content_type)
          + sizeof("Content-Length: " CRLF) - 1 + KG_SIZE_T_LEN
          + sizeof("Cache-Control: no-store" CRLF) - 1
          + sizeof("Connection: keep-alive" CRLF CRLF) - 1
          + (headers ? headers->len : 0)
          + (body ? body->len : 0);

    b = kg_create_temp_buf(pool, len);
    if (b == NULL) {
        return NULL;
    }

    b->last = kg_sprintf(b->last,
                         "HTTP/1.1 %03ui %s" CRLF
                         "Server: " KGATE_VER CRLF
                         "Content-Type: %s" CRLF
                         "Content-Length: %uz" CRLF
                         "Cache-Control: no-store" CRLF
                         "Connection: %s" CRLF,
                         status, reason, content_type,
                         body ? body->len : 0,
                         keepalive ? "keep-alive" : "close");

    if (headers && headers->len) {
        b->last = kg_cpymem(b->last, headers->data, headers->len);
    }

    *b->last++ = CR;
    *b->last++ = LF;

    if (body && body->len) {
        b->last = kg_cpymem(b->last, body->data, body->len);
    }

    b->last_buf = 1;

    return b;
}


kg_int_t
kg_admin_json_escape(kg_pool_t *pool, kg_str_t *dst, kg_str_t *src)
{
    size_t  len;

    len = src->len + kg_escape_json(NULL, src->data, src->len);

    dst->data = kg_pnalloc(pool, len + 1);
    if (dst->data == NULL) {
        return KG_ERROR;
    }

    dst->len = (u_char *) kg_escape_json(dst->data, src->data, src->len)
               - dst->data;

    return KG_OK;
}


kg_int_t
kg_admin_http_error_body(kg_pool_t *pool, kg_str_t *body, const char *error,
    const char *message)
{
    kg_str_t  e, m, s;

    s.data = (u_char *) error;
    s.len = kg_strlen(error);

    if (kg_admin_json_escape(pool, &e, &s) != KG_OK) {
        return KG_ERROR;
    }

    s.data = (u_char *) message;
    s.len = kg_strlen(message);

    if (kg_admin_json_escape(pool, &m, &s) != KG_OK) {
        return KG_ERROR;
    }

    body->data = kg_pnalloc(pool, sizeof("{\"error\":\"\",\"message\":\"\"}\n")
                                  + e.len + m.len);
    if (body->data == NULL) {
        return KG_ERROR;
    }

    body->len = kg_sprintf(body->data,
                           "{\"error\":\"%V\",\"message\":\"%V\"}\n",
                           &e, &m)
                - body->data;

    return KG_OK;
}


/* credentials */


static kg_int_t
kg_admin_sha256(u_char *data, size_t len, u_char *salt, size_t salt_len,
    u_char *digest)
{
    kg_int_t       rc;
    unsigned int   n;
    EVP_MD_CTX    *md;

    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return KG_ERROR;
    }

    rc = KG_ERROR;

    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
        && EVP_DigestUpdate(md, data, len) == 1
        && (salt_len == 0 || EVP_DigestUpdate(md, salt, salt_len) == 1)
        && EVP_DigestFinal_ex(md, digest, &n) == 1
        && n == 32)
    {
        rc = KG_OK;
    }

    EVP_MD_CTX_free(md);

    return rc;
}


/* the next line of text without its CR LF, trimmed; NULL at the end */

static u_char *
kg_admin_next_line(u_char *p, u_char *last, kg_str_t *line)
{
    u_char  *lf;

    if (p >= last) {
        return NULL;
    }

    lf = kg_strlchr(p, last, LF);
    if (lf == NULL) {
        lf = last;
    }

    line->data = p;
    line->len = lf - p;
    kg_admin_trim(line);

    return (lf < last) ? lf + 1 : last;
}


kg_int_t
kg_admin_auth_basic_parse(kg_pool_t *pool, kg_str_t *text, kg_array_t *users,
    kg_uint_t *line)
{
    u_char           *p, *last, *colon;
    size_t            prefix;
    kg_str_t          l, hash, raw;
    kg_uint_t         n, salted;
    kg_admin_user_t  *u;

    p = text->data;
    last = p + text->len;
    n = 0;

    *line = 0;

    while ((p = kg_admin_next_line(p, last, &l)) != NULL) {
        n++;

        if (l.len == 0 || l.data[0] == '#') {
            continue;
        }

        colon = kg_strlchr(l.data, l.data + l.len, ':');

        if (colon == NULL || colon == l.data) {
            goto invalid;
        }

        hash.data = colon + 1;
        hash.len = l.data + l.len - hash.data;

        if (hash.len > 9 && kg_strncmp(hash.data, "{SHA256}", 8) == 0) {
            prefix = 8;
            salted = 0;

        } else if (hash.len > 10
                   && kg_strncmp(hash.data, "{SSHA256}", 9) == 0)
        {
            prefix = 9;
            salted = 1;

        } else {
            goto invalid;
        }

        hash.data += prefix;
        hash.len -= prefix;

        raw.data = kg_pnalloc(pool, kg_base64_decoded_length(hash.len));
        if (raw.data == NULL) {
            return KG_ERROR;
        }

        if (kg_decode_base64(&raw, &hash) != KG_OK
            || (!salted && raw.len != 32)
            || (salted && raw.len <= 32))
        {
            goto invalid;
        }

        u = kg_array_push(users);
        if (u == NULL) {
            return KG_ERROR;
        }

        u->user.len = colon - l.data;
        u->user.data = kg_pnalloc(pool, u->user.len);
        if (u->user.data == NULL) {
            return KG_ERROR;
        }

        kg_memcpy(u->user.data, l.data, u->user.len);
        kg_memcpy(u->digest, raw.data, 32);

        u->salt.data = raw.data + 32;
        u->salt.len = raw.len - 32;
    }

    return KG_OK;

invalid:

    *line = n;
    return KG_ERROR;
}


kg_int_t
kg_admin_auth_bearer_parse(kg_pool_t *pool, kg_str_t *text,
    kg_array_t *tokens, kg_uint_t *line)
{
    u_char            *p, *last, *q;
    kg_str_t           l;
    kg_uint_t          n;
    kg_admin_token_t  *t;

    p = text->data;
    last = p + text->len;
    n = 0;

    *line = 0;

    while ((p = kg_admin_next_line(p, last, &l)) != NULL) {
        n++;

        if (l.len == 0 || l.data[0] == '#') {
            continue;
        }

        /* a token is what RFC 6750 allows, and long enough to matter */

        for (q = l.data; q < l.data + l.len; q++) {
            if (*q <= 0x20 || *q >= 0x7f) {
                break;
            }
        }

        if (q < l.data + l.len || l.len < 16) {
            *line = n;
            return KG_ERROR;
        }

        t = kg_array_push(tokens);
        if (t == NULL) {
            return KG_ERROR;
        }

        if (kg_admin_sha256(l.data, l.len, NULL, 0, t->digest) != KG_OK) {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


kg_int_t
kg_admin_auth_basic(kg_pool_t *pool, kg_array_t *users,
    kg_str_t *authorization, kg_str_t *user)
{
    u_char           *colon;
    kg_str_t          encoded, decoded;
    kg_uint_t         i;
    kg_admin_user_t  *u, *found;
    u_char            digest[32];

    static u_char     dummy[32];

    user->len = 0;
    user->data = NULL;

    if (authorization->len < 7
        || kg_strncasecmp(authorization->data, (u_char *) "Basic ", 6) != 0)
    {
        return KG_DECLINED;
    }

    encoded.data = authorization->data + 6;
    encoded.len = authorization->len - 6;
    kg_admin_trim(&encoded);

    decoded.data = kg_pnalloc(pool, kg_base64_decoded_length(encoded.len));
    if (decoded.data == NULL) {
        return KG_DECLINED;
    }

    if (kg_decode_base64(&decoded, &encoded) != KG_OK) {
        return KG_DECLINED;
    }

    colon = kg_strlchr(decoded.data, decoded.data + decoded.len, ':');
    if (colon == NULL) {
        kg_explicit_memzero(decoded.data, decoded.len);
        return KG_DECLINED;
    }

    user->data = decoded.data;
    user->len = colon - decoded.data;

    found = NULL;
    u = users->elts;

    for (i = 0; i < users->nelts; i++) {
        if (u[i].user.len == user->len
            && kg_memcmp(u[i].user.data, user->data, user->len) == 0)
        {
            found = &u[i];
            break;
        }
    }

    /* an unknown user costs a digest too */

    if (kg_admin_sha256(colon + 1, decoded.data + decoded.len - (colon + 1),
                        found ? found->salt.data : NULL,
                        found ? found->salt.len : 0, digest)
        != KG_OK)
    {
        found = NULL;
    }

    kg_explicit_memzero(colon + 1, decoded.data + decoded.len - (colon + 1));

    if (CRYPTO_memcmp(digest, found ? found->digest : dummy, 32) != 0
        || found == NULL)
    {
        return KG_DECLINED;
    }

    return KG_OK;
}


kg_int_t
kg_admin_auth_bearer(kg_array_t *tokens, kg_str_t *authorization)
{
    kg_str_t           token;
    kg_uint_t          i, match;
    kg_admin_token_t  *t;
    u_char             digest[32];

    if (authorization->len < 8
        || kg_strncasecmp(authorization->data, (u_char *) "Bearer ", 7) != 0)
    {
        return KG_DECLINED;
    }

    token.data = authorization->data + 7;
    token.len = authorization->len - 7;
    kg_admin_trim(&token);

    if (token.len == 0
        || kg_admin_sha256(token.data, token.len, NULL, 0, digest) != KG_OK)
    {
        return KG_DECLINED;
    }

    /* every token is compared, so time does not tell which one matched */

    match = 0;
    t = tokens->elts;

    for (i = 0; i < tokens->nelts; i++) {
        match |= (CRYPTO_memcmp(digest, t[i].digest, 32) == 0);
    }

    return match ? KG_OK : KG_DECLINED;
}


/* the registry */


kg_admin_registry_t *
kg_admin_registry(kg_cycle_t *cycle)
{
    kg_pool_cleanup_t    *cln;
    kg_admin_registry_t  *reg;

    if (kg_admin_current && kg_admin_current->cycle == cycle) {
        return kg_admin_current;
    }

    reg = kg_pcalloc(cycle->pool, sizeof(kg_admin_registry_t));
    if (reg == NULL) {
        return NULL;
    }

    reg->cycle = cycle;

    if (kg_array_init(&reg->endpoints, cycle->pool, 8,
                      sizeof(kg_admin_endpoint_t))
        != KG_OK)
    {
        return NULL;
    }

    if (kg_array_init(&reg->ready, cycle->pool, 4,
                      sizeof(kg_admin_ready_check_t))
        != KG_OK)
    {
        return NULL;
    }

    /*
     * One registry per cycle: the cycle being configured.  When its pool
     * goes (a failed reload, an old cycle), the pointer goes with it, so
     * a new cycle at the same address never finds a stale registry.
     */

    cln = kg_pool_cleanup_add(cycle->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = kg_admin_registry_cleanup;
    cln->data = reg;

    kg_admin_current = reg;

    return reg;
}


static void
kg_admin_registry_cleanup(void *data)
{
    if (kg_admin_current == data) {
        kg_admin_current = NULL;
    }
}


kg_int_t
kg_admin_add_endpoint(kg_conf_t *cf, kg_str_t *method, kg_str_t *path,
    kg_uint_t prefix, kg_admin_handler_pt handler, void *data)
{
    kg_uint_t             i;
    kg_admin_endpoint_t  *e;
    kg_admin_registry_t  *reg;

    if (path->len == 0 || path->data[0] != '/' || method->len == 0
        || kg_admin_http_token(method->data, method->data + method->len)
           != KG_OK)
    {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "invalid admin endpoint \"%V %V\"", method, path);
        return KG_ERROR;
    }

    reg = kg_admin_registry(cf->cycle);
    if (reg == NULL) {
        return KG_ERROR;
    }

    e = reg->endpoints.elts;

    for (i = 0; i < reg->endpoints.nelts; i++) {
        if (e[i].prefix == (prefix ? 1 : 0)
            && e[i].method.len == method->len
            && e[i].path.len == path->len
            && kg_strncmp(e[i].method.data, method->data, method->len) == 0
            && kg_strncmp(e[i].path.data, path->data, path->len) == 0)
        {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "admin endpoint \"%V %V\" is already "
                              "registered", method, path);
            return KG_ERROR;
        }
    }

    e = kg_array_push(&reg->endpoints);
    if (e == NULL) {
        return KG_ERROR;
    }

    e->method.data = kg_pstrdup(cf->cycle->pool, method);
    e->path.data = kg_pstrdup(cf->cycle->pool, path);

    if (e->method.data == NULL || e->path.data == NULL) {
        return KG_ERROR;
    }

    e->method.len = method->len;
    e->path.len = path->len;
    e->prefix = prefix ? 1 : 0;
    e->handler = handler;
    e->data = data;

    return KG_OK;
}


kg_int_t
kg_admin_add_ready_check(kg_conf_t *cf, kg_str_t *name,
    kg_admin_ready_pt check, void *data)
{
    kg_admin_registry_t     *reg;
    kg_admin_ready_check_t  *rc;

    reg = kg_admin_registry(cf->cycle);
    if (reg == NULL) {
        return KG_ERROR;
    }

    rc = kg_array_push(&reg->ready);
    if (rc == NULL) {
        return KG_ERROR;
    }

    rc->name.data = kg_pstrdup(cf->cycle->pool, name);
    if (rc->name.data == NULL) {
        return KG_ERROR;
    }

    rc->name.len = name->len;
    rc->check = check;
    rc->data = data;

    return KG_OK;
}


kg_admin_endpoint_t *
kg_admin_find_endpoint(kg_admin_registry_t *registry, kg_str_t *method,
    kg_str_t *path, kg_pool_t *pool, kg_str_t *allow)
{
    u_char               *p;
    size_t                len, best_len;
    kg_uint_t             i, exact;
    kg_admin_endpoint_t  *e, *best;

    allow->len = 0;
    allow->data = NULL;

    if (registry == NULL) {
        return NULL;
    }

    e = registry->endpoints.elts;

    /* the best path first, whatever the method: exact, or longest prefix */

    best = NULL;
    best_len = 0;
    exact = 0;

    for (i = 0; i < registry->endpoints.nelts; i++) {

        if (!e[i].prefix) {
            if (e[i].path.len == path->len
                && kg_strncmp(e[i].path.data, path->data, path->len) == 0)
            {
                exact = 1;
                best = &e[i];
                break;
            }

            continue;
        }

        if (e[i].path.len <= path->len
            && e[i].path.len > best_len
            && kg_strncmp(e[i].path.data, path->data, e[i].path.len) == 0)
        {
            best = &e[i];
            best_len = e[i].path.len;
        }
    }

    if (best == NULL) {
        return NULL;
    }

    /* then the method among the endpoints of that very path */

    len = 0;

    for (i = 0; i < registry->endpoints.nelts; i++) {
        if (e[i].prefix == !exact
            && e[i].path.len == best->path.len
            && kg_strncmp(e[i].path.data, best->path.data, best->path.len)
               == 0)
        {
            if (e[i].method.len == method->len
                && kg_strncmp(e[i].method.data, method->data, method->len)
                   == 0)
            {
                return &e[i];
            }

            len += e[i].method.len + 2;
        }
    }

    p = kg_pnalloc(pool, len);
    if (p == NULL) {
        return NULL;
    }

    allow->data = p;

    for (i = 0; i < registry->endpoints.nelts; i++) {
        if (e[i].prefix == !exact
            && e[i].path.len == best->path.len
            && kg_strncmp(e[i].path.data, best->path.data, best->path.len)
               == 0)
        {
            if (p != allow->data) {
                *p++ = ',';
                *p++ = ' ';
            }

            p = kg_cpymem(p, e[i].method.data, e[i].method.len);
        }
    }

    allow->len = p - allow->data;

    return NULL;
}


/* answers */


kg_int_t
kg_admin_add_header(kg_admin_request_t *r, const char *name, kg_str_t *value)
{
    u_char  *p, *start;
    size_t   len;

    len = r->headers.len + kg_strlen(name) + sizeof(": " CRLF) - 1
          + value->len;

    start = kg_pnalloc(r->pool, len);
    if (start == NULL) {
        return KG_ERROR;
    }

    p = start;

    if (r->headers.len) {
        p = kg_cpymem(p, r->headers.data, r->headers.len);
    }

    r->headers.data = start;
    r->headers.len = kg_sprintf(p, "%s: %V" CRLF, name, value) - start;

    return KG_OK;
}


kg_int_t
kg_admin_send(kg_admin_request_t *r, kg_uint_t status,
    const char *content_type, kg_str_t *body)
{
    if (r->responded) {
        kg_log_error(KG_LOG_ALERT, r->connection->log, 0,
                     "admin request \"%V\" answered twice", &r->path);
        return KG_ERROR;
    }

    r->responded = 1;
    r->status = status;

    r->out = kg_admin_http_response(r->pool, status, content_type,
                                    &r->headers, body, r->keepalive);
    if (r->out == NULL) {
        r->keepalive = 0;
    }

    r->finalize(r);

    return KG_OK;
}


kg_int_t
kg_admin_send_json(kg_admin_request_t *r, kg_uint_t status,
    const char *fmt, ...)
{
    u_char    *p;
    size_t     size;
    va_list    args;
    kg_str_t   body;

    /* a body that fills the buffer may be cut: retry with a bigger one */

    for (size = 1024; size <= 4 * 1024 * 1024; size *= 4) {

        body.data = kg_pnalloc(r->pool, size);
        if (body.data == NULL) {
            break;
        }

        va_start(args, fmt);
        p = kg_vslprintf(body.data, body.data + size - 1, fmt, args);
        va_end(args);

        if (p < body.data + size - 1) {
            *p++ = LF;
            body.len = p - body.data;

            return kg_admin_send(r, status, "application/json", &body);
        }
    }

    return kg_admin_send_error(r, 500, "internal_error",
                               "the answer could not be built");
}


kg_int_t
kg_admin_send_error(kg_admin_request_t *r, kg_uint_t status,
    const char *error, const char *message)
{
    kg_str_t  body;

    if (kg_admin_http_error_body(r->pool, &body, error, message) != KG_OK) {
        kg_str_null(&body);
    }

    return kg_admin_send(r, status, "application/json", &body);
}


kg_int_t
kg_admin_arg(kg_admin_request_t *r, const char *name, kg_str_t *value)
{
    return kg_admin_http_arg(r->pool, &r->args, name, value);
}


kg_str_t *
kg_admin_json(kg_admin_request_t *r, kg_str_t *s)
{
    kg_str_t  *dst;

    dst = kg_palloc(r->pool, sizeof(kg_str_t));
    if (dst == NULL) {
        return s;
    }

    if (kg_admin_json_escape(r->pool, dst, s) != KG_OK) {
        kg_str_set(dst, "");
    }

    return dst;
}

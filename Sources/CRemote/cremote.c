// Remote files by byte ranges (see include/cremote.h). libcurl (a C library with a stable ABI) is
// resolved with dlsym; its few option numbers are the documented constants of curl/curl.h, so no
// curl headers are needed to build. root:// goes through libHEPKitXRootD.so (Sources/CXRootDShim),
// the C shim over the C++ XRootD client, also loaded with dlopen.
//
// A statically linked process cannot dlopen (a second, uninitialised C library would be loaded),
// so there remote URLs fail with a message that says so.
#define _GNU_SOURCE
#include "cremote.h"
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>
#include <unistd.h>

static void say(char *error, size_t size, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error, size, format, arguments);
    va_end(arguments);
}

static int is_static_process(void) { return getauxval(AT_BASE) == 0; }

// MARK: libcurl

// Option and info numbers from curl/curl.h (part of libcurl's ABI since 7.x).
enum {
    CURLOPT_WRITEDATA = 10001, CURLOPT_URL = 10002, CURLOPT_RANGE = 10007, CURLOPT_HEADERDATA = 10029,
    CURLOPT_LOW_SPEED_LIMIT = 19, CURLOPT_LOW_SPEED_TIME = 20, CURLOPT_FAILONERROR = 45,
    CURLOPT_FOLLOWLOCATION = 52, CURLOPT_CONNECTTIMEOUT = 78, CURLOPT_HTTPGET = 80, CURLOPT_NOSIGNAL = 99,
    CURLOPT_PROTOCOLS = 181, CURLOPT_REDIR_PROTOCOLS = 182, CURLOPT_MAXREDIRS = 68,
    CURLOPT_WRITEFUNCTION = 20011, CURLOPT_HEADERFUNCTION = 20079,
    CURLINFO_RESPONSE_CODE = 0x200002,
    CURLPROTO_HTTP = 1, CURLPROTO_HTTPS = 2, CURL_GLOBAL_ALL = 3,
};

typedef void CURL;
typedef size_t (*curl_callback)(char *, size_t, size_t, void *);
static struct {
    int (*global_init)(long);
    CURL *(*easy_init)(void);
    int (*easy_setopt)(CURL *, int, ...);
    int (*easy_perform)(CURL *);
    int (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(int);
} curl;
static char curl_load_error[512];
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void load_curl(void) {
    const char *names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl-nss.so.4", "libcurl.so"};
    void *library = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !library; i++) library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        say(curl_load_error, sizeof curl_load_error, "libcurl is not installed (%s)", dlerror());
        return;
    }
    curl.global_init = (int (*)(long))dlsym(library, "curl_global_init");
    curl.easy_init = (CURL * (*)(void)) dlsym(library, "curl_easy_init");
    curl.easy_setopt = (int (*)(CURL *, int, ...))dlsym(library, "curl_easy_setopt");
    curl.easy_perform = (int (*)(CURL *))dlsym(library, "curl_easy_perform");
    curl.easy_getinfo = (int (*)(CURL *, int, ...))dlsym(library, "curl_easy_getinfo");
    curl.easy_cleanup = (void (*)(CURL *))dlsym(library, "curl_easy_cleanup");
    curl.easy_strerror = (const char *(*)(int))dlsym(library, "curl_easy_strerror");
    if (!curl.global_init || !curl.easy_init || !curl.easy_setopt || !curl.easy_perform || !curl.easy_getinfo
        || !curl.easy_cleanup || !curl.easy_strerror || curl.global_init(CURL_GLOBAL_ALL) != 0) {
        say(curl_load_error, sizeof curl_load_error, "the libcurl found lacks the functions needed");
        curl.easy_init = NULL;
    }
}

/// Where a response body goes: `length` bytes at `buffer`; more is an error, not an overflow.
struct sink {
    char *buffer;
    int64_t length, received;
    int overflow;
};

static size_t write_body(char *data, size_t size, size_t count, void *context) {
    struct sink *sink = context;
    size_t n = size * count;
    if ((int64_t)n > sink->length - sink->received) {
        sink->overflow = 1;
        return 0;  // stops the transfer
    }
    memcpy(sink->buffer + sink->received, data, n);
    sink->received += (int64_t)n;
    return n;
}

/// Collects the total size from a `Content-Range: bytes a-b/TOTAL` header.
static size_t read_header(char *data, size_t size, size_t count, void *context) {
    size_t n = size * count;
    const char *prefix = "content-range:";
    size_t p = strlen(prefix);
    if (n > p && strncasecmp(data, prefix, p) == 0) {
        char line[256];
        size_t m = n < sizeof line - 1 ? n : sizeof line - 1;
        memcpy(line, data, m);
        line[m] = 0;
        const char *slash = strchr(line, '/');
        if (slash && slash[1] >= '0' && slash[1] <= '9') *(int64_t *)context = strtoll(slash + 1, NULL, 10);
    }
    return n;
}

static CURL *new_request(const char *url) {
    CURL *handle = curl.easy_init();
    if (!handle) return NULL;
    curl.easy_setopt(handle, CURLOPT_URL, url);
    curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
    curl.easy_setopt(handle, CURLOPT_MAXREDIRS, 5L);
    curl.easy_setopt(handle, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl.easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 20L);
    // a server that stops sending (below 1 byte/s for 60 s) fails the request instead of hanging
    curl.easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl.easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
    curl.easy_setopt(handle, CURLOPT_FAILONERROR, 1L);
    curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, (curl_callback)write_body);
    return handle;
}

/// One `Range: bytes=offset-(offset+length-1)` request on `handle` (kept alive between ranges).
static int http_range(CURL *handle, int64_t offset, int64_t length, void *buffer, int64_t *total, char *error,
                      size_t error_size) {
    char range[64];
    snprintf(range, sizeof range, "%" PRId64 "-%" PRId64, offset, offset + length - 1);
    struct sink sink = {buffer, length, 0, 0};
    curl.easy_setopt(handle, CURLOPT_RANGE, range);
    curl.easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
    curl.easy_setopt(handle, CURLOPT_HEADERFUNCTION, total ? (curl_callback)read_header : NULL);
    curl.easy_setopt(handle, CURLOPT_HEADERDATA, total);
    int code = curl.easy_perform(handle);
    long status = 0;
    curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    if (sink.overflow || (code == 0 && status != 206)) {
        // 200 is the whole file: the server ignored the range
        say(error, error_size, "the server does not answer range requests (HTTP %ld for bytes %s)", status, range);
        return -1;
    }
    if (code != 0) {
        say(error, error_size, "bytes %s: %s (HTTP %ld)", range, curl.easy_strerror(code), status);
        return -1;
    }
    if (sink.received != length) {
        say(error, error_size, "bytes %s: the server sent %" PRId64 " of %" PRId64 " bytes", range, sink.received, length);
        return -1;
    }
    return 0;
}

// MARK: XRootD (through libHEPKitXRootD.so)

typedef struct hepkit_xrootd hepkit_xrootd;
static struct {
    hepkit_xrootd *(*open)(const char *, int64_t *, char *, size_t);
    int (*readv)(hepkit_xrootd *, int, const int64_t *, const int64_t *, void *const *, char *, size_t);
    void (*close)(hepkit_xrootd *);
} xrootd;
static char xrootd_load_error[1024];
static pthread_once_t xrootd_once = PTHREAD_ONCE_INIT;

/// HEPKIT_XROOTD_LIBRARY, else libHEPKitXRootD.so next to the executable (where `swift build`
/// puts it), else the dynamic loader's search path.
static void load_xrootd(void) {
    char beside[PATH_MAX + 32] = "";
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        snprintf(beside, sizeof beside, "%s/libHEPKitXRootD.so", dirname(exe));
    }
    const char *candidates[] = {getenv("HEPKIT_XROOTD_LIBRARY"), beside, "libHEPKitXRootD.so"};
    char tried[768] = "";
    void *library = NULL;
    for (size_t i = 0; i < 3 && !library; i++) {
        if (!candidates[i] || !*candidates[i]) continue;
        library = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
        if (!library) {
            size_t used = strlen(tried);
            const char *why = dlerror();
            snprintf(tried + used, sizeof tried - used, "%s%s", used ? "; " : "", why ? why : candidates[i]);
        }
    }
    if (!library) {
        say(xrootd_load_error, sizeof xrootd_load_error,
            "the XRootD client is not available: libHEPKitXRootD.so (built with hepkit when libxrootd-client-dev "
            "is installed) and libXrdCl.so.3 (Debian: libxrdcl3 / xrootd-client) are needed (%s)", tried);
        return;
    }
    xrootd.open = (hepkit_xrootd * (*)(const char *, int64_t *, char *, size_t)) dlsym(library, "hepkit_xrootd_open");
    xrootd.readv = (int (*)(hepkit_xrootd *, int, const int64_t *, const int64_t *, void *const *, char *, size_t))dlsym(
        library, "hepkit_xrootd_readv");
    xrootd.close = (void (*)(hepkit_xrootd *))dlsym(library, "hepkit_xrootd_close");
    if (!xrootd.open || !xrootd.readv || !xrootd.close) {
        say(xrootd_load_error, sizeof xrootd_load_error, "libHEPKitXRootD.so lacks the hepkit_xrootd functions");
        xrootd.open = NULL;
    }
}

// MARK: the public functions

struct hepkit_remote {
    char *url;
    int64_t size;
    hepkit_xrootd *xrootd;  // NULL for HTTP
};

static int has_prefix(const char *text, const char *prefix) { return strncasecmp(text, prefix, strlen(prefix)) == 0; }

hepkit_remote *hepkit_remote_open(const char *url, char *error, size_t error_size) {
    int is_xrootd = has_prefix(url, "root://") || has_prefix(url, "roots://");
    int is_http = has_prefix(url, "http://") || has_prefix(url, "https://");
    if (!is_xrootd && !is_http) {
        say(error, error_size, "not a root://, http:// or https:// URL");
        return NULL;
    }
    if (is_static_process()) {
        say(error, error_size, "this hepkit is statically linked and cannot load %s; read remote files with the "
            "dynamically linked build (swift build), or copy the file to the node first",
            is_xrootd ? "the XRootD client" : "libcurl");
        return NULL;
    }
    hepkit_remote *file = calloc(1, sizeof *file);
    if (!file || !(file->url = strdup(url))) {
        free(file);
        say(error, error_size, "out of memory");
        return NULL;
    }
    if (is_xrootd) {
        pthread_once(&xrootd_once, load_xrootd);
        if (!xrootd.open) {
            say(error, error_size, "%s", xrootd_load_error);
            hepkit_remote_close(file);
            return NULL;
        }
        file->xrootd = xrootd.open(url, &file->size, error, error_size);
        if (!file->xrootd) {
            hepkit_remote_close(file);
            return NULL;
        }
        return file;
    }
    pthread_once(&curl_once, load_curl);
    if (!curl.easy_init) {
        say(error, error_size, "%s", curl_load_error);
        hepkit_remote_close(file);
        return NULL;
    }
    // the first byte: proves range support and gives the size in Content-Range
    CURL *handle = new_request(url);
    char first;
    int64_t total = -1;
    int status = handle ? http_range(handle, 0, 1, &first, &total, error, error_size) : -1;
    if (handle) curl.easy_cleanup(handle);
    else say(error, error_size, "curl_easy_init failed");
    if (status == 0 && total < 1) {
        say(error, error_size, "the server's answer to a range request has no Content-Range size");
        status = -1;
    }
    if (status != 0) {
        hepkit_remote_close(file);
        return NULL;
    }
    file->size = total;
    return file;
}

int64_t hepkit_remote_size(const hepkit_remote *file) { return file->size; }

int hepkit_remote_readv(hepkit_remote *file, int count, const int64_t *offsets, const int64_t *lengths,
                        void *const *buffers, char *error, size_t error_size) {
    for (int i = 0; i < count; i++) {
        if (offsets[i] < 0 || lengths[i] <= 0 || offsets[i] > file->size || lengths[i] > file->size - offsets[i]) {
            say(error, error_size, "range %" PRId64 "+%" PRId64 " outside the %" PRId64 "-byte file", offsets[i],
                lengths[i], file->size);
            return -1;
        }
    }
    if (file->xrootd) return xrootd.readv(file->xrootd, count, offsets, lengths, buffers, error, error_size);
    CURL *handle = new_request(file->url);
    if (!handle) {
        say(error, error_size, "curl_easy_init failed");
        return -1;
    }
    int status = 0;
    for (int i = 0; i < count && status == 0; i++)
        status = http_range(handle, offsets[i], lengths[i], buffers[i], NULL, error, error_size);
    curl.easy_cleanup(handle);
    return status;
}

void hepkit_remote_close(hepkit_remote *file) {
    if (!file) return;
    if (file->xrootd) xrootd.close(file->xrootd);
    free(file->url);
    free(file);
}

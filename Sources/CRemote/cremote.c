// Remote files by byte ranges (see include/cremote.h). libcurl (a C library with a stable ABI) is
// resolved with dlsym; its few option numbers are the documented constants of curl/curl.h, so no
// curl headers are needed to build. root:// goes through libHEPKitXRootD.so (Sources/CXRootDShim),
// the C shim over the C++ XRootD client, also loaded with dlopen.
//
// A statically linked process cannot dlopen (a second, uninitialised C library would be loaded).
// The static hepkit therefore carries, appended to its file by tools/append-remote-bridge.sh, a small
// dynamically linked helper (bridge/remote_bridge.c: this file plus a main) and the XRootD shim; on
// the first remote open it starts the helper as a child and sends it each open and read over a pair
// of pipes, as the MPI bridge does for MPI (Sources/CMPILoader).
#define _GNU_SOURCE
#include "csupport.h"
#include "cremote.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
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

// MARK: direct access (a dynamically linked process)

struct hepkit_remote {
    char *url;
    int64_t size;
    hepkit_xrootd *xrootd;  // NULL for HTTP
    uint64_t bridged;       // the bridge's handle, in a static process
};

static void direct_close(hepkit_remote *file);

static int has_prefix(const char *text, const char *prefix) { return strncasecmp(text, prefix, strlen(prefix)) == 0; }

static hepkit_remote *direct_open(const char *url, char *error, size_t error_size) {
    int is_xrootd = has_prefix(url, "root://") || has_prefix(url, "roots://");
    int is_http = has_prefix(url, "http://") || has_prefix(url, "https://");
    if (!is_xrootd && !is_http) {
        say(error, error_size, "not a root://, http:// or https:// URL");
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
            direct_close(file);
            return NULL;
        }
        file->xrootd = xrootd.open(url, &file->size, error, error_size);
        if (!file->xrootd) {
            direct_close(file);
            return NULL;
        }
        return file;
    }
    pthread_once(&curl_once, load_curl);
    if (!curl.easy_init) {
        say(error, error_size, "%s", curl_load_error);
        direct_close(file);
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
        direct_close(file);
        return NULL;
    }
    file->size = total;
    return file;
}

static int direct_readv(hepkit_remote *file, int count, const int64_t *offsets, const int64_t *lengths,
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

static void direct_close(hepkit_remote *file) {
    if (!file) return;
    if (file->xrootd) xrootd.close(file->xrootd);
    free(file->url);
    free(file);
}

// MARK: the bridge (a static process)

enum { REMOTE_OPEN = 1, REMOTE_READV = 2, REMOTE_CLOSE = 3 };
#define REMOTE_BRIDGE_MAGIC "HEPKIT-RMT-BRDG1"
#define XROOTD_SHIM_MAGIC "HEPKIT-XRD-SHIM1"
struct appended_trailer {
    uint64_t length;
    char magic[16];
};

static pthread_mutex_t bridge_lock = PTHREAD_MUTEX_INITIALIZER;
static int bridge_in = -1, bridge_out = -1;
static char bridge_error[1024];

/// Copies the file appended to our executable under `magic` into an anonymous memory file (-1 if
/// absent). Appended files are chained from the end: each is followed by its length and magic.
static int appended_file(const char *magic, int close_on_exec) {
    int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exe < 0) return -1;
    off_t end = lseek(exe, 0, SEEK_END);
    for (int step = 0; step < 8; step++) {
        struct appended_trailer trailer;
        if (end < (off_t)sizeof trailer
            || pread(exe, &trailer, sizeof trailer, end - (off_t)sizeof trailer) != (ssize_t)sizeof trailer
            || memcmp(trailer.magic, "HEPKIT-", 7) != 0 || trailer.length > (uint64_t)(end - (off_t)sizeof trailer))
            break;
        off_t start = end - (off_t)sizeof trailer - (off_t)trailer.length;
        if (memcmp(trailer.magic, magic, sizeof trailer.magic) != 0) {
            end = start;
            continue;
        }
        int image = memfd_create(magic, close_on_exec ? MFD_CLOEXEC : 0);
        char buffer[65536];
        for (uint64_t left = trailer.length; image >= 0 && left > 0;) {
            size_t chunk = left < sizeof buffer ? (size_t)left : sizeof buffer;
            if (pread(exe, buffer, chunk, start) != (ssize_t)chunk || hepkit_write_all(image, buffer, chunk)) {
                close(image);
                image = -1;
            }
            start += (off_t)chunk;
            left -= chunk;
        }
        close(exe);
        return image;
    }
    close(exe);
    return -1;
}

/// Starts the bridge once (under bridge_lock); 0 if it runs.
static int bridge_start(void) {
    if (bridge_in >= 0) return 0;
    if (bridge_error[0]) return -1;
    int image = appended_file(REMOTE_BRIDGE_MAGIC, 1);
    if (image < 0) {
        say(bridge_error, sizeof bridge_error, "this hepkit is statically linked and carries no remote-file bridge, and "
            "a static program cannot load libcurl or the XRootD client itself: build it with tools/build-static.sh "
            "(which appends the bridge), use the dynamically linked build, or copy the file to the node first");
        return -1;
    }
    int shim = appended_file(XROOTD_SHIM_MAGIC, 0);  // inherited by the bridge, which loads it by path
    int to_bridge[2], from_bridge[2];
    if (pipe2(to_bridge, O_CLOEXEC) || pipe2(from_bridge, O_CLOEXEC)) {
        say(bridge_error, sizeof bridge_error, "cannot create pipes for the remote-file bridge");
        return -1;
    }
    char image_path[64], shim_path[64] = "";
    snprintf(image_path, sizeof image_path, "/proc/self/fd/%d", image);
    if (shim >= 0) snprintf(shim_path, sizeof shim_path, "/proc/self/fd/%d", shim);
    pid_t pid = fork();
    if (pid < 0) {
        say(bridge_error, sizeof bridge_error, "fork failed for the remote-file bridge");
        return -1;
    }
    if (pid == 0) {
        dup2(to_bridge[0], 0);
        dup2(from_bridge[1], 1);
        if (shim >= 0 && !getenv("HEPKIT_XROOTD_LIBRARY")) setenv("HEPKIT_XROOTD_LIBRARY", shim_path, 1);
        char *argv[] = {"hepkit-remote-bridge", NULL};
        execv(image_path, argv);
        _exit(127);
    }
    close(image);
    if (shim >= 0) close(shim);
    close(to_bridge[0]);
    close(from_bridge[1]);
    bridge_in = to_bridge[1];
    bridge_out = from_bridge[0];
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/// Reads the bridge's status word; on failure its message into `error`.
static int bridge_status(char *error, size_t error_size) {
    int32_t status;
    if (hepkit_read_all(bridge_out, &status, sizeof status)) {
        say(error, error_size, "the remote-file bridge stopped (it is a dynamically linked helper: it needs the "
            "node's C library and dynamic loader, and libcurl.so.4 or libXrdCl.so.3 for the URL's scheme)");
        close(bridge_in);
        close(bridge_out);
        bridge_in = bridge_out = -1;
        return -1;
    }
    if (status == 0) return 0;
    uint32_t length;
    char message[1024];
    if (hepkit_read_all(bridge_out, &length, sizeof length) || length >= sizeof message || hepkit_read_all(bridge_out, message, length)) {
        say(error, error_size, "the remote-file bridge failed without a message");
        return -1;
    }
    message[length] = 0;
    say(error, error_size, "%s", message);
    return -1;
}

static hepkit_remote *bridge_open(const char *url, char *error, size_t error_size) {
    pthread_mutex_lock(&bridge_lock);
    hepkit_remote *file = NULL;
    if (bridge_start() != 0) {
        say(error, error_size, "%s", bridge_error);
    } else {
        uint32_t op = REMOTE_OPEN, length = (uint32_t)strlen(url);
        int64_t reply[2];
        if (hepkit_write_all(bridge_in, &op, sizeof op) || hepkit_write_all(bridge_in, &length, sizeof length)
            || hepkit_write_all(bridge_in, url, length))
            say(error, error_size, "the remote-file bridge stopped");
        else if (bridge_status(error, error_size) == 0 && hepkit_read_all(bridge_out, reply, sizeof reply) == 0
                 && (file = calloc(1, sizeof *file))) {
            file->size = reply[0];
            file->bridged = (uint64_t)reply[1];
        }
    }
    pthread_mutex_unlock(&bridge_lock);
    return file;
}

static int bridge_readv(hepkit_remote *file, int count, const int64_t *offsets, const int64_t *lengths,
                        void *const *buffers, char *error, size_t error_size) {
    pthread_mutex_lock(&bridge_lock);
    int status = -1;
    uint32_t op = REMOTE_READV;
    int32_t n = count;
    if (bridge_in < 0) {
        say(error, error_size, "the remote-file bridge stopped");
    } else if (hepkit_write_all(bridge_in, &op, sizeof op) || hepkit_write_all(bridge_in, &file->bridged, sizeof file->bridged)
               || hepkit_write_all(bridge_in, &n, sizeof n) || hepkit_write_all(bridge_in, offsets, sizeof *offsets * (size_t)count)
               || hepkit_write_all(bridge_in, lengths, sizeof *lengths * (size_t)count)) {
        say(error, error_size, "the remote-file bridge stopped");
    } else if (bridge_status(error, error_size) == 0) {
        status = 0;
        for (int i = 0; i < count && status == 0; i++)
            if (hepkit_read_all(bridge_out, buffers[i], (size_t)lengths[i])) {
                say(error, error_size, "the remote-file bridge stopped mid-answer");
                status = -1;
            }
    }
    pthread_mutex_unlock(&bridge_lock);
    return status;
}

static void bridge_close(hepkit_remote *file) {
    pthread_mutex_lock(&bridge_lock);
    uint32_t op = REMOTE_CLOSE;
    if (bridge_in >= 0) {
        hepkit_write_all(bridge_in, &op, sizeof op);
        hepkit_write_all(bridge_in, &file->bridged, sizeof file->bridged);
    }
    pthread_mutex_unlock(&bridge_lock);
    free(file);
}

/// Writes a status word (and the message of a failure) to hepkit.
static void bridge_reply_status(int status, const char *message) {
    int32_t code = status == 0 ? 0 : 1;
    hepkit_write_all(1, &code, sizeof code);
    if (status != 0) {
        uint32_t length = (uint32_t)strnlen(message, 1023);
        hepkit_write_all(1, &length, sizeof length);
        hepkit_write_all(1, message, length);
    }
}

int hepkit_remote_bridge_main(void) {
    char error[1024];
    for (;;) {
        uint32_t op;
        if (hepkit_read_all(0, &op, sizeof op)) return 0;  // hepkit is gone
        if (op == REMOTE_OPEN) {
            uint32_t length;
            char url[8192];
            if (hepkit_read_all(0, &length, sizeof length) || length >= sizeof url || hepkit_read_all(0, url, length)) return 1;
            url[length] = 0;
            error[0] = 0;
            hepkit_remote *file = direct_open(url, error, sizeof error);
            bridge_reply_status(file ? 0 : -1, error);
            if (file) {
                int64_t reply[2] = {file->size, (int64_t)(uintptr_t)file};
                hepkit_write_all(1, reply, sizeof reply);
            }
        } else if (op == REMOTE_READV) {
            uint64_t handle;
            int32_t count;
            if (hepkit_read_all(0, &handle, sizeof handle) || hepkit_read_all(0, &count, sizeof count) || count < 0 || count > 1 << 20)
                return 1;
            int64_t *ranges = malloc(2 * sizeof(int64_t) * (size_t)(count ? count : 1));
            void **buffers = calloc((size_t)(count ? count : 1), sizeof *buffers);
            if (!ranges || !buffers || hepkit_read_all(0, ranges, 2 * sizeof(int64_t) * (size_t)count)) return 1;
            int64_t *offsets = ranges, *lengths = ranges + count;
            int status = 0;
            for (int i = 0; i < count && status == 0; i++)
                if (lengths[i] <= 0 || lengths[i] > ((int64_t)1 << 32) || !(buffers[i] = malloc((size_t)lengths[i]))) {
                    say(error, sizeof error, "impossible range length %" PRId64, lengths[i]);
                    status = -1;
                }
            error[0] = 0;
            if (status == 0)
                status = direct_readv((hepkit_remote *)(uintptr_t)handle, count, offsets, lengths, buffers, error,
                                      sizeof error);
            bridge_reply_status(status, error);
            for (int i = 0; i < count; i++) {
                if (status == 0) hepkit_write_all(1, buffers[i], (size_t)lengths[i]);
                free(buffers[i]);
            }
            free(buffers);
            free(ranges);
        } else if (op == REMOTE_CLOSE) {
            uint64_t handle;
            if (hepkit_read_all(0, &handle, sizeof handle)) return 1;
            direct_close((hepkit_remote *)(uintptr_t)handle);
        } else {
            return 1;
        }
    }
}

// MARK: the public functions: direct, or through the bridge

hepkit_remote *hepkit_remote_open(const char *url, char *error, size_t error_size) {
    return is_static_process() ? bridge_open(url, error, error_size) : direct_open(url, error, error_size);
}

int64_t hepkit_remote_size(const hepkit_remote *file) { return file->size; }

int hepkit_remote_readv(hepkit_remote *file, int count, const int64_t *offsets, const int64_t *lengths,
                        void *const *buffers, char *error, size_t error_size) {
    if (file->bridged) return bridge_readv(file, count, offsets, lengths, buffers, error, error_size);
    return direct_readv(file, count, offsets, lengths, buffers, error, error_size);
}

void hepkit_remote_close(hepkit_remote *file) {
    if (!file) return;
    if (file->bridged) bridge_close(file);
    else direct_close(file);
}

#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE // RTLD_DEFAULT
#endif
#include "conduit_curl.h"

#include <dlfcn.h>
#include <pthread.h>

// CURLcode curl_easy_setopt(CURL *, CURLoption, ...) and the rest, as function pointers.
typedef int (*setopt_fn)(conduit_curl *, int, ...);
typedef int (*getinfo_fn)(conduit_curl *, int, ...);
typedef conduit_curl *(*init_fn)(void);
typedef void (*handle_fn)(conduit_curl *);
typedef int (*perform_fn)(conduit_curl *);
typedef conduit_curl_slist *(*slist_append_fn)(conduit_curl_slist *, const char *);
typedef void (*slist_free_fn)(conduit_curl_slist *);
typedef const char *(*strerror_fn)(int);
typedef int (*global_init_fn)(long);

static struct {
    init_fn easy_init;
    setopt_fn easy_setopt;
    perform_fn easy_perform;
    getinfo_fn easy_getinfo;
    handle_fn easy_cleanup;
    handle_fn easy_reset;
    slist_append_fn slist_append;
    slist_free_fn slist_free_all;
    strerror_fn easy_strerror;
    global_init_fn global_init;
} api;

static int available;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/// All ten from one place, or none.
static int resolve(void *from) {
    api.easy_init = (init_fn)dlsym(from, "curl_easy_init");
    api.easy_setopt = (setopt_fn)dlsym(from, "curl_easy_setopt");
    api.easy_perform = (perform_fn)dlsym(from, "curl_easy_perform");
    api.easy_getinfo = (getinfo_fn)dlsym(from, "curl_easy_getinfo");
    api.easy_cleanup = (handle_fn)dlsym(from, "curl_easy_cleanup");
    api.easy_reset = (handle_fn)dlsym(from, "curl_easy_reset");
    api.slist_append = (slist_append_fn)dlsym(from, "curl_slist_append");
    api.slist_free_all = (slist_free_fn)dlsym(from, "curl_slist_free_all");
    api.easy_strerror = (strerror_fn)dlsym(from, "curl_easy_strerror");
    api.global_init = (global_init_fn)dlsym(from, "curl_global_init");
    return api.easy_init && api.easy_setopt && api.easy_perform && api.easy_getinfo && api.easy_cleanup
        && api.easy_reset && api.slist_append && api.slist_free_all && api.easy_strerror && api.global_init;
}

static void load(void) {
    int found = resolve(RTLD_DEFAULT);
    if (!found) {
#if defined(__APPLE__)
        void *library = dlopen("/usr/lib/libcurl.4.dylib", RTLD_NOW | RTLD_LOCAL);
        if (!library) library = dlopen("libcurl.4.dylib", RTLD_NOW | RTLD_LOCAL);
#else
        void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!library) library = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
#endif
        if (library) found = resolve(library);
    }
    // CURL_GLOBAL_ALL (SSL | WIN32). Reference-counted in libcurl, so calling it when
    // something else in the process already did is harmless.
    available = found && api.global_init(3L) == 0;
}

int conduit_curl_available(void) {
    pthread_once(&once, load);
    return available;
}

conduit_curl *conduit_curl_easy_init(void) { return conduit_curl_available() ? api.easy_init() : NULL; }
void conduit_curl_easy_cleanup(conduit_curl *handle) { if (handle) api.easy_cleanup(handle); }
void conduit_curl_easy_reset(conduit_curl *handle) { api.easy_reset(handle); }
int conduit_curl_easy_perform(conduit_curl *handle) { return api.easy_perform(handle); }

int conduit_curl_setopt_long(conduit_curl *handle, int option, long value) {
    return api.easy_setopt(handle, option, value);
}

int conduit_curl_setopt_pointer(conduit_curl *handle, int option, const void *value) {
    return api.easy_setopt(handle, option, value);
}

int conduit_curl_setopt_string(conduit_curl *handle, int option, const char *value) {
    return api.easy_setopt(handle, option, value);
}

int conduit_curl_setopt_slist(conduit_curl *handle, int option, conduit_curl_slist *list) {
    return api.easy_setopt(handle, option, list);
}

int conduit_curl_setopt_off_t(conduit_curl *handle, int option, int64_t value) {
    // curl_off_t is a 64-bit signed integer on every platform conduit runs on.
    return api.easy_setopt(handle, option, (long long)value);
}

int conduit_curl_setopt_data_callback(conduit_curl *handle, int option, conduit_curl_data_callback callback) {
    return api.easy_setopt(handle, option, callback);
}

int conduit_curl_setopt_seek_callback(conduit_curl *handle, int option, conduit_curl_seek_callback callback) {
    return api.easy_setopt(handle, option, callback);
}

int conduit_curl_setopt_progress_callback(conduit_curl *handle, int option, conduit_curl_progress_callback callback) {
    return api.easy_setopt(handle, option, callback);
}

int conduit_curl_getinfo_long(conduit_curl *handle, int info, long *value) {
    return api.easy_getinfo(handle, info, value);
}

int conduit_curl_getinfo_string(conduit_curl *handle, int info, const char **value) {
    return api.easy_getinfo(handle, info, value);
}

int conduit_curl_getinfo_off_t(conduit_curl *handle, int info, int64_t *value) {
    long long out = 0;
    int code = api.easy_getinfo(handle, info, &out);
    *value = (int64_t)out;
    return code;
}

conduit_curl_slist *conduit_curl_slist_append(conduit_curl_slist *list, const char *line) {
    return api.slist_append(list, line);
}

void conduit_curl_slist_free_all(conduit_curl_slist *list) { if (list) api.slist_free_all(list); }

const char *conduit_curl_easy_strerror(int code) {
    return conduit_curl_available() ? api.easy_strerror(code) : "libcurl is not available";
}

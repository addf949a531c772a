#ifndef CONDUIT_CURL_H
#define CONDUIT_CURL_H

// libcurl's easy API, reached at run time: conduit links no libcurl and needs no curl
// headers to build. The functions are looked up in the process first and otherwise in
// the system's libcurl, opened with dlopen (Linux: libcurl.so.4 from the libcurl4
// package; macOS: /usr/lib/libcurl.4.dylib). The option numbers are declared here (they
// are stable ABI), and the variadic curl_easy_setopt / curl_easy_getinfo get typed,
// non-variadic wrappers that Swift can call.

#include <stddef.h>
#include <stdint.h>

/// A CURL * easy handle.
typedef struct conduit_curl conduit_curl;
/// A struct curl_slist * header list.
typedef struct conduit_curl_slist conduit_curl_slist;

/// size_t write/header callback(char *data, size_t size, size_t count, void *context).
typedef size_t (*conduit_curl_data_callback)(char *data, size_t size, size_t count, void *context);
/// int seek callback(void *context, curl_off_t offset, int origin): CONDUIT_CURL_SEEKFUNC_*.
typedef int (*conduit_curl_seek_callback)(void *context, int64_t offset, int origin);
/// int xferinfo callback(void *context, curl_off_t dltotal, dlnow, ultotal, ulnow); non-zero aborts.
typedef int (*conduit_curl_progress_callback)(void *context, int64_t download_total, int64_t download_now,
                                              int64_t upload_total, int64_t upload_now);

/// 1 when every function was found and curl_global_init succeeded (done once), else 0.
int conduit_curl_available(void);

conduit_curl *conduit_curl_easy_init(void);
void conduit_curl_easy_cleanup(conduit_curl *handle);
/// Forgets every option; keeps live connections, the DNS cache and session IDs.
void conduit_curl_easy_reset(conduit_curl *handle);
int conduit_curl_easy_perform(conduit_curl *handle);

int conduit_curl_setopt_long(conduit_curl *handle, int option, long value);
int conduit_curl_setopt_pointer(conduit_curl *handle, int option, const void *value);
int conduit_curl_setopt_string(conduit_curl *handle, int option, const char *value);
int conduit_curl_setopt_slist(conduit_curl *handle, int option, conduit_curl_slist *list);
int conduit_curl_setopt_off_t(conduit_curl *handle, int option, int64_t value);
int conduit_curl_setopt_data_callback(conduit_curl *handle, int option, conduit_curl_data_callback callback);
int conduit_curl_setopt_seek_callback(conduit_curl *handle, int option, conduit_curl_seek_callback callback);
int conduit_curl_setopt_progress_callback(conduit_curl *handle, int option, conduit_curl_progress_callback callback);

int conduit_curl_getinfo_long(conduit_curl *handle, int info, long *value);
int conduit_curl_getinfo_string(conduit_curl *handle, int info, const char **value);
int conduit_curl_getinfo_off_t(conduit_curl *handle, int info, int64_t *value);

/// Appends a copy of `line`; returns the new head, or NULL when out of memory (the old list stays).
conduit_curl_slist *conduit_curl_slist_append(conduit_curl_slist *list, const char *line);
void conduit_curl_slist_free_all(conduit_curl_slist *list);
const char *conduit_curl_easy_strerror(int code);

// Options (CURLOPTTYPE_LONG 0, OBJECTPOINT 10000, FUNCTIONPOINT 20000, OFF_T 30000).
#define CONDUIT_CURLOPT_WRITEDATA 10001
#define CONDUIT_CURLOPT_URL 10002
#define CONDUIT_CURLOPT_READDATA 10009
#define CONDUIT_CURLOPT_ERRORBUFFER 10010
#define CONDUIT_CURLOPT_WRITEFUNCTION 20011
#define CONDUIT_CURLOPT_READFUNCTION 20012
#define CONDUIT_CURLOPT_TIMEOUT_MS 155
#define CONDUIT_CURLOPT_POSTFIELDS 10015
#define CONDUIT_CURLOPT_LOW_SPEED_LIMIT 19
#define CONDUIT_CURLOPT_LOW_SPEED_TIME 20
#define CONDUIT_CURLOPT_HTTPHEADER 10023
#define CONDUIT_CURLOPT_HEADERDATA 10029
#define CONDUIT_CURLOPT_CUSTOMREQUEST 10036
#define CONDUIT_CURLOPT_VERBOSE 41
#define CONDUIT_CURLOPT_NOPROGRESS 43
#define CONDUIT_CURLOPT_NOBODY 44
#define CONDUIT_CURLOPT_UPLOAD 46
#define CONDUIT_CURLOPT_POST 47
#define CONDUIT_CURLOPT_FOLLOWLOCATION 52
#define CONDUIT_CURLOPT_XFERINFODATA 10057
#define CONDUIT_CURLOPT_CONNECTTIMEOUT_MS 156
#define CONDUIT_CURLOPT_HEADERFUNCTION 20079
#define CONDUIT_CURLOPT_HTTPGET 80
#define CONDUIT_CURLOPT_BUFFERSIZE 98
#define CONDUIT_CURLOPT_NOSIGNAL 99
#define CONDUIT_CURLOPT_ACCEPT_ENCODING 10102
#define CONDUIT_CURLOPT_INFILESIZE_LARGE 30115
#define CONDUIT_CURLOPT_POSTFIELDSIZE_LARGE 30120
#define CONDUIT_CURLOPT_TCP_NODELAY 121
#define CONDUIT_CURLOPT_SEEKFUNCTION 20167
#define CONDUIT_CURLOPT_SEEKDATA 10168
#define CONDUIT_CURLOPT_TCP_KEEPALIVE 213
#define CONDUIT_CURLOPT_XFERINFOFUNCTION 20219
#define CONDUIT_CURLOPT_SUPPRESS_CONNECT_HEADERS 265
#define CONDUIT_CURLOPT_PROTOCOLS_STR 10318
#define CONDUIT_CURLOPT_UNIX_SOCKET_PATH 10231

// What the read callback returns to abort, and what the seek callback answers.
#define CONDUIT_CURL_READFUNC_ABORT 0x10000000
#define CONDUIT_CURL_SEEKFUNC_OK 0
#define CONDUIT_CURL_SEEKFUNC_FAIL 1
#define CONDUIT_CURL_SEEKFUNC_CANTSEEK 2

// Information (CURLINFO_STRING 0x100000, LONG 0x200000, OFF_T 0x600000).
#define CONDUIT_CURLINFO_EFFECTIVE_URL (0x100000 + 1)
#define CONDUIT_CURLINFO_RESPONSE_CODE (0x200000 + 2)
#define CONDUIT_CURLINFO_OS_ERRNO (0x200000 + 25)
#define CONDUIT_CURLINFO_REDIRECT_URL (0x100000 + 31)
#define CONDUIT_CURLINFO_SIZE_DOWNLOAD_T (0x600000 + 8)

// Result codes (CURLcode).
#define CONDUIT_CURLE_OK 0
#define CONDUIT_CURLE_UNSUPPORTED_PROTOCOL 1
#define CONDUIT_CURLE_URL_MALFORMAT 3
#define CONDUIT_CURLE_COULDNT_RESOLVE_PROXY 5
#define CONDUIT_CURLE_COULDNT_RESOLVE_HOST 6
#define CONDUIT_CURLE_COULDNT_CONNECT 7
#define CONDUIT_CURLE_WEIRD_SERVER_REPLY 8
#define CONDUIT_CURLE_HTTP2 16
#define CONDUIT_CURLE_PARTIAL_FILE 18
#define CONDUIT_CURLE_WRITE_ERROR 23
#define CONDUIT_CURLE_OUT_OF_MEMORY 27
#define CONDUIT_CURLE_OPERATION_TIMEDOUT 28
#define CONDUIT_CURLE_SSL_CONNECT_ERROR 35
#define CONDUIT_CURLE_ABORTED_BY_CALLBACK 42
#define CONDUIT_CURLE_TOO_MANY_REDIRECTS 47
#define CONDUIT_CURLE_GOT_NOTHING 52
#define CONDUIT_CURLE_SEND_ERROR 55
#define CONDUIT_CURLE_RECV_ERROR 56
#define CONDUIT_CURLE_SSL_CERTPROBLEM 58
#define CONDUIT_CURLE_SSL_CIPHER 59
#define CONDUIT_CURLE_PEER_FAILED_VERIFICATION 60
#define CONDUIT_CURLE_BAD_CONTENT_ENCODING 61
#define CONDUIT_CURLE_SSL_CACERT_BADFILE 77
#define CONDUIT_CURLE_HTTP2_STREAM 92
#define CONDUIT_CURLE_PROXY 97

#endif

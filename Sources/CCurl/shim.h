#pragma once
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic (the third argument's
// type depends on the option), and Swift cannot call C variadic functions.
// One typed wrapper per argument type we use; the option's documented type
// must match the wrapper. See https://curl.se/libcurl/c/curl_easy_setopt.html
// and https://curl.se/libcurl/c/curl_easy_getinfo.html

static inline CURLcode tw_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tw_curl_easy_setopt_string(CURL *handle, CURLoption option,
                                                  const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tw_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_POSTFIELDSIZE_LARGE takes a curl_off_t.
static inline CURLcode tw_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tw_curl_easy_setopt_slist(CURL *handle, CURLoption option,
                                                 struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION share this signature.
static inline CURLcode tw_curl_easy_setopt_write_callback(CURL *handle, CURLoption option,
                                                          curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_READFUNCTION (the body of an SMTP upload is read through it).
static inline CURLcode tw_curl_easy_setopt_read_callback(CURL *handle, CURLoption option,
                                                         curl_read_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode tw_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode tw_curl_easy_getinfo_string(CURL *handle, CURLINFO info,
                                                   const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

// CURL_GLOBAL_DEFAULT is a macro built from others; keep its meaning in C.
static inline CURLcode tw_curl_global_init_default(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

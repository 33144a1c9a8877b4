#pragma once
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot
// import it. These wrappers bind with SQLITE_TRANSIENT (SQLite copies the
// bytes before returning), so Swift may pass a pointer that is only valid for
// the duration of the call. See https://sqlite.org/c3ref/bind_blob.html
//
// A NULL data pointer makes sqlite3_bind_text64/blob64 bind SQL NULL, but Swift
// may hand us NULL for an empty string or array; substitute a real (empty)
// buffer so '' and x'' stay distinct from NULL.
static inline int tw_sqlite3_bind_text_transient(sqlite3_stmt *statement, int index,
                                                 const char *text, sqlite3_uint64 length) {
    static const char empty[1] = {0};
    return sqlite3_bind_text64(statement, index, text ? text : empty, length,
                               SQLITE_TRANSIENT, SQLITE_UTF8);
}

static inline int tw_sqlite3_bind_blob_transient(sqlite3_stmt *statement, int index,
                                                 const void *bytes, sqlite3_uint64 length) {
    static const char empty[1] = {0};
    return sqlite3_bind_blob64(statement, index, bytes ? bytes : (const void *)empty, length,
                               SQLITE_TRANSIENT);
}

/* The plain-CGI floor for `make bench`: the least a CGI request of this kind
 * can cost. Opens the same SQLite file as the program (WAL, busy timeout),
 * inserts one row with a fresh random token, prints a small page. Durability
 * settings as the program's SQLite store (WAL, synchronous=NORMAL). Timed in
 * the same hyperfine run as the program's cold request.
 *
 * Usage: cgi-floor DATABASE */
#include <sqlite3.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

int main(int argc, char** argv)
{
    if (argc != 2) {
        fputs("usage: cgi-floor DATABASE\n", stderr);
        return 2;
    }
    sqlite3* db = NULL;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        fprintf(stderr, "cgi-floor: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    sqlite3_busy_timeout(db, 5000);
    /* The program's settings: WAL (already set on the file), synchronous=NORMAL,
     * and no checkpoint when this, often the last, connection closes. */
    sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS bench_floor (token BLOB PRIMARY KEY, created_at INTEGER NOT NULL)",
                 NULL, NULL, NULL);
    unsigned char token[32];
    if (getrandom(token, sizeof token, 0) != (ssize_t)sizeof token)
        return 1;
    sqlite3_stmt* insert = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO bench_floor (token, created_at) VALUES (?, ?)", -1, &insert, NULL);
    sqlite3_bind_blob(insert, 1, token, sizeof token, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 2, (sqlite3_int64)time(NULL));
    const int rc = sqlite3_step(insert);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    if (rc != SQLITE_DONE) {
        fputs("Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nbusy\n", stdout);
        return 1;
    }
    fputs("Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n\r\n"
          "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Hello</title></head>"
          "<body><p>One row stored.</p></body></html>\n",
          stdout);
    return 0;
}

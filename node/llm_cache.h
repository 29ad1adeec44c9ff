/* The llm behaviour's memory of answers: a chat completion is keyed by a hash of what
 * decides it (the model, the messages and the sampling parameters), so that the same
 * request is asked once; a record file gets every exchange as one JSON line; a replay
 * loads such a file into the cache, so that a run can be repeated with no network and the
 * same answers. No network and no threads of its own here: the requests go through
 * node/llmclient, the messages come from node/llm_prompt.
 *
 * A record file is JSON lines, one exchange each, written compact with its keys in this
 * order (numbers that are reals with 17 significant digits, so that they read back to the
 * same double, and non-ASCII as \u escapes):
 *   {"key":"32 hex","round":R,"agent":A,"model":"...","messages":[...],"temperature":T,
 *    "max_tokens":N,"seed":S|null,"content":"...","usage":{"prompt_tokens":P,
 *    "completion_tokens":C}}
 */
#ifndef NUNCHI_NODE_LLM_CACHE_H
#define NUNCHI_NODE_LLM_CACHE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define NN_LLMCACHE_KEY_LEN     32u         /* hex characters of a key, without the NUL */
#define NN_LLMCACHE_MAX_ENTRIES (1u << 20)  /* a named default for nn_llmcache_new */
#define NN_LLMCACHE_ENTRIES_CAP 0xfffffffeu /* the largest max_entries accepted */

/* ---- the key ---------------------------------------------------------------------- */

/* Writes the key of a request to out: 32 lower-case hex characters and a NUL, a 128-bit
 * hash of the canonical serialization of
 *   {"max_tokens":N,"messages":[...],"model":"...","seed":S|null,"temperature":T}
 * as json_dumps writes it with JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII |
 * JSON_REAL_PRECISION(17) (object keys sorted at every depth, so the order in which a
 * message's keys were set does not matter). The hash is two 64-bit multiply-xorshift
 * chains with different seeds over the bytes read as little-endian words, each closed by
 * SplitMix64's finaliser (nn_mix64): well mixed, NOT cryptographic (anyone can make two
 * requests collide on purpose; chance collisions are ~2^-128). The same inputs give the
 * same key on every machine: no pointer, hash seed or host byte order enters it, and
 * jansson prints reals with snprintf("%.17g") and then replaces the locale's decimal
 * point by '.' (strconv.c), so the locale does not enter either, except for a program
 * that calls setlocale() in another thread meanwhile (jansson's own caveat: use
 * uselocale()). Across C libraries, "%.17g" is exact in glibc and musl.
 * NN_OK; NN_EINVAL when model is NULL or not UTF-8, messages is not an array (or holds a
 * cycle), temperature is not finite, or has_seed and seed > INT64_MAX (JSON integers are
 * signed, as in nn_llmc_request_t); NN_ENOMEM. out is "" on failure. Any thread. */
int nn_llmcache_key(const char *model, const json_t *messages, double temperature,
                    uint32_t max_tokens, int has_seed, uint64_t seed,
                    char out[NN_LLMCACHE_KEY_LEN + 1]);

/* ---- the cache -------------------------------------------------------------------- */

/* One cached answer. Owned by the cache: valid, at the same address, until
 * nn_llmcache_destroy() (later puts do not move it). */
typedef struct nn_llmcache_entry {
    char key[NN_LLMCACHE_KEY_LEN + 1];
    char *content; /* the model's answer, NUL-terminated */
    uint64_t prompt_tokens, completion_tokens;
} nn_llmcache_entry_t;

/* An in-memory cache from keys to answers: open addressing over the key's first 64 bits
 * (already a hash), entries in blocks that never move. A cache belongs to one thread;
 * several threads may call nn_llmcache_get() at once while none puts. */
typedef struct nn_llmcache nn_llmcache_t;

/* Makes an empty cache that holds at most max_entries answers (1 ..
 * NN_LLMCACHE_ENTRIES_CAP; memory grows with the entries, not with max_entries). NN_OK;
 * NN_EINVAL for out NULL or max_entries out of range; NN_ENOMEM. *out stays NULL on
 * failure. */
int nn_llmcache_new(nn_llmcache_t **out, size_t max_entries);

/* Frees the cache and every entry; NULL-safe, nulls *c. */
void nn_llmcache_destroy(nn_llmcache_t **c);

/* The entry of key, or NULL when there is none (also for c NULL or a key that is not 32
 * lower-case hex characters). */
const nn_llmcache_entry_t *nn_llmcache_get(const nn_llmcache_t *c,
                                           const char key[NN_LLMCACHE_KEY_LEN + 1]);

/* Stores a copy of content (and the usage) under key. When key is there already the
 * first answer stays and this is NN_OK without a change: first answer wins, so that a
 * replay is deterministic. NN_ETOOBIG, storing nothing, when the cache holds max_entries
 * already (the caller counts it); NN_EINVAL for c or content NULL or a key that is not
 * 32 lower-case hex characters; NN_ENOMEM (nothing stored). */
int nn_llmcache_put(nn_llmcache_t *c, const char key[NN_LLMCACHE_KEY_LEN + 1], const char *content,
                    uint64_t prompt_tokens, uint64_t completion_tokens);

/* How many entries c holds (0 for NULL). */
size_t nn_llmcache_count(const nn_llmcache_t *c);

/* ---- record ----------------------------------------------------------------------- */

/* An open record file. A record belongs to one thread; several records, in threads or in
 * processes, may append to the same file at once: each line goes out in one write(2) of
 * the whole line on an O_APPEND descriptor, so on a local file system lines never
 * interleave (only when the kernel writes part of a line, as when the disk is full, is
 * the rest written by a second call). O_APPEND is not atomic on NFS. */
typedef struct nn_llmcache_rec nn_llmcache_rec_t;

/* Opens path for appending (O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode 0644 before
 * the umask), creating it when absent. NN_OK; NN_EINVAL for out or path NULL; NN_EIO with
 * err "cannot open the record file 'PATH': STRERROR"; NN_ENOMEM. *out stays NULL on
 * failure. err may be NULL. */
int nn_llmcache_record_open(nn_llmcache_rec_t **out, const char *path, char *err, size_t errlen);

/* Appends one exchange as one line (see the top of this file). key is written as given:
 * pass nn_llmcache_key() of the same model, messages, temperature, max_tokens and seed,
 * or nn_llmcache_load() will refuse the line. NN_OK; NN_EINVAL when an argument breaks
 * the contract of nn_llmcache_key(), key is not 32 lower-case hex, content is NULL or not
 * UTF-8, or round or a token count is > INT64_MAX; NN_EIO when write(2) fails (EINTR and
 * short writes are retried); NN_ENOMEM. Nothing is written on failure except by a
 * failing write(2). nn_llmcache_record_error() says what went wrong. */
int nn_llmcache_record_write(nn_llmcache_rec_t *r, const char key[NN_LLMCACHE_KEY_LEN + 1],
                             const char *model, const json_t *messages, double temperature,
                             uint32_t max_tokens, int has_seed, uint64_t seed, uint64_t round,
                             uint32_t agent, const char *content, uint64_t prompt_tokens,
                             uint64_t completion_tokens);

/* What the last failed nn_llmcache_record_write() of r said ("" when none), naming the
 * path, e.g. "cannot write the record file 'PATH': No space left on device". */
const char *nn_llmcache_record_error(const nn_llmcache_rec_t *r);

/* Closes the file and frees r; NULL-safe, nulls *r. */
void nn_llmcache_record_close(nn_llmcache_rec_t **r);

/* ---- replay ----------------------------------------------------------------------- */

/* Reads the record file path line by line (lines of any length) into c: each exchange's
 * key to its content and usage. Blank lines are skipped; unknown fields are ignored; a
 * key already in c keeps its first answer. Each line's key is recomputed from its own
 * model, messages, temperature, max_tokens and seed and must match, so that an edited
 * line is refused rather than answering a different question. *loaded (may be NULL)
 * counts the entries this call added, also on failure (those stay in c).
 * NN_OK; NN_EIO with err "cannot open the record file 'PATH': STRERROR" or a read error;
 * NN_EINVAL for c or path NULL, or a bad line, err naming file and line:
 *   "PATH:LINE: not JSON: ... (at column C)"
 *   "PATH:LINE: 'FIELD' missing"  /  "PATH:LINE: 'FIELD' must be ..."
 *   "PATH:LINE: the key does not match the exchange (the file was edited?): ..."
 * NN_ETOOBIG when c is full before the file ends ("PATH:LINE: the cache is full: ...");
 * NN_ENOMEM. err may be NULL. */
int nn_llmcache_load(nn_llmcache_t *c, const char *path, size_t *loaded, char *err, size_t errlen);

#endif

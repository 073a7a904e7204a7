// Stage one of the scan, 64 bytes per step: classify every byte, then turn the masks into
// the few positions the Swift walk must look at (see the header). The escape and string
// logic is simdjson's: bit tricks on 64-bit masks, no branch per byte.
//
// Each instruction set has its own classify function; one loop, inlined into one entry
// per instruction set, so that each copy is compiled for its target.
#include "veil_scan_kernel.h"

#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// `look`: an anchor hit or a covert-capable lead byte; `structure`: `[ ] { } ,`.
typedef struct masks {
    uint64_t look, quote, backslash, bad, structure;
} masks;

// Bytes allowed outside JSON strings, by nibbles (exact: each bucket is one high nibble
// times a set of low ones, except 0x80 = `[ ] { }`, which is {5, 7} x {B, D}).
// 0x01 tab LF CR, 0x02 space " + , - ., 0x04 digits and :, 0x08 E, 0x10 a e f l n,
// 0x20 r s t u, 0x40 `,` alone. A byte in no bucket cannot be JSON there. The structure
// bits 0x80 and 0x40 share one movemask: shifting each 16-bit lane left by one moves every
// byte's bit 6 to its bit 7.
static const uint8_t json_lo[16] = {
    0x06, 0x14, 0x26, 0x24, 0x24, 0x3C, 0x14, 0x04, 0x04, 0x05, 0x05, 0x82, 0x52, 0x83, 0x12, 0x00};
static const uint8_t json_hi[16] = {0x01, 0, 0x42, 0x04, 0x08, 0x80, 0x10, 0xA0, 0, 0, 0, 0, 0, 0, 0, 0};

// Bytes that start a character that can be covert (Covert.classify is not .none for some
// scalar they start) or that the normalised view changes (Fold.swift), by nibbles, exact:
// bit 1 for 0xC_, 2 for 0xD_, 4 for 0xE_, 8 for 0xF_, 0x10 and 0x20 for the C0 controls (but
// tab, LF and CR), 0x40 for DEL. C2 (NBSP, soft hyphen, C1 controls), C4 C5 C7 C9 (letters
// the view folds: dotless i, long s, the ligatures IJ LJ NJ DZ, Latin alpha and iota; left
// unmarked, `user ɑlice` went upstream unread), CA-CF (modifier apostrophes, combining marks,
// Greek), D0-D5 (Cyrillic; Armenian look-alikes), D6 D7 (Hebrew marks), D8 D9 DB-DF (Arabic,
// Syriac, Thaana and NKo marks and format characters), E0-E3 (marks and format characters of
// the Indic and other scripts, punctuation, spaces, fillers, braille blank), EA (Cyrillic
// extended, marks), EE EF (private use, selectors, BOM, fullwidth forms), F0 (format characters and marks of plane 1), F3
// (tags, selectors, plane 15), F4 (plane 16). The other accented Latin letters (C3 C6 C8),
// CJK and Hangul and the rest are never visited: in prose full of accented words they were
// most of the scan's work. Nor is F0 9F, the start of every emoji (U+1F000-1FFFF, none
// covert), but for F0 9F 84-87 and F0 9F AF (U+1F100-1F1FF, U+1FB00-1FBFF: squared and
// parenthesised letters, segmented digits, which the view reads as ASCII, and the flags):
// chat text is full of emoji, and the context rules that care (emoji sequences) look back
// from the selector or joiner.
static const uint8_t lead_lo[16] = {0x3E, 0x36, 0x37, 0x3E, 0x3B, 0x33, 0x32, 0x33,
                                    0x32, 0x23, 0x25, 0x33, 0x33, 0x23, 0x37, 0x77};
static const uint8_t lead_hi[16] = {0x10, 0x20, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0x01, 0x02, 0x04, 0x08};

static inline int is_plain_emoji(uint8_t b, uint8_t c, uint8_t d) {
    return b == 0xF0 && c == 0x9F && (d & 0xFC) != 0x84 && d != 0xAF;
}

int veil_kernel_covert_start(uint8_t b, uint8_t c, uint8_t d) {
    return (lead_lo[b & 15] & lead_hi[b >> 4]) && !is_plain_emoji(b, c, d);
}

// The fallback for other CPUs, and the reference the vector versions must equal: one byte
// at a time, from the same tables.
static masks classify_portable(const uint8_t *q, const veil_kernel_tables *t) {
    masks m = {0};
    for (int k = 0; k < 64; k++) {
        uint8_t b = q[k], c = q[k + 1], d = q[k + 2];
        uint64_t bit = 1ULL << k;
        if (t->first_lo[b & 15] & t->first_hi[b >> 4] & t->next_lo[c & 15] & t->next_hi[c >> 4] &
            t->third_lo[d & 15] & t->third_hi[d >> 4])
            m.look |= bit;
        uint8_t cls = json_lo[b & 15] & json_hi[b >> 4];
        if (veil_kernel_covert_start(b, c, d)) m.look |= bit;
        if (b == '"') m.quote |= bit;
        if (b == '\\') m.backslash |= bit;
        if (!cls) m.bad |= bit;
        if (cls & 0xC0) m.structure |= bit;
    }
    return m;
}

// The bytes followed by an escape letter whose decoded byte the scan must see: \u (anything),
// \/ (a path), \b and \f (controls, a hidden-data class); \n \t \r \" \\ are read as they
// stand. Asked only for blocks holding an escape: most blocks of prose have none.
static inline int decoded_letter(uint8_t c) { return c == 'u' || c == '/' || (c & 0xFB) == 'b'; }

static uint64_t next_decoded_portable(const uint8_t *q) {
    uint64_t m = 0;
    for (int k = 0; k < 64; k++) m |= (uint64_t)decoded_letter(q[k + 1]) << k;
    return m;
}

#if defined(__x86_64__)
#define CLASSIFY_BODY(W, V, load, set1, and_, andnot, or_, eq, shuf, srl, sll, mask, bcast)        \
    const V low = set1(0x0F), zero = set1(0);                                                \
    const V f_lo = bcast(t->first_lo), f_hi = bcast(t->first_hi);                           \
    const V n_lo = bcast(t->next_lo), n_hi = bcast(t->next_hi);                              \
    const V t_lo = bcast(t->third_lo), t_hi = bcast(t->third_hi);                            \
    const V j_lo = bcast(json_lo), j_hi = bcast(json_hi);                                    \
    const V l_lo = bcast(lead_lo), l_hi = bcast(lead_hi);                                    \
    masks m = {0};                                                                           \
    for (int h = 0; h < 64; h += W) {                                                        \
        V v = load(q + h), v1 = load(q + h + 1), v2 = load(q + h + 2);                       \
        V lo = and_(v, low), hi = and_(srl(v, 4), low);                                      \
        V lo1 = and_(v1, low), hi1 = and_(srl(v1, 4), low);                                  \
        V lo2 = and_(v2, low), hi2 = and_(srl(v2, 4), low);                                  \
        V a = and_(and_(shuf(f_lo, lo), shuf(f_hi, hi)), and_(shuf(n_lo, lo1), shuf(n_hi, hi1))); \
        a = and_(a, and_(shuf(t_lo, lo2), shuf(t_hi, hi2)));                                 \
        V cls = and_(shuf(j_lo, lo), shuf(j_hi, hi));                                        \
        uint64_t full = W == 64 ? ~0ULL : (1ULL << W) - 1;                                   \
        V emoji = and_(eq(v, set1(0xF0)), eq(v1, set1(0x9F)));                              \
        emoji = andnot(or_(eq(and_(v2, set1(0xFC)), set1(0x84)), eq(v2, set1(0xAF))), emoji); \
        V look = or_(a, andnot(emoji, and_(shuf(l_lo, lo), shuf(l_hi, hi))));               \
        m.look |= (~(uint64_t)(uint32_t)mask(eq(look, zero)) & full) << h;                   \
        m.quote |= (uint64_t)(uint32_t)mask(eq(v, set1('"'))) << h;                          \
        m.backslash |= (uint64_t)(uint32_t)mask(eq(v, set1('\\'))) << h;                     \
        m.bad |= (uint64_t)(uint32_t)mask(eq(cls, zero)) << h;                               \
        m.structure |= (uint64_t)(uint32_t)mask(or_(cls, sll(cls, 1))) << h;                 \
    }                                                                                        \
    return m;

#define LOAD256(p) _mm256_loadu_si256((const __m256i *)(p))
#define SET256(x) _mm256_set1_epi8((char)(x))
#define BCAST256(p) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(p)))
__attribute__((target("avx2"))) static masks classify_avx2(const uint8_t *q, const veil_kernel_tables *t) {
    CLASSIFY_BODY(32, __m256i, LOAD256, SET256, _mm256_and_si256, _mm256_andnot_si256, _mm256_or_si256, _mm256_cmpeq_epi8,
                  _mm256_shuffle_epi8, _mm256_srli_epi16, _mm256_slli_epi16, _mm256_movemask_epi8, BCAST256)
}

#define LOAD128(p) _mm_loadu_si128((const __m128i *)(p))
#define SET128(x) _mm_set1_epi8((char)(x))
__attribute__((target("ssse3"))) static masks classify_ssse3(const uint8_t *q, const veil_kernel_tables *t) {
    CLASSIFY_BODY(16, __m128i, LOAD128, SET128, _mm_and_si128, _mm_andnot_si128, _mm_or_si128, _mm_cmpeq_epi8, _mm_shuffle_epi8,
                  _mm_srli_epi16, _mm_slli_epi16, _mm_movemask_epi8, LOAD128)
}

// `b` and `f` differ in one bit (0x04): one compare for both.
#define NEXT_DECODED_BODY(W, V, load, set1, and_, or_, eq, mask)                                \
    uint64_t m = 0;                                                                          \
    for (int h = 0; h < 64; h += W) {                                                        \
        V v1 = load(q + h + 1);                                                              \
        V d = or_(or_(eq(v1, set1('u')), eq(v1, set1('/'))), eq(and_(v1, set1(0xFB)), set1('b'))); \
        m |= (uint64_t)(uint32_t)mask(d) << h;                                               \
    }                                                                                        \
    return m;

__attribute__((target("avx2"))) static uint64_t next_decoded_avx2(const uint8_t *q) {
    NEXT_DECODED_BODY(32, __m256i, LOAD256, SET256, _mm256_and_si256, _mm256_or_si256, _mm256_cmpeq_epi8, _mm256_movemask_epi8)
}

__attribute__((target("ssse3"))) static uint64_t next_decoded_ssse3(const uint8_t *q) {
    NEXT_DECODED_BODY(16, __m128i, LOAD128, SET128, _mm_and_si128, _mm_or_si128, _mm_cmpeq_epi8, _mm_movemask_epi8)
}

// AVX-512 (BW, VBMI): the whole block in one register, each test straight into a 64-bit
// mask, and 32 registers, so the ten tables stay in registers (with AVX2 they are reloaded
// from the stack every block). The nibble lookups are VBMI's 64-byte permutes of the table
// repeated four times: they read 6 bits of the index, so neither the low nibble nor the
// shifted high one needs masking (the 2 bits of the next byte a 16-bit shift brings in land
// on a copy of the same entry). About half the instructions of the AVX2 block.
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi")))
#define BCAST512(p) _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(p)))
AVX512 static masks classify_avx512(const uint8_t *q, const veil_kernel_tables *t) {
    __m512i v = _mm512_loadu_si512(q), v1 = _mm512_loadu_si512(q + 1), v2 = _mm512_loadu_si512(q + 2);
    __m512i hi = _mm512_srli_epi16(v, 4), hi1 = _mm512_srli_epi16(v1, 4), hi2 = _mm512_srli_epi16(v2, 4);
#define LOOK(table, x) _mm512_permutexvar_epi8(x, BCAST512(table))
    __m512i a = _mm512_and_si512(_mm512_and_si512(LOOK(t->first_lo, v), LOOK(t->first_hi, hi)),
                                 _mm512_and_si512(LOOK(t->next_lo, v1), LOOK(t->next_hi, hi1)));
    __mmask64 anchor = _mm512_test_epi8_mask(a, _mm512_and_si512(LOOK(t->third_lo, v2), LOOK(t->third_hi, hi2)));
    __mmask64 lead = _mm512_test_epi8_mask(LOOK(lead_lo, v), LOOK(lead_hi, hi));
    __m512i cls = _mm512_and_si512(LOOK(json_lo, v), LOOK(json_hi, hi));
#undef LOOK
    __mmask64 emoji = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8((char)0xF0))
        & _mm512_cmpeq_epi8_mask(v1, _mm512_set1_epi8((char)0x9F))
        & ~(_mm512_cmpeq_epi8_mask(_mm512_and_si512(v2, _mm512_set1_epi8((char)0xFC)), _mm512_set1_epi8((char)0x84))
            | _mm512_cmpeq_epi8_mask(v2, _mm512_set1_epi8((char)0xAF)));
    masks m;
    m.look = anchor | (lead & ~emoji);
    m.quote = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"'));
    m.backslash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
    m.bad = _mm512_testn_epi8_mask(cls, cls);
    m.structure = _mm512_test_epi8_mask(cls, _mm512_set1_epi8((char)0xC0));
    return m;
}

AVX512 static uint64_t next_decoded_avx512(const uint8_t *q) {
    __m512i v1 = _mm512_loadu_si512(q + 1);
    return _mm512_cmpeq_epi8_mask(v1, _mm512_set1_epi8('u')) | _mm512_cmpeq_epi8_mask(v1, _mm512_set1_epi8('/')) |
           _mm512_cmpeq_epi8_mask(_mm512_and_si512(v1, _mm512_set1_epi8((char)0xFB)), _mm512_set1_epi8('b'));
}
#endif

int32_t veil_kernel_best_isa(void) {
#if defined(__x86_64__)
    // AVX-512 only where it costs no clock speed, as simdjson decides: Ice Lake and later,
    // Zen 4 and later (which have VBMI2); Skylake-X runs slower near 512-bit instructions.
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vbmi2")
        && __builtin_cpu_supports("pclmul"))
        return 3;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul")) return 2;
    if (__builtin_cpu_supports("ssse3")) return 1;
#endif
    return 0;
}

static inline __attribute__((always_inline)) masks classify(const uint8_t *q, const veil_kernel_tables *t, int isa) {
#if defined(__x86_64__)
    if (isa == 3) return classify_avx512(q, t);
    if (isa == 2) return classify_avx2(q, t);
    if (isa == 1) return classify_ssse3(q, t);
#endif
    return classify_portable(q, t);
}

static inline __attribute__((always_inline)) uint64_t next_decoded(const uint8_t *q, int isa) {
#if defined(__x86_64__)
    if (isa == 3) return next_decoded_avx512(q);
    if (isa == 2) return next_decoded_avx2(q);
    if (isa == 1) return next_decoded_ssse3(q);
#endif
    return next_decoded_portable(q);
}

// Bytes escaped by a backslash (simdjson's json_escape_scanner): runs of backslashes
// alternate escape and escaped; the subtraction finds where each odd-aligned run ends.
static inline uint64_t escaped_bytes(uint64_t backslash, uint64_t *carry) {
    const uint64_t odd = 0xAAAAAAAAAAAAAAAAULL;
    uint64_t potential = backslash & ~*carry;
    uint64_t code = (((potential << 1) | odd) - potential) ^ odd;
    uint64_t escaped = code ^ (backslash | *carry);
    *carry = (code & backslash) >> 63;
    return escaped;
}

#if defined(__x86_64__)
__attribute__((target("pclmul,sse2"))) static inline uint64_t prefix_xor_clmul(uint64_t x) {
    __m128i v = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8((char)0xFF), 0);
    return (uint64_t)_mm_cvtsi128_si64(v);
}
#endif

// Bit k set when an odd number of bits at or below k are set: "inside a string". The AVX2
// path (chosen only with PCLMULQDQ too) multiplies carry-less by all ones: one instruction
// instead of a chain of twelve dependent shifts and XORs.
static inline __attribute__((always_inline)) uint64_t prefix_xor(uint64_t x, int isa) {
#if defined(__x86_64__)
    if (isa >= 2) return prefix_xor_clmul(x);
#endif
    x ^= x << 1; x ^= x << 2; x ^= x << 4; x ^= x << 8; x ^= x << 16; x ^= x << 32;
    return x;
}

// Each 64-byte block from `start`, as `q`: in place while the two bytes after it are in the
// body too (the test of a byte looks at the next two), then the last one or two through a
// zero-padded copy, bits past the end cleared. Two loops, so that the one that does the work
// calls nothing: a call there (memcpy) made the compiler keep the tables and the carry on the
// stack and reload them every block.
#define EACH_BLOCK(...)                                                                     \
    size_t k = 0;                                                                            \
    for (; k < words && start + 64 * k + 66 <= n; k++) {                                     \
        const uint8_t *q = p + start + 64 * k;                                               \
        const uint64_t valid = ~0ULL;                                                        \
        masks m = classify(q, t, isa);                                                       \
        __VA_ARGS__                                                                          \
    }                                                                                        \
    for (; k < words && start + 64 * k < n; k++) {                                           \
        size_t left = n - start - 64 * k;                                                    \
        uint8_t pad[128];                                                                    \
        memset(pad, 0, sizeof pad);                                                          \
        memcpy(pad, p + start + 64 * k, left);                                               \
        const uint8_t *q = pad;                                                              \
        const uint64_t valid = left < 64 ? (1ULL << left) - 1 : ~0ULL;                       \
        masks m = classify(q, t, isa);                                                       \
        __VA_ARGS__                                                                          \
    }

static inline __attribute__((always_inline)) long json_loop(const uint8_t *p, size_t n, size_t start, size_t words,
    const veil_kernel_tables *tables, veil_json_carry *carry, uint64_t *out, int isa) {
    // Locals, not the caller's memory: a store to `out` could alias a byte table, and the
    // compiler would reload all the tables every block.
    const veil_kernel_tables table_copy = *tables, *t = &table_copy;
    veil_json_carry c = *carry;
    EACH_BLOCK({
        uint64_t escaped = escaped_bytes(m.backslash, &c.escaped);
        uint64_t quote = m.quote & ~escaped;
        uint64_t in_string = prefix_xor(quote, isa) ^ c.in_string;
        c.in_string = (uint64_t)((int64_t)in_string >> 63);
        if (~in_string & m.bad & valid) return -1;
        uint64_t starts = m.backslash & ~escaped;
        uint64_t look = (m.look & ~(m.backslash | escaped)) | (starts ? starts & next_decoded(q, isa) : 0);
        out[k] = (quote | (~in_string & m.structure) | (in_string & look)) & valid;
    })
    *carry = c;
    return (long)k;
}

static inline __attribute__((always_inline)) long text_loop(const uint8_t *p, size_t n, size_t start, size_t words,
    const veil_kernel_tables *tables, uint64_t *out, int isa) {
    const veil_kernel_tables table_copy = *tables, *t = &table_copy;
    EACH_BLOCK({ out[k] = m.look & valid; })
    return (long)k;
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vbmi,pclmul"))) static long json_avx512(const uint8_t *p, size_t n, size_t start, size_t words,
    const veil_kernel_tables *t, veil_json_carry *c, uint64_t *out) { return json_loop(p, n, start, words, t, c, out, 3); }
AVX512 static long text_avx512(const uint8_t *p, size_t n, size_t start, size_t words,
    const veil_kernel_tables *t, uint64_t *out) { return text_loop(p, n, start, words, t, out, 3); }
__attribute__((target("avx2,pclmul"))) static long json_avx2(const uint8_t *p, size_t n, size_t start, size_t words,
    const veil_kernel_tables *t, veil_json_carry *c, uint64_t *out) { return json_loop(p, n, start, words, t, c, out, 2); }
__attribute__((target("avx2"))) static long text_avx2(const uint8_t *p, size_t n, size_t start, size_t words,
    const veil_kernel_tables *t, uint64_t *out) { return text_loop(p, n, start, words, t, out, 2); }
__attribute__((target("ssse3"))) static long json_ssse3(const uint8_t *p, size_t n, size_t start, size_t words,
    const veil_kernel_tables *t, veil_json_carry *c, uint64_t *out) { return json_loop(p, n, start, words, t, c, out, 1); }
__attribute__((target("ssse3"))) static long text_ssse3(const uint8_t *p, size_t n, size_t start, size_t words,
    const veil_kernel_tables *t, uint64_t *out) { return text_loop(p, n, start, words, t, out, 1); }
#endif

long veil_json_events(const void *body, size_t n, size_t start, size_t words, const veil_kernel_tables *t,
                      veil_json_carry *c, uint64_t *out) {
    const uint8_t *p = body;
#if defined(__x86_64__)
    if (t->isa == 3) return json_avx512(p, n, start, words, t, c, out);
    if (t->isa == 2) return json_avx2(p, n, start, words, t, c, out);
    if (t->isa == 1) return json_ssse3(p, n, start, words, t, c, out);
#endif
    return json_loop(p, n, start, words, t, c, out, 0);
}

long veil_text_events(const void *body, size_t n, size_t start, size_t words, const veil_kernel_tables *t,
                      uint64_t *out) {
    const uint8_t *p = body;
#if defined(__x86_64__)
    if (t->isa == 3) return text_avx512(p, n, start, words, t, out);
    if (t->isa == 2) return text_avx2(p, n, start, words, t, out);
    if (t->isa == 1) return text_ssse3(p, n, start, words, t, out);
#endif
    return text_loop(p, n, start, words, t, out, 0);
}

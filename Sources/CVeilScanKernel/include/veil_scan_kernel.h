// The scanner's hot loop (VeilScan): which bytes of a request body need a closer look.
// In C only because Swift cannot pick an instruction set at run time: the package builds
// for baseline x86-64 (SSE2), and the loop wants byte shuffles (SSSE3) 32 or 64 bytes wide
// (AVX2, AVX-512): the whole scan runs at 3.1 GB/s with AVX2, 1.9 with SSSE3.
#ifndef VEIL_SCAN_KERNEL_H
#define VEIL_SCAN_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/// Canary anchors and the date test as byte *triples*, for the shuffle lookup: a position
/// hits when first_lo[b & 15] & first_hi[b >> 4] & next_lo[c & 15] & next_hi[c >> 4]
/// & third_lo[d & 15] & third_hi[d >> 4] != 0, b its byte, c and d the next two (0 past
/// the end). Each bit is one bucket of triples.
typedef struct veil_kernel_tables {
    uint8_t first_lo[16], first_hi[16], next_lo[16], next_hi[16], third_lo[16], third_hi[16];
    /// 3: AVX-512 (BW, VBMI), 2: AVX2, 1: SSSE3, 0: portable C (see veil_kernel_best_isa).
    int32_t isa;
} veil_kernel_tables;

/// What a JSON scan carries from one 64-byte block to the next.
typedef struct veil_json_carry {
    uint64_t escaped;    // 1: the next block starts with an escaped byte
    uint64_t in_string;  // all ones: the next block starts inside a string
} veil_json_carry;

/// Nonzero when a character starting with bytes `b c d` can be covert or is changed by the
/// normalised view: b is a control (but tab, LF, CR) or a UTF-8 lead byte such a character
/// starts with (the kernel's table), and b c d is not a plain emoji (F0 9F but 84-87, AF).
int veil_kernel_covert_start(uint8_t b, uint8_t c, uint8_t d);

/// The best `isa` this CPU runs.
int32_t veil_kernel_best_isa(void);

/// JSON body: for the 64-byte blocks from `start` (a multiple of 64, counted from the body
/// start, with `carry` from the blocks before), at most `words` of them, writes a bit per
/// byte: real quotes; `{ } [ ] ,` outside strings; inside strings, anchor hits and
/// the lead bytes of characters that can be covert or that the view changes
/// (veil_kernel_covert_start) when not part
/// of an escape, and backslashes starting `\u` or `\/`.
/// Returns the blocks written (and `carry` after them), or -1 when a byte outside strings
/// cannot be JSON (`carry` then as it was).
long veil_json_events(const void *body, size_t n, size_t start, size_t words,
                      const veil_kernel_tables *t, veil_json_carry *carry, uint64_t *out);

/// Plain text: anchor hits and covert-capable lead bytes, a bit per byte, as above.
long veil_text_events(const void *text, size_t n, size_t start, size_t words,
                      const veil_kernel_tables *t, uint64_t *out);

#endif

/* How long one load waits on this machine's caches and memory, by the size
 * of what is read: the probe behind the README's account of the 10,000-route
 * rows (a hit that reads lines no private cache holds waits this long).
 *
 * Each buffer is one cycle through all its 64-byte lines in a shuffled
 * order, and each load reads the address of the next, so no two loads
 * overlap and the prefetcher cannot guess: the time per step is the latency
 * of the level the buffer fits in. On a shared VM, the L3 share changes with
 * the neighbours' load: run it more than once.
 *
 *     cc -O2 -o /tmp/memory_latency benchmarks/memory_latency.c
 *     /tmp/memory_latency            # 256 KB to 64 MB
 *     /tmp/memory_latency 4096       # 256 KB to 4 MB (the largest size, in KB)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { LINE = 64, STEPS = 20000000 };

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

/* A number from 0 to below, from a fixed seed: every run walks the same order. */
static size_t below(size_t bound, unsigned long long *seed) {
    *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (size_t)(*seed >> 33) % bound;
}

/* Nanoseconds a load over ``bytes`` of memory, lines in a shuffled cycle. */
static double latency(size_t bytes) {
    size_t lines = bytes / LINE;
    char *buffer = NULL;
    size_t *order = malloc(lines * sizeof *order);
    if (order == NULL || posix_memalign((void **)&buffer, LINE, bytes) != 0) {
        fprintf(stderr, "no memory for %zu bytes\n", bytes);
        exit(1);
    }
    unsigned long long seed = 1;
    for (size_t i = 0; i < lines; i++)
        order[i] = i;
    for (size_t i = lines - 1; i > 0; i--) { /* Fisher-Yates */
        size_t j = below(i + 1, &seed), kept = order[i];
        order[i] = order[j];
        order[j] = kept;
    }
    for (size_t i = 0; i < lines; i++)
        *(char **)(buffer + order[i] * LINE) = buffer + order[(i + 1) % lines] * LINE;
    char *at = buffer;
    for (size_t i = 0; i < lines; i++) /* once round, to warm what fits */
        at = *(char **)at;
    double start = now_ns();
    for (size_t i = 0; i < STEPS; i++)
        at = *(char **)at;
    double taken = (now_ns() - start) / STEPS;
    if (at == NULL) /* never: it keeps the chase from being optimized away */
        taken = -1;
    free(order);
    free(buffer);
    return taken;
}

int main(int argc, char **argv) {
    size_t most_kb = argc > 1 ? strtoull(argv[1], NULL, 10) : 64 * 1024;
    printf("%10s %10s\n", "size", "ns a load");
    for (size_t kb = 256; kb <= most_kb; kb *= 2)
        printf("%7zu KB %10.1f\n", kb, latency(kb * 1024));
    return 0;
}

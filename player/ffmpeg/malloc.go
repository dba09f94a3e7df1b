package ffmpeg

// glibc's allocator as a window with many decoders uses it. FFmpeg's
// decoders, swscale and Mesa's software renderer allocate with C malloc from
// whatever threads Go runs them on, so glibc gives each new thread an arena
// of its own (up to 8 per core), and after the first large block it frees it
// raises its threshold for mapping large blocks and for giving memory back
// (up to 32 and 64 MB): arenas then keep megabytes they no longer use
// (docs/PERFORMANCE.md, "Issue 22: memory after 10 minutes").

/*
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int lk_malloc_tune(int arenas, int mmap_threshold) {
	return mallopt(M_ARENA_MAX, arenas) && mallopt(M_MMAP_THRESHOLD, mmap_threshold);
}

// lk_malloc_arenas counts the arenas malloc_info reports.
static int lk_malloc_arenas(void) {
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL) {
		return -1;
	}
	malloc_info(0, f);
	fclose(f);
	int n = 0;
	for (char *p = buf; (p = strstr(p, "<heap nr=")) != NULL; p++) {
		n++;
	}
	free(buf);
	return n;
}

// lk_malloc_in_use is what the program holds from malloc: arenas' blocks in
// use and blocks mapped by themselves.
static size_t lk_malloc_in_use(void) {
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}

// lk_kept_run allocates and frees as a decoder and a renderer do, in a
// thread of its own: a 1 MB block (glibc's default maps it, and freeing it
// raises the thresholds), then eight 128 kB blocks, and reports through arg
// how many bytes the arenas still hold from the system once all are freed.
static void *lk_kept_run(void *arg) {
	long *kept = arg;
	size_t before = mallinfo2().arena;
	void *big = malloc(1 << 20);
	if (big == NULL) {
		*kept = -1;
		return NULL;
	}
	memset(big, 1, 1 << 20);
	free(big);
	void *blocks[8];
	for (int i = 0; i < 8; i++) {
		blocks[i] = malloc(128 << 10);
		if (blocks[i] == NULL) {
			*kept = -1;
			return NULL;
		}
		memset(blocks[i], 1, 128 << 10);
	}
	for (int i = 7; i >= 0; i--) {
		free(blocks[i]);
	}
	*kept = (long)mallinfo2().arena - (long)before;
	return NULL;
}

static long lk_malloc_kept(void) {
	long kept = -1;
	pthread_t t;
	if (pthread_create(&t, NULL, lk_kept_run, &kept) != 0) {
		return -1;
	}
	pthread_join(t, NULL);
	return kept;
}

// lk_fragment_run leaves a hole in a thread's arena, as a decoder closed
// between tiles that still play does: it allocates arg's count of 16 kB
// blocks and frees all but the last, which stays in use above them, so
// glibc cannot give the freed blocks back by trimming the arena's top.
static void *lk_held;

static void *lk_fragment_run(void *arg) {
	int n = *(int *)arg;
	void **blocks = malloc(n * sizeof(void *));
	if (blocks == NULL) {
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		blocks[i] = malloc(16 << 10);
		if (blocks[i] == NULL) {
			n = i;
			break;
		}
		memset(blocks[i], 1, 16 << 10);
	}
	for (int i = 0; i < n - 1; i++) {
		free(blocks[i]);
	}
	lk_held = n > 0 ? blocks[n - 1] : NULL;
	free(blocks);
	return NULL;
}

static int lk_fragment(int n) {
	pthread_t t;
	if (pthread_create(&t, NULL, lk_fragment_run, &n) != 0) {
		return 0;
	}
	pthread_join(t, NULL);
	return lk_held != NULL;
}

static void lk_fragment_release(void) {
	free(lk_held);
	lk_held = NULL;
}

struct lk_gate {
	sem_t ready, release;
};

// lk_sink keeps the compiler from eliding a malloc whose block is unused.
static void *volatile lk_sink;

static void *lk_thread_run(void *arg) {
	struct lk_gate *g = arg;
	void *p = malloc(64);
	lk_sink = p;
	sem_post(&g->ready);
	sem_wait(&g->release); // every thread holds its block at once
	free(p);
	return NULL;
}

// lk_malloc_threads runs n threads that each allocate while all are alive,
// as n decoders do: each may take an arena of its own. It returns how many
// threads it could start.
static int lk_malloc_threads(int n) {
	struct lk_gate g;
	pthread_t t[64];
	if (n > 64 || sem_init(&g.ready, 0, 0) != 0 || sem_init(&g.release, 0, 0) != 0) {
		return 0;
	}
	int made = 0;
	for (; made < n; made++) {
		if (pthread_create(&t[made], NULL, lk_thread_run, &g) != 0) {
			break;
		}
	}
	for (int i = 0; i < made; i++) {
		sem_wait(&g.ready);
	}
	for (int i = 0; i < made; i++) {
		sem_post(&g.release);
	}
	for (int i = 0; i < made; i++) {
		pthread_join(t[i], NULL);
	}
	sem_destroy(&g.ready);
	sem_destroy(&g.release);
	return made;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
)

const (
	// mallocArenas bounds the arenas glibc makes (those made before
	// BoundCHeap stay, and new threads share them). Steady decoding
	// allocates almost nothing (the decoders' pictures come from their own
	// pools), so threads seldom meet on an arena's lock.
	mallocArenas = 2
	// mallocMmapThreshold is the most glibc's dynamic threshold for
	// mapping a block by itself can reach (32 MB on 64-bit), made fixed.
	// Fixing it turns the dynamic thresholds off, so the threshold for
	// trimming an arena's free top stays at its default, 128 kB, instead of
	// twice the largest mapped block freed so far: arenas give back what
	// they no longer use. And a tile's texture, made and freed for every
	// picture (140 kB in a 4x4 wall, 8 MB maximised on a 1920x1080 screen),
	// comes from an arena rather than being mapped and faulted in anew.
	mallocMmapThreshold = 32 << 20
)

// ErrMallocTuning is returned by BoundCHeap when glibc refuses a setting.
var ErrMallocTuning = errors.New("ffmpeg: glibc refused a malloc setting")

// BoundCHeap sets glibc's allocator for a long-running process with many
// decoders: at most two arenas, and fixed thresholds (see mallocArenas and
// mallocMmapThreshold). It leaves glibc alone when the environment already
// tunes it (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_ or GLIBC_TUNABLES), and
// reports whether it changed anything. Call it early, before decoders and
// the renderer start: arenas made before it stay.
func BoundCHeap() (bool, error) {
	for _, k := range []string{"MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"} {
		if _, ok := os.LookupEnv(k); ok {
			return false, nil
		}
	}
	if C.lk_malloc_tune(mallocArenas, mallocMmapThreshold) == 0 {
		return false, ErrMallocTuning
	}
	return true, nil
}

// TrimCHeap gives the free pages of glibc's arenas back to the system
// (malloc_trim with no pad), also those between blocks still in use, which
// glibc's own trimming (only an arena's free top) keeps. It reports whether
// glibc gave anything back. It holds each arena's lock while it walks the
// arena's free blocks: a few milliseconds on a 16-tile wall (longer when
// the machine is so loaded that the trimming thread waits for a core).
func TrimCHeap() bool { return C.malloc_trim(0) == 1 }

// The functions below look at glibc for TestBoundCHeap, TestTrimCHeap and
// BenchmarkSixteenDecodersCHeap (cgo cannot be used in _test files).

// mallocArenasInUse returns how many arenas glibc has made so far.
func mallocArenasInUse() int { return int(C.lk_malloc_arenas()) }

// mallocInUse returns the bytes the process holds from C malloc.
func mallocInUse() int { return int(C.lk_malloc_in_use()) }

// mallocKeptAfterFree returns how many bytes glibc's arenas keep from the
// system after a thread freed what it allocated (see lk_kept_run), or -1.
func mallocKeptAfterFree() int { return int(C.lk_malloc_kept()) }

// fragmentCHeap leaves n-1 free 16 kB blocks in a thread's arena below one
// still in use (see lk_fragment_run); releaseFragment frees that one.
func fragmentCHeap(n int) error {
	if C.lk_fragment(C.int(n)) == 0 {
		return errors.New("ffmpeg: could not fragment the C heap")
	}
	return nil
}

func releaseFragment() { C.lk_fragment_release() }

// mallocFromThreads runs n C threads that allocate at the same time.
func mallocFromThreads(n int) error {
	if made := int(C.lk_malloc_threads(C.int(n))); made != n {
		return fmt.Errorf("ffmpeg: started %d of %d threads", made, n)
	}
	return nil
}

package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strconv"
	"syscall"
)

// madvPageout is MADV_PAGEOUT (Linux 5.4): reclaim these pages now, as the
// kernel does under memory pressure. It never changes what the pages hold:
// a clean page of a file leaves this process (and the page cache, unless
// another process maps it too) and the next touch reads it in again. Pages
// that other processes map too are left alone, and so are anonymous ones
// when there is no swap (a read-only mapping of a file holds anonymous
// pages only where the loader relocated it).
const madvPageout = 21

// madvRandom is MADV_RANDOM: a fault in the mapping reads the one page it
// needs, not the pages around it (the kernel's read-around of a fault reads
// up to 128 kB). Advised before the page-out, what the window faults back
// in is what it runs, not its neighbours.
const madvRandom = 1

// pageOutCode asks the kernel to reclaim the resident pages of every
// mapping of a file that this process cannot write: the code and read-only
// data of the program and its libraries, much of which a window touches
// only while it starts (LLVM compiling llvmpipe's shaders; the libraries
// that only libavfilter and libavdevice need; the fonts Fyne parses). What
// the window still runs faults back in, page by page: each mapping is
// advised random first (madvRandom), so that a fault does not read its
// neighbours back with it. It returns the bytes of the
// mappings advised and the first refusal, going on past it: the kernel
// refuses every mapping before Linux 5.4 and those of devices (a GPU
// driver's buffers), locked or of huge pages, always (EINVAL).
func pageOutCode() (int64, error) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	var advised int64
	var first error
	for _, m := range readOnlyFileMappings(bytes.NewReader(maps)) {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, madvRandom)
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, madvPageout); e != 0 {
			if first == nil {
				first = e
			}
			continue
		}
		advised += int64(m.end - m.start)
	}
	return advised, first
}

// mapping is an address range of /proc/PID/maps.
type mapping struct{ start, end uintptr }

// readOnlyFileMappings returns the mappings of a /proc/PID/maps listing
// that map a file (a path and an inode, not a device under /dev) without
// write permission.
func readOnlyFileMappings(r io.Reader) []mapping {
	var out []mapping
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		// 7f0c2e400000-7f0c2e4a2000 r-xp 00000000 fe:01 1234 /usr/lib/libx.so
		f := bytes.Fields(sc.Bytes())
		if len(f) < 6 || len(f[1]) != 4 || f[1][1] != '-' || string(f[4]) == "0" || f[5][0] != '/' || bytes.HasPrefix(f[5], []byte("/dev/")) {
			continue
		}
		lo, hi, ok := bytes.Cut(f[0], []byte("-"))
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(string(lo), 16, 64)
		end, err2 := strconv.ParseUint(string(hi), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		out = append(out, mapping{uintptr(start), uintptr(end)})
	}
	return out
}

package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// mappingRSS returns the resident kB of the mapping of /proc/self/smaps that
// starts at addr.
func mappingRSS(t *testing.T, addr uintptr) int {
	t.Helper()
	kb, err := strconv.Atoi(strings.Fields(smapsField(t, addr, "Rss:"))[0])
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

// smapsField is the value of the field named key (with its colon) of the
// mapping at addr in /proc/self/smaps.
func smapsField(t *testing.T, addr uintptr, key string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprintf("%x-", addr)
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, head):
			in = true
		case in && strings.HasPrefix(l, key):
			return strings.TrimSpace(strings.TrimPrefix(l, key))
		}
	}
	t.Fatalf("no %s of a mapping at %x in /proc/self/smaps", key, addr)
	return ""
}

// mapFile maps the file at path (size bytes) privately with prot.
func mapFile(t *testing.T, path string, size, prot int) []byte {
	t.Helper()
	f, err := os.Open(path)
	if prot&syscall.PROT_WRITE != 0 {
		f.Close()
		f, err = os.OpenFile(path, os.O_RDWR, 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, size, prot, syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(m) })
	return m
}

// TestPageOutCodeGivesBackFilePages: the pages of a file mapped read-only
// and read whole leave the process's RSS when the window pages out its
// start-up code, and read back the same afterwards; a file mapped
// writable, with a page written, is left as it is.
func TestPageOutCodeGivesBackFilePages(t *testing.T) {
	const size = 8 << 20
	dir := t.TempDir()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type == 0x01021994 { // TMPFS_MAGIC: its pages are memory, kept without swap
		t.Skipf("%s is a tmpfs: its pages cannot be paged out", dir)
	}
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	ro, rw := filepath.Join(dir, "ro"), filepath.Join(dir, "rw")
	for _, p := range []string{ro, rw} {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code := mapFile(t, ro, size, syscall.PROT_READ)
	written := mapFile(t, rw, size, syscall.PROT_READ|syscall.PROT_WRITE)
	var sum byte
	for i := 0; i < size; i += 4096 {
		sum += code[i] + written[i]
	}
	written[4096] = data[4096] + 1 // a private copy of this page, not in the file
	codeAt := uintptr(unsafe.Pointer(&code[0]))
	writtenAt := uintptr(unsafe.Pointer(&written[0]))
	before, writtenBefore := mappingRSS(t, codeAt), mappingRSS(t, writtenAt)
	if before < size/1024*9/10 || writtenBefore < 1024 {
		t.Fatalf("after reading every page: %d and %d kB resident, want about %d", before, writtenBefore, size/1024)
	}
	began := time.Now()
	advised, err := pageOutCode()
	took := time.Since(began)
	if err != nil {
		t.Fatal(err)
	}
	after, writtenAfter := mappingRSS(t, codeAt), mappingRSS(t, writtenAt)
	t.Logf("read-only mapping: %d kB resident before, %d kB after (%d MB of mappings advised in %v); writable one: %d, %d kB (sum %d)",
		before, after, advised>>20, took, writtenBefore, writtenAfter, sum)
	// What faults back in is the page touched, not its neighbours (the
	// kernel's read-around): the mapping is advised random.
	if flags := strings.Fields(smapsField(t, codeAt, "VmFlags:")); !slices.Contains(flags, "rr") {
		t.Errorf("read-only file mapping's flags %v: want rr (MADV_RANDOM)", flags)
	}
	if flags := strings.Fields(smapsField(t, writtenAt, "VmFlags:")); slices.Contains(flags, "rr") {
		t.Errorf("writable file mapping's flags %v: it should be left alone", flags)
	}
	if after > before/10 {
		t.Errorf("read-only file mapping: %d kB resident after paging out, want under %d", after, before/10)
	}
	if writtenAfter < writtenBefore*9/10 {
		t.Errorf("writable file mapping: %d kB resident after paging out, was %d: it should be left alone", writtenAfter, writtenBefore)
	}
	if !bytes.Equal(code, data) {
		t.Error("the read-only mapping reads otherwise after paging out")
	}
	if written[4096] != data[4096]+1 || !bytes.Equal(written[8192:], data[8192:]) {
		t.Error("the writable mapping lost what was written to it")
	}
}

func TestReadOnlyFileMappings(t *testing.T) {
	maps := `00400000-01000000 r-xp 00000000 fe:00 10625444 /usr/bin/lookout
01000000-01100000 rw-p 00c00000 fe:00 10625444 /usr/bin/lookout
26d7c000-29ead000 rw-p 00000000 00:00 0 [heap]
7f06b8e00000-7f06bf57c000 r-xp 00000000 fe:00 325977 /usr/lib/libLLVM-15.so.1
7f06bf57d000-7f06bfd9b000 r--p 0677c000 fe:00 325977 /usr/lib/libLLVM-15.so.1
7f06c0000000-7f06c1698000 rw-p 00000000 00:00 0
7f06c803f000-7f06c83ff000 rw-s 00000000 00:01 5996578 /SYSV00000000 (deleted)
7f06c9000000-7f06c9001000 ---p 00000000 00:00 0
7f06ca000000-7f06ca100000 r--s 10000000 00:05 441 /dev/dri/renderD128
7ffd1000-7ffd3000 r-xp 00000000 00:00 0 [vdso]
`
	got := readOnlyFileMappings(strings.NewReader(maps))
	want := []mapping{{0x00400000, 0x01000000}, {0x7f06b8e00000, 0x7f06bf57c000}, {0x7f06bf57d000, 0x7f06bfd9b000}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %x, want %x", got, want)
	}
}

package audio

import (
	"sync"
	"testing"
)

func TestRingWrapAround(t *testing.T) {
	r := NewRing(5)
	out := make([]int16, 8)
	steps := []struct {
		name      string
		write     []int16
		wantWrote int
		read      int
		want      []int16
	}{
		{"fill partly", []int16{1, 2, 3}, 3, 2, []int16{1, 2}},
		{"wrap the end", []int16{4, 5, 6, 7}, 4, 5, []int16{3, 4, 5, 6, 7}},
		{"drop overflow", []int16{8, 9, 10, 11, 12, 13}, 5, 8, []int16{8, 9, 10, 11, 12}},
		{"empty read", nil, 0, 4, []int16{}},
	}
	for _, s := range steps {
		if got := r.Write(s.write); got != s.wantWrote {
			t.Fatalf("%s: Write = %d, want %d", s.name, got, s.wantWrote)
		}
		if got := r.Len(); got != s.wantWrote+0 && s.name == "fill partly" {
			t.Fatalf("%s: Len = %d", s.name, got)
		}
		n := r.Read(out[:s.read])
		if n != len(s.want) {
			t.Fatalf("%s: Read = %d, want %d", s.name, n, len(s.want))
		}
		for i := range s.want {
			if out[i] != s.want[i] {
				t.Fatalf("%s: Read %v, want %v", s.name, out[:n], s.want)
			}
		}
	}
	r.Write([]int16{1, 2})
	if r.Len() != 2 {
		t.Fatalf("Len = %d, want 2", r.Len())
	}
	if r.Discard(1) != 1 || r.Len() != 1 {
		t.Fatalf("Discard left %d", r.Len())
	}
	r.Reset()
	if r.Len() != 0 || r.Read(out) != 0 {
		t.Fatal("Reset left samples")
	}
	if r.Cap() != 5 {
		t.Fatalf("Cap = %d", r.Cap())
	}
}

// TestRingConcurrent streams a counter through a small ring between two
// goroutines (run with -race) and checks order and completeness.
func TestRingConcurrent(t *testing.T) {
	const total = 1 << 20
	r := NewRing(333)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]int16, 97)
		next := 0
		for next < total {
			k := min(len(buf), total-next)
			for i := range k {
				buf[i] = int16(next + i)
			}
			next += r.Write(buf[:k])
		}
	}()
	buf := make([]int16, 61)
	got := 0
	for got < total {
		n := r.Read(buf)
		for i := range n {
			if buf[i] != int16(got+i) {
				wg.Wait()
				t.Fatalf("sample %d = %d, want %d", got+i, buf[i], int16(got+i))
			}
		}
		got += n
	}
	wg.Wait()
	if r.Len() != 0 {
		t.Fatalf("Len = %d after draining", r.Len())
	}
}

func TestRingNoAllocs(t *testing.T) {
	r := NewRing(480)
	in := make([]int16, 160)
	out := make([]int16, 160)
	allocs := testing.AllocsPerRun(1000, func() {
		r.Write(in)
		r.Write(in)
		r.Read(out)
		r.Read(out)
		_ = r.Len()
	})
	if allocs != 0 {
		t.Fatalf("Write/Read allocate %v times per run", allocs)
	}
}

func BenchmarkRing(b *testing.B) {
	r := NewRing(4800)
	buf := make([]int16, 480) // 10 ms of 48 kHz stereo
	b.SetBytes(int64(2 * len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		r.Write(buf)
		r.Read(buf)
	}
}

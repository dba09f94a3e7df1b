package peer

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"
)

// loopbackBatchConn is a socket of the peers' net on loopback, which the
// test closes, and a socket sending to it, closed when the test ends.
func loopbackBatchConn(t *testing.T) (*batchConn, *net.UDPConn) {
	t.Helper()
	n, err := newBatchNet()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := conn.(*batchConn)
	if !ok {
		t.Fatalf("ListenUDP gave a %T, want a batchConn", conn)
	}
	send, err := net.DialUDP("udp4", nil, c.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { send.Close() })
	return c, send
}

// readAll reads c on a goroutine of its own until a read fails, handing
// each packet to got and then the failure to failed; the returned channel
// closes when it has ended.
func readAll(c *batchConn, got func(p []byte), failed func(err error)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, _, err := c.ReadFromAddrPort(buf)
			if err != nil {
				failed(err)
				return
			}
			got(buf[:n])
		}
	}()
	return done
}

// TestIdleSocketsReadInBatchesAndResume: a peer's UDP socket on loopback
// hands over every packet sent while the program is idle (read in
// batches), every packet after it is no longer idle (waiting for each
// again, no deadline of a batch left behind), and ends its read on Close
// while it waits for a batch.
func TestIdleSocketsReadInBatchesAndResume(t *testing.T) {
	c, send := loopbackBatchConn(t)
	type read struct {
		b   byte
		err error
	}
	got := make(chan read, 100)
	done := readAll(c, func(p []byte) { got <- read{b: p[len(p)-1]} }, func(err error) { got <- read{err: err} })
	expect := func(what string, b byte) {
		t.Helper()
		select {
		case r := <-got:
			if r.err != nil || r.b != b {
				t.Fatalf("%s: read %d, %v; want packet %d", what, r.b, r.err, b)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: packet %d not read within 5 s", what, b)
		}
	}
	SetIdle(true)
	defer SetIdle(false)
	for i := byte(1); i <= 10; i++ {
		if _, err := send.Write([]byte{i}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond)
	}
	for i := byte(1); i <= 10; i++ {
		expect("idle", i)
	}
	SetIdle(false)
	time.Sleep(3 * idleBatch) // past any deadline a batch set
	for i := byte(11); i <= 13; i++ {
		if _, err := send.Write([]byte{i}); err != nil {
			t.Fatal(err)
		}
		expect("no longer idle", i)
		time.Sleep(idleBatch)
	}
	SetIdle(true)
	time.Sleep(3 * idleBatch) // the reader waits for a batch
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if !errors.Is(r.err, net.ErrClosed) {
			t.Fatalf("read after Close = %d, %v; want net.ErrClosed", r.b, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the read waiting for a batch did not end on Close")
	}
	<-done
}

// TestShownSocketsReadInBatches: while a window shows pictures
// (SetShown), a peer's socket on loopback is read in batches, and every
// packet of a stream sent in bursts and singly, faster and slower than the
// batches, is read whole and in order; then, no longer shown, the socket
// waits for each packet again and reads no batch.
func TestShownSocketsReadInBatches(t *testing.T) {
	c, send := loopbackBatchConn(t)
	got := make(chan []byte, 1000)
	done := readAll(c, func(p []byte) { got <- append([]byte(nil), p...) }, func(error) {})
	defer func() { c.Close(); <-done }()
	// packet i is 1000 bytes, each its index's two bytes.
	packet := func(i int) []byte {
		p := make([]byte, 1000)
		for j := 0; j < len(p); j += 2 {
			p[j], p[j+1] = byte(i>>8), byte(i)
		}
		return p
	}
	expect := func(what string, from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			select {
			case p := <-got:
				if !bytes.Equal(p, packet(i)) {
					t.Fatalf("%s: read %d bytes starting % x, want packet %d", what, len(p), p[:min(4, len(p))], i)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: packet %d not read within 5 s", what, i)
			}
		}
	}
	SetShown(true)
	defer SetShown(false)
	// Bursts of 20 (a keyframe's packets), then packets 1 ms apart, then
	// 10 ms apart (longer than a batch).
	i := 0
	for burst := 0; burst < 5; burst++ {
		for k := 0; k < 20; k++ {
			if _, err := send.Write(packet(i)); err != nil {
				t.Fatal(err)
			}
			i++
		}
		time.Sleep(time.Millisecond)
	}
	for k := 0; k < 20; k++ {
		if _, err := send.Write(packet(i)); err != nil {
			t.Fatal(err)
		}
		i++
		time.Sleep(time.Millisecond)
	}
	for k := 0; k < 10; k++ {
		if _, err := send.Write(packet(i)); err != nil {
			t.Fatal(err)
		}
		i++
		time.Sleep(10 * time.Millisecond)
	}
	expect("shown", 0, i)
	if b := c.batches.Load(); b < 2 {
		t.Fatalf("shown: %d batches waited for over %d packets, want them read in batches", b, i)
	}
	SetShown(false)
	time.Sleep(3 * shownBatch) // the reader leaves the batch it waits for
	before := c.batches.Load()
	for k := 0; k < 5; k++ {
		if _, err := send.Write(packet(i + k)); err != nil {
			t.Fatal(err)
		}
		expect("no longer shown", i+k, i+k+1)
	}
	if b := c.batches.Load(); b != before {
		t.Fatalf("no longer shown: %d batches waited for, want none", b-before)
	}
}

// TestQuietSocketsLeaveTheBatches: a socket that found nothing in
// dormantAfter batches in a row (a peer's socket on an interface its media
// does not take) stops waking for batches and waits for its next packet,
// reads it, and is read in batches again.
func TestQuietSocketsLeaveTheBatches(t *testing.T) {
	c, send := loopbackBatchConn(t)
	got := make(chan byte, 10)
	done := readAll(c, func(p []byte) { got <- p[len(p)-1] }, func(error) {})
	SetShown(true)
	defer SetShown(false)
	deadline := time.Now().Add(10 * time.Second)
	for c.batches.Load() < dormantAfter {
		if time.Now().After(deadline) {
			t.Fatalf("%d batches in 10 s, want %d", c.batches.Load(), dormantAfter)
		}
		time.Sleep(shownBatch)
	}
	time.Sleep(10 * shownBatch) // past the last empty batch
	quiet := c.batches.Load()
	time.Sleep(25 * shownBatch)
	if b := c.batches.Load() - quiet; b != 0 {
		t.Fatalf("after %d empty batches, the socket still woke for %d more", dormantAfter, b)
	}
	if quiet > dormantAfter+1 {
		t.Fatalf("the socket woke for %d batches before it waited for its next packet, want %d", quiet, dormantAfter)
	}
	if _, err := send.Write([]byte{7}); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-got:
		if b != 7 {
			t.Fatalf("read packet %d, want 7", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the quiet socket did not read its packet")
	}
	deadline = time.Now().Add(10 * time.Second)
	for c.batches.Load() == quiet {
		if time.Now().After(deadline) {
			t.Fatal("after its packet, the socket is not read in batches again")
		}
		time.Sleep(shownBatch)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	<-done
}

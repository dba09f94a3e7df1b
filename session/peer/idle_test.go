package peer

import (
	"errors"
	"net"
	"testing"
	"time"
)

// TestIdleSocketsReadInBatchesAndResume: a peer's UDP socket on loopback
// hands over every packet sent while the program is idle (read in
// batches), every packet after it is no longer idle (waiting for each
// again, no deadline of a batch left behind), and ends its read on Close
// while it waits for a batch.
func TestIdleSocketsReadInBatchesAndResume(t *testing.T) {
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
	defer send.Close()
	type read struct {
		b   byte
		err error
	}
	got := make(chan read, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, _, err := c.ReadFromAddrPort(buf)
			if err != nil {
				got <- read{err: err}
				return
			}
			got <- read{b: buf[n-1]}
		}
	}()
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

//go:build !linux

package peer

import (
	"errors"
	"net/netip"
	"os"
	"time"
)

// readBatch reads the next packet of the batch being read (first: the
// batch begins): the socket is read until a deadline a millisecond after
// the batch began; more is false once it passed.
func (c *batchConn) readBatch(b []byte, first bool) (n int, from netip.AddrPort, more bool, err error) {
	if first {
		c.deadline = true
		if err := c.UDPConn.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
			return 0, netip.AddrPort{}, false, err
		}
	}
	n, from, err = c.UDPConn.ReadFromUDPAddrPort(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, netip.AddrPort{}, false, nil
	}
	return n, from, err == nil, err
}

// peeker is batch_linux.go's; here the batch ends at a deadline.
type peeker struct{}

package peer

import (
	"net/netip"
	"syscall"
)

// peeker asks a socket, without waiting, whether a packet waits in it (a
// peek of no bytes), so the end of a batch costs no timer. Its function
// and socket are made once, not per read.
type peeker struct {
	raw     syscall.RawConn
	peek    func(fd uintptr)
	waiting bool
}

// readBatch reads the next packet of the batch being read: one that is
// waiting in the socket (more), or none when it is empty.
func (c *batchConn) readBatch(b []byte, _ bool) (n int, from netip.AddrPort, more bool, err error) {
	if c.raw == nil {
		if c.raw, err = c.UDPConn.SyscallConn(); err != nil {
			return 0, netip.AddrPort{}, false, err
		}
		c.peek = func(fd uintptr) {
			for {
				_, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, 0, 0,
					syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
				if e == syscall.EINTR {
					continue
				}
				// Any error but "nothing there" is the read's to report.
				c.waiting = e != syscall.EAGAIN
				return
			}
		}
	}
	if err := c.raw.Control(c.peek); err != nil {
		return 0, netip.AddrPort{}, false, err
	}
	if !c.waiting {
		return 0, netip.AddrPort{}, false, nil
	}
	n, from, err = c.UDPConn.ReadFromUDPAddrPort(b)
	return n, from, err == nil, err
}

//go:build linux

package peer

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSocketReads: sixteen peers' sockets on loopback, each sent a
// 1000-byte packet every millisecond by another process, each socket at
// its own phase (about the packets of a 4x4 wall: audio and video of
// sixteen cameras), read as each packet arrives or in the shown window's
// batches. An op is one packet to every socket; what it measures is the
// reading process's CPU and context switches per op (getrusage), not the
// time, which the sender's pace sets.
func BenchmarkSocketReads(b *testing.B) {
	for _, mode := range []struct {
		name  string
		shown bool
	}{{"each", false}, {"shown", true}} {
		b.Run(mode.name, func(b *testing.B) {
			SetShown(mode.shown)
			defer SetShown(false)
			const sockets = 16
			n, err := newBatchNet()
			if err != nil {
				b.Fatal(err)
			}
			var conns []*batchConn
			addrs := []string{strconv.Itoa(b.N)}
			for range sockets {
				c, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				if err != nil {
					b.Fatal(err)
				}
				bc := c.(*batchConn)
				conns = append(conns, bc)
				addrs = append(addrs, bc.LocalAddr().String())
			}
			got := make([]int, sockets)
			var read sync.WaitGroup
			for i, c := range conns {
				read.Add(1)
				go func() {
					defer read.Done()
					buf := make([]byte, 1500)
					for got[i] < b.N {
						if _, _, err := c.ReadFromAddrPort(buf); err != nil {
							return
						}
						got[i]++
					}
				}()
			}
			send := exec.Command(os.Args[0])
			send.Env = append(os.Environ(), benchSendEnv+"="+strings.Join(addrs, " "))
			var r0, r1 syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
			b.ResetTimer()
			if err := send.Run(); err != nil {
				b.Fatalf("sender: %v", err)
			}
			done := make(chan struct{})
			go func() { read.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
			}
			b.StopTimer()
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
			for _, c := range conns {
				_ = c.Close()
			}
			read.Wait()
			// A loaded machine may drop a packet on loopback now and then
			// (the reader starved past the socket's buffer): counted, not
			// failed; the tests check that every packet is read.
			lost := 0
			for _, g := range got {
				lost += b.N - g
			}
			cpu := syscall.TimevalToNsec(r1.Utime) + syscall.TimevalToNsec(r1.Stime) -
				syscall.TimevalToNsec(r0.Utime) - syscall.TimevalToNsec(r0.Stime)
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(r1.Nvcsw+r1.Nivcsw-r0.Nvcsw-r0.Nivcsw)/float64(b.N), "ctxsw/op")
			b.ReportMetric(float64(lost), "lost")
		})
	}
}

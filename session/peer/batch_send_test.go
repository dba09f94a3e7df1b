package peer

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// benchSendEnv makes the test binary a sender for BenchmarkSocketReads:
// packets every millisecond to each address listed, a count of them.
const benchSendEnv = "LOOKOUT_BENCH_SEND"

// benchSend sends count 1000-byte packets, one a millisecond, to each
// address of "count addr addr ...", each address at its own phase within
// the millisecond, as independent cameras' packets come.
func benchSend(v string) {
	f := strings.Fields(v)
	count, _ := strconv.Atoi(f[0])
	var wg sync.WaitGroup
	for i, a := range f[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr, err := net.ResolveUDPAddr("udp4", a)
			if err != nil {
				os.Exit(2)
			}
			s, err := net.DialUDP("udp4", nil, addr)
			if err != nil {
				os.Exit(2)
			}
			defer s.Close()
			pkt := make([]byte, 1000)
			next := time.Now().Add(time.Duration(i) * time.Millisecond / time.Duration(len(f)-1))
			for range count {
				time.Sleep(time.Until(next))
				if _, err := s.Write(pkt); err != nil {
					os.Exit(2)
				}
				next = next.Add(time.Millisecond)
			}
		}()
	}
	wg.Wait()
}

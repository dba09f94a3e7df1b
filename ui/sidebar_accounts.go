package ui

import (
	"context"
	"time"
)

// AddAccount lists one more account and loads its devices in the
// background; OnLoaded is called when they are in.
func (s *Sidebar) AddAccount(ctx context.Context, a Account) {
	n := &accountNode{acc: a, loading: true}
	s.accounts = append(s.accounts, n)
	s.tree.Refresh()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		devs, err := a.Directory.Devices(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		do(func() {
			n.devices, n.err, n.loading = devs, err, false
			if s.OnLoaded != nil {
				s.OnLoaded(a.Name, devs)
			}
			s.retitle()
			s.tree.Refresh()
			s.tree.OpenAllBranches()
		})
	}()
}

// RemoveAccount takes an account out of the list.
func (s *Sidebar) RemoveAccount(name string) {
	kept := s.accounts[:0]
	for _, n := range s.accounts {
		if n.acc.Name != name {
			kept = append(kept, n)
		}
	}
	s.accounts = kept
	s.tree.Refresh()
}

package ui

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"image/color"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/lookout-app/lookout/session"
)

// What the sidebar's dot says about a device: what its tile and its
// account's directory know now, not only what the directory said when it
// was listed.
type reach int

const (
	// reachUnknown: the account's service cannot be reached now, so what
	// its directory said (online or not) is old.
	reachUnknown reach = iota
	reachOnline
	reachOffline
	// reachUnreachable: the device's tile cannot reach it (a network,
	// TLS or service failure other than "offline").
	reachUnreachable
)

var reachColors = map[reach]color.Color{
	reachUnknown:     color.NRGBA{R: 0x40, G: 0x44, B: 0x4c, A: 0xff},
	reachOnline:      color.NRGBA{R: 0x2e, G: 0xc2, B: 0x4e, A: 0xff},
	reachOffline:     color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff},
	reachUnreachable: color.NRGBA{R: 0xe5, G: 0x8a, B: 0x25, A: 0xff},
}

var reachWords = map[reach]string{
	reachUnknown:     "state unknown",
	reachOffline:     "offline",
	reachUnreachable: "unreachable",
}

// unreachable reports whether err means the service or device could not
// be reached at all (the network, TLS, a timeout), as opposed to an answer
// such as offline, busy or refused credentials.
func unreachable(err error) bool {
	var (
		op     *net.OpError
		dns    *net.DNSError
		alert  tls.AlertError
		verify *tls.CertificateVerificationError
		ca     x509.UnknownAuthorityError
	)
	return errors.As(err, &op) || errors.As(err, &dns) || errors.As(err, &alert) || errors.As(err, &verify) ||
		errors.As(err, &ca) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, session.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, session.ErrNoPath)
}

// failing reports whether st is a tile that has no session now.
func failing(st session.Status) bool {
	switch st.State {
	case session.StateRetrying, session.StateFailed, session.StateStalled:
		return st.Err != nil
	}
	return false
}

// reachOf says what the dot of device d of account n shows.
func (s *Sidebar) reachOf(n *accountNode, d session.Device) reach {
	if s.TileStatus != nil {
		if st, ok := s.TileStatus(n.acc.Name + "/" + d.ID); ok {
			switch {
			case st.State == session.StateLive:
				return reachOnline
			case failing(st) && errors.Is(st.Err, session.ErrOffline):
				return reachOffline
			case failing(st):
				return reachUnreachable
			}
		}
	}
	if s.accountUnreachable(n) {
		return reachUnknown
	}
	if d.Online {
		return reachOnline
	}
	return reachOffline
}

// accountUnreachable reports whether the account's service cannot be
// reached now: some tile of it fails to reach it and none of its tiles is
// live.
func (s *Sidebar) accountUnreachable(n *accountNode) bool {
	if s.TileStatus == nil {
		return false
	}
	down := false
	for _, d := range n.devices {
		st, ok := s.TileStatus(n.acc.Name + "/" + d.ID)
		if !ok {
			continue
		}
		if st.State == session.StateLive {
			return false
		}
		if failing(st) && unreachable(st.Err) {
			down = true
		}
	}
	return down
}

// Reach returns the word for a source's dot: "online", "offline",
// "unreachable" or "state unknown", or "" for a source not listed.
func (s *Sidebar) Reach(source string) string {
	name, id, _ := strings.Cut(source, "/")
	n := s.node(name)
	if n == nil {
		return ""
	}
	for _, d := range n.devices {
		if d.ID == id {
			if r := s.reachOf(n, d); r != reachOnline {
				return reachWords[r]
			}
			return "online"
		}
	}
	return ""
}

// Sync repaints the dots whose state changed since the last Sync (call it
// on the Fyne goroutine as tiles change, the window does once a second).
func (s *Sidebar) Sync() {
	if s.reaches == nil {
		s.reaches = map[string]reach{}
	}
	for _, n := range s.accounts {
		for _, d := range n.devices {
			src := n.acc.Name + "/" + d.ID
			r := s.reachOf(n, d)
			if old, ok := s.reaches[src]; !ok || old != r {
				s.reaches[src] = r
				s.tree.RefreshItem("d:" + src) // that row only, if shown
			}
		}
	}
}

// Title is the name a source's tile shows: its device's name, followed by
// its account's when devices of other accounts have the same name.
func (s *Sidebar) Title(source string) string {
	name, id, _ := strings.Cut(source, "/")
	n := s.node(name)
	if n == nil {
		return ""
	}
	var dev *session.Device
	for i := range n.devices {
		if n.devices[i].ID == id {
			dev = &n.devices[i]
		}
	}
	if dev == nil {
		return ""
	}
	title := dev.Name
	if title == "" {
		title = id
	}
	for _, o := range s.accounts {
		if o == n {
			continue
		}
		for _, d := range o.devices {
			if strings.EqualFold(d.Name, dev.Name) {
				return title + " · " + n.acc.Name
			}
		}
	}
	return title
}

// retitle tells OnTitle the title of every listed device: a new account
// may share a name with the devices of those listed before.
func (s *Sidebar) retitle() {
	if s.OnTitle == nil {
		return
	}
	for _, n := range s.accounts {
		for _, d := range n.devices {
			src := n.acc.Name + "/" + d.ID
			s.OnTitle(src, s.Title(src))
		}
	}
}

// tileStatus returns the state of the camera tile of source, when it is on
// the wall (Sidebar.TileStatus).
func (w *Wall) tileStatus(source string) (session.Status, bool) {
	i := w.index(source)
	if i < 0 || w.entries[i].speaker != nil {
		return session.Status{}, false
	}
	return w.entries[i].tile.Status(), true
}

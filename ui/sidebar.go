package ui

import (
	"cmp"
	"context"
	"image/color"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/check"
)

// Account is one configured account as the window shows it.
type Account struct {
	Name, Kind string
	Directory  session.Directory
	Opener     session.Opener
	// Refresh renews the account's credentials (session.Client.Refresh);
	// nil when it has none to renew.
	Refresh func(ctx context.Context) error
	// Members lists the members of the account's rooms
	// (session.Client.Members); nil when it has no rooms.
	Members func(ctx context.Context, room string) ([]session.Device, error)
	// Target gathers what the pre-check probes for this account.
	Target func(ctx context.Context) (check.Target, error)
}

type accountNode struct {
	acc     Account
	devices []session.Device
	err     error
	loading bool
}

// Sidebar lists every account's devices and rooms with their online state
// and a search box. Double-clicking or dragging a device onto the wall opens it.
type Sidebar struct {
	accounts []*accountNode
	filter   string
	tree     *widget.Tree
	search   *searchEntry
	none     *widget.Label
	box      *fyne.Container
	selected string
	wg       sync.WaitGroup
	// OnOpen is called with a source and its title to put it on the wall.
	OnOpen func(source, title string)
	// OnLoaded is called on the Fyne goroutine when an account has
	// answered: with its devices, or with none when it failed.
	OnLoaded func(account string, devices []session.Device)
	// DropTarget reports whether an absolute position is over the wall.
	DropTarget func(fyne.Position) bool
	// OnDrag follows a device dragged to an absolute position; OnDrop,
	// when set, takes the device let go there instead of DropTarget.
	OnDrag func(at fyne.Position)
	OnDrop func(source, title string, at fyne.Position)
	// OnWall reports whether a source is on the wall, to mark its row.
	OnWall func(source string) bool
	// TileStatus returns the state of a source's tile when it is on the
	// wall: the dots follow it (sidebar_state.go).
	TileStatus func(source string) (session.Status, bool)
	// OnTitle is told the title of each listed device's tile (Title) once
	// an account's devices are in.
	OnTitle func(source, title string)
	reaches map[string]reach
	add     *widget.Button
}

// NewSidebar makes the sidebar for accounts.
func NewSidebar(accounts []Account) *Sidebar {
	s := &Sidebar{}
	for _, a := range accounts {
		s.accounts = append(s.accounts, &accountNode{acc: a, loading: true})
	}
	s.search = newSearchEntry()
	s.search.SetPlaceHolder("Search devices")
	s.search.OnChanged = func(text string) {
		s.filter = strings.ToLower(strings.TrimSpace(text))
		s.search.showClear(text != "")
		s.tree.Refresh()
		s.tree.OpenAllBranches()
		s.updateNoMatches()
	}
	s.tree = &widget.Tree{
		ChildUIDs:  s.children,
		IsBranch:   func(uid widget.TreeNodeID) bool { return uid == "" || strings.HasPrefix(uid, "a:") },
		CreateNode: func(branch bool) fyne.CanvasObject { return newDeviceRow(s) },
		UpdateNode: s.updateNode,
		OnSelected: s.onSelected,
	}
	s.tree.ExtendBaseWidget(s.tree)
	s.add = widget.NewButtonWithIcon("Add to wall", theme.ContentAddIcon(), func() {
		if src, title, ok := s.device(s.selected); ok && s.OnOpen != nil {
			s.OnOpen(src, title)
		}
	})
	s.add.Disable()
	s.box = container.NewBorder(s.searchBar(), s.add, nil, nil, container.NewStack(s.tree, s.noMatches()))
	return s
}

// Object is the sidebar's canvas object.
func (s *Sidebar) Object() fyne.CanvasObject { return s.box }

// Load fetches every account's devices in the background.
func (s *Sidebar) Load(ctx context.Context) {
	for _, n := range s.accounts {
		s.wg.Add(1)
		go func(n *accountNode) {
			defer s.wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			devs, err := n.acc.Directory.Devices(cctx)
			cancel()
			if ctx.Err() != nil {
				return
			}
			do(func() {
				n.devices, n.err, n.loading = devs, err, false
				if s.OnLoaded != nil {
					s.OnLoaded(n.acc.Name, n.devices)
				}
				s.retitle() // after OnLoaded, which may fill the wall
				s.tree.Refresh()
				s.tree.OpenAllBranches()
				s.updateNoMatches()
			})
		}(n)
	}
	s.tree.OpenAllBranches()
}

// Wait waits for the loads started by Load.
func (s *Sidebar) Wait() { s.wg.Wait() }

// Devices returns the loaded devices of an account by name.
func (s *Sidebar) Devices(account string) []session.Device {
	for _, n := range s.accounts {
		if n.acc.Name == account {
			return n.devices
		}
	}
	return nil
}

// Talk returns what a source's device takes, as its directory said.
func (s *Sidebar) Talk(source string) session.Talk {
	name, id, _ := strings.Cut(source, "/")
	if n := s.node(name); n != nil {
		for _, d := range n.devices {
			if d.ID == id {
				return d.Talk
			}
		}
	}
	return session.TalkNone
}

// Loaded reports whether every account has answered.
func (s *Sidebar) Loaded() bool {
	for _, n := range s.accounts {
		if n.loading {
			return false
		}
	}
	return true
}

func (s *Sidebar) children(uid widget.TreeNodeID) []widget.TreeNodeID {
	if uid == "" {
		out := make([]string, 0, len(s.accounts))
		for _, n := range s.accounts {
			out = append(out, "a:"+n.acc.Name)
		}
		return out
	}
	n := s.node(strings.TrimPrefix(uid, "a:"))
	if n == nil {
		return nil
	}
	if n.err != nil {
		return []string{"e:" + n.acc.Name}
	}
	var out []string
	for _, d := range s.matching(n) {
		out = append(out, "d:"+n.acc.Name+"/"+d.ID)
	}
	return out
}

func (s *Sidebar) node(name string) *accountNode {
	for _, n := range s.accounts {
		if n.acc.Name == name {
			return n
		}
	}
	return nil
}

// device resolves a tree uid to a source and title.
func (s *Sidebar) device(uid string) (string, string, bool) {
	src, ok := strings.CutPrefix(uid, "d:")
	if !ok {
		return "", "", false
	}
	name, id, _ := strings.Cut(src, "/")
	if n := s.node(name); n != nil {
		for _, d := range n.devices {
			if d.ID == id {
				return src, s.Title(src), true
			}
		}
	}
	return "", "", false
}

func (s *Sidebar) updateNode(uid widget.TreeNodeID, branch bool, o fyne.CanvasObject) {
	row := o.(*deviceRow)
	row.uid = uid
	switch {
	case strings.HasPrefix(uid, "a:"):
		n := s.node(strings.TrimPrefix(uid, "a:"))
		text := n.acc.Name + " (" + n.acc.Kind + ")"
		if n.loading {
			text += ": loading..."
		}
		row.set(text, "", nil)
	case strings.HasPrefix(uid, "e:"):
		n := s.node(strings.TrimPrefix(uid, "e:"))
		row.set("error: "+session.Reason(n.err), "", theme.Color(theme.ColorNameError))
	default:
		src, _, _ := s.device(uid)
		name, id, _ := strings.Cut(src, "/")
		var d session.Device
		for _, dd := range s.node(name).devices {
			if dd.ID == id {
				d = dd
			}
		}
		r := s.reachOf(s.node(name), d)
		dot := reachColors[r]
		detail := deviceDetail(d, id)
		if w := reachWords[r]; w != "" {
			detail += " · " + w
		}
		if s.OnWall != nil && s.OnWall(src) {
			detail += " · on the wall"
		}
		row.set(cmp.Or(d.Name, id), detail, dot) // the account is the row's parent
	}
}

// deviceRow is one tree row; device rows open on double-click or drag.
type deviceRow struct {
	widget.BaseWidget
	s      *Sidebar
	uid    string
	dot    *canvas.Circle
	label  *widget.Label
	detail *canvas.Text
	last   fyne.Position
}

func newDeviceRow(s *Sidebar) *deviceRow {
	r := &deviceRow{s: s, dot: canvas.NewCircle(color.Transparent), label: widget.NewLabel(""),
		detail: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))}
	r.detail.TextSize = theme.TextSize() * 0.8
	r.ExtendBaseWidget(r)
	return r
}

func (r *deviceRow) set(text, detail string, dot color.Color) {
	if dot == nil {
		dot = color.Transparent
	}
	if r.label.Text == text && r.detail.Text == detail && r.dot.FillColor == dot {
		return // each refresh of a row repaints the window
	}
	r.label.SetText(text)
	r.detail.Text = detail
	r.dot.FillColor = dot
	r.Refresh()
}

func (r *deviceRow) CreateRenderer() fyne.WidgetRenderer {
	dot := container.NewGridWrap(fyne.NewSize(10, 10), r.dot)
	return widget.NewSimpleRenderer(container.NewHBox(container.NewCenter(dot), r.label, container.NewCenter(r.detail)))
}

// Tapped selects the row, wherever it is clicked.
func (r *deviceRow) Tapped(*fyne.PointEvent) {
	if r.uid != "" {
		r.s.tree.Select(r.uid)
	}
}

// DoubleTapped opens the device on the wall.
func (r *deviceRow) DoubleTapped(*fyne.PointEvent) { r.open() }

// Dragged follows a drag towards the wall.
func (r *deviceRow) Dragged(e *fyne.DragEvent) {
	r.last = e.AbsolutePosition
	if _, _, ok := r.s.device(r.uid); ok && r.s.OnDrag != nil {
		r.s.OnDrag(r.last)
	}
}

// DragEnd opens the device when dropped on the wall.
func (r *deviceRow) DragEnd() {
	if src, title, ok := r.s.device(r.uid); ok && r.s.OnDrop != nil {
		r.s.OnDrop(src, title, r.last)
		return
	}
	if r.s.DropTarget != nil && r.s.DropTarget(r.last) {
		r.open()
	}
}

func (r *deviceRow) open() {
	if src, title, ok := r.s.device(r.uid); ok && r.s.OnOpen != nil {
		r.s.OnOpen(src, title)
	}
}

package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// scrollOf is the innermost scroll container in o's tree that holds want.
func scrollOf(o, want fyne.CanvasObject) *container.Scroll {
	switch c := o.(type) {
	case *container.Scroll:
		if s := scrollOf(c.Content, want); s != nil {
			return s
		}
		if holds(c.Content, want) {
			return c
		}
	case *fyne.Container:
		for _, k := range c.Objects {
			if s := scrollOf(k, want); s != nil {
				return s
			}
		}
	}
	return nil
}

// holds says whether want is o or in o's tree of containers.
func holds(o, want fyne.CanvasObject) bool {
	if o == want {
		return true
	}
	if c, ok := o.(*fyne.Container); ok {
		for _, k := range c.Objects {
			if holds(k, want) {
				return true
			}
		}
	}
	return false
}

// TestToolbarKeepsPagingInSight: at 1024x640 the layout buttons do not fit
// beside the view switcher, the paging controls and the tools, so the
// layouts are a drop-down and PgUp, the page and PgDn stay inside the
// toolbar's visible part; picking a layout there sets it. At 1600x1000 the
// buttons are back. (Before, the row scrolled: at 1024 the page and PgDn
// were out of sight.)
func TestToolbarKeepsPagingInSight(t *testing.T) {
	for _, tc := range []struct {
		size    fyne.Size
		compact bool
	}{{fyne.NewSize(1024, 640), true}, {fyne.NewSize(1600, 1000), false}} {
		d := openDemoWindow(t, tc.size)
		win := d.win
		drainUI()
		row := scrollOf(d.w.Content(), win.next)
		if row == nil {
			d.close()
			t.Fatal("no scrolling toolbar row")
		}
		drv := fyne.CurrentApp().Driver()
		visible := drv.AbsolutePositionForObject(row).X + row.Size().Width
		for name, o := range map[string]fyne.CanvasObject{"PgUp": win.prev, "page": win.pageLbl, "PgDn": win.next} {
			if right := drv.AbsolutePositionForObject(o).X + o.Size().Width; !o.Visible() || right > visible+0.5 {
				t.Errorf("%v: %s ends at %.0f, the toolbar's visible part at %.0f", tc.size, name, right, visible)
			}
		}
		if got := win.layouts.compact.Visible(); got != tc.compact || win.layouts.row.Visible() == tc.compact {
			t.Errorf("%v: drop-down shown %v, buttons shown %v", tc.size, got, win.layouts.row.Visible())
		}
		if tc.compact {
			win.layouts.compact.SetSelected(Layout2x2)
			drainUI()
			if win.wall.Mode() != Layout2x2 || win.layouts.selected != Layout2x2 {
				t.Errorf("the drop-down's 2x2 left the wall in %s (picker %s)", win.wall.Mode(), win.layouts.selected)
			}
			test2 := win.layouts.buttons[Layout1]
			test2.OnTapped()
			if win.layouts.compact.Selected != Layout1 {
				t.Errorf("after the 1 button the drop-down shows %q", win.layouts.compact.Selected)
			}
		}
		d.close()
	}
}

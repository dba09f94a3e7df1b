package config_test

import (
	"errors"
	. "github.com/lookout-app/lookout/session/config"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	data := []byte(with(eenOK))

	if err := WriteFile(path, data); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, data)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	// Replacing an existing file also leaves it 0600.
	data2 := []byte(with(tuyaOK))
	if err := WriteFile(path, data2); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, data2)
	checkOnly(t, dir, "config.toml")
	if cfg, err := ks.Load(path); err != nil || len(cfg.Accounts) != 1 {
		t.Fatalf("Load after WriteFile: %+v, %v", cfg, err)
	}
}

func TestWriteFileFailures(t *testing.T) {
	old := []byte("# the user's config\n")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to write
		write func(io.Writer, []byte) error
		check func(t *testing.T, dir, path string)
	}{
		{
			name: "write fails half-way",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "config.toml")
				if err := os.WriteFile(p, old, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			},
			write: func(w io.Writer, b []byte) error {
				if _, err := w.Write(b[:len(b)/2]); err != nil {
					return err
				}
				return errors.New("disk full")
			},
			check: func(t *testing.T, dir, path string) {
				checkFile(t, path, old)
				checkOnly(t, dir, "config.toml")
			},
		},
		{
			name: "directory does not exist",
			setup: func(t *testing.T, dir string) string {
				return filepath.Join(dir, "missing", "config.toml")
			},
			check: func(t *testing.T, dir, path string) {
				checkOnly(t, dir)
			},
		},
		{
			name: "path is a directory",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "config.toml")
				if err := os.Mkdir(p, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(p, "keep"), old, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			},
			check: func(t *testing.T, dir, path string) {
				checkFile(t, filepath.Join(path, "keep"), old)
				checkOnly(t, dir, "config.toml")
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.setup(t, dir)
			var err error
			if tc.write != nil {
				err = WriteFileWith(path, []byte(with(eenOK)), tc.write)
			} else {
				err = WriteFile(path, []byte(with(eenOK)))
			}
			if err == nil {
				t.Fatal("write succeeded, want an error")
			}
			tc.check(t, dir, path)
		})
	}
}

// checkFile asserts path holds data with mode 0600.
func checkFile(t *testing.T, path string, data []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(data) {
		t.Fatalf("%s holds %q, want %q", path, got, data)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
}

// checkOnly asserts dir holds exactly the named entries: no temp file left.
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("%s holds %q, want %q", dir, got, names)
	}
	for i := range got {
		if got[i] != names[i] {
			t.Fatalf("%s holds %q, want %q", dir, got, names)
		}
	}
}

package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes a config file with mode 0600, atomically: the data goes
// to a temporary file in the same directory, which then replaces path. On
// error, an existing file at path is left as it was. The directory must
// exist. It is used by `lookout demo --write-config`.
func WriteFile(path string, data []byte) error {
	return writeFile(path, data, func(w io.Writer, b []byte) error {
		_, err := w.Write(b)
		return err
	})
}

// writeFile is WriteFile with the write step injectable, so tests can make
// it fail half-way.
func writeFile(path string, data []byte, write func(io.Writer, []byte) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := write(f, data); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	return nil
}

//go:build !linux

package main

// pageOutCode does nothing where MADV_PAGEOUT does not exist.
func pageOutCode() (int64, error) { return 0, nil }

//go:build !linux

package main

import (
	"io"
	"os"
)

// interactive reports whether the terminal chat can read stdin; without a
// portable terminal check, only a failing descriptor counts as none.
func interactive(stdin io.Reader) bool {
	f, ok := stdin.(*os.File)
	if !ok {
		return true
	}
	_, err := f.Stat()
	return err == nil
}

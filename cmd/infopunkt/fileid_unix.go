//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// fileID identifies a file by device and inode, so two processes can tell
// whether they mean the same data file whatever path each uses.
func fileID(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return "", fmt.Errorf("%s: no file identity", path)
	}
	return fmt.Sprintf("%d:%d", uint64(st.Dev), uint64(st.Ino)), nil
}

//go:build !unix

package main

import "path/filepath"

// fileID identifies a file by its absolute path where the system gives
// no inode.
func fileID(path string) (string, error) { return filepath.Abs(path) }

package main

import (
	"io"
	"os"
	"syscall"
	"unsafe"
)

// interactive reports whether the terminal chat can read stdin: a
// terminal, a pipe or a file, but not /dev/null or a closed descriptor (a
// container started without -it). Readers that are not files (tests) are
// interactive.
func interactive(stdin io.Reader) bool {
	f, ok := stdin.(*os.File)
	if !ok {
		return true
	}
	info, err := f.Stat()
	if err != nil {
		return false
	}
	if info.Mode()&os.ModeCharDevice == 0 {
		return true // a pipe or a file: a scripted chat
	}
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}

//go:build !linux

package httpx

import "syscall"

func setCork(syscall.RawConn, bool) bool { return false }

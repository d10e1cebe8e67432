//go:build !linux

package handlers

import "syscall"

func setCork(syscall.RawConn, bool) bool { return false }

//go:build !unix

package content

// oNonblock is zero where there are no named pipes to wait on.
const oNonblock = 0

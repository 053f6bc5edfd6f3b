//go:build !linux

package procmem

// Read returns ErrUnsupported: only Linux's figures are read.
func Read() (Stats, error) { return Stats{}, ErrUnsupported }

package procmem

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// statm is the file Read parses; a variable so that tests can point it
// elsewhere.
var statm = "/proc/self/statm"

// Read returns the process's RSS and VMS, from /proc/self/statm: its first two
// fields, the virtual size and the resident set in pages, times
// os.Getpagesize().
func Read() (Stats, error) {
	b, err := os.ReadFile(statm)
	if err != nil {
		return Stats{}, fmt.Errorf("procmem: %w", err)
	}
	return parseStatm(b, uint64(os.Getpagesize()))
}

// parseStatm reads the first two fields of a statm file, "size resident shared
// text lib data dt" in pages.
func parseStatm(b []byte, pageSize uint64) (Stats, error) {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return Stats{}, fmt.Errorf("procmem: %s: want at least 2 fields, got %q", statm, b)
	}
	size, err := strconv.ParseUint(string(f[0]), 10, 64)
	if err != nil {
		return Stats{}, fmt.Errorf("procmem: %s: size: %w", statm, err)
	}
	resident, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return Stats{}, fmt.Errorf("procmem: %s: resident: %w", statm, err)
	}
	return Stats{RSS: resident * pageSize, VMS: size * pageSize}, nil
}

package procmem

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestRead(t *testing.T) {
	s, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	if s.RSS == 0 || s.VMS < s.RSS {
		t.Errorf("Read() = %+v, want RSS > 0 and VMS >= RSS", s)
	}
	if s.RSS%uint64(os.Getpagesize()) != 0 || s.VMS%uint64(os.Getpagesize()) != 0 {
		t.Errorf("Read() = %+v, want whole pages of %d bytes", s, os.Getpagesize())
	}
}

// TestReadSeesAllocation allocates and touches 64 MiB, keeps it, and checks
// that RSS grew by most of it (slack for pages the runtime had already, or
// gives back meanwhile). Freed memory is first given back to the OS: the
// runtime would otherwise reuse pages still resident (with -count, the last
// run's 64 MiB).
func TestReadSeesAllocation(t *testing.T) {
	const size, atLeast = 64 << 20, 48 << 20
	debug.FreeOSMemory()
	before, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, size)
	for i := 0; i < len(b); i += os.Getpagesize() {
		b[i] = 1 // a page counts as resident once touched
	}
	after, err := Read()
	runtime.KeepAlive(b)
	if err != nil {
		t.Fatal(err)
	}
	if after.RSS < before.RSS+atLeast {
		t.Errorf("RSS grew by %d MiB after touching 64 MiB (%d -> %d bytes), want at least %d MiB",
			(int64(after.RSS)-int64(before.RSS))>>20, before.RSS, after.RSS, atLeast>>20)
	}
	if after.VMS < after.RSS {
		t.Errorf("after: VMS %d < RSS %d", after.VMS, after.RSS)
	}
}

func TestParseStatm(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Stats
		wantErr bool
	}{
		{"1000 250 100 5 0 300 0\n", Stats{RSS: 250 * 4096, VMS: 1000 * 4096}, false},
		{"7 3", Stats{RSS: 3 * 4096, VMS: 7 * 4096}, false},
		{"", Stats{}, true},
		{"1000", Stats{}, true},
		{"x 250", Stats{}, true},
		{"1000 -1", Stats{}, true},
	} {
		got, err := parseStatm([]byte(tc.in), 4096)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseStatm(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestReadMissingFile(t *testing.T) {
	defer func(old string) { statm = old }(statm)
	statm = filepath.Join(t.TempDir(), "statm")
	if _, err := Read(); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Read() with no statm file: error %v, want one matching os.ErrNotExist", err)
	}
}

package benchmarks

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
)

// A memory child is this test binary re-executed with MemoryEnvVar set: it
// must do its work and exit before the tests (and TestMain's mock) start.
func init() { ServeMemoryChildIf() }

// TestNoLeakAfterClose is the leak check: in a fresh process, each client
// makes Create calls from 8 goroutines and then streams, and after
// client.Close the process must be back to its baseline goroutines with no
// connection to the mock left open. Before Close, idle pooled connections are
// expected (with, for the floor's net/http Transport, a reader and a writer
// goroutine each; harbor's internal/h1 runs none): that is the documented
// pool, which Close releases.
func TestNoLeakAfterClose(t *testing.T) {
	url := mockURLs(t)[DeepSeek]
	for _, client := range MemoryClients {
		t.Run(client, func(t *testing.T) {
			spec := MemorySpec{Client: client, URL: url, Calls: 300, Concurrency: 8, Streams: 20}
			res, err := RunMemoryChild(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			b, run, after := res.Base, res.AfterRun, res.AfterClose
			t.Logf("goroutines %d / %d / %d, conns %d / %d, dialled %d", b.Goroutines, run.Goroutines, after.Goroutines, run.Conns, after.Conns, res.NewConns)
			// The counters must see the pool, or the check below proves nothing
			// (net/http's pooled connections have goroutines of their own).
			if run.Conns < 1 || (client == FloorClient && run.Goroutines < b.Goroutines+run.Conns) {
				t.Fatalf("after the calls: %d connections and %d goroutines (baseline %d): the counters do not see the pool", run.Conns, run.Goroutines, b.Goroutines)
			}
			if res.NewConns < int64(run.Conns) || res.NewConns*10 > int64(spec.Calls+spec.Streams) {
				t.Errorf("%d connections dialled for %d calls and %d streams (%d open): connections are not reused", res.NewConns, spec.Calls, spec.Streams, run.Conns)
			}
			if !res.Settled || after.Conns != 0 || after.Goroutines > b.Goroutines {
				t.Errorf("after Close: %d goroutines (baseline %d) and %d connections to the mock\n%s", after.Goroutines, b.Goroutines, after.Conns, res.Stacks)
			}
			if b.RSS <= 0 || b.HeapInuse == 0 || run.HeapInuse == 0 {
				t.Errorf("memory figures missing: %+v %+v", b, run)
			}
		})
	}
}

func TestMeasureMemory(t *testing.T) {
	rep, err := MeasureMemory(context.Background(), MemoryConfig{URL: mockURLs(t)[DeepSeek], Calls: []int{0, 50}, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 4 {
		t.Fatalf("%d results, want 4", len(rep.Results))
	}
	for _, c := range MemoryClients {
		for _, n := range []int{0, 50} {
			res := rep.Result(c, n)
			if res == nil {
				t.Fatalf("no result for %s after %d calls", c, n)
			}
			if n == 0 && (res.NewConns != 0 || res.AfterRun.Conns != 0) {
				t.Errorf("%s with no call: %d dialled, %d open", c, res.NewConns, res.AfterRun.Conns)
			}
			if n > 0 && res.AfterRun.Conns == 0 {
				t.Errorf("%s after %d calls: no connection open", c, n)
			}
		}
	}
	md := rep.Markdown()
	if tables := checkTables(t, md); len(tables) != 1 || len(tables[0]) != 6 {
		t.Errorf("want one table of 4 rows:\n%s", md)
	}
	if !strings.Contains(md, "Leak check: every client was back") {
		t.Errorf("no leak verdict:\n%s", md)
	}
	rep.Results[0].Settled = false
	if md := rep.Markdown(); !strings.Contains(md, "**Leak check failed**") {
		t.Errorf("an unsettled result is not reported:\n%s", md)
	}
}

// TestMemoryChildBadSpec: a bad spec is an error in the result, never a panic.
func TestMemoryChildBadSpec(t *testing.T) {
	url := mockURLs(t)[DeepSeek]
	for name, spec := range map[string]MemorySpec{
		"unknown client":   {Client: "nope", URL: url, Concurrency: 1},
		"no port":          {Client: "harbor", URL: "http://127.0.0.1", Concurrency: 1},
		"bad URL":          {Client: "harbor", URL: "::", Concurrency: 1},
		"no concurrency":   {Client: "harbor", URL: url},
		"negative calls":   {Client: "harbor", URL: url, Calls: -1, Concurrency: 1},
		"nothing listens":  {Client: FloorClient, URL: "http://127.0.0.1:1", Calls: 1, Concurrency: 1},
		"harbor, no mock:": {Client: "harbor", URL: "http://127.0.0.1:1", Calls: 1, Concurrency: 1},
	} {
		if res := runMemoryChild(context.Background(), spec); res.Error == "" {
			t.Errorf("%s: no error", name)
		}
	}
	// Through a child: the result still comes back, with the error.
	res, err := RunMemoryChild(context.Background(), MemorySpec{Client: "nope", URL: url, Concurrency: 1})
	if err == nil || res == nil || !strings.Contains(res.Error, "unknown client") {
		t.Errorf("child with a bad spec: %v, %+v", err, res)
	}
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tx\nVmPeak:\t  2000 kB\nVmRSS:\t   1234 kB\nThreads:\t5\n"
	if got, err := parseVmRSS([]byte(status)); err != nil || got != 1234<<10 {
		t.Errorf("parseVmRSS = %d, %v; want %d", got, err, 1234<<10)
	}
	for _, bad := range []string{"", "Name:\tx\n", "VmRSS:\t12 MB\n", "VmRSS:\tx kB\n", "VmRSS:\n"} {
		if _, err := parseVmRSS([]byte(bad)); err == nil {
			t.Errorf("parseVmRSS(%q): no error", bad)
		}
	}
	if rss, err := VmRSS(); err != nil || rss <= 0 {
		t.Errorf("VmRSS() = %d, %v", rss, err)
	}
}

func TestCountConns(t *testing.T) {
	// Port 0x1F90 = 8080. Rows: ours to 8080, ours to 80, another
	// process's to 8080, a short row, a bad port.
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:A000 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 20 4 0 10 -1
   1: 0100007F:A001 0100007F:0050 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0000000000000000 20 4 0 10 -1
   2: 0100007F:A002 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 333 1 0000000000000000 20 4 0 10 -1
   3: 0100007F:A003
   4: 0100007F:A004 0100007F:ZZZZ 01 00000000:00000000 00:00000000 00000000  1000        0 444 1 0000000000000000 20 4 0 10 -1
`
	ours := map[string]bool{"111": true, "222": true, "444": true}
	if n := countConns([]byte(table), ours, 8080); n != 1 {
		t.Errorf("countConns = %d, want 1", n)
	}
	if n := countConns([]byte(table), map[string]bool{"111": true, "333": true}, 8080); n != 2 {
		t.Errorf("countConns = %d, want 2", n)
	}
}

// TestTCPConnsSeesOwnSocket checks TCPConns on real sockets: one dialled
// connection to a listener is counted (once: the accepted end's remote port
// is the dialler's), and none once closed.
func TestTCPConnsSeesOwnSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port, _ := strconv.Atoi(strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:"))
	if n, err := TCPConns(port); err != nil || n != 0 {
		t.Fatalf("before dialling: %d, %v", n, err)
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := TCPConns(port); err != nil || n != 1 {
		t.Errorf("with one connection: %d, %v", n, err)
	}
	c.Close()
	if n, err := TCPConns(port); err != nil || n != 0 {
		t.Errorf("after closing: %d, %v", n, err)
	}
}

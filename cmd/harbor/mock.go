package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/conformance/speccheck"
)

// defaultMockPort is the port of the first vendor in vendors; vendor i listens on
// defaultMockPort+i. Fixed, so that the exports survive a restart.
const defaultMockPort = 8700

var mockCommand = &command{
	name:    "mock",
	args:    "[--addr 127.0.0.1:8700] [--vendor deepseek,doubao,…] [--check=false] [--exports]",
	summary: "serve the mock vendors on loopback for other tools",
	about:   mockAbout(),
	exits: []exitStatus{
		{exitOK, "--exports: the servers listen in the background"},
		{exitFailed, "a port could not be listened on, or the background server of --exports\n" +
			"did not start"},
		{exitUsage, "usage error: bad flags or arguments (an unknown --vendor, an --addr that\n" +
			"is not loopback)"},
		{exitInterrupted, "stopped with Ctrl-C (without --exports, the only way it ends)"},
	},
	define: func(fs *flag.FlagSet) runFunc {
		o := &mockOptions{}
		fs.StringVar(&o.addr, "addr", net.JoinHostPort("127.0.0.1", strconv.Itoa(defaultMockPort)),
			"loopback host and port of the first vendor; vendor i takes port + i (port 0: free ports)")
		fs.StringVar(&o.only, "vendor", "all", "comma-separated providers to serve ("+strings.Join(vendorNames(), ", ")+")")
		fs.BoolVar(&o.check, "check", true, "check every request and response against the vendor's OpenAPI spec; violations go to stderr")
		fs.BoolVar(&o.exports, "exports", false, "serve in the background and print only export lines, for eval \"$(harbor mock --exports)\"")
		return o.run
	},
}

func mockAbout() string {
	var b strings.Builder
	b.WriteString(`Serves the built-in mock vendors on loopback, so that harbor, curl or any client of
these APIs works offline, and prints the export lines that point them there. Each
vendor has its own fixed port (with --addr HOST:PORT, vendor i takes PORT + i), so
the exports stay the same from one run to the next:

`)
	for i, v := range vendors {
		url := fmt.Sprintf("http://127.0.0.1:%d", defaultMockPort+i)
		fmt.Fprintf(&b, "  %-9s %d  %s=%s\n", v.provider, defaultMockPort+i, v.baseEnv, url+v.basePath)
	}
	b.WriteString(`
The URLs carry the host of --addr as it listens. A port already in use fails
before anything is printed (status 1); an earlier 'harbor mock' is the usual cause.

Without --exports the servers run in the foreground until Ctrl-C (status 130).
With --exports they run in the background and harbor mock exits as soon as they
listen, having printed only export lines, so that

  eval "$(harbor mock --exports)"
  harbor chat -m deepseek-reasoner "hi"    # answered by the mock, as a real endpoint
  kill $HARBOR_MOCK_PID                    # stops the servers

works in POSIX shells (sh, bash). Besides the vendors' variables the lines set
HARBOR_MOCK_PID (the background server) and HARBOR_MOCK_LOG (its stderr: spec
violations).
`)
	return b.String()
}

type mockOptions struct {
	addr, only     string
	check, exports bool
}

func (o *mockOptions) run(ctx context.Context, rest []string, e env) int {
	if len(rest) > 0 {
		return usageError(e, "mock", "takes no arguments, got %q", rest[0])
	}
	selected, err := selectVendors(o.only)
	if err != nil {
		return usageError(e, "mock", "%v", err)
	}
	host, first, err := mockAddr(o.addr)
	if err != nil {
		return usageError(e, "mock", "--addr %q: %v", o.addr, err)
	}
	if o.exports && e.ready == nil {
		return startDetached(ctx, []string{"mock", "--addr", o.addr, "--vendor", o.only, "--check=" + strconv.FormatBool(o.check)}, e)
	}

	var mu sync.Mutex // handlers report from many goroutines
	var servers []*mockvendor.Server
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	// Listen on every port before printing anything: a clash must not leave half
	// the exports printed.
	for _, v := range selected {
		h := v.mock()
		if o.check {
			h = speccheck.MustLoad(v.spec).Handler(h, true, func(viol speccheck.Violation) {
				mu.Lock()
				defer mu.Unlock()
				fmt.Fprintf(e.stderr, "harbor mock: spec violation: %v\n", viol)
			})
		}
		addr := net.JoinHostPort(host, strconv.Itoa(mockPort(first, v)))
		srv, err := mockvendor.Listen(addr, h)
		if err != nil {
			fmt.Fprintf(e.stderr, "harbor mock: cannot serve %s on %s: %v\n", v.provider, addr, err)
			if first != 0 {
				fmt.Fprintf(e.stderr, "        Another 'harbor mock' may be running (kill $HARBOR_MOCK_PID stops one started with --exports),\n"+
					"        or pass --addr %s to choose other ports (port 0: free ones).\n", net.JoinHostPort(host, "PORT"))
			}
			return exitFailed
		}
		servers = append(servers, srv)
	}
	var lines []string
	for i, v := range selected {
		lines = append(lines, v.exports(servers[i].URL()))
	}

	if e.ready != nil {
		// The detached child of --exports: hand the lines to the parent, which prints
		// them and exits; serve until stopped.
		_, err := fmt.Fprint(e.ready, strings.Join(lines, "\n")+"\n")
		if cerr := e.ready.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "harbor mock: reporting the exports: %v\n", err)
			return exitFailed
		}
	} else {
		mu.Lock()
		for i, v := range selected {
			fmt.Fprintf(e.stdout, "mock %-8s %s\n  %s\n", v.provider, servers[i].URL(), lines[i])
		}
		fmt.Fprintln(e.stdout, "Point harbor (or any client of these APIs) at them with the exports above. Ctrl-C stops.")
		if o.check {
			fmt.Fprintln(e.stdout, "Requests and responses are checked against harbor's OpenAPI specs; violations are printed on stderr.")
		}
		mu.Unlock()
	}
	<-ctx.Done()
	return exitInterrupted
}

// mockAddr splits --addr into a loopback host and the first port (0: free ports).
// The mocks accept well-known keys, so they listen on loopback only, and the URLs
// they print carry the address they listen on.
func mockAddr(addr string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", 0, fmt.Errorf("the mocks listen on loopback only: use 127.0.0.1, [::1] or localhost")
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port+len(vendors)-1 > 65535 {
		return "", 0, fmt.Errorf("the port must be 0 or a number up to %d (vendor i takes port + i)", 65535-len(vendors)+1)
	}
	return host, port, nil
}

// mockPort is the port vendor v listens on when the first vendor's is first: its
// place in vendors decides, not the --vendor selection, so `--vendor openai` gets
// the same port as the full set gives openai.
func mockPort(first int, v vendor) int {
	if first == 0 {
		return 0
	}
	for i, w := range vendors {
		if w.provider == v.provider {
			return first + i
		}
	}
	panic("harbor mock: unknown vendor " + v.provider)
}

func vendorNames() []string {
	names := make([]string, len(vendors))
	for i, v := range vendors {
		names[i] = v.provider
	}
	return names
}

func selectVendors(list string) ([]vendor, error) {
	if list == "" || list == "all" {
		return vendors, nil
	}
	var out []vendor
	for _, name := range strings.Split(list, ",") {
		v, ok := findVendor(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("no mock for %q; choose from %s", name, strings.Join(vendorNames(), ", "))
		}
		out = append(out, v)
	}
	return out, nil
}

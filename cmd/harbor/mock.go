package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/conformance/speccheck"
)

func mockCmd(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("harbor mock", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address of the first mock; with a fixed port, the others take the next ports")
	only := fs.String("vendor", "all", "comma-separated providers to serve ("+strings.Join(vendorNames(), ", ")+")")
	check := fs.Bool("check", true, "check every request and response against the vendor's OpenAPI spec; violations go to stderr")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: harbor mock [--addr 127.0.0.1:PORT] [--vendor deepseek,doubao,…] [--check=false]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args, e.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil || len(rest) > 0 {
		fs.Usage()
		return 2
	}
	selected, err := selectVendors(*only)
	if err != nil {
		fmt.Fprintf(e.stderr, "harbor mock: %v\n", err)
		return 2
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "harbor mock: --addr %q: %v\n", *addr, err)
		return 2
	}
	first, err := strconv.Atoi(port)
	if err != nil || first < 0 || first > 65535 {
		fmt.Fprintf(e.stderr, "harbor mock: --addr %q: the port must be a number\n", *addr)
		return 2
	}
	var report sync.Mutex // handlers report from many goroutines
	for i, v := range selected {
		p := 0
		if first != 0 {
			p = first + i
		}
		h := v.mock()
		if *check {
			h = speccheck.MustLoad(v.spec).Handler(h, true, func(viol speccheck.Violation) {
				report.Lock()
				defer report.Unlock()
				fmt.Fprintf(e.stderr, "harbor mock: spec violation: %v\n", viol)
			})
		}
		srv, err := mockvendor.Listen(net.JoinHostPort(host, strconv.Itoa(p)), h)
		if err != nil {
			fmt.Fprintf(e.stderr, "harbor mock: %s: %v\n", v.provider, err)
			return 1
		}
		defer srv.Close()
		fmt.Fprintf(e.stdout, "mock %-8s %s\n  %s\n", v.provider, srv.URL(), v.exports(srv.URL()))
	}
	fmt.Fprintln(e.stdout, "Point harbor (or any client of these APIs) at them with the exports above. Ctrl-C stops.")
	if *check {
		fmt.Fprintln(e.stdout, "Requests and responses are checked against harbor's OpenAPI specs; violations are printed on stderr.")
	}
	<-ctx.Done()
	return 0
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

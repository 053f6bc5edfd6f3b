package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/harbor"
)

var serveCommand = &command{
	name:    "serve",
	args:    "[--config FILE] [--listen ADDR] [--mock]",
	summary: "run harbor as an OpenAI-compatible gateway (the Harbor API)",
	about: `Serves the Harbor API, OpenAI's chat completions and models API, so that any
OpenAI client (the official SDKs, curl) reaches every vendor harbor routes, with
harbor's aliases, fallback chains, cache, limits and metrics:

  POST /v1/chat/completions   JSON, or server-sent events with "stream": true
  GET  /v1/models             the models, aliases and chains the caller's key may use
  GET  /health, /ready        liveness and readiness
  GET  /stats, /metrics       harbor's management figures; Prometheus

The config file (YAML; deploy/harbor.example.yaml shows every setting) sets the
address, providers, aliases, chains, cache (with Redis), limits, circuit breaker,
request limits and the virtual keys callers authenticate with
("Authorization: Bearer <key>"; 'harbor keys create' makes one). Vendor keys come
from the environment only (DEEPSEEK_API_KEY…), never from callers. Without
--config: loopback, no keys, every built-in provider.

It listens on 127.0.0.1:8080 unless told otherwise; without virtual keys it
refuses any address but loopback. With --mock (or mock: true in the file) every
built-in provider whose key is not set is answered by its built-in mock, offline.
One JSON access-log line per request goes to stdout (log.access in the file);
with log.access_flush set, lines wait in memory up to that long and leave in
batches, and all those waiting are written at shutdown.

Ctrl-C, SIGTERM or SIGHUP (its terminal or SSH session closed; under nohup
SIGHUP stays ignored) stops it gracefully: /ready answers 503 at once and it
keeps serving for server.shutdown_delay (0s), so that a balancer takes it out
of rotation, then it closes the listener; streams under way may finish for up
to server.shutdown_timeout (30s), then they are cut; a second signal cuts them
at once.
`,
	exits: []exitStatus{
		{exitOK, "stopped by SIGTERM or SIGHUP"},
		{exitFailed, "the address could not be listened on, or the server failed"},
		{exitUsage, "usage error: bad flags or arguments, or the config could not be read or\n" +
			"was refused"},
		{exitInterrupted, "stopped with Ctrl-C"},
	},
	define: func(fs *flag.FlagSet) runFunc {
		o := &serveOptions{}
		fs.StringVar(&o.config, "config", "", "the gateway's YAML config file (default: none, every setting at its default)")
		fs.StringVar(&o.listen, "listen", "", "listen on this host:port instead of the file's listen (default 127.0.0.1:8080)")
		fs.BoolVar(&o.mock, "mock", false, "answer from the built-in mock vendors for every provider whose key is not set")
		return o.run
	},
}

type serveOptions struct {
	config, listen string
	mock           bool
}

func (o *serveOptions) run(ctx context.Context, rest []string, e env) int {
	if len(rest) > 0 {
		return usageError(e, "serve", "takes no arguments, got %q (the config is --config FILE)", rest[0])
	}
	var cfg gateway.Config
	if o.config != "" {
		var err error
		if cfg, err = gateway.LoadConfig(o.config); err != nil {
			fmt.Fprintf(e.stderr, "harbor serve: %v\n", err)
			return exitUsage
		}
	}
	if o.listen != "" {
		cfg.Listen = o.listen
	}
	if o.mock {
		cfg.Mock = true
	}
	cfg.Getenv = e.getenv
	var mocks []*mockvendor.Server
	var mocked []string
	var mu sync.Mutex
	cfg.MockBackend = func(providers []string) ([]harbor.Option, func(), error) {
		mu.Lock()
		defer mu.Unlock()
		stop := func() {
			for _, m := range mocks {
				m.Close()
			}
		}
		var opts []harbor.Option
		for _, p := range providers {
			v, ok := findVendor(p)
			if !ok {
				continue
			}
			srv, err := mockvendor.Listen("127.0.0.1:0", v.mock())
			if err != nil {
				stop()
				return nil, nil, err
			}
			mocks = append(mocks, srv)
			mocked = append(mocked, p)
			opts = append(opts, harbor.WithProviderConfig(v.provider, v.config(srv.URL())))
		}
		return opts, stop, nil
	}
	if cfg.AccessLog == nil && cfg.AccessLogOutput == nil {
		switch cfg.Log.Access {
		case "", "stdout":
			cfg.AccessLogOutput = e.stdout
		case "stderr":
			cfg.AccessLogOutput = e.stderr
		}
	}
	srv, err := gateway.New(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "harbor serve: %v\n", err)
		return exitUsage
	}
	// go-redis logs every failed dial while Redis is down, once per call;
	// harbor's cache already says so once per streak ("shared cache tier
	// failing", then "recovered"). Its lines become debug records.
	redis.SetLogger(redisLog{})
	l, err := net.Listen("tcp", srv.Addr())
	if err != nil {
		_ = srv.Close()
		fmt.Fprintf(e.stderr, "harbor serve: cannot listen on %s: %v\n", srv.Addr(), err)
		return exitFailed
	}
	for _, p := range mocked {
		miss, verb := missingKeys(p, cfg, e.getenv), "is"
		if len(miss) > 1 {
			verb = "are"
		}
		fmt.Fprintf(e.stderr, "harbor serve: %s answers from the built-in mock (offline): %s %s not set\n",
			p, strings.Join(miss, " and "), verb)
	}
	for _, k := range cfg.Keys {
		if placeholderHash(k.SHA256) {
			fmt.Fprintf(e.stderr, "harbor serve: key %s has a placeholder sha256 that no key matches: make its key with `harbor keys create --id %s` and put the sha256 it prints in place\n", k.ID, k.ID)
		}
	}
	for _, n := range srv.Notes() {
		fmt.Fprintf(e.stderr, "harbor serve: %s\n", n)
	}
	for _, p := range srv.Uncredentialed() {
		fmt.Fprintf(e.stderr, "harbor serve: %s has no credentials: its models answer 503 until %s\n", p, credentialHint(p, cfg, e.getenv))
	}
	fmt.Fprintf(e.stderr, "harbor serve: listening on http://%s (%s). Ctrl-C stops.\n", listenAddr(l.Addr(), srv.Addr()), keysNote(cfg))

	// SIGTERM and SIGHUP (the terminal or SSH session closed) stop it as
	// Ctrl-C does; under nohup, which starts it with SIGHUP ignored, SIGHUP
	// stays ignored (signal.Notify would catch it again).
	stopSignals := []os.Signal{syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		stopSignals = append(stopSignals, syscall.SIGHUP)
	}
	// A write to a closed pipe (stdout into `| tee` after the session closed)
	// fails with EPIPE instead of killing the process: Go's default for
	// standard output and error is to die of SIGPIPE, which would cut the
	// requests under way in the middle of the graceful shutdown that SIGHUP
	// has just started. The access log counts and reports the lines it loses.
	signal.Ignore(syscall.SIGPIPE)
	term := make(chan os.Signal, 1)
	signal.Notify(term, stopSignals...)
	defer signal.Stop(term)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	got := "Ctrl-C"
	select {
	case err := <-served:
		_ = srv.Close()
		fmt.Fprintf(e.stderr, "harbor serve: %v\n", err)
		return exitFailed
	case <-ctx.Done():
	case sig := <-term:
		got = signalName(sig)
	}
	// A second Ctrl-C, SIGTERM or SIGHUP cuts what is left at once.
	again := make(chan os.Signal, 1)
	signal.Notify(again, append(stopSignals, os.Interrupt)...)
	defer signal.Stop(again)
	cut, cutNow := context.WithCancel(context.Background())
	defer cutNow()
	go func() {
		select {
		case <-again:
			cutNow()
		case <-cut.Done():
		}
	}()
	cutters := []string{"Ctrl-C"}
	for _, sig := range stopSignals {
		cutters = append(cutters, signalName(sig))
	}
	fmt.Fprintf(e.stderr, "harbor serve: shutting down on %s; %sstreams under way may finish for up to %s (a second %s cuts them)\n",
		got, shutdownDelay(cfg), shutdownTimeout(cfg), orList(cutters))
	err = srv.Shutdown(cut)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(e.stderr, "harbor serve: %v\n", err)
	}
	switch {
	case err == nil:
	case cut.Err() != nil:
		fmt.Fprintf(e.stderr, "harbor serve: streams still running were cut at the second signal\n")
	default:
		fmt.Fprintf(e.stderr, "harbor serve: streams still running were cut after server.shutdown_timeout (%s)\n", shutdownTimeout(cfg))
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return exitOK
}

// keysNote says, for the start-up line, how callers authenticate.
func keysNote(cfg gateway.Config) string {
	switch n := len(cfg.Keys); {
	case n == 1:
		return "1 virtual key"
	case n > 1:
		return fmt.Sprintf("%d virtual keys", n)
	case cfg.AllowAnonymous:
		return "no virtual keys, so anyone who reaches it may call (allow_anonymous)"
	}
	return "no virtual keys, so callers need none; loopback only"
}

// signalName is how harbor serve names a signal that stops it.
func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// orList joins words as "a", "a or b", "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// listenAddr is the address to show for listener address a, asked for as
// asked: Go reports a listener on 0.0.0.0 as [::] (it listens on both), which
// is not what the config said.
func listenAddr(a net.Addr, asked string) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	host, _, err := net.SplitHostPort(asked)
	if err != nil || host == "" {
		host = "0.0.0.0"
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// placeholderHash says whether h is one hex digit repeated, as the example
// configs' placeholders are ("0000…"): SHA-256 gives no such hash.
func placeholderHash(h string) bool {
	return len(h) == 64 && strings.Count(h, h[:1]) == 64
}

// credentialHint says what gives provider p credentials: the variables of a
// built-in vendor (or --mock), an endpoint's api_key_env. A variable that is
// set is not said to need setting: its value is what the provider cannot use
// (gateway.New refuses a value it can tell is malformed; one that turns so
// after the start, through a Config.Getenv of a program's, ends up here).
func credentialHint(p string, cfg gateway.Config, getenv func(string) string) string {
	var set []string
	// An openai_compatible endpoint of a built-in's name replaces it: the
	// built-in's variables and mock are not its.
	endpoint := slices.ContainsFunc(cfg.Endpoints, func(e gateway.EndpointConfig) bool { return e.Name == p })
	if _, ok := findVendor(p); ok && !endpoint {
		if miss := missingKeys(p, cfg, getenv); len(miss) > 0 {
			verb := "is"
			if len(miss) > 1 {
				verb = "are"
			}
			if base := baseURLSetting(p, cfg, getenv); base != "" {
				// --mock answers only the vendors harbor would call at their
				// own address: a base URL of the operator's stays the target.
				return fmt.Sprintf("%s %s set (%s is set, so --mock does not replace it)", strings.Join(miss, " and "), verb, base)
			}
			return fmt.Sprintf("%s %s set (or --mock answers them offline)", strings.Join(miss, " and "), verb)
		}
		set = keyVariables(p, cfg)
	}
	for i, ep := range cfg.Endpoints {
		if ep.Name == p && ep.APIKeyEnv == "" {
			ep.APIKeyEnv = cfg.Providers[p].APIKeyEnv // providers.<name>.api_key_env gives it one too
		}
		switch {
		case ep.Name != p:
		case ep.APIKeyEnv == "":
			// An endpoint reads no variable of its own unless told which
			// (not even the built-in's it replaces).
			return fmt.Sprintf("openai_compatible[%d].api_key_env names the variable holding its key "+
				"(or key_optional: true, for a server that needs none)", i)
		case getenv(ep.APIKeyEnv) == "":
			return ep.APIKeyEnv + " is set (openai_compatible endpoints have no mock)"
		default:
			set = []string{ep.APIKeyEnv}
		}
	}
	switch len(set) {
	case 0:
		return "it has a key"
	case 1:
		return set[0] + " holds a key it can use (it is set, but not to one: look for a pasted newline or spaces)"
	}
	return strings.Join(set, " and ") + " hold keys it can use (they are set, but not to ones: look for a pasted newline or spaces)"
}

// baseURLSetting names what gives built-in provider p a base URL of the
// operator's, the config's base_url or the vendor's variable; "" when neither.
func baseURLSetting(p string, cfg gateway.Config, getenv func(string) string) string {
	v, _ := findVendor(p)
	switch {
	case cfg.Providers[p].BaseURL != "":
		return "providers." + p + ".base_url"
	case getenv(v.baseEnv) != "":
		return v.baseEnv
	}
	return ""
}

// missingKeys returns the variables built-in provider p's credentials come
// from that are not set: the vendor's own, or those the config's
// api_key_env and secret_key_env name instead.
func missingKeys(p string, cfg gateway.Config, getenv func(string) string) []string {
	return configuredVendor(p, cfg).missing(getenv)
}

// keyVariables returns the variables built-in provider p's credentials come
// from, as missingKeys reads them.
func keyVariables(p string, cfg gateway.Config) []string {
	v := configuredVendor(p, cfg)
	return v.missing(func(string) string { return "" })
}

// configuredVendor is built-in provider p with the variables the config's
// api_key_env and secret_key_env name in place of the vendor's own.
func configuredVendor(p string, cfg gateway.Config) vendor {
	v, _ := findVendor(p)
	pc := cfg.Providers[p]
	if pc.APIKeyEnv != "" {
		v.keyEnv = pc.APIKeyEnv
	}
	if pc.SecretKeyEnv != "" {
		v.secretEnv = pc.SecretKeyEnv
	}
	return v
}

// shutdownDelay says how long the gateway keeps serving, when it does.
func shutdownDelay(cfg gateway.Config) string {
	if d := cfg.Server.ShutdownDelay; d > 0 {
		return fmt.Sprintf("serving for %s more with /ready 503, then ", d)
	}
	return ""
}

func shutdownTimeout(cfg gateway.Config) string {
	if d := cfg.Server.ShutdownTimeout; d > 0 {
		return d.String()
	}
	return gateway.DefaultShutdownTimeout.String()
}

var keysCommand = &command{
	name:    "keys",
	args:    "create [--id NAME] | hash",
	summary: "make a virtual key for harbor serve, or hash one",
	about: `'harbor keys create' makes a new random virtual key for 'harbor serve' and prints
it with the lines to add under keys: in the gateway's config. The config holds only
the key's SHA-256, so the key is shown this once: give it to its caller. Add
models, rpm, tpm and budget_cny to the lines to restrict the key.

'harbor keys hash' reads a key from stdin and prints its sha256 line, for a key
made elsewhere.
`,
	exits: []exitStatus{
		exitsOK,
		{exitFailed, "no key could be made (the system's random source failed)"},
		{exitUsage, "usage error: bad flags or arguments, or hash read no key from stdin"},
	},
	define: func(fs *flag.FlagSet) runFunc {
		o := &keysOptions{}
		fs.StringVar(&o.id, "id", "", "the key's id in logs and /stats (default: key- and 8 hex digits of its hash)")
		return o.run
	},
}

type keysOptions struct{ id string }

func (o *keysOptions) run(_ context.Context, rest []string, e env) int {
	if len(rest) == 0 || (rest[0] != "create" && rest[0] != "hash") {
		return usageError(e, "keys", "say what to do: harbor keys create [--id NAME], or harbor keys hash < KEYFILE")
	}
	if len(rest) > 1 {
		how := "the key's id is --id NAME"
		if rest[0] == "hash" {
			how = "it reads the key from stdin: harbor keys hash < KEYFILE"
		}
		return usageError(e, "keys", "%s takes no other argument, got %q (%s)", rest[0], rest[1], how)
	}
	if strings.ContainsAny(o.id, " \t\r\n\"'#:") {
		return usageError(e, "keys", "--id %q: use letters, digits, - and _", o.id)
	}
	if rest[0] == "hash" {
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := e.stdin.Read(buf)
			sb.Write(buf[:n])
			if err != nil || sb.Len() > 1<<16 {
				break
			}
		}
		key := strings.TrimSpace(sb.String())
		if key == "" || strings.ContainsAny(key, " \t\r\n") {
			return usageError(e, "keys", "hash reads one key from stdin (echo -n KEY | harbor keys hash)")
		}
		fmt.Fprintf(e.stdout, "    sha256: %s\n", gateway.HashKey(key))
		return exitOK
	}
	key, sum, err := gateway.NewKey()
	if err != nil {
		fmt.Fprintf(e.stderr, "harbor keys: %v\n", err)
		return exitFailed
	}
	id := o.id
	if id == "" {
		id = "key-" + sum[:8]
	}
	fmt.Fprintf(e.stdout, "# The new key. Give it to its caller: it is stored nowhere and cannot be shown again.\n%s\n", key)
	fmt.Fprintf(e.stdout, "# Add these lines under keys: in the gateway's config (then restart harbor serve):\n")
	fmt.Fprintf(e.stdout, "  - id: %s\n    sha256: %s\n", id, sum)
	return exitOK
}

// redisLog turns go-redis's log lines into slog debug records.
type redisLog struct{}

func (redisLog) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

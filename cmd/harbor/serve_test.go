package main

import (
	"context"
	"github.com/harborai/harbor-go/internal/syncbuf"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
)

// serveInProcess runs `harbor serve args…` until stop is called, and returns the
// URL it listens on.
func serveInProcess(t *testing.T, vars map[string]string, args ...string) (url string, stdout, stderr *syncbuf.Buffer, stop func() int) {
	t.Helper()
	url, stdout, stderr, stop, _ = serveInProcessDone(t, vars, args...)
	return url, stdout, stderr, stop
}

// serveInProcessDone is serveInProcess for a test that stops harbor serve
// otherwise (a signal): done is closed when it has returned, and stop then
// returns its exit status at once.
func serveInProcessDone(t *testing.T, vars map[string]string, args ...string) (url string, stdout, stderr *syncbuf.Buffer, stop func() int, done <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncbuf.Buffer{}, &syncbuf.Buffer{}
	exited := make(chan struct{})
	var code int
	go func() {
		defer close(exited)
		code = run(ctx, append([]string{"serve"}, args...), env{
			getenv: func(k string) string { return vars[k] },
			stdin:  strings.NewReader(""), stdout: stdout, stderr: stderr,
		})
	}()
	re := regexp.MustCompile(`listening on (http://\S+) `)
	require.Eventually(t, func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		return re.MatchString(stderr.String())
	}, 10*time.Second, 10*time.Millisecond, "harbor serve did not start")
	m := re.FindStringSubmatch(stderr.String())
	require.NotNil(t, m, stderr.String())
	stopped := false
	stop = func() int {
		if !stopped {
			stopped = true
			cancel()
		}
		<-exited
		return code
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return m[1], stdout, stderr, stop, exited
}

func TestServeAnswersWithTheExampleConfigOffline(t *testing.T) {
	url, stdout, stderr, stop := serveInProcess(t, nil, "--config", "../../deploy/harbor.example.yaml", "--mock", "--listen", "127.0.0.1:0")
	assert.Contains(t, stderr.String(), "deepseek answers from the built-in mock (offline): DEEPSEEK_API_KEY is not set")
	assert.Contains(t, stderr.String(), "WENXIN_API_KEY and WENXIN_SECRET_KEY are not set")
	assert.Contains(t, stderr.String(), "moonshot has no credentials: its models answer 503 until MOONSHOT_API_KEY is set",
		"an endpoint --mock cannot answer is named at start")
	assert.Contains(t, stderr.String(), "key team-search has a placeholder sha256 that no key matches",
		"the example's placeholder hashes are pointed out")
	assert.NotContains(t, stderr.String(), "key example has a placeholder", "the example key's hash is a real one")
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/chat/completions",
		strings.NewReader(`{"model":"fast","messages":[{"role":"user","content":"Hello"}]}`))
	req.Header.Set("Authorization", "Bearer "+gateway.ExampleKey)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Contains(t, string(body), "Hello! You said: Hello")
	assert.Equal(t, exitInterrupted, stop(), "Ctrl-C")
	assert.Contains(t, stdout.String(), `"key_id":"example"`, "the access log is on stdout")
	assert.NotContains(t, stdout.String(), gateway.ExampleKey)
	assert.Contains(t, stderr.String(), "shutting down")
}

func TestServeWithoutConfig(t *testing.T) {
	url, _, _, stop := serveInProcess(t, map[string]string{"DEEPSEEK_API_KEY": "sk-real-looking-key"}, "--listen", "127.0.0.1:0", "--mock")
	res, err := http.Get(url + "/ready")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	assert.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Equal(t, exitInterrupted, stop())
}

func TestServeRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--config", filepath.Join(dir, "missing.yaml")}, exitUsage, "no such file"},
		{[]string{"--config", write("typo.yaml", "listen: 127.0.0.1:0\nlisen: x\n")}, exitUsage, `line 2: unknown setting "lisen" (did you mean "listen"?)`},
		{[]string{"--listen", "0.0.0.0:0"}, exitUsage, "not a loopback address and no virtual keys"},
		{[]string{"extra"}, exitUsage, "takes no arguments"},
		{[]string{"--config", "../../deploy/fleet.yaml", "--mock"}, exitUsage, "cache.redis_url_env names REDIS_URL, which is not set"},
	} {
		code, _, errs := runCLI(t, nil, "", append([]string{"serve"}, tc.args...)...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, errs)
		assert.Contains(t, errs, tc.want, tc.args)
	}
	// A port in use is status 1.
	url, _, _, stop := serveInProcess(t, nil, "--listen", "127.0.0.1:0")
	code, _, errs := runCLI(t, nil, "", "serve", "--listen", strings.TrimPrefix(url, "http://"))
	assert.Equal(t, exitFailed, code, errs)
	assert.Contains(t, errs, "cannot listen on")
	stop()
}

// Operator mistakes that the gateway used to accept at start and then blame
// on callers stop harbor serve with status 2 and a message naming the setting
// or variable, never a key (found by a new-user trial).
func TestServeRefusesOperatorMistakes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	fake := write("fake.yaml", "openai_compatible:\n  - {name: fake, base_url: \"http://127.0.0.1:1/v1\", api_key_env: FAKE_KEY, prefixes: [fake-]}\n")
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		args   []string
		want   string
		secret string
	}{
		{"an endpoint without base_url", nil,
			[]string{"--config", write("nobase.yaml", "openai_compatible:\n  - {name: x, key_optional: true}\n")},
			"openai_compatible[0] (x): base_url is required", ""},
		{"an endpoint's key with a newline", map[string]string{"FAKE_KEY": "fk-pasted-1234\n"}, []string{"--config", fake},
			"openai_compatible[0] (fake): FAKE_KEY contains a control character", "fk-pasted-1234"},
		{"a vendor's key with a newline, --mock", map[string]string{"DEEPSEEK_API_KEY": "sk-pasted-1234\n"}, []string{"--mock"},
			"provider deepseek: DEEPSEEK_API_KEY contains a control character", "sk-pasted-1234"},
		{"a base URL without its scheme", map[string]string{"OPENAI_BASE_URL": "127.0.0.1:9102/v1"}, nil,
			"provider openai: OPENAI_BASE_URL must be an absolute http:// or https:// URL", "9102"},
		// Names the routing cannot use, in the config's terms (found by a
		// new-user trial: harbor's WithProviderConfig("deepsek", …)).
		{"a misspelt provider", nil, []string{"--config", write("deepsek.yaml", "providers: {deepsek: {}}\n")},
			`config: line 1: providers.deepsek: no such provider (built-in: deepseek, doubao, wenxin, qianfan, openai) — did you mean "deepseek"?`, ""},
		{"a name defined twice", nil, []string{"--config", write("twice.yaml", "aliases: {fast: deepseek/deepseek-v4-flash}\n"+
			"openai_compatible:\n  - {name: local2, base_url: \"http://127.0.0.1:1/v1\", key_optional: true, aliases: {fast: qwen}}\n")},
			`config: line 1: aliases.fast and openai_compatible[0] (local2).aliases.fast both define "fast"`, ""},
		{"a key's empty models", nil, []string{"--config", write("nomodels.yaml", "keys:\n  - id: a\n"+
			"    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n    models: []\n")},
			"line 4: keys[0].models: an empty list would allow every model", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A serve that starts is stopped (status 130) rather than left running.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			code, out, errs := cli{ctx: ctx, vars: tc.vars}.run(t, append([]string{"serve", "--listen", "127.0.0.1:0"}, tc.args...)...)
			assert.Equal(t, exitUsage, code, "%s", errs)
			assert.Contains(t, errs, tc.want)
			assert.NotContains(t, errs, "listening on")
			if tc.secret != "" {
				assert.NotContains(t, errs+out, tc.secret)
			}
		})
	}
}

// The start-up hint of a provider without credentials does not ask for a
// variable that is set: its value is what the provider cannot use.
func TestCredentialHintOfAVariableThatIsSet(t *testing.T) {
	cfg := gateway.Config{
		Providers: map[string]gateway.ProviderConfig{"deepseek": {APIKeyEnv: "TEAM_DS_KEY"}, "wenxin": {}},
		Endpoints: []gateway.EndpointConfig{{Name: "fake", BaseURL: "http://127.0.0.1:1/v1", APIKeyEnv: "FAKE_KEY"}},
	}
	for _, tc := range []struct {
		provider string
		vars     map[string]string
		want     string
	}{
		{"fake", nil, "FAKE_KEY is set (openai_compatible endpoints have no mock)"},
		{"fake", map[string]string{"FAKE_KEY": "fk\n"}, "FAKE_KEY holds a key it can use (it is set, but not to one: look for a pasted newline or spaces)"},
		{"deepseek", nil, "TEAM_DS_KEY is set (or --mock answers them offline)"},
		{"deepseek", map[string]string{"TEAM_DS_KEY": "sk\n"}, "TEAM_DS_KEY holds a key it can use (it is set, but not to one: look for a pasted newline or spaces)"},
		{"wenxin", map[string]string{"WENXIN_API_KEY": "a", "WENXIN_SECRET_KEY": "s\n"},
			"WENXIN_API_KEY and WENXIN_SECRET_KEY hold keys it can use (they are set, but not to ones: look for a pasted newline or spaces)"},
	} {
		got := credentialHint(tc.provider, cfg, func(k string) string { return tc.vars[k] })
		assert.Equal(t, tc.want, got, "%s %v", tc.provider, tc.vars)
		assert.NotContains(t, got, "until")
	}
}

func TestKeysCommand(t *testing.T) {
	code, out, errs := runCLI(t, nil, "", "keys", "create", "--id", "team-a")
	require.Equal(t, exitOK, code, errs)
	m := regexp.MustCompile(`(?m)^(hk-\S+)\n(?:#.*\n)  - id: team-a\n    sha256: ([0-9a-f]{64})\n$`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Equal(t, gateway.HashKey(m[1]), m[2])
	// The printed lines are a config the gateway takes.
	cfg, err := gateway.ParseConfig([]byte("keys:\n" + out[strings.Index(out, "  - id:"):]))
	require.NoError(t, err)
	assert.Equal(t, "team-a", cfg.Keys[0].ID)

	code, out, _ = runCLI(t, nil, "", "keys", "create")
	require.Equal(t, exitOK, code)
	assert.Regexp(t, `  - id: key-[0-9a-f]{8}\n`, out)

	code, out, _ = runCLI(t, nil, "hk-abc\n", "keys", "hash")
	require.Equal(t, exitOK, code)
	assert.Equal(t, "    sha256: "+gateway.HashKey("hk-abc")+"\n", out)

	for _, args := range [][]string{{"keys"}, {"keys", "delete"}, {"keys", "create", "--id", "a b"}} {
		code, _, _ = runCLI(t, nil, "", args...)
		assert.Equal(t, exitUsage, code, args)
	}
	// An extra argument is named as such (found by a new-user trial: "say
	// what to do" answered a command that had said it).
	for args, want := range map[string]string{
		"keys create --id team-a extra": `create takes no other argument, got "extra" (the key's id is --id NAME)`,
		"keys hash KEYFILE":             `hash takes no other argument, got "KEYFILE" (it reads the key from stdin: harbor keys hash < KEYFILE)`,
	} {
		code, _, errs := runCLI(t, nil, "", strings.Fields(args)...)
		assert.Equal(t, exitUsage, code, args)
		assert.Contains(t, errs, want, args)
		assert.NotContains(t, errs, "say what to do", args)
	}
	code, _, _ = runCLI(t, nil, "", "keys", "hash")
	assert.Equal(t, exitUsage, code, "no key on stdin")
}

// Without --mock, every offered provider without credentials is named at
// start, with what would give it some.
func TestServeNamesProvidersWithoutCredentials(t *testing.T) {
	_, _, stderr, stop := serveInProcess(t, map[string]string{"DEEPSEEK_API_KEY": "sk-real-looking-key"}, "--listen", "127.0.0.1:0")
	assert.NotContains(t, stderr.String(), "deepseek has no credentials")
	assert.Contains(t, stderr.String(), "doubao has no credentials: its models answer 503 until ARK_API_KEY is set (or --mock answers them offline)")
	assert.Contains(t, stderr.String(), "wenxin has no credentials: its models answer 503 until WENXIN_API_KEY and WENXIN_SECRET_KEY are set")
	assert.Equal(t, exitInterrupted, stop())
}

// A vendor whose base URL is set is called there, --mock or not: the hint
// does not offer --mock for it, and the openai provider with a base URL and
// no key (a local vLLM or Ollama) is called without one, as a note says.
func TestServeWithABaseURLOfItsOwn(t *testing.T) {
	vars := map[string]string{"DEEPSEEK_BASE_URL": "http://127.0.0.1:1", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}
	_, _, stderr, stop := serveInProcess(t, vars, "--listen", "127.0.0.1:0", "--mock")
	assert.Contains(t, stderr.String(), "deepseek has no credentials: its models answer 503 until DEEPSEEK_API_KEY is set "+
		"(DEEPSEEK_BASE_URL is set, so --mock does not replace it)")
	assert.Contains(t, stderr.String(), "openai has no key (OPENAI_API_KEY is not set): its calls go to http://127.0.0.1:1/v1 without one")
	assert.NotContains(t, stderr.String(), "openai has no credentials")
	assert.Contains(t, stderr.String(), "doubao answers from the built-in mock (offline)")
	stop()
}

// The start-up line says how callers authenticate, without parentheses in
// parentheses (found by a new-user trial) and with the number's grammar.
func TestServeKeysNote(t *testing.T) {
	three := []gateway.KeyConfig{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	for _, tc := range []struct {
		cfg  gateway.Config
		want string
	}{
		{gateway.Config{}, "no virtual keys, so callers need none; loopback only"},
		{gateway.Config{AllowAnonymous: true}, "no virtual keys, so anyone who reaches it may call (allow_anonymous)"},
		{gateway.Config{Keys: three[:1]}, "1 virtual key"},
		{gateway.Config{Keys: three}, "3 virtual keys"},
	} {
		assert.Equal(t, tc.want, keysNote(tc.cfg))
	}
	_, _, stderr, stop := serveInProcess(t, nil, "--listen", "127.0.0.1:0", "--mock")
	assert.Regexp(t, `listening on http://127\.0\.0\.1:\d+ \(no virtual keys, so callers need none; loopback only\)\. Ctrl-C stops\.`,
		stderr.String())
	stop()
}

// The start-up lines name the variable a provider's api_key_env or
// secret_key_env names, not the vendor's own: DEEPSEEK_API_KEY, set here,
// is not deepseek's key when the config names TEAM_DS_KEY.
func TestServeNamesTheConfiguredKeyVariables(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "harbor.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("providers:\n  deepseek: {api_key_env: TEAM_DS_KEY}\n"+
		"  wenxin: {secret_key_env: TEAM_WENXIN_SECRET}\n"), 0o600))
	vars := map[string]string{"DEEPSEEK_API_KEY": "sk-another-account", "WENXIN_API_KEY": "ak", "WENXIN_SECRET_KEY": "sk"}
	_, _, stderr, stop := serveInProcess(t, vars, "--config", cfg, "--listen", "127.0.0.1:0")
	assert.Contains(t, stderr.String(), "deepseek has no credentials: its models answer 503 until TEAM_DS_KEY is set (or --mock answers them offline)")
	assert.Contains(t, stderr.String(), "wenxin has no credentials: its models answer 503 until TEAM_WENXIN_SECRET is set (or --mock answers them offline)")
	stop()
	_, _, stderr, stop = serveInProcess(t, vars, "--config", cfg, "--listen", "127.0.0.1:0", "--mock")
	assert.Contains(t, stderr.String(), "deepseek answers from the built-in mock (offline): TEAM_DS_KEY is not set")
	assert.Contains(t, stderr.String(), "wenxin answers from the built-in mock (offline): TEAM_WENXIN_SECRET is not set")
	stop()
}

// A listener on every address is shown as the config asked for it, not as
// Go's [::].
func TestListenAddrShownAsAsked(t *testing.T) {
	for _, tc := range []struct {
		addr  net.Addr
		asked string
		want  string
	}{
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8098}, "0.0.0.0:8098", "0.0.0.0:8098"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8098}, ":8098", "0.0.0.0:8098"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8098}, "[::]:8098", "[::]:8098"},
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "127.0.0.1:0", "127.0.0.1:8080"},
	} {
		assert.Equal(t, tc.want, listenAddr(tc.addr, tc.asked), tc.asked)
	}
}

// An endpoint without api_key_env is told to get one (or key_optional), not
// "until it has a key" (found by a new-user trial: named as a built-in, it
// does not read the built-in's variable).
func TestServeTellsAnEndpointWhereItsKeyComesFrom(t *testing.T) {
	cfg := gateway.Config{Endpoints: []gateway.EndpointConfig{{Name: "deepseek", BaseURL: "http://127.0.0.1:1/v1"}}}
	assert.Equal(t, "openai_compatible[0].api_key_env names the variable holding its key (or key_optional: true, for a server that needs none)",
		credentialHint("deepseek", cfg, func(string) string { return "sk-of-the-built-in" }))
	cfg.Providers = map[string]gateway.ProviderConfig{"deepseek": {APIKeyEnv: "DS_KEY"}}
	assert.Equal(t, "DS_KEY is set (openai_compatible endpoints have no mock)",
		credentialHint("deepseek", cfg, func(string) string { return "" }), "providers.<name>.api_key_env is its variable too")
}

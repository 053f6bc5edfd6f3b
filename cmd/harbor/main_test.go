package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// TestMain lets the test binary stand in for the harbor command when asCLIEnv is
// set, so that TestMockExportsWorkWithEval can run it from a real shell (and
// `harbor mock --exports` can start it again as its background server).
func TestMain(m *testing.M) {
	if os.Getenv(asCLIEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

const asCLIEnv = "HARBOR_TEST_AS_CLI"

// cli is one in-process run of the command. The zero value is a script's view:
// stdin a pipe (empty unless set), stdout and stderr not terminals.
type cli struct {
	ctx                 context.Context
	vars                map[string]string
	stdin               io.Reader
	stdinTTY, stdoutTTY bool
	stderrTTY           bool
	stdout              io.Writer // extra writer for stdout, next to the captured one
}

func (c cli) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	stdin := c.stdin
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var w io.Writer = &out
	if c.stdout != nil {
		w = io.MultiWriter(&out, c.stdout)
	}
	code = run(ctx, args, env{
		getenv: func(k string) string { return c.vars[k] },
		stdin:  stdin, stdinTTY: c.stdinTTY,
		stdout: w, stdoutTTY: c.stdoutTTY,
		stderr: &errb, tty: c.stderrTTY,
	})
	return code, out.String(), errb.String()
}

func runCLI(t *testing.T, vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return cli{vars: vars, stdin: strings.NewReader(stdin)}.run(t, args...)
}

// terminal is a person at a terminal: stdin, stdout and stderr are ttys.
var terminal = cli{stdinTTY: true, stdoutTTY: true}

func TestChatWithoutKeysUsesTheMockAndSaysSo(t *testing.T) {
	code, out, errs := terminal.run(t, "chat", "-m", "deepseek-reasoner", "--stream", "Why is the sky blue?")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "Hello! You said: Why is the sky blue?\n", out, "stdout carries only the answer")
	assert.Contains(t, errs, "DEEPSEEK_API_KEY is not set")
	assert.Contains(t, errs, "── reasoning ──\nThe user said", "reasoning is shown, distinct from the answer")
	assert.Regexp(t, `tokens: \d+ prompt \+ \d+ completion \(\d+ reasoning\) = \d+`, errs, "usage at the end")
}

// Issue 10 item 14: a mock answer can no longer pass for a real one. A script (stdout
// not a terminal) gets the answer with exit status 3; --no-mock and HARBOR_NO_MOCK=1
// turn a missing key into an error; --mock chooses the mock and exits 0.
func TestChatMockAnswerCannotPassForAReal(t *testing.T) {
	const answer = "Hello! You said: hi\n"

	code, out, errs := runCLI(t, nil, "", "chat", "hi")
	assert.Equal(t, exitMockAnswer, code, errs)
	assert.Equal(t, answer, out, "the answer is still printed")
	assert.Contains(t, errs, "stdout is not a terminal, so harbor exits with status 3")

	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
	}{
		{"--no-mock", nil, []string{"chat", "--no-mock", "hi"}},
		{"HARBOR_NO_MOCK=1", map[string]string{"HARBOR_NO_MOCK": "1"}, []string{"chat", "hi"}},
		{"HARBOR_NO_MOCK=true at a terminal", map[string]string{"HARBOR_NO_MOCK": "true"}, []string{"chat", "hi"}},
	} {
		c := terminal
		c.vars = tc.vars
		code, out, errs := c.run(t, tc.args...)
		assert.Equal(t, exitFailed, code, tc.name)
		assert.Empty(t, out, tc.name)
		assert.Contains(t, errs, "DEEPSEEK_API_KEY is not set, and the built-in mock is off", tc.name)
	}

	code, out, errs = runCLI(t, map[string]string{"HARBOR_NO_MOCK": "1"}, "", "chat", "--mock", "hi")
	assert.Equal(t, exitOK, code, "--mock is asked for, so 0 even in a script: %s", errs)
	assert.Equal(t, answer, out)

	code, _, errs = runCLI(t, nil, "", "chat", "--mock", "--no-mock", "hi")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "contradict")
	code, _, errs = runCLI(t, map[string]string{"HARBOR_NO_MOCK": "perhaps"}, "", "chat", "hi")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, `HARBOR_NO_MOCK="perhaps"`)

	// models --remote follows the same rules.
	code, out, _ = runCLI(t, nil, "", "models", "--remote", "deepseek")
	assert.Equal(t, exitMockAnswer, code)
	assert.Contains(t, out, "deepseek-v4-flash")
	code, _, _ = runCLI(t, nil, "", "models", "--remote", "deepseek", "--no-mock")
	assert.Equal(t, exitFailed, code)

	// And the design is documented where a user looks first.
	_, help, _ := runCLI(t, nil, "", "chat", "--help")
	for _, s := range []string{"-no-mock", "HARBOR_NO_MOCK=1", "the exit status is then 3", "stdout is not a terminal"} {
		assert.Contains(t, help, s)
	}
}

func TestChatNonStreamThinkingDisabledAndFlagsAfterPrompt(t *testing.T) {
	code, out, errs := runCLI(t, nil, "", "chat", "hello", "--mock", "--thinking", "disabled", "--temperature", "0")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "Hello! You said: hello\n", out)
	assert.NotContains(t, errs, "reasoning")
	assert.NotContains(t, errs, "is not set", "--mock picks the mock without a notice")
}

func TestChatPromptFromStdin(t *testing.T) {
	code, out, errs := runCLI(t, nil, "from stdin\n", "chat", "--mock")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "Hello! You said: from stdin\n", out)
}

// deepseekEndpoint is a "real" DeepSeek endpoint for the CLI: a mock at
// DEEPSEEK_BASE_URL with the key set, so that requests can be inspected.
func deepseekEndpoint(t *testing.T) (*mockvendor.DeepSeek, map[string]string) {
	t.Helper()
	m := mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: "sk-user-key-123456"})
	srv, err := mockvendor.Listen("127.0.0.1:0", m)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	return m, map[string]string{"DEEPSEEK_API_KEY": "sk-user-key-123456", "DEEPSEEK_BASE_URL": srv.URL()}
}

// sentPrompt is the content of the last message of the only request m received.
func sentPrompt(t *testing.T, m *mockvendor.DeepSeek) string {
	t.Helper()
	reqs := m.Requests()
	require.Len(t, reqs, 1)
	var body struct {
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(reqs[0].Body, &body))
	require.NotEmpty(t, body.Messages)
	return body.Messages[len(body.Messages)-1].Content
}

// Issue 10 item 16: piped input and a prompt argument are combined, argument first.
func TestChatCombinesThePromptArgumentWithPipedStdin(t *testing.T) {
	m, vars := deepseekEndpoint(t)
	code, _, errs := runCLI(t, vars, "line one\nline two\n", "chat", "Summarize:")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "Summarize:\n\nline one\nline two", sentPrompt(t, m))

	// At a terminal, stdin is not waited for when the prompt is given.
	m, vars = deepseekEndpoint(t)
	c := terminal
	c.vars, c.stdin = vars, readFails{t}
	code, _, errs = c.run(t, "chat", "just this")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "just this", sentPrompt(t, m))

	// "-" is stdin alone; empty piped input leaves the argument alone.
	m, vars = deepseekEndpoint(t)
	code, _, errs = runCLI(t, vars, "only stdin", "chat", "-")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "only stdin", sentPrompt(t, m))
	m, vars = deepseekEndpoint(t)
	code, _, errs = runCLI(t, vars, "", "chat", "no", "pipe")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "no pipe", sentPrompt(t, m))

	_, help, _ := runCLI(t, nil, "", "help", "chat")
	assert.Contains(t, help, `'cat notes.txt | harbor chat "Summarize:"' sends "Summarize:\n\n<notes>"`)
}

type readFails struct{ t *testing.T }

func (r readFails) Read([]byte) (int, error) {
	r.t.Error("stdin read although it is a terminal and the prompt was given")
	return 0, io.EOF
}

func TestChatAgainstARealEndpointWhenKeySet(t *testing.T) {
	// A key in the environment means the real vendor; here the "real" one is a mock
	// at DEEPSEEK_BASE_URL, which proves the CLI honoured the environment.
	m, vars := deepseekEndpoint(t)
	code, out, errs := runCLI(t, vars, "", "chat", "hi")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "Hello! You said: hi\n", out)
	assert.NotContains(t, errs, "mock")
	require.Len(t, m.Requests(), 1)
}

// Issue 10 item 15: a base URL in the environment is used even without a key; an
// OpenAI-compatible server then gets no Authorization header, and a vendor that
// needs a key says which variable is missing instead of answering from the mock.
func TestChatBaseURLWithoutKeyIsUsed(t *testing.T) {
	local := mockvendor.NewOpenAI(mockvendor.OpenAIConfig{}) // no key, as vLLM or Ollama
	srv, err := mockvendor.Listen("127.0.0.1:0", local)
	require.NoError(t, err)
	defer srv.Close()
	for _, stream := range []bool{false, true} {
		args := []string{"chat", "-m", "gpt-4o", "hi"}
		if stream {
			args = append(args, "--stream")
		}
		code, out, errs := runCLI(t, map[string]string{"OPENAI_BASE_URL": srv.URL() + "/v1"}, "", args...)
		require.Equal(t, exitOK, code, errs)
		assert.Equal(t, "Hello! You said: hi\n", out)
		assert.NotContains(t, errs, "mock")
	}
	reqs := local.Requests()
	require.Len(t, reqs, 2, "both calls reached the server at OPENAI_BASE_URL")
	assert.Empty(t, reqs[0].Header.Get("Authorization"), "no key, no Authorization header")

	code, out, errs := runCLI(t, map[string]string{"DEEPSEEK_BASE_URL": "http://127.0.0.1:1"}, "", "chat", "hi")
	assert.Equal(t, exitFailed, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "DEEPSEEK_API_KEY")
	assert.NotContains(t, errs, "built-in mock")
}

func TestChatErrors(t *testing.T) {
	code, _, errs := runCLI(t, nil, "", "chat", "-m", "no-such-model", "hi")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, `no provider serves model "no-such-model"`)
	assert.Equal(t, 1, strings.Count(errs, "harbor:"), "one prefix, not stacked")

	code, _, errs = runCLI(t, nil, "", "chat", "--mock")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "no prompt")

	vars := map[string]string{"DEEPSEEK_API_KEY": "sk-wrong-key-abcdef", "DEEPSEEK_BASE_URL": "http://127.0.0.1:1"}
	code, _, errs = runCLI(t, vars, "", "chat", "hi")
	assert.Equal(t, exitFailed, code)
	assert.NotContains(t, errs, "sk-wrong-key-abcdef")

	code, _, _ = runCLI(t, nil, "", "frobnicate")
	assert.Equal(t, exitUsage, code)
}

// Issue 10 item 17: bad flag values are usage errors (status 2) that name the flag,
// and nothing is sent.
func TestChatUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-m", ""}, "a model is required"},
		{[]string{"--model", " "}, "a model is required"},
		{[]string{"--max-tokens", "0"}, "--max-tokens must be a positive number, got 0"},
		{[]string{"--max-tokens", "-5"}, "--max-tokens must be a positive number, got -5"},
		{[]string{"--temperature", "-1"}, "--temperature must be >= 0"},
		{[]string{"--thinking", "maybe"}, "--thinking must be enabled or disabled"},
		{[]string{"--max-tokens", "many"}, "invalid value"},
		{[]string{"--frobnicate"}, "flag provided but not defined"},
	} {
		m, vars := deepseekEndpoint(t)
		code, out, errs := runCLI(t, vars, "", append([]string{"chat", "hi"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Empty(t, out)
		assert.Contains(t, errs, tc.want, "%v", tc.args)
		assert.Contains(t, errs, "Run 'harbor help chat' for usage.", "%v", tc.args)
		assert.Empty(t, m.Requests(), "%v: nothing sent", tc.args)
	}
	// A positive cap is sent.
	m, vars := deepseekEndpoint(t)
	code, _, errs := runCLI(t, vars, "", "chat", "--max-tokens", "7", "hi")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, string(m.Requests()[0].Body), `"max_tokens":7`)
}

// Issue 10 item 17: Ctrl-C (the signal context cancelled) exits 130, whether the call
// is waiting for the vendor, chat for a prompt on stdin, or the mock server is serving.
func TestInterruptExits130(t *testing.T) {
	arrived := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done() // answers only when the client gives up
	})
	srv, err := mockvendor.Listen("127.0.0.1:0", slow)
	require.NoError(t, err)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	vars := map[string]string{"DEEPSEEK_API_KEY": "sk-user-key-123456", "DEEPSEEK_BASE_URL": srv.URL()}
	code, out, errs := cli{ctx: ctx, vars: vars}.run(t, "chat", "--stream", "hi")
	assert.Equal(t, exitInterrupted, code, errs)
	assert.Empty(t, out)
	assert.Contains(t, errs, "harbor chat: interrupted")

	// Waiting for a prompt typed on stdin.
	typing, _ := io.Pipe() // nothing is ever written
	defer typing.Close()
	code, _, errs = cli{ctx: stopped(), stdin: typing, stdinTTY: true}.run(t, "chat", "--mock")
	assert.Equal(t, exitInterrupted, code, errs)

	code, _, errs = cli{ctx: stopped()}.run(t, "mock", "--addr", "127.0.0.1:0", "--vendor", "deepseek")
	assert.Equal(t, exitInterrupted, code, errs)
}

func TestModels(t *testing.T) {
	code, out, errs := runCLI(t, nil, "", "models")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "deepseek-v4-pro")
	assert.Contains(t, out, "alias of deepseek-v4-flash")

	code, out, errs = runCLI(t, nil, "", "models", "--remote", "deepseek", "--mock")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "deepseek-v4-flash")
}

// Issue 10 item 17: an unknown --remote provider is a usage error that lists the
// valid ones; the mock flags without --remote are rejected, not ignored.
func TestModelsUsageErrors(t *testing.T) {
	code, out, errs := runCLI(t, nil, "", "models", "--remote", "deepsek")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, `--remote "deepsek": no such provider; choose from`)
	for _, p := range vendorNames() {
		assert.Contains(t, errs, p)
	}

	code, _, errs = runCLI(t, nil, "", "models", "--mock")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--remote only")
	code, _, _ = runCLI(t, nil, "", "models", "extra")
	assert.Equal(t, exitUsage, code)
}

// Every built-in vendor answers offline from its mock, streamed and not, with the
// same command and only the model name changed.
func TestChatEveryVendorOffline(t *testing.T) {
	for _, tc := range []struct{ model, provider, env string }{
		{"deepseek-reasoner", "deepseek", "DEEPSEEK_API_KEY"},
		{"doubao-seed-1-6-251015", "doubao", "ARK_API_KEY"},
		{"ERNIE-4.0-8K", "wenxin", "WENXIN_API_KEY"},
		{"ernie-x1-turbo-32k", "qianfan", "QIANFAN_API_KEY"},
		{"gpt-4o", "openai", "OPENAI_API_KEY"},
	} {
		for _, stream := range []bool{false, true} {
			args := []string{"chat", "-m", tc.model, "hi there"}
			if stream {
				args = append(args, "--stream")
			}
			code, out, errs := terminal.run(t, args...)
			require.Equal(t, 0, code, "%s stream=%v: %s", tc.model, stream, errs)
			assert.Equal(t, "Hello! You said: hi there\n", out, tc.model)
			assert.Contains(t, errs, tc.env, tc.model)
			assert.Contains(t, errs, "not set", tc.model)
			assert.Contains(t, errs, "mock "+tc.provider, tc.model)
		}
	}
}

// Issue 10 item 17: `harbor version` and `--version` print harbor.Version.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		code, out, errs := runCLI(t, nil, "", args...)
		assert.Equal(t, exitOK, code, errs)
		assert.Equal(t, "harbor "+harbor.Version+"\n", out, "%v", args)
	}
	code, _, _ := runCLI(t, nil, "", "version", "extra")
	assert.Equal(t, exitUsage, code)
}

// Issue 10 item 17: `harbor help CMD`, `harbor CMD -h` and `harbor CMD --help` print
// the same help, in the same format for every command, on stdout with status 0:
// the usage line, the text, Flags (-h at least) and Exit status (the statuses that
// command can return, commandExits), in that order, and no line ends in a space
// (`harbor help version` printed "Usage: harbor version " with neither section).
func TestHelpIsOneFormatForEveryCommand(t *testing.T) {
	code, overview, _ := runCLI(t, nil, "", "help")
	require.Equal(t, exitOK, code)
	for _, s := range []string{"chat", "batch", "models", "mock", "version", "help", "130  interrupted", "3    chat, batch and models --remote only"} {
		assert.Contains(t, overview, s)
	}
	assertNoTrailingSpace(t, "overview", overview)
	_, dashH, _ := runCLI(t, nil, "", "--help")
	assert.Equal(t, overview, dashH)

	for _, c := range commands {
		code, help, errs := runCLI(t, nil, "", "help", c.name)
		require.Equal(t, exitOK, code, errs)
		usage, _, _ := strings.Cut(help, "\n")
		assert.Equal(t, strings.TrimSpace("Usage: harbor "+c.name+" "+c.args), usage, c.name)
		assertNoTrailingSpace(t, c.name, help)
		last := 0
		for _, section := range []string{"\n\nFlags:\n", "\n  -h, --help\n", "\n\nExit status:\n  0    "} {
			i := strings.Index(help, section)
			if assert.GreaterOrEqual(t, i, last, "%s: %q missing or out of order in\n%s", c.name, section, help) {
				last = i
			}
		}
		assert.Equal(t, 1, strings.Count(help, "Exit status:"), c.name)
		_, exits, _ := strings.Cut(help, "\n\nExit status:\n")
		assert.Equal(t, commandExits[c.name], exitCodesIn(t, c.name, exits), "%s -h lists the exit statuses it can return", c.name)
		assert.NotEqual(t, exitCodesHelp, "Exit status:\n"+exits, "%s -h lists its own exit statuses, not harbor's", c.name)
		for _, flag := range []string{"-h", "--help"} {
			code, same, errs := runCLI(t, nil, "", c.name, flag)
			assert.Equal(t, exitOK, code, errs)
			assert.Equal(t, help, same, "%s %s", c.name, flag)
			assert.Empty(t, errs)
		}
		fs, _ := c.flagSet()
		fs.VisitAll(func(f *flag.Flag) {
			assert.Contains(t, help, "\n  -"+f.Name, "%s documents -%s", c.name, f.Name)
		})

		// And a usage error points at that help.
		code, _, errs = runCLI(t, nil, "", c.name, "--no-such-flag")
		assert.Equal(t, exitUsage, code, c.name)
		assert.Contains(t, errs, "Run 'harbor help "+c.name+"' for usage.", c.name)
	}

	code, _, errs := runCLI(t, nil, "", "help", "nope")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "the commands are chat, batch, models, mock, serve, keys, version, help")
	code, _, _ = runCLI(t, nil, "")
	assert.Equal(t, exitUsage, code, "no command")
}

// commandExits are the exit statuses each command can return, as its help
// lists them. Regression (found by a new-user trial): every command's help
// listed harbor's, so `harbor serve -h` explained status 3, which only chat,
// batch and models return, and a batch's failed line.
var commandExits = map[string][]int{
	"chat":    {exitOK, exitFailed, exitUsage, exitMockAnswer, exitInterrupted},
	"batch":   {exitOK, exitFailed, exitUsage, exitMockAnswer, exitInterrupted},
	"models":  {exitOK, exitFailed, exitUsage, exitMockAnswer, exitInterrupted},
	"mock":    {exitOK, exitFailed, exitUsage, exitInterrupted},
	"serve":   {exitOK, exitFailed, exitUsage, exitInterrupted},
	"keys":    {exitOK, exitFailed, exitUsage},
	"version": {exitOK, exitUsage},
	"help":    {exitOK, exitUsage},
}

// exitCodesIn reads the codes of an Exit status section: lines of two
// spaces, the code, padding to column 7 and the meaning, continued on lines
// indented to that column. Nothing may follow the section.
func exitCodesIn(t *testing.T, name, section string) []int {
	t.Helper()
	var codes []int
	for _, line := range strings.Split(strings.TrimSuffix(section, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "       "); ok && len(codes) > 0 && rest != "" && rest[0] != ' ' {
			continue // a continuation
		}
		code, text, ok := strings.Cut(strings.TrimPrefix(line, "  "), " ")
		n, err := strconv.Atoi(code)
		if !assert.True(t, ok && err == nil && strings.HasPrefix(line, "  ") && len(line) > 7 && line[7] != ' ' && text != "",
			"%s: %q is not an exit status line", name, line) {
			continue
		}
		codes = append(codes, n)
	}
	return codes
}

func assertNoTrailingSpace(t *testing.T, name, text string) {
	t.Helper()
	for i, line := range strings.Split(text, "\n") {
		assert.Equal(t, strings.TrimRight(line, " \t"), line, "%s: line %d ends in white space", name, i+1)
	}
}

func TestMockCommandRejectsUnknownVendor(t *testing.T) {
	code, _, errs := runCLI(t, nil, "", "mock", "--vendor", "nope")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, `no mock for "nope"`)
}

// Issue 10 item 19: the CLI's variable names are the providers' own Env* constants.
// Pointed at each vendor's mock through exactly the variables `harbor mock` exports,
// every provider answers live (HARBOR_NO_MOCK=1 rules out the built-in fallback),
// which it could not if a name differed from the one the provider reads.
func TestExportedVariablesAreTheOnesProvidersRead(t *testing.T) {
	models := map[string]string{"deepseek": "deepseek-v4-flash", "doubao": "doubao-seed-1-6-251015",
		"wenxin": "ERNIE-4.0-8K", "qianfan": "ernie-x1-turbo-32k", "openai": "gpt-4o"}
	for _, v := range vendors {
		srv, err := mockvendor.Listen("127.0.0.1:0", v.mock())
		require.NoError(t, err)
		vars := map[string]string{"HARBOR_NO_MOCK": "1"}
		for _, kv := range strings.Fields(strings.TrimPrefix(v.exports(srv.URL()), "export ")) {
			k, val, _ := strings.Cut(kv, "=")
			vars[k] = val
		}
		code, out, errs := runCLI(t, vars, "", "chat", "-m", models[v.provider], "hi")
		srv.Close()
		assert.Equal(t, exitOK, code, "%s: %s", v.provider, errs)
		assert.Equal(t, "Hello! You said: hi\n", out, v.provider)
	}
	assert.Len(t, models, len(vendors))
}

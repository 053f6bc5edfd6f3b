package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
)

// batchLine is an input line asking model to answer prompt.
func batchLine(id, model, prompt string) string {
	return fmt.Sprintf(`{"custom_id": %q, "method": "POST", "url": "/v1/chat/completions", "body": {"model": %q, "messages": [{"role": "user", "content": %q}]}}`,
		id, model, prompt)
}

// writeInput writes lines as a JSONL file in a new directory and returns its path
// and the path of an output file beside it (not created).
func writeInput(t *testing.T, lines ...string) (in, out string) {
	t.Helper()
	dir := t.TempDir()
	in = filepath.Join(dir, "in.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return in, filepath.Join(dir, "out.jsonl")
}

// result is an output line as a test reads it.
type result struct {
	ID       string  `json:"id"`
	CustomID *string `json:"custom_id"`
	Response *struct {
		StatusCode int    `json:"status_code"`
		RequestID  string `json:"request_id"`
		Body       struct {
			Choices []struct {
				Message struct {
					Content string `json:"content"`
				} `json:"message"`
			} `json:"choices"`
			Error *struct {
				Message string `json:"message"`
				Type    string `json:"type"`
			} `json:"error"`
		} `json:"body"`
	} `json:"response"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (r result) answer() string {
	if r.Response == nil || len(r.Response.Body.Choices) == 0 {
		return ""
	}
	return r.Response.Body.Choices[0].Message.Content
}

// parseResults reads JSONL results; every line must be one, with all four keys.
func parseResults(t *testing.T, data string) []result {
	t.Helper()
	var out []result
	for i, line := range strings.Split(strings.TrimSuffix(data, "\n"), "\n") {
		if line == "" {
			continue
		}
		var keys map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(line), &keys), "line %d: %s", i+1, line)
		for _, k := range []string{"id", "custom_id", "response", "error"} {
			assert.Contains(t, keys, k, "line %d", i+1)
		}
		var r result
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		assert.Regexp(t, `^batch_req_[0-9a-f]{24}$`, r.ID)
		out = append(out, r)
	}
	return out
}

func readResults(t *testing.T, path string) []result {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return parseResults(t, string(b))
}

// byID indexes results by custom_id, failing on a custom_id seen twice.
func byID(t *testing.T, results []result) map[string]result {
	t.Helper()
	m := map[string]result{}
	for _, r := range results {
		require.NotNil(t, r.CustomID)
		require.NotContains(t, m, *r.CustomID, "custom_id %q written twice", *r.CustomID)
		m[*r.CustomID] = r
	}
	return m
}

// countingEndpoint is a "real" DeepSeek endpoint for the CLI (key and base URL in
// the environment) that counts the chat requests for each prompt. While hold is
// set, a request for the prompt "hold me" waits at the mock until the client gives
// up, after sending on arrived.
type countingEndpoint struct {
	mock    *mockvendor.DeepSeek
	mu      sync.Mutex
	prompts map[string]int
	hold    atomic.Bool
	arrived chan struct{}
}

func newCountingEndpoint(t *testing.T) (*countingEndpoint, map[string]string) {
	t.Helper()
	c := &countingEndpoint{
		mock:    mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: "sk-user-key-123456"}),
		prompts: map[string]int{}, arrived: make(chan struct{}, 1),
	}
	srv, err := mockvendor.Listen("127.0.0.1:0", c)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	return c, map[string]string{"DEEPSEEK_API_KEY": "sk-user-key-123456", "DEEPSEEK_BASE_URL": srv.URL()}
}

func (c *countingEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	if json.Unmarshal(body, &req) == nil && len(req.Messages) > 0 {
		prompt := req.Messages[len(req.Messages)-1].Content
		c.mu.Lock()
		c.prompts[prompt]++
		c.mu.Unlock()
		if prompt == "hold me" && c.hold.Load() {
			c.arrived <- struct{}{}
			<-r.Context().Done()
			return
		}
	}
	c.mock.ServeHTTP(w, r)
}

// sent returns how many chat requests each prompt has had, and forgets them.
func (c *countingEndpoint) sent() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.prompts
	c.prompts = map[string]int{}
	return p
}

// A JSONL file through the built-in mocks: one result per line, each with its own
// custom_id and answer, in input order with --concurrency 1 and in any order
// otherwise; lines for several vendors run in one batch.
func TestBatchThroughTheMock(t *testing.T) {
	models := []string{"deepseek-v4-flash", "doubao-seed-1-6-251015", "ERNIE-4.0-8K", "ernie-x1-turbo-32k", "gpt-4o"}
	var lines []string
	for i := range 15 {
		lines = append(lines, batchLine(fmt.Sprintf("req-%02d", i), models[i%len(models)], fmt.Sprintf("question %d", i)))
	}
	in, out := writeInput(t, lines...)

	code, stdout, errs := runCLI(t, nil, "", "batch", in, "-o", out, "--mock", "--concurrency", "1")
	require.Equal(t, exitOK, code, errs)
	assert.Empty(t, stdout, "the results go to the file")
	results := readResults(t, out)
	require.Len(t, results, 15)
	for i, r := range results {
		assert.Equal(t, fmt.Sprintf("req-%02d", i), *r.CustomID, "in input order with --concurrency 1")
		require.NotNil(t, r.Response, *r.CustomID)
		assert.Equal(t, 200, r.Response.StatusCode)
		assert.Nil(t, r.Error)
		assert.Equal(t, fmt.Sprintf("Hello! You said: question %d", i), r.answer())
	}
	assert.Contains(t, errs, "harbor batch: 15 lines: 15 ok, 0 failed, in ")
	assert.Contains(t, errs, "results in "+out)
	assert.NotContains(t, errs, "\r", "stderr is not a terminal: no bar redrawn in place")

	// Concurrently, to stdout: the order is the finishing order, the pairs the same.
	code, stdout, errs = runCLI(t, nil, "", "batch", in, "--mock", "--concurrency", "6")
	require.Equal(t, exitOK, code, errs)
	got := byID(t, parseResults(t, stdout))
	require.Len(t, got, 15)
	for i := range 15 {
		assert.Equal(t, fmt.Sprintf("Hello! You said: question %d", i), got[fmt.Sprintf("req-%02d", i)].answer())
	}

	// Without --mock and without keys, the mocks answer but a script cannot take the
	// results for real: status 3, as for chat.
	out2 := filepath.Join(t.TempDir(), "out.jsonl")
	code, _, errs = runCLI(t, nil, "", "batch", in, "-o", out2)
	assert.Equal(t, exitMockAnswer, code, errs)
	assert.Contains(t, errs, "DEEPSEEK_API_KEY is not set, so the answers to its models' lines come from the built-in mock deepseek")
	assert.Contains(t, errs, out2+" is not a terminal, so harbor exits with status 3 after the mock answers")
	assert.Len(t, readResults(t, out2), 15)
	code, _, _ = runCLI(t, nil, "", "batch", in, "--no-mock", "-o", filepath.Join(t.TempDir(), "o"))
	assert.Equal(t, exitFailed, code, "--no-mock: a missing key is an error, before anything is sent")
}

// Resuming: the lines that have a success in the output are not sent again, the
// failed ones are; new results are appended after a line cut short, and a run with
// nothing left sends nothing.
func TestBatchResumeSkipsFinishedLines(t *testing.T) {
	ep, vars := newCountingEndpoint(t)
	in, out := writeInput(t,
		batchLine("a", "deepseek-v4-flash", "prompt a"),
		batchLine("b", "deepseek-v4-flash", "prompt b"),
		batchLine("c", "deepseek-v4-flash", "prompt c"),
		batchLine("d", "deepseek-v4-flash", "prompt d"),
		batchLine("e", "deepseek-v4-flash", "prompt e"),
	)
	before := `{"id":"batch_req_1","custom_id":"a","response":{"status_code":200,"request_id":"r1","body":{"choices":[{"message":{"content":"old a"}}]}},"error":null}
{"id":"batch_req_2","custom_id":"b","response":null,"error":{"code":"timeout","message":"took too long"}}
{"id":"batch_req_3","custom_id":"c","response":{"status_code":429,"request_id":"r3","body":{"error":{"message":"slow down"}}},"error":null}
{"id":"batch_req_4","custom_id":"d","resp`
	require.NoError(t, os.WriteFile(out, []byte(before), 0o644))

	code, _, errs := runCLI(t, vars, "", "batch", in, "-o", out)
	require.Equal(t, exitOK, code, errs)
	assert.Equal(t, map[string]int{"prompt b": 1, "prompt c": 1, "prompt d": 1, "prompt e": 1}, ep.sent(),
		"a had a success and was not sent again; the failed and the cut-short ones were")
	assert.Contains(t, errs, "resuming: 1 of 5 lines already have a result in "+out+"; sending the other 4")
	assert.Contains(t, errs, out+" line 4 is not a result line (cut short?); ignored")
	assert.Contains(t, errs, "4 lines: 4 ok, 0 failed")
	assert.Contains(t, errs, "1 more had a result already")

	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(b), before+"\n"), "appended, after a newline that ends the cut line")
	appended := byID(t, parseResults(t, strings.TrimPrefix(string(b), before+"\n")))
	for _, id := range []string{"b", "c", "d", "e"} {
		assert.Equal(t, "Hello! You said: prompt "+id, appended[id].answer(), id)
	}
	assert.NotContains(t, appended, "a")

	code, _, errs = runCLI(t, vars, "", "batch", in, "-o", out)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, errs, "all 5 lines already have a result in "+out+"; nothing to send")
	assert.Empty(t, ep.sent())
}

// Ctrl-C stops the batch with status 130 and keeps what was done; the same
// command then sends only the rest.
func TestBatchInterruptThenResume(t *testing.T) {
	ep, vars := newCountingEndpoint(t)
	ep.hold.Store(true)
	in, out := writeInput(t,
		batchLine("1", "deepseek-v4-flash", "one"),
		batchLine("2", "deepseek-v4-flash", "two"),
		batchLine("3", "deepseek-v4-flash", "hold me"),
		batchLine("4", "deepseek-v4-flash", "four"),
		batchLine("5", "deepseek-v4-flash", "five"),
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-ep.arrived // line 3 is at the vendor: Ctrl-C
		cancel()
	}()
	code, _, errs := cli{ctx: ctx, vars: vars}.run(t, "batch", in, "-o", out, "--concurrency", "1")
	assert.Equal(t, exitInterrupted, code, errs)
	assert.Contains(t, errs, "harbor batch: interrupted: 2 ok, 0 failed, 3 not done (not written); the results so far are in "+out)
	assert.Contains(t, errs, "run the same command again to send the rest")
	got := byID(t, readResults(t, out))
	assert.Len(t, got, 2)
	assert.Equal(t, "Hello! You said: one", got["1"].answer())
	assert.Equal(t, "Hello! You said: two", got["2"].answer())
	assert.Equal(t, map[string]int{"one": 1, "two": 1, "hold me": 1}, ep.sent(), "nothing started after the interrupt")

	ep.hold.Store(false)
	code, _, errs = runCLI(t, vars, "", "batch", in, "-o", out, "--concurrency", "1")
	require.Equal(t, exitOK, code, errs)
	assert.Equal(t, map[string]int{"hold me": 1, "four": 1, "five": 1}, ep.sent())
	got = byID(t, readResults(t, out))
	require.Len(t, got, 5, "one success per line, none written twice")
	for id, prompt := range map[string]string{"1": "one", "2": "two", "3": "hold me", "4": "four", "5": "five"} {
		assert.Equal(t, "Hello! You said: "+prompt, got[id].answer())
	}
}

// Lines that are not requests are reported with their line number and each gets
// an error result; the good lines are still sent. Unknown body fields are sent as
// they are. A failure with an HTTP status is a response with that status, as
// OpenAI writes it; one without is an error object. Status 1.
func TestBatchMalformedLinesAndFailures(t *testing.T) {
	ep, vars := newCountingEndpoint(t)
	in, out := writeInput(t,
		batchLine("ok-1", "deepseek-v4-flash", "first"),
		`{"custom_id": "broken", "body": {`,
		`{"method": "POST", "body": {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "x"}]}}`,
		`{"custom_id": "get", "method": "GET", "url": "/v1/chat/completions", "body": {"model": "deepseek-v4-flash", "messages": []}}`,
		`{"custom_id": "emb", "url": "/v1/embeddings", "body": {"model": "deepseek-v4-flash", "input": "x"}}`,
		`{"custom_id": "nobody"}`,
		"",
		`{"custom_id": "streamed", "body": {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "x"}], "stream": true}}`,
		`{"custom_id": 7, "body": {}}`,
		`{"custom_id": "typo", "body": {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "x"}], "temperature": "warm"}}`,
		`{"custom_id": "extra", "body": {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "extra"}], "x_vendor_flag": {"on": true}}}`,
		batchLine("unknown", "no-such-model", "x"),
		batchLine("refused", "deepseek-v4-flash", "refused"),
	)
	ep.mock.Enqueue(mockvendor.Fault{}, mockvendor.Fault{}, mockvendor.Fault{Status: 400, Message: "you asked for too much"})

	code, _, errs := runCLI(t, vars, "", "batch", in, "-o", out, "--concurrency", "1")
	assert.Equal(t, exitFailed, code, errs)
	for _, want := range []string{
		"in.jsonl line 2: not a JSON object: unexpected end of JSON input",
		"in.jsonl line 3: custom_id is missing or empty",
		`in.jsonl line 4: method is "GET"`,
		`in.jsonl line 5: url is "/v1/embeddings"; harbor batch sends chat completions only`,
		"in.jsonl line 6: body is missing",
		`in.jsonl line 8: body: "stream": true is not for a batch`,
		"in.jsonl line 9: custom_id must be a string, got 7",
		"in.jsonl line 10: body: cannot unmarshal string into Go struct field ChatRequest.temperature",
		"8 lines of " + "in.jsonl are not requests; each gets an error result in the output",
		"12 lines: 2 ok, 10 failed",
	} {
		assert.Contains(t, errs, strings.ReplaceAll(want, "in.jsonl", in))
	}

	results := readResults(t, out)
	require.Len(t, results, 12, "one result per non-blank line: none dropped")
	codes := map[string]string{}
	var noID []result
	for _, r := range results {
		if r.CustomID == nil {
			noID = append(noID, r)
			continue
		}
		switch {
		case r.Error != nil:
			assert.Nil(t, r.Response, *r.CustomID)
			codes[*r.CustomID] = r.Error.Code
		default:
			codes[*r.CustomID] = fmt.Sprint(r.Response.StatusCode)
		}
	}
	assert.Equal(t, map[string]string{
		"get": "invalid_method", "emb": "invalid_url", "nobody": "missing_body", "streamed": "invalid_body",
		"typo": "invalid_body", "extra": "200", "ok-1": "200", "unknown": "unknown_model", "refused": "400",
	}, codes)
	require.Len(t, noID, 3, "lines 2, 3 and 9 have no usable custom_id")
	for _, r := range noID {
		require.NotNil(t, r.Error)
		assert.Regexp(t, `^line (2|3|9): `, r.Error.Message)
	}

	byCustomID := map[string]result{}
	for _, r := range results {
		if r.CustomID != nil {
			byCustomID[*r.CustomID] = r
		}
	}
	refused := byCustomID["refused"]
	require.NotNil(t, refused.Response)
	assert.Nil(t, refused.Error, "an HTTP error is a response, as OpenAI writes it")
	require.NotNil(t, refused.Response.Body.Error)
	assert.Contains(t, refused.Response.Body.Error.Message, "you asked for too much")
	assert.Contains(t, byCustomID["unknown"].Error.Message, `no provider serves model "no-such-model"`)

	reqs := ep.mock.Requests()
	require.Len(t, reqs, 3, "ok-1, extra and refused were sent")
	assert.Contains(t, string(reqs[1].Body), `"x_vendor_flag":{"on":true}`, "an unknown body field is sent as it is")
}

// Input that cannot be run is refused before anything is sent, with status 2:
// repeated custom_ids (each reported with both line numbers), no input, an empty
// one, the output being the input, bad flags.
func TestBatchBadInputExits2(t *testing.T) {
	ep, vars := newCountingEndpoint(t)
	in, out := writeInput(t,
		batchLine("a", "deepseek-v4-flash", "1"),
		batchLine("b", "deepseek-v4-flash", "2"),
		batchLine("a", "deepseek-v4-flash", "3"),
		batchLine("b", "deepseek-v4-flash", "4"),
	)
	code, _, errs := runCLI(t, vars, "", "batch", in, "-o", out)
	assert.Equal(t, exitUsage, code, errs)
	assert.Contains(t, errs, in+` line 3: custom_id "a" is also on line 1`)
	assert.Contains(t, errs, in+` line 4: custom_id "b" is also on line 2`)
	assert.Contains(t, errs, "nothing was sent")
	assert.NoFileExists(t, out)

	empty, _ := writeInput(t, "", "  ")
	in, _ = writeInput(t, batchLine("a", "deepseek-v4-flash", "1"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{filepath.Join(t.TempDir(), "missing.jsonl")}, "reading the input"},
		{[]string{empty}, "has no request lines"},
		{[]string{}, "takes one input file"},
		{[]string{in, in}, "takes one input file"},
		{[]string{in, "--concurrency", "0"}, "--concurrency must be at least 1, got 0"},
		{[]string{in, "-m", " "}, "-m needs a model name"},
		{[]string{in, "-m", "no-such-model"}, `no provider serves model "no-such-model"`},
		{[]string{in, "-o", in}, "is the input"},
		{[]string{in, "--mock", "--no-mock"}, "contradict"},
	} {
		code, _, errs := runCLI(t, vars, "", append([]string{"batch"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, "%v: %s", tc.args, errs)
		assert.Contains(t, errs, tc.want, "%v", tc.args)
	}
	assert.Empty(t, ep.sent(), "nothing was sent")
}

// Standard input works as the input ("-"); -m sends every line to one model.
func TestBatchFromStdinWithModel(t *testing.T) {
	ep, vars := newCountingEndpoint(t)
	input := batchLine("x", "gpt-4o", "from stdin") + "\n" + batchLine("y", "doubao-seed-1-6-251015", "also") + "\n"
	code, stdout, errs := runCLI(t, vars, input, "batch", "-", "-m", "deepseek-v4-flash")
	require.Equal(t, exitOK, code, errs)
	got := byID(t, parseResults(t, stdout))
	assert.Equal(t, "Hello! You said: from stdin", got["x"].answer())
	assert.Equal(t, map[string]int{"from stdin": 1, "also": 1}, ep.sent(), "both lines went to DeepSeek")
}

// Progress on stderr: at a terminal a bar redrawn in place and cleared before the
// summary; elsewhere a plain line now and then.
func TestBatchProgress(t *testing.T) {
	in, out := writeInput(t, batchLine("a", "deepseek-v4-flash", "1"), batchLine("b", "deepseek-v4-flash", "2"))
	code, _, errs := cli{stderrTTY: true}.run(t, "batch", in, "-o", out, "--mock")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, errs, "\r\x1b[Kharbor batch: [====================] 2/2 · ")
	assert.Contains(t, errs, "\r\x1b[Kharbor batch: 2 lines: 2 ok, 0 failed", "the bar is cleared before the summary")

	assert.Equal(t, "[==========>         ]", bar(1, 2))
	assert.Equal(t, "[>                   ]", bar(0, 5))
	p := &progressBar{total: 100}
	assert.Equal(t, "25/100 · 5.0/s · 15s left · 3 failed", p.status(25, 3, 5*time.Second))

	// Elsewhere, a plain line every progressLineEvery, and none for the end (the
	// summary says it).
	var w strings.Builder
	p = &progressBar{w: &w, total: 100, next: progressLineEvery}
	for _, u := range []struct {
		done    int
		elapsed time.Duration
	}{{10, time.Second}, {50, 10 * time.Second}, {60, 15 * time.Second}, {90, 21 * time.Second}, {100, 22 * time.Second}} {
		p.update(u.done, 0, u.elapsed)
	}
	assert.Equal(t, "harbor batch: 50/100 · 5.0/s · 10s left\nharbor batch: 90/100 · 4.3/s · 2s left\n", w.String())
	p.clear()
	assert.NotContains(t, w.String(), "\r")
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/harborai/harbor-go/harbor"
)

var batchCommand = &command{
	name:    "batch",
	args:    "[-o FILE] [--concurrency N] [-m MODEL] [--mock | --no-mock] INPUT.jsonl",
	summary: "send every request of an OpenAI batch file (JSONL), results to a JSONL file",
	about: `Sends every request of INPUT.jsonl (or stdin, for "-"), a file in OpenAI's batch
input format, at most --concurrency at a time, and writes one result per line in
OpenAI's batch output format. Each input line is

  {"custom_id": "q1", "method": "POST", "url": "/v1/chat/completions",
   "body": {"model": "deepseek-v4-flash",
            "messages": [{"role": "user", "content": "hi"}]}}

custom_id is unique in the file; method and url may be left out, and if present
are POST and a chat completions URL; body is the chat request, for any model
harbor routes. Fields of the body harbor does not know are sent as they are;
"stream": true is refused. Each output line is

  {"id": "batch_req_…", "custom_id": "q1", "response": {"status_code": 200,
   "request_id": "…", "body": <the chat completion>}, "error": null}

A vendor's HTTP error is a response with its status_code and an {"error": {…}}
body, as OpenAI writes it; any other failure (a timeout, no connection, an
unknown model, a line that is not a request) has "response": null and
"error": {"code", "message"}. A line succeeded when its status_code is 200.
Results are written as they finish, not in input order (with --concurrency 1 they
are in order): match them by custom_id. A line that is not a request is reported
on stderr with its line number and gets an error result, written first: no line
is dropped. Two lines with the same custom_id are refused before anything is sent.

Resuming: when -o FILE exists, the lines whose custom_id has a success in it are
not sent again, and the new results are appended. A failed line is sent again and
its new result appended after the old one: the last line for a custom_id is its
result. Ctrl-C stops the batch: nothing more starts, the lines under way are
abandoned, the results so far stay in FILE and harbor exits with status 130; the
same command then sends the lines that have no success yet.

Progress goes to stderr: at a terminal, a bar redrawn in place (done/total, rate,
time left, failures); otherwise a line every 10 seconds; a summary at the end.

Which endpoint answers a line is chosen per vendor as for 'harbor chat': its base
URL or key, or else its built-in mock (offline), with exit status 3 when a mock
answered because no key was set and the results do not go to a terminal.
`,
	exits: []exitStatus{
		{exitOK, "every line succeeded"},
		{exitFailed, "at least one line failed (its error is in the output, the others were\n" +
			"sent), or the results could not be written"},
		{exitUsage, "usage error: bad flags or arguments, or the input could not be read, has\n" +
			"no request or repeats a custom_id; nothing was sent"},
		{exitMockAnswer, "every line succeeded, but a built-in mock answered because no key was\n" +
			"set, and the output is not a terminal (scripts cannot take it for real)"},
		{exitInterrupted, "interrupted (Ctrl-C): the results so far are written; the same command\n" +
			"with -o FILE sends the rest"},
	},
	define: func(fs *flag.FlagSet) runFunc {
		o := &batchOptions{fs: fs}
		fs.StringVar(&o.output, "o", "", "write the results to `FILE` (default: stdout); an existing FILE is resumed")
		fs.StringVar(&o.output, "output", "", "same as -o")
		fs.IntVar(&o.concurrency, "concurrency", harbor.DefaultBatchConcurrency, "at most `N` requests in flight at once")
		fs.StringVar(&o.model, "m", "", "send every line to `MODEL`, whatever its body says")
		fs.StringVar(&o.model, "model", "", "same as -m")
		o.mock.define(fs)
		return o.run
	},
}

type batchOptions struct {
	fs          *flag.FlagSet
	output      string
	concurrency int
	model       string
	mock        mockFlags
}

// batchRun is the state of one run of harbor batch.
type batchRun struct {
	e        env
	input    string // the input's name in messages
	output   string // "" for stdout
	lines    []inputLine
	todo     []inputLine // lines without a success in the output yet
	skipped  int         // lines with one
	endsInNL bool        // the existing output ends in a newline (or is empty)
}

func (o *batchOptions) run(ctx context.Context, rest []string, e env) int {
	policy, err := o.mock.policy(e)
	if err != nil {
		return usageError(e, "batch", "%v", err)
	}
	if len(rest) != 1 {
		return usageError(e, "batch", "takes one input file (or - for stdin), got %d arguments", len(rest))
	}
	if o.concurrency < 1 {
		return usageError(e, "batch", "--concurrency must be at least 1, got %d", o.concurrency)
	}
	if (isSet(o.fs, "m") || isSet(o.fs, "model")) && strings.TrimSpace(o.model) == "" {
		return usageError(e, "batch", "-m needs a model name (see 'harbor models'), or leave it out to use each line's")
	}
	r := &batchRun{e: e, input: rest[0], output: o.output, endsInNL: true}
	if r.output == "-" {
		r.output = ""
	}
	if r.input == "-" {
		r.input = "stdin"
	}
	if code, ok := r.load(ctx, rest[0]); !ok {
		return code
	}
	if len(r.todo) == 0 {
		fmt.Fprintf(e.stderr, "harbor batch: all %d lines already have a result in %s; nothing to send\n", len(r.lines), r.output)
		return exitOK
	}

	// Route every request (no I/O) to know which vendors the batch needs.
	probe, err := harbor.New(harbor.WithGetenv(e.getenv))
	if err != nil {
		return failed(ctx, e, "batch", err)
	}
	if o.model != "" {
		if _, err := probe.Route(o.model); err != nil {
			report(e, "batch", err)
			return exitUsage
		}
	}
	var providers []string
	for _, l := range r.todo {
		if l.req == nil {
			continue
		}
		if o.model != "" {
			l.req.Model = o.model
		}
		if route, err := probe.Route(l.req.Model); err == nil && !slices.Contains(providers, route.Provider) {
			providers = append(providers, route.Provider)
		}
	}
	to := audience{answers: "the answers to its models' lines come", mockAnswers: "the mock answers",
		interactive: r.output == "" && e.stdoutTTY, where: "stdout"}
	if r.output != "" {
		to.where = r.output
	}
	b, err := newBackends(providers, policy, e, to)
	if err != nil {
		return failed(ctx, e, "batch", err)
	}
	defer b.close()

	if r.output != "" {
		f, err := os.OpenFile(r.output, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			report(e, "batch", fmt.Errorf("opening the output: %w", err))
			return exitFailed
		}
		if !r.endsInNL { // a line cut short: the next result starts on its own line
			if _, err := io.WriteString(f, "\n"); err != nil {
				f.Close()
				report(e, "batch", fmt.Errorf("writing the results: %w", err))
				return exitFailed
			}
		}
		code := r.send(ctx, b, o.concurrency, f)
		if err := f.Close(); err != nil && code != exitFailed {
			report(e, "batch", fmt.Errorf("writing the results: %w", err))
			return exitFailed
		}
		return code
	}
	return r.send(ctx, b, o.concurrency, e.stdout)
}

// load reads the input and, when resuming, the output; ok is false when the run
// ends here with code.
func (r *batchRun) load(ctx context.Context, path string) (code int, ok bool) {
	e := r.e
	data, err := readInput(ctx, path, e)
	if err != nil {
		if ctx.Err() != nil {
			return failed(ctx, e, "batch", err), false
		}
		report(e, "batch", err)
		return exitUsage, false
	}
	if r.output != "" && path != "-" && sameFile(path, r.output) {
		return usageError(e, "batch", "the output %s is the input: write the results to another file", r.output), false
	}
	r.lines = parseInput(data)
	if len(r.lines) == 0 {
		return usageError(e, "batch", "%s has no request lines", r.input), false
	}
	if dups := duplicates(r.lines); len(dups) > 0 {
		printFew(e.stderr, dups, func(d string) string { return r.input + " " + d })
		fmt.Fprintf(e.stderr, "harbor batch: %s repeats a custom_id, so its results could not be told apart; nothing was sent\n", r.input)
		return exitUsage, false
	}

	done := map[string]bool{}
	if r.output != "" {
		prev, err := os.ReadFile(r.output)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			report(e, "batch", fmt.Errorf("reading the results so far: %w", err))
			return exitFailed, false
		default:
			var unreadable []int
			done, unreadable, r.endsInNL = previousResults(prev)
			printFew(e.stderr, unreadable, func(n int) string {
				return fmt.Sprintf("%s line %d is not a result line (cut short?); ignored", r.output, n)
			})
		}
	}
	for _, l := range r.lines {
		if l.hasID && done[l.customID] {
			r.skipped++
			continue
		}
		r.todo = append(r.todo, l)
	}
	var problems []string
	for _, l := range r.todo {
		if l.problem != nil {
			problems = append(problems, l.problem.Message)
		}
	}
	printFew(e.stderr, problems, func(p string) string { return r.input + " " + p })
	if len(problems) > 0 {
		fmt.Fprintf(e.stderr, "harbor batch: %d lines of %s are not requests; each gets an error result in the output\n", len(problems), r.input)
	}
	if r.skipped > 0 && len(r.todo) > 0 {
		fmt.Fprintf(e.stderr, "harbor batch: resuming: %d of %d lines already have a result in %s; sending the other %d\n",
			r.skipped, len(r.lines), r.output, len(r.todo))
	}
	return 0, true
}

// send writes the results of the lines that are not requests, runs the others and
// writes their results as they finish.
func (r *batchRun) send(ctx context.Context, b *backend, concurrency int, w io.Writer) int {
	e := r.e
	out := &resultWriter{w: w}
	var (
		reqs    []*harbor.ChatRequest
		ids     []string
		ok, bad int
	)
	problems := 0
	for _, l := range r.todo {
		if l.problem != nil {
			out.write(problemLine(l))
			problems++
			bad++
			continue
		}
		reqs = append(reqs, l.req)
		ids = append(ids, l.customID)
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	bar := &progressBar{w: e.stderr, tty: e.tty, total: len(reqs)}
	if !bar.tty {
		bar.next = progressLineEvery
	}
	start := time.Now()
	results := b.client.Chat.Completions.Batch(runCtx, reqs, harbor.BatchOptions{
		Concurrency: concurrency,
		Progress: func(p harbor.BatchProgress) {
			res := p.Result
			if res.Err != nil && runCtx.Err() != nil && errors.Is(res.Err, harbor.ErrCanceled) {
				// Stopped by Ctrl-C (or a failed write): not a result, the next run sends it.
			} else {
				if r.output == "" && e.stdoutTTY {
					bar.clear() // the results share the terminal
				}
				if out.write(resultLine(ids[res.Index], res.Completion, res.Err)) != nil {
					cancel()
				}
				if res.Err != nil {
					bad++
				} else {
					ok++
				}
			}
			bar.update(p.Done, bad, p.Elapsed)
		},
	})
	bar.clear()
	elapsed := time.Since(start)
	where := "stdout"
	if r.output != "" {
		where = r.output
	}
	if out.err != nil {
		report(e, "batch", fmt.Errorf("writing the results: %w", out.err))
		return exitFailed
	}
	if ctx.Err() != nil {
		left := len(reqs) + problems - ok - bad
		fmt.Fprintf(e.stderr, "harbor batch: interrupted: %d ok, %d failed, %d not done (not written); "+
			"the results so far are in %s\n", ok, bad, left, where)
		if r.output != "" {
			fmt.Fprintf(e.stderr, "harbor batch: run the same command again to send the rest\n")
		} else {
			fmt.Fprintf(e.stderr, "harbor batch: to send the rest, run again with -o and the file the results went to\n")
		}
		return exitInterrupted
	}
	summary := fmt.Sprintf("harbor batch: %d lines: %d ok, %d failed, in %s", len(results)+problems, ok, bad, elapsed.Round(time.Millisecond))
	if secs := elapsed.Seconds(); secs > 0 && len(results) > 0 {
		summary += fmt.Sprintf(" (%.1f/s)", float64(len(results))/secs)
	}
	if r.skipped > 0 {
		summary += fmt.Sprintf("; %d more had a result already", r.skipped)
	}
	fmt.Fprintf(e.stderr, "%s; results in %s\n", summary, where)
	if bad > 0 {
		return exitFailed
	}
	return b.exitCode()
}

// resultWriter writes result lines, each with one Write so that a crash leaves at
// most the last one cut short; after an error it writes nothing more.
type resultWriter struct {
	w   io.Writer
	err error
}

func (rw *resultWriter) write(l outputLine) error {
	if rw.err != nil {
		return rw.err
	}
	b, err := json.Marshal(l)
	if err != nil {
		rw.err = err
		return err
	}
	_, rw.err = rw.w.Write(append(b, '\n'))
	return rw.err
}

// readInput reads the input file, or stdin for "-" until its end or Ctrl-C.
func readInput(ctx context.Context, path string, e env) ([]byte, error) {
	if path != "-" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading the input: %w", err)
		}
		return b, nil
	}
	return readStdin(ctx, e, 0, "the input")
}

func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// printFew prints a line per item, for the first ten items only, and then how many
// more there are: a file with many bad lines keeps stderr readable.
func printFew[T any](w io.Writer, items []T, line func(T) string) {
	const most = 10
	for i, it := range items {
		if i == most {
			fmt.Fprintf(w, "harbor batch: … and %d more\n", len(items)-most)
			return
		}
		fmt.Fprintf(w, "harbor batch: %s\n", line(it))
	}
}

// Progress on stderr: a bar redrawn at most every progressBarEvery at a terminal,
// otherwise a plain line every progressLineEvery.
const (
	progressBarEvery  = 100 * time.Millisecond
	progressLineEvery = 10 * time.Second
)

type progressBar struct {
	w     io.Writer
	tty   bool
	total int
	next  time.Duration // when the next update may be drawn
	shown bool          // a bar is on the terminal's last line
}

func (p *progressBar) update(done, failed int, elapsed time.Duration) {
	last := done == p.total
	if elapsed < p.next && !last {
		return
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\x1b[Kharbor batch: %s %s", bar(done, p.total), p.status(done, failed, elapsed))
		p.shown = true
		p.next = elapsed + progressBarEvery
		return
	}
	if !last { // the summary reports the end
		fmt.Fprintf(p.w, "harbor batch: %s\n", p.status(done, failed, elapsed))
		p.next = elapsed + progressLineEvery
	}
}

// status is "37/100 · 4.1/s · 15s left · 2 failed".
func (p *progressBar) status(done, failed int, elapsed time.Duration) string {
	s := fmt.Sprintf("%d/%d", done, p.total)
	if secs := elapsed.Seconds(); secs > 0 && done > 0 {
		rate := float64(done) / secs
		left := time.Duration(float64(p.total-done) / rate * float64(time.Second))
		s += fmt.Sprintf(" · %.1f/s · %s left", rate, left.Round(time.Second))
	}
	if failed > 0 {
		s += fmt.Sprintf(" · %d failed", failed)
	}
	return s
}

// clear removes the bar, so that what follows starts on a clean line.
func (p *progressBar) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// bar draws done out of total in 20 cells: "[=======>            ]".
func bar(done, total int) string {
	const width = 20
	n := 0
	if total > 0 {
		n = done * width / total
	}
	s := strings.Repeat("=", n)
	if n < width {
		s += ">" + strings.Repeat(" ", width-n-1)
	}
	return "[" + s + "]"
}

// Command harbor is harbor's command line: chat with any routed model, send a file of
// requests in OpenAI's batch format, list models, serve the built-in mock vendors, and
// run harbor as an OpenAI-compatible gateway.
//
//	harbor chat [-m MODEL] [--stream] [--mock | --no-mock] [prompt ...]
//	harbor batch [-o FILE] [--concurrency N] [-m MODEL] [--mock | --no-mock] INPUT.jsonl
//	harbor models [--remote PROVIDER [--mock | --no-mock]]
//	harbor mock [--addr 127.0.0.1:8700] [--vendor deepseek,…] [--exports]
//	harbor serve [--config FILE] [--listen ADDR] [--mock]
//	harbor keys create [--id NAME] | hash
//	harbor version
//	harbor help [COMMAND]
//
// When the routed vendor's credentials and base URL are not in the environment,
// chat, batch and models answer from the built-in mock of that vendor (offline) and say so;
// set them (DEEPSEEK_API_KEY, ARK_API_KEY, WENXIN_API_KEY + WENXIN_SECRET_KEY,
// QIANFAN_API_KEY, OPENAI_API_KEY, or a *_BASE_URL) to talk to a real API. `harbor
// help` lists the exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/harborai/harbor-go/harbor"
)

// Exit codes. Every command uses these and nothing else.
const (
	exitOK          = 0
	exitFailed      = 1   // the call (or the server) failed
	exitUsage       = 2   // bad flags or arguments, or a request or setting refused before anything was sent
	exitMockAnswer  = 3   // answered by the built-in mock because no key was set, and stdout is not a terminal
	exitInterrupted = 130 // Ctrl-C, as shells report a SIGINT
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	e := env{
		getenv: os.Getenv,
		stdin:  os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		tty: isTerminal(os.Stderr), stdinTTY: isTerminal(os.Stdin), stdoutTTY: isTerminal(os.Stdout),
	}
	if fd := os.Getenv(readyFDEnv); fd != "" {
		e.ready = readyFile(fd) // the detached child of `harbor mock --exports`
	}
	code := run(ctx, os.Args[1:], e)
	stop()
	os.Exit(code)
}

// env is everything the commands touch outside themselves, so tests can run them
// in-process.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	tty            bool // stderr is a terminal: reasoning may be dimmed
	stdinTTY       bool // stdin is a terminal: chat does not wait for piped input
	stdoutTTY      bool // stdout is a terminal: a person reads the answer
	// ready, when set, makes `harbor mock` a detached server: it writes its export
	// lines there (then closes it) instead of to stdout. See mockexports.go.
	ready io.WriteCloser
}

// command is one subcommand. define registers its flags on fs and returns the
// function that runs it with the parsed flags; help builds the same flag set
// without running anything, so `harbor help chat` and `harbor chat -h` print the
// same text.
type command struct {
	name    string
	args    string // what follows "harbor NAME" in the usage line
	summary string // one line for the overview
	about   string // the help text between the usage line and the flags
	exits   []exitStatus
	define  func(fs *flag.FlagSet) runFunc
}

// exitStatus is one line of a command's Exit status section: a status the
// command can return and what it means there. A meaning of several lines
// has "\n" between them.
type exitStatus struct {
	code    int
	meaning string
}

// The statuses every command's section has, worded the same everywhere.
var (
	exitsOK          = exitStatus{exitOK, "success"}
	exitsInterrupted = exitStatus{exitInterrupted, "interrupted (Ctrl-C)"}
)

type runFunc func(ctx context.Context, rest []string, e env) int

// commands is filled in init: the help command lists the table it is part of.
var commands []*command

func init() {
	commands = []*command{chatCommand, batchCommand, modelsCommand, mockCommand, serveCommand, keysCommand, versionCommand, helpCommand}
}

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

const exitCodesHelp = `Exit status:
  0    success
  1    the call failed (network, vendor error, missing key with --no-mock),
       a line of harbor batch failed, or harbor mock or serve could not listen
  2    usage error: bad flags or arguments, or the request or a setting was
       refused before anything was sent (a *_BASE_URL that is not an absolute
       URL, a key with a space or newline in it, --temperature 5, a batch
       input that cannot be read or repeats a custom_id, a serve config that
       cannot be read or is refused)
  3    chat, batch and models --remote only: the answer came from the built-in
       mock because no key was set, and stdout (batch: the output) is not a
       terminal (scripts cannot take it for real)
  130  interrupted (Ctrl-C)
`

func overview() string {
	var b strings.Builder
	b.WriteString("harbor — one OpenAI-style API over DeepSeek, Doubao, Wenxin/Qianfan and OpenAI-compatible vendors\n\n")
	b.WriteString("Usage:\n  harbor COMMAND [flags] [arguments]\n  harbor --version\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\nWithout API keys in the environment, chat, batch and models use the built-in mock vendors.\n\n")
	b.WriteString(exitCodesHelp)
	b.WriteString("\nRun 'harbor help COMMAND' (or 'harbor COMMAND -h') for a command's flags.\n")
	return b.String()
}

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, overview())
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		args = append([]string{"help"}, args[1:]...)
	case "-version", "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	c := findCommand(args[0])
	if c == nil {
		fmt.Fprintf(e.stderr, "harbor: unknown command %q\nRun 'harbor help' for the commands.\n", args[0])
		return exitUsage
	}
	return runCommand(ctx, c, args[1:], e)
}

// runCommand parses a command's flags (before or after its arguments) and runs it.
// -h prints the command's help on stdout; a flag error is a usage error.
func runCommand(ctx context.Context, c *command, args []string, e env) int {
	fs, run := c.flagSet()
	rest, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, c.help())
		return exitOK
	}
	if err != nil {
		return usageError(e, c.name, "%v", err)
	}
	return run(ctx, rest, e)
}

func (c *command) flagSet() (*flag.FlagSet, runFunc) {
	fs := flag.NewFlagSet("harbor "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // runCommand reports parse errors and help itself
	fs.Usage = func() {}
	return fs, c.define(fs)
}

// help is the one help format of every command, in four sections: the usage line,
// the text, the flags (-h at least) and the exit statuses that command can return
// (harbor's whole list is the overview's). No line ends in a space.
func (c *command) help() string {
	fs, _ := c.flagSet()
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s\n\n%s", strings.TrimSpace("harbor "+c.name+" "+c.args), c.about)
	b.WriteString("\nFlags:\n")
	fs.SetOutput(&b)
	fs.PrintDefaults()
	b.WriteString("  -h, --help\n    \tprint this help\n")
	b.WriteString("\nExit status:\n")
	for _, s := range c.exits {
		fmt.Fprintf(&b, "  %-4d %s\n", s.code, strings.ReplaceAll(s.meaning, "\n", "\n       "))
	}
	return b.String()
}

// usageError reports a usage error the same way for every command.
func usageError(e env, cmd, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "harbor %s: %s\nRun 'harbor help %s' for usage.\n", cmd, fmt.Sprintf(format, args...), cmd)
	return exitUsage
}

var versionCommand = &command{
	name:    "version",
	args:    "",
	summary: "print harbor's version (also: harbor --version)",
	about:   "Prints the version of harbor this command was built from.\n",
	exits:   []exitStatus{exitsOK, {exitUsage, "usage error: an argument was given"}},
	define: func(fs *flag.FlagSet) runFunc {
		return func(_ context.Context, rest []string, e env) int {
			if len(rest) > 0 {
				return usageError(e, "version", "takes no arguments, got %q", rest[0])
			}
			fmt.Fprintf(e.stdout, "harbor %s\n", harbor.Version)
			return exitOK
		}
	},
}

var helpCommand = &command{
	name:    "help",
	args:    "[COMMAND]",
	summary: "show the help of harbor or of one command",
	about:   "Prints the overview, or with a command name the same help as 'harbor COMMAND -h'.\n",
	exits:   []exitStatus{exitsOK, {exitUsage, "usage error: an unknown command, or more than one"}},
	define: func(fs *flag.FlagSet) runFunc {
		return func(_ context.Context, rest []string, e env) int {
			switch len(rest) {
			case 0:
				fmt.Fprint(e.stdout, overview())
				return exitOK
			case 1:
				c := findCommand(rest[0])
				if c == nil {
					return usageError(e, "help", "unknown command %q; the commands are %s", rest[0], strings.Join(commandNames(), ", "))
				}
				fmt.Fprint(e.stdout, c.help())
				return exitOK
			default:
				return usageError(e, "help", "takes at most one command name")
			}
		}
	},
}

func commandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}

// report prints an error once, without stacking "harbor:" prefixes.
func report(e env, cmd string, err error) {
	msg := err.Error()
	if !strings.HasPrefix(msg, "harbor:") {
		msg = "harbor " + cmd + ": " + msg
	}
	fmt.Fprintln(e.stderr, msg)
}

// failed reports a failed call and returns its exit status: 130 when the user
// interrupted it (the context is cancelled), 2 when harbor refused the request or a
// setting before sending anything, 1 otherwise.
func failed(ctx context.Context, e env, cmd string, err error) int {
	if ctx.Err() != nil {
		fmt.Fprintf(e.stderr, "harbor %s: interrupted\n", cmd)
		return exitInterrupted
	}
	report(e, cmd, err)
	if refusedBeforeSending(err) {
		return exitUsage
	}
	return exitFailed
}

// refusedBeforeSending reports whether err is harbor refusing a request or a setting
// before any I/O: an ErrInvalidRequest *harbor.Error that no vendor answer shaped,
// so with no HTTP status, no vendor code or type and no request id. Examples: a
// *_BASE_URL that is not an absolute URL, a key with a newline or surrounding
// spaces (Param names the variable), a parameter the provider rejects locally
// (DeepSeek's n=2), a --remote vendor without a model listing. A vendor's 400, or
// an invalid-request error event inside a stream (status 0 but the vendor's code
// and type, and wrapped in sentError by the caller), is a failed call. A missing
// key (ErrNoCredentials) is a failed call too, as --no-mock documents.
func refusedBeforeSending(err error) bool {
	var he *harbor.Error
	if errors.As(err, new(sentError)) || !errors.As(err, &he) || !errors.Is(he.Kind, harbor.ErrInvalidRequest) {
		return false
	}
	return he.StatusCode == 0 && he.Code == "" && he.Type == "" && he.RequestID == ""
}

// sentError marks an error that came after the request went out (an error event in
// a stream the vendor started), so that failed never calls it a refusal.
type sentError struct{ err error }

func (s sentError) Error() string { return s.err.Error() }
func (s sentError) Unwrap() error { return s.err }

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Package mockproc serves the vendor mocks from a child process, so that the
// mocks' CPU time and allocations never show up in the benchmarked client's
// numbers (runtime.MemStats and getrusage(RUSAGE_SELF) are per process).
//
// The child is the benchmark binary itself, re-executed with HARBOR_BENCH_MOCK=1:
// call ServeIfChild first thing in TestMain or main. The child serves every
// vendor's mock on its own loopback listener, with recording off, prints one
// URL per vendor on stdout and serves until its stdin closes — which also
// happens when the parent dies, so no orphan is left behind.
package mockproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/harborai/harbor-go/conformance/mockvendor"
)

// EnvVar marks the child process.
const EnvVar = "HARBOR_BENCH_MOCK"

// Vendor names, as harbor's providers are named.
const (
	DeepSeek = "deepseek" // mockvendor.NewDeepSeek
	Doubao   = "doubao"   // mockvendor.NewArk (Volcengine Ark)
	Wenxin   = "wenxin"   // mockvendor.NewQianfanV1 (Baidu Qianfan v1)
	Qianfan  = "qianfan"  // mockvendor.NewQianfanV2 (Baidu Qianfan v2)
	OpenAI   = "openai"   // mockvendor.NewOpenAI (generic OpenAI-compatible)
)

// Vendors lists every vendor the child serves, in report order.
var Vendors = []string{DeepSeek, Doubao, Wenxin, Qianfan, OpenAI}

// DeepSeekSlow is the key, in Proc.URLs, of one more DeepSeek mock the child
// serves: the same as DeepSeek's, but every response waits SlowLatency first,
// like a real vendor's time to first byte (the throughput measurements).
const DeepSeekSlow = "deepseek+latency"

// SlowLatency is the DeepSeekSlow mock's latency.
const SlowLatency = 50 * time.Millisecond

// Credentials the mocks require; clients must send them.
const (
	// APIKey is the Bearer key of the DeepSeek, Ark and OpenAI mocks.
	APIKey = "sk-bench"
	// QianfanAPIKey is the Bearer key of the Qianfan v2 mock.
	QianfanAPIKey = "bce-v3/ALTAK-bench/bench-secret"
	// WenxinAPIKey and WenxinSecretKey are the client_id and client_secret the
	// Qianfan v1 token endpoint grants an access token for.
	WenxinAPIKey    = "wenxin-bench-ak"
	WenxinSecretKey = "wenxin-bench-sk"
)

const (
	urlPrefix   = "HARBOR_BENCH_MOCK_URL " // followed by "<vendor> <url>"
	readyMarker = "HARBOR_BENCH_MOCK_READY"
)

// ServeIfChild returns at once in the parent. In the child it serves the mocks
// until stdin closes, then exits the process.
func ServeIfChild() {
	if os.Getenv(EnvVar) != "1" {
		return
	}
	os.Exit(serve())
}

// Mock is what every vendor mock offers.
type Mock interface {
	http.Handler
	SetRecording(on bool)
	Requests() []mockvendor.RecordedRequest
}

// NewMock returns vendor's mock configured as the child serves it (keys as
// above), with recording on; tests use it in process to see what clients send.
func NewMock(vendor string) Mock {
	switch vendor {
	case DeepSeek:
		return mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: APIKey})
	case Doubao:
		return mockvendor.NewArk(mockvendor.ArkConfig{APIKey: APIKey})
	case Wenxin:
		return mockvendor.NewQianfanV1(mockvendor.QianfanV1Config{APIKey: WenxinAPIKey, SecretKey: WenxinSecretKey})
	case Qianfan:
		return mockvendor.NewQianfanV2(mockvendor.QianfanV2Config{APIKey: QianfanAPIKey})
	case OpenAI:
		return mockvendor.NewOpenAI(mockvendor.OpenAIConfig{APIKey: APIKey})
	}
	panic("mockproc: unknown vendor " + vendor)
}

func serve() int {
	var servers []*mockvendor.Server
	defer func() {
		for _, s := range servers {
			_ = s.Close()
		}
	}()
	for _, v := range Vendors {
		m := NewMock(v)
		m.SetRecording(false) // a long benchmark must not accumulate requests
		srv, err := mockvendor.Listen("127.0.0.1:0", m)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mockproc:", v, err)
			return 1
		}
		servers = append(servers, srv)
		fmt.Fprintln(os.Stdout, urlPrefix+v+" "+srv.URL())
	}
	slow := mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: APIKey, Latency: SlowLatency})
	slow.SetRecording(false)
	srv, err := mockvendor.Listen("127.0.0.1:0", slow)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mockproc:", DeepSeekSlow, err)
		return 1
	}
	servers = append(servers, srv)
	fmt.Fprintln(os.Stdout, urlPrefix+DeepSeekSlow+" "+srv.URL())
	fmt.Fprintln(os.Stdout, readyMarker)
	_, _ = io.Copy(io.Discard, os.Stdin) // block until the parent closes stdin or dies
	return 0
}

// Proc is a running mock child process.
type Proc struct {
	// URL is the DeepSeek mock's base URL (URLs["deepseek"]).
	URL string
	// URLs maps each vendor of Vendors, and DeepSeekSlow, to its mock's base URL
	// ("http://127.0.0.1:port", no trailing slash; each mock also accepts its
	// vendor's path prefix, such as /api/v3 for Ark or /v2 for Qianfan v2).
	URLs map[string]string

	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// Start launches the current executable as a mock child and waits for its URLs.
func Start() (*Proc, error) {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), EnvVar+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("mockproc: start %s: %w", exe, err)
	}
	p := &Proc{cmd: cmd, stdin: stdin}

	found := make(chan map[string]string, 1)
	go func() {
		urls := map[string]string{}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if line == readyMarker {
				found <- urls
				break
			}
			if rest, ok := strings.CutPrefix(line, urlPrefix); ok {
				if v, u, ok := strings.Cut(rest, " "); ok {
					urls[v] = u
				}
			}
		}
		close(found)
		_, _ = io.Copy(io.Discard, stdout) // keep the pipe drained
	}()
	select {
	case urls, ok := <-found:
		if !ok {
			p.Close()
			return nil, errors.New("mockproc: the child exited without printing its URLs")
		}
		for _, v := range append(Vendors[:len(Vendors):len(Vendors)], DeepSeekSlow) {
			if urls[v] == "" {
				p.Close()
				return nil, fmt.Errorf("mockproc: the child printed no URL for %s", v)
			}
		}
		p.URLs, p.URL = urls, urls[DeepSeek]
		return p, nil
	case <-time.After(30 * time.Second):
		p.Close()
		return nil, errors.New("mockproc: the child printed no URLs within 30s")
	}
}

// Close stops the child: it closes stdin, waits up to 5s, then kills it.
func (p *Proc) Close() error {
	_ = p.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		return <-done
	}
}

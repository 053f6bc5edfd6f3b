package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// The causes the mock vendors cannot produce (DNS, TLS, unreachable
// networks, odd statuses) each get the gateway's words, and none of the
// addresses net/http's errors carry.
func TestUpstreamFailureMessages(t *testing.T) {
	const addr = "vendor.internal:8443"
	post := func(cause error) error { // as net/http wraps a transport failure
		return &url.Error{Op: "Post", URL: "https://" + addr + "/acct-42/chat/completions",
			Err: &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 7), Port: 8443}, Err: cause}}
	}
	transport := func(kind, cause error) error {
		return &llm.Error{Provider: "acme", Kind: kind, Err: cause, Message: cause.Error()}
	}
	for _, tc := range []struct {
		name   string
		err    error
		status int
		want   string
	}{
		{"dns", transport(llm.ErrConnection, post(&net.DNSError{Err: "no such host", Name: "vendor.internal"})), 502,
			"acme: the connection to the vendor failed (host name not resolved)"},
		{"tls", transport(llm.ErrConnection, post(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}})), 502,
			"acme: the connection to the vendor failed (TLS handshake failed)"},
		{"unreachable", transport(llm.ErrConnection, post(os.NewSyscallError("connect", syscall.EHOSTUNREACH))), 502,
			"acme: the connection to the vendor failed (network unreachable)"},
		{"unknown cause", transport(llm.ErrConnection, post(errors.New("something odd at "+addr))), 502,
			"acme: the connection to the vendor failed"},
		{"dial timeout", transport(llm.ErrTimeout, post(os.ErrDeadlineExceeded)), 504,
			"acme: timed out waiting for the vendor"},
		{"vendor's 408", &llm.Error{Provider: "acme", Kind: llm.ErrTimeout, StatusCode: 408, Message: "see https://" + addr}, 504,
			"acme: the vendor answered HTTP 408 Request Timeout"},
		{"vendor's 503", &llm.Error{Provider: "acme", Kind: llm.ErrServer, StatusCode: 503, Message: "<html>" + addr + "</html>"}, 502,
			"acme: the vendor answered HTTP 503 Service Unavailable"},
		{"error event mid-stream", &llm.Error{Provider: "acme", Kind: llm.ErrServer, Message: "upstream " + addr + " failed"}, 502,
			"acme: the vendor sent an error in the middle of its answer"},
		{"redirect", &llm.Error{Provider: "acme", Kind: llm.ErrBadResponse, StatusCode: 302, Message: "moved to https://" + addr}, 502,
			"acme: the vendor answered an unexpected HTTP 302 Found"},
		{"undecodable", &llm.Error{Provider: "acme", Kind: llm.ErrBadResponse, StatusCode: 200, Message: "cannot decode: " + addr}, 502,
			"acme: the vendor's answer could not be decoded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := fromHarbor(tc.err)
			assert.Equal(t, tc.status, e.status)
			assert.Equal(t, tc.want, e.message)
			assert.NotContains(t, string(e.body()), "vendor.internal")
			assert.NotContains(t, string(e.body()), "10.0.0.7")
		})
	}
}

// The README's table of the gateway's errors ("Run harbor as a gateway",
// "Errors") has a row for every refusal of the HTTP server, with its status
// and code, and says under the table that 499 is the access log's status for
// a caller that hung up, never an answer.
//
// Regression (found by a new-user trial): the table had no 431 (headers over
// server.max_header_bytes), 417, 501 or 505 row, and did not say what the 499
// of the access log is.
func TestREADMEErrorsTableHasEveryStatus(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, s, ok := strings.Cut(string(b), "\n## Run harbor as a gateway\n")
	require.True(t, ok)
	_, s, ok = strings.Cut(s, "\n### Errors\n")
	require.True(t, ok, "the gateway section has an Errors subsection")
	s, _, _ = strings.Cut(s, "\n### ")
	rows := map[string]string{} // status -> row
	var after strings.Builder   // the text after the table
	inTable := false
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "|") {
			inTable = true
			if cells := strings.Split(line, "|"); len(cells) > 2 {
				rows[strings.TrimSpace(cells[1])] = line
			}
			continue
		}
		if inTable {
			after.WriteString(line + "\n")
		}
	}
	for status, code := range refusalCodes {
		row, ok := rows[strconv.Itoa(status)]
		if assert.True(t, ok, "a row for %d (%s)", status, code) {
			assert.Contains(t, row, "`"+code+"`", "the %d row", status)
		}
	}
	assert.Contains(t, rows["431"], "server.max_header_bytes")
	assert.Contains(t, rows["405"], "`method_not_allowed`")
	assert.Contains(t, rows["405"], "`Allow`")
	_, ok = rows[strconv.Itoa(statusClientClosed)]
	assert.False(t, ok, "499 is never sent: not a row")
	assert.Contains(t, after.String(), strconv.Itoa(statusClientClosed)+" is never sent",
		"the text under the table says what 499 is")
	assert.Contains(t, after.String(), "`canceled`")
}

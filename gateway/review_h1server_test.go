package gateway_test

// A defect found by the second review of the gateway's HTTP server
// (gateway/internal/h1server/review_test.go holds the server's own), fixed
// since: readBody answers a body it cannot read with 400, and writeError
// aborts the handler (http.ErrAbortHandler) for a caller that has gone.

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
)

// TestReviewUnreadableBodyIsNotOK proves that a chat request whose body
// cannot be read, with the caller still there, gets an error answer — not
// "200 OK" with an empty body.
//
// Input: POST /v1/chat/completions with a valid key and "Transfer-Encoding:
// chunked", whose second chunk-size line is not hexadecimal ("zz"); the
// caller then waits for the answer.
//
// Expected: a 400 (an OpenAI-shaped invalid_request error, with Connection:
// close since the framing is lost). RFC 9110 §15.5.1: 400 is for "malformed
// request syntax"; a chunk-size line that is not hexadecimal breaks RFC 9112
// §7.1's grammar. A 2xx says the request succeeded: an SDK that gets 200 with
// an empty body fails to decode it, or worse reports an empty completion.
//
// Before the fix: "200 OK", "Content-Length: 0". readBody (chat.go:200-201) files every
// read error other than a timeout or the size limit as "the caller went away"
// (status 499) and writes nothing; writeError writes nothing for a 499
// either, so the server's implicit WriteHeader(200) at the end of the handler
// goes out. The same happens (with net/http too) for a body cut short by a
// caller that half-closes and waits for the answer, and for a plain chat
// whose context Shutdown cancels when its grace period ends, if its answer
// goes out before Close closes the connection.
//
// The fix suggested (see the code for the one made): only call it 499 when the caller is gone (r.Context().Err() != nil, or
// the error is the connection's own: io.ErrUnexpectedEOF/net.ErrClosed after
// the hang-up watch fired); answer a malformed body with 400 and Connection:
// close. For a real 499, end the answer with panic(http.ErrAbortHandler) after
// the access log line (both servers then close without answering) instead of
// letting an empty 200 out.
func TestReviewUnreadableBodyIsNotOK(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	conn := dial(t, g)
	_, err := io.WriteString(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"+
		"Authorization: Bearer "+g.Key+"\r\nTransfer-Encoding: chunked\r\n\r\n"+
		"5\r\n{\"mod\r\nzz\r\n")
	assert.NoError(t, err)
	res, body := readResponse(t, conn)
	assert.NotEqual(t, http.StatusOK, res.StatusCode, "a malformed body answered 200 with %q", body)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%q", body)
	assert.Contains(t, body, "invalid_request_error")
}

package mockvendor

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// mockBase is the per-mock state every vendor mock keeps: what it received,
// its id sequence and its queue of injected faults.
type mockBase struct {
	rec    recorder
	seq    atomic.Uint64 // responses (and error ids) issued, for reproducible ids
	faults faultQueue
}

// reset clears recorded requests, pending faults and the id sequence; the
// recording switch is left as it is.
func (b *mockBase) reset() {
	b.rec.clear()
	b.faults.clear()
	b.seq.Store(0)
}

// maxBodyBytes caps request bodies; far above any real chat request, it only
// protects the process from a runaway client.
const maxBodyBytes = 16 << 20

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads and records r's body into a pooled buffer, which the caller
// hands back with releaseBody. tooLarge reports a body over maxBodyBytes; any
// other error means the client is gone.
func (b *mockBase) readBody(w http.ResponseWriter, r *http.Request) (buf *bytes.Buffer, tooLarge bool, err error) {
	buf = bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	_, err = buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	b.rec.record(r, buf.Bytes())
	if err != nil {
		var mbe *http.MaxBytesError
		tooLarge = errors.As(err, &mbe)
	}
	return buf, tooLarge, err
}

func releaseBody(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		bodyPool.Put(buf)
	}
}

// prelude applies the parts of a fault that come before, or replace, the
// mock's own response: it consumes the next fault for chat requests, waits
// the latency, drops the connection for Reset and writes a canned Reply.
// Doing the Reply here, once, is what lets every mock serve scripted
// responses without vendor code. ok is false when nothing more must be
// written.
func (b *mockBase) prelude(w http.ResponseWriter, r *http.Request, chat bool, latency time.Duration) (f Fault, ok bool) {
	if chat {
		f = b.faults.next()
	}
	if !sleepCtx(r.Context(), latency+f.Latency) {
		return f, false
	}
	if f.Reset {
		resetConn(w)
		return f, false
	}
	if f.Reply != nil {
		writeReply(w, r, f.Reply, f)
		return f, false
	}
	return f, true
}

// writeJSON writes v as a complete JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	e := getEnc()
	defer putEnc(e)
	_ = e.enc.Encode(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(e.buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(e.buf.Bytes())
}

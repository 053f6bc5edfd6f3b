package mockvendor

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Reply is a canned raw response: the next chat request gets exactly these
// bytes instead of the mock's own answer. Enqueue it as a [Fault] (set
// [Fault.Reply], or use [ReplyJSON] and [ReplySSE]), so that it takes its
// turn in the same FIFO as the faults.
//
// Why raw: the mocks only produce what the vendor notes record. A test that
// wants a response the mock cannot make — an undocumented field, a new
// finish_reason, a malformed chunk, a status no preset covers, a capture
// pasted from a real vendor — scripts it byte for byte, and the client under
// test is exercised on real HTTP as usual. The mock applies no vendor logic
// to it: it does not validate the request or authenticate it (the request is
// still recorded), sets no vendor headers and adds no end marker; what is
// written is what the Reply says. That is also how a Qianfan v1 error is
// scripted: it is an HTTP 200 JSON body like any other
// (ReplyJSON(200, `{"error_code":336501,"error_msg":"RPM limit reached"}`)).
//
// A Reply must not be modified once enqueued: the mock reads it while it
// serves the request.
type Reply struct {
	// Status is the HTTP status; 0 means 200. Values outside 200–599 are
	// answered as 500, as for [Fault.Status], since net/http cannot send
	// them as a final response.
	Status int
	// Header is added to the response. Content-Type defaults to
	// application/json for a Body and text/event-stream for Events;
	// Content-Length is always computed.
	Header http.Header
	// Body is written verbatim when Events is nil. It need not be valid
	// JSON: scripting a broken body is one of the reasons to use a Reply.
	Body []byte
	// Events, when non-nil, makes the reply a server-sent event stream:
	// each event is written with SSE framing and flushed on its own, so the
	// client sees them one by one. Nothing is added: a stream that should
	// end with "data: [DONE]" lists it as its last event.
	Events []Event
}

// Event is one server-sent event of a streamed [Reply].
//
// Framing follows the SSE specification: Comment lines are written as
// ": <line>", then "event: <Name>" if Name is set, then one "data: <line>"
// per line of Data, then the blank line that ends the event. Line breaks
// inside Name are replaced by spaces; those inside Comment and Data split
// them into several lines, so no value can break the framing by accident.
// An Event with nothing set is a lone blank line.
type Event struct {
	Comment string
	Name    string
	Data    string
	// Raw, when non-empty, is written verbatim instead of the fields above,
	// without framing: use it to script malformed streams.
	Raw string
}

// ReplyJSON scripts the next chat response as a JSON body with the given
// status (0 means 200). body may be a string, []byte or json.RawMessage,
// sent verbatim (valid JSON or not), or any other value, encoded with
// encoding/json. A value encoding/json cannot encode (a channel, a func)
// makes the reply a 500 whose plain-text body says why, so the mistake
// shows up in the test rather than as a panic.
func ReplyJSON(status int, body any) Fault {
	r := &Reply{Status: status}
	switch b := body.(type) {
	case string:
		r.Body = []byte(b)
	case []byte:
		r.Body = append([]byte(nil), b...)
	case json.RawMessage:
		r.Body = append([]byte(nil), b...)
	default:
		enc, err := json.Marshal(body)
		if err != nil {
			r.Status = http.StatusInternalServerError
			r.Header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
			r.Body = []byte("mockvendor: ReplyJSON cannot encode the scripted body: " + err.Error())
			break
		}
		r.Body = enc
	}
	return Fault{Reply: r}
}

// ReplySSE scripts the next chat response as an HTTP 200 event stream of
// unnamed data events, one per argument, each flushed as it is written.
// Include "[DONE]" (or the vendor's end event) yourself where the vendor
// would send one.
func ReplySSE(data ...string) Fault {
	r := &Reply{Events: make([]Event, len(data))}
	for i, d := range data {
		r.Events[i] = Event{Data: d}
	}
	return Fault{Reply: r}
}

// replyStatus is the status a Reply is sent with, as Reply documents.
func replyStatus(s int) int {
	switch {
	case s == 0:
		return http.StatusOK
	case s < 200 || s > 599:
		return http.StatusInternalServerError
	}
	return s
}

// writeReply sends a canned reply. The stream cuts of the fault carrying it
// (TruncateAfter, AbortAfter, StallAfter) apply to its data events, counted as for a
// generated stream, so a scripted stream can also be cut short.
func writeReply(w http.ResponseWriter, r *http.Request, rp *Reply, f Fault) {
	h := w.Header()
	clear(h) // headers a mock set before the fault was known (Ark's X-Request-Id) are not part of the script
	for k, vs := range rp.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	status := replyStatus(rp.Status)
	if rp.Events == nil {
		if h.Get("Content-Type") == "" && len(rp.Body) > 0 {
			h.Set("Content-Type", "application/json")
		}
		h.Set("Content-Length", strconv.Itoa(len(rp.Body)))
		w.WriteHeader(status)
		_, _ = w.Write(rp.Body)
		return
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "text/event-stream")
	}
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	h.Del("Content-Length") // a stream's length is not known up front
	w.WriteHeader(status)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	events := 0
	var b strings.Builder
	for _, ev := range rp.Events {
		if r.Context().Err() != nil {
			return
		}
		counts := ev.Raw == "" && ev.Data != ""
		if counts {
			if cutStream(r.Context(), events, f.AbortAfter, f.StallAfter, f.TruncateAfter) {
				return
			}
			events++
		}
		b.Reset()
		frameEvent(&b, ev)
		if _, err := io.WriteString(w, b.String()); err != nil {
			return
		}
		_ = rc.Flush()
	}
}

// frameEvent appends ev in SSE framing, as Event documents.
func frameEvent(b *strings.Builder, ev Event) {
	if ev.Raw != "" {
		b.WriteString(ev.Raw)
		return
	}
	if ev.Comment != "" {
		for _, line := range splitLines(ev.Comment) {
			b.WriteString(": ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	if ev.Name != "" {
		b.WriteString("event: ")
		b.WriteString(strings.Join(splitLines(ev.Name), " "))
		b.WriteByte('\n')
	}
	if ev.Data != "" {
		for _, line := range splitLines(ev.Data) {
			b.WriteString("data: ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
}

// splitLines splits s at every line break SSE recognises (CRLF, LF, CR).
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

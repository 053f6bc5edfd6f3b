package mockvendor

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Machinery shared by the OpenAI-shaped mocks: the generic OpenAI-compatible
// one (openai*.go) and Qianfan v2 (qianfanv2*.go). Both speak the OpenAI chat
// wire with vendor twists, so request decoding, the toy-model adapter, the
// stream writer and the fault queue live here once.

// oaiBase holds the per-mock state every OpenAI-shaped mock keeps.
type oaiBase struct {
	rec recorder
	seq atomic.Uint64 // responses (and error ids) issued, for reproducible ids

	mu     sync.Mutex
	faults []Fault
}

func (b *oaiBase) enqueue(f []Fault) {
	b.mu.Lock()
	b.faults = append(b.faults, f...)
	b.mu.Unlock()
}

func (b *oaiBase) nextFault() Fault {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.faults) == 0 {
		return Fault{}
	}
	f := b.faults[0]
	b.faults = b.faults[1:]
	if len(b.faults) == 0 {
		b.faults = nil // release the backing array
	}
	return f
}

func (b *oaiBase) reset() {
	b.rec.clear()
	b.mu.Lock()
	b.faults = nil
	b.seq.Store(0)
	b.mu.Unlock()
}

// readBody reads and records r's body into a pooled buffer, which the caller
// hands back with oaiRelease. tooLarge reports a body over maxBodyBytes; any
// other error means the client is gone.
func (b *oaiBase) readBody(w http.ResponseWriter, r *http.Request) (buf *bytes.Buffer, tooLarge bool, err error) {
	buf = bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	_, err = buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	b.rec.record(r, buf.Bytes())
	var mbe *http.MaxBytesError
	return buf, errors.As(err, &mbe), err
}

func oaiRelease(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		bodyPool.Put(buf)
	}
}

// prelude applies the parts of a fault that come before any response: it
// consumes the next fault for chat requests, waits the latency and drops the
// connection for Reset. ok is false when nothing more must be written.
func (b *oaiBase) prelude(w http.ResponseWriter, r *http.Request, chat bool, latency time.Duration) (f Fault, ok bool) {
	if chat {
		f = b.nextFault()
	}
	if !sleepCtx(r.Context(), latency+f.Latency) {
		return f, false
	}
	if f.Reset {
		resetConn(w)
		return f, false
	}
	return f, true
}

// oaiFaultStatus clamps a fault's status to an error status, as Fault documents.
func oaiFaultStatus(f Fault) int {
	if f.Status < 400 || f.Status > 599 {
		return http.StatusInternalServerError
	}
	return f.Status
}

// oaiWriteJSON writes v as a complete JSON response.
func oaiWriteJSON(w http.ResponseWriter, status int, v any) {
	e := getEnc()
	defer putEnc(e)
	_ = e.enc.Encode(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(e.buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(e.buf.Bytes())
}

// oaiID returns prefix followed by n characters of alphabet derived from seq,
// so ids look random but a fresh mock always issues the same ones.
func oaiID(prefix, alphabet string, n int, seq uint64) string {
	var b strings.Builder
	b.Grow(len(prefix) + n)
	b.WriteString(prefix)
	x := splitmix64(seq)
	for i := 0; i < n; i++ {
		if i%8 == 7 {
			x = splitmix64(x)
		}
		b.WriteByte(alphabet[x%uint64(len(alphabet))])
		x /= uint64(len(alphabet))
	}
	return b.String()
}

const (
	oaiLowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
	oaiMixedAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// --- request decoding ---

// oaiMessage is one request message as both vendors accept it.
type oaiMessage struct {
	Role       string          `json:"role"`
	Content    oaiContent      `json:"content"`
	ToolCalls  []oaiInToolCall `json:"tool_calls"`
	ToolCallID *string         `json:"tool_call_id"`
}

type oaiInToolCall struct {
	ID string `json:"id"`
}

// oaiContent is a message content: absent, null, a string or an array of
// typed parts. text is the string, or the text parts joined by "\n"; the
// toy model only ever sees text.
type oaiContent struct {
	kind  contentKind
	text  string
	parts []oaiPart
}

type oaiPart struct {
	Type string  `json:"type"`
	Text *string `json:"text"`
}

func (c *oaiContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case 'n':
		c.kind = contentNull
	case '"':
		c.kind = contentString
		if bytes.IndexByte(b, '\\') < 0 && len(b) >= 2 {
			c.text = string(b[1 : len(b)-1])
			return nil
		}
		return json.Unmarshal(b, &c.text)
	case '[':
		c.kind = contentArray
		if err := json.Unmarshal(b, &c.parts); err != nil {
			return err
		}
		var sb strings.Builder
		for _, p := range c.parts {
			if p.Type == "text" && p.Text != nil {
				if sb.Len() > 0 {
					sb.WriteByte('\n')
				}
				sb.WriteString(*p.Text)
			}
		}
		c.text = sb.String()
	default:
		c.kind = contentOther // validators reject it in the vendor's words
	}
	return nil
}

// --- the toy model ---

// oaiTurn is a validated request reduced to what the toy model needs; it is
// the OpenAI-shaped mocks' adapter onto DeepSeek's chatPlan.
type oaiTurn struct {
	model        string
	thinking     bool
	maxTokens    int // 0: unlimited
	toolName     string
	lastRole     string
	lastContent  string
	lastUser     string
	promptTokens int
}

// oaiNewTurn reads the conversation facts the toy model needs from msgs,
// which must not be empty.
func oaiNewTurn(model string, msgs []oaiMessage) oaiTurn {
	t := oaiTurn{model: model}
	for i := range msgs {
		t.promptTokens += countWords(msgs[i].Content.text) + 1
	}
	last := &msgs[len(msgs)-1]
	t.lastRole, t.lastContent = last.Role, last.Content.text
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			t.lastUser = msgs[i].Content.text
			break
		}
	}
	return t
}

// answer runs the toy model. DeepSeek's insufficient_system_resource finish
// exists on no other vendor, so its trigger is plain text here.
func (t *oaiTurn) answer() answer {
	a := generate(&chatPlan{
		model:       t.model,
		thinking:    t.thinking,
		maxTokens:   t.maxTokens,
		toolName:    t.toolName,
		lastRole:    t.lastRole,
		lastContent: t.lastContent,
		lastUser:    t.lastUser,
	})
	if a.finish == "insufficient_system_resource" {
		a.finish = "stop"
	}
	return a
}

// oaiToolName resolves which tool the toy model calls: the named one, else
// the first, none when tool_choice is "none". found is false when a named
// tool is not among tools.
func oaiToolName(tools []dsTool, tc *dsToolChoice) (name string, found bool) {
	if len(tools) == 0 || tc.mode == "none" {
		return "", tc.name == ""
	}
	if tc.name == "" {
		return tools[0].Function.Name, true
	}
	for _, t := range tools {
		if t.Function != nil && t.Function.Name == tc.name {
			return tc.name, true
		}
	}
	return "", false
}

// oaiMentionsJSON reports whether any message text contains "json" in any
// case (OpenAI's json_object precondition).
func oaiMentionsJSON(msgs []oaiMessage) bool {
	for i := range msgs {
		s := msgs[i].Content.text
		for j := 0; j+4 <= len(s); j++ {
			if (s[j]|0x20) == 'j' && strings.EqualFold(s[j:j+4], "json") {
				return true
			}
		}
	}
	return false
}

// --- streaming ---

// oaiStream extends sseStream with what OpenAI-shaped vendors need beyond
// DeepSeek's framing: named events ("event:" lines) and a mid-stream error
// event for Fault.ErrorAfter.
type oaiStream struct {
	sseStream
	errAfter int
	errBody  any // sent as the error event
}

// oaiNewStream writes the stream's headers and returns the writer.
func oaiNewStream(w http.ResponseWriter, r *http.Request, delay time.Duration, f Fault, errBody any) *oaiStream {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s := &oaiStream{
		sseStream: sseStream{
			w: w, rc: http.NewResponseController(w), ctx: r.Context(),
			delay: delay, truncate: f.TruncateAfter, abort: f.AbortAfter,
		},
		errAfter: f.ErrorAfter,
		errBody:  errBody,
	}
	_ = s.rc.Flush()
	return s
}

// failNow reports whether the fault's error event is due, sending it if so;
// the stream is over either way once it returns true.
func (s *oaiStream) failNow() bool {
	if s.errAfter <= 0 || s.events < s.errAfter {
		return false
	}
	s.errAfter = 0
	s.write("", s.errBody)
	return true
}

// event sends v as a data event, preceded by "event: <name>" when name is
// not empty. false means the stream is over.
func (s *oaiStream) event(name string, v any) bool {
	if s.failNow() {
		return false
	}
	return s.write(name, v)
}

// done sends the terminating [DONE] (or the fault's error event instead).
func (s *oaiStream) done() {
	if s.failNow() {
		return
	}
	s.sseStream.done()
}

func (s *oaiStream) write(name string, v any) bool {
	if s.cut() || !s.pause() {
		return false
	}
	e := getEnc()
	defer putEnc(e)
	if name != "" {
		e.buf.WriteString("event: ")
		e.buf.WriteString(name)
		e.buf.WriteByte('\n')
	}
	e.buf.WriteString("data: ")
	if err := e.enc.Encode(v); err != nil {
		return false
	}
	e.buf.WriteByte('\n')
	s.events++
	return s.send(e.buf.Bytes())
}

// oaiStreamAnswer sends one choice of a as OpenAI deltas, in the order the
// vendors use: the role delta, reasoning pieces, the tool call (name, then
// argument pieces), content pieces, and final with the finish reason. emit
// wraps a delta in the vendor's chunk; false from it ends the stream.
func oaiStreamAnswer(a *answer, role, final any, emit func(delta any, finish *string) bool) bool {
	if !emit(role, nil) {
		return false
	}
	if a.thinking {
		rd := &dsReasoningDelta{}
		for rest := a.reasoning; rest != ""; {
			rd.ReasoningContent, rest = nextPiece(rest)
			if !emit(rd, nil) {
				return false
			}
		}
	}
	if a.tool != nil {
		td := &dsToolDelta{}
		td.ToolCalls[0] = dsToolCallDelta{ID: a.tool.id, Type: "function", Function: dsFunctionDelta{Name: a.tool.name}}
		if !emit(td, nil) {
			return false
		}
		td.ToolCalls[0] = dsToolCallDelta{}
		for rest := a.tool.args; rest != ""; {
			td.ToolCalls[0].Function.Arguments, rest = nextPiece(rest)
			if !emit(td, nil) {
				return false
			}
		}
	}
	cd := &dsContentDelta{}
	for rest := a.content; rest != ""; {
		cd.Content, rest = nextPiece(rest)
		if !emit(cd, nil) {
			return false
		}
	}
	finish := a.finish
	return emit(final, &finish)
}

// oaiToolCalls renders the toy model's tool call for a response message.
func oaiToolCalls(a *answer) []dsOutToolCall {
	if a.tool == nil {
		return nil
	}
	return []dsOutToolCall{{
		ID: a.tool.id, Type: "function",
		Function: dsOutFunction{Name: a.tool.name, Arguments: a.tool.args},
	}}
}

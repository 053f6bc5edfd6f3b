package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// jsonLines is the access log the gateway owns (Log.Access stdout or stderr,
// no Config.AccessLog): it writes each line as slog.NewJSONHandler(w, nil)
// would, byte for byte, without slog. slog's handler spends a whole line's
// formatting again in generic machinery — the caller's pc (runtime.Callers),
// a Record whose attributes past the fifth are copied to the heap, a
// ReplaceAttr check, a deferred recover per value, and a float through
// encoding/json's reflection — about 5% of the gateway's CPU per request. The
// attributes are the very slice the slog path logs (accessAttrs), so the two
// cannot drift apart; TestAccessLineMatchesSlog and FuzzAccessLine hold the
// bytes equal.
//
// Like slog's handler, each line is written whole under a mutex, so
// concurrent requests never interleave their lines. With a flush interval
// (Log.AccessFlush), lines wait in memory and leave in batches: at most that
// long, or until accessBatch bytes wait, and all of them when the gateway
// shuts down. A write is a system call, and at low load the one system call
// per request that the gateway still tells the Go scheduler about (its
// sockets' are raw: internal/rawconn), which wakes the runtime's monitor
// thread — about a sixth of the gateway's CPU per plain request at
// concurrency 1 (benchmarks/results/gateway.md).
type jsonLines struct {
	mu sync.Mutex
	w  io.Writer
	// fallback is slog's own JSON handler on the same writer and mutex, for a
	// line the encoder does not know how to write byte-identically (an
	// attribute of a kind accessAttrs never makes, an empty key).
	fallback *slog.Logger

	// Batching, with a flush interval; under mu.
	every   time.Duration // 0: every line is written at once
	pending []byte        // lines not yet written
	spare   []byte        // the other batch buffer, while not being written
	timer   *time.Timer   // set while lines wait
	closed  bool          // after close: lines are written at once
	// writing is held while a batch is written, taken before mu is let go,
	// so that batches leave in the order they were made.
	writing sync.Mutex

	// lost counts the lines whose write failed (harbor_gateway_access_log_lost_lines_total).
	lost atomic.Uint64
	// failing is set by a failed write and cleared by the next one that
	// succeeds, so that a streak of failures is reported once. Only write
	// touches it, and writes are serialised (by mu without batches, by
	// writing with them).
	failing bool
}

// accessBatch is how many bytes of lines may wait before they are written
// (about a hundred lines).
const accessBatch = 32 << 10

func newJSONLines(w io.Writer, every time.Duration) *jsonLines {
	j := &jsonLines{w: w, every: every}
	j.fallback = slog.New(slog.NewJSONHandler(lockedWriter{j}, nil))
	return j
}

// lockedWriter writes to j under j.mu: the fallback's lines take the same
// path as the encoder's.
type lockedWriter struct{ j *jsonLines }

func (l lockedWriter) Write(p []byte) (int, error) {
	l.j.emit(p)
	return len(p), nil
}

// emit writes line, or adds it to the batch.
func (j *jsonLines) emit(line []byte) {
	j.mu.Lock()
	if j.every <= 0 { // no batches: each line at once
		j.write(line)
		j.mu.Unlock()
		return
	}
	if j.closed {
		j.writing.Lock() // after a batch still being written, if any
		j.write(line)
		j.writing.Unlock()
		j.mu.Unlock()
		return
	}
	first := len(j.pending) == 0
	j.pending = append(j.pending, line...)
	if len(j.pending) >= accessBatch {
		j.writeLocked() // unlocks j.mu
		return
	}
	if first {
		if j.timer == nil {
			j.timer = time.AfterFunc(j.every, j.flush)
		} else {
			j.timer.Reset(j.every)
		}
	}
	j.mu.Unlock()
}

// flush writes the lines waiting, if any.
func (j *jsonLines) flush() {
	j.mu.Lock()
	if len(j.pending) == 0 {
		j.mu.Unlock()
		return
	}
	j.writeLocked()
}

// writeLocked writes the batch; called with j.mu held, which it lets go
// while the batch is written, so that requests can add lines meanwhile.
func (j *jsonLines) writeLocked() {
	out := j.pending
	j.pending, j.spare = j.spare[:0], nil
	if j.timer != nil {
		j.timer.Stop()
	}
	j.writing.Lock()
	j.mu.Unlock()
	j.write(out)
	j.writing.Unlock()
	j.mu.Lock()
	if j.spare == nil && cap(out) <= 4*accessBatch {
		j.spare = out[:0]
	}
	j.mu.Unlock()
}

// write writes whole lines. A log that cannot be written (a full disk, a
// pipe whose reader is gone: `harbor serve | tee` after its session closed)
// costs its lines, never a request: they are counted as lost, and each streak
// of failures is reported once on the gateway's own log (slog's default,
// standard error for harbor serve), then its end.
func (j *jsonLines) write(p []byte) {
	n, err := j.w.Write(p)
	if err == nil {
		if j.failing {
			j.failing = false
			slog.Info("gateway: the access log is written again", "lost_lines", j.lost.Load())
		}
		return
	}
	j.lost.Add(uint64(max(bytes.Count(p[n:], []byte{'\n'}), 1)))
	if !j.failing {
		j.failing = true
		slog.Error("gateway: the access log cannot be written; its lines are lost until it can (harbor_gateway_access_log_lost_lines_total)",
			"error", err)
	}
}

// close writes the lines waiting; lines after it are written at once. The
// batch leaves in the same hold of mu that sets closed: a line logged in
// between would otherwise be written ahead of it.
func (j *jsonLines) close() {
	j.mu.Lock()
	j.closed = true
	if len(j.pending) > 0 {
		j.writeLocked() // unlocks j.mu
	} else {
		j.mu.Unlock()
	}
	j.writing.Lock() // a batch being written by the timer has left too
	j.writing.Unlock()
}

// linePool holds the lines' buffers, as slog's handler pools its own: a line
// is formatted outside the lock, so only the Write is serialised.
var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// log writes one line of t, level, msg and attrs.
func (j *jsonLines) log(t time.Time, level slog.Level, msg string, attrs []slog.Attr) {
	p := linePool.Get().(*[]byte)
	b, ok := appendJSONLine((*p)[:0], t, level, msg, attrs)
	if ok {
		j.emit(b)
	} else {
		j.fallback.LogAttrs(context.Background(), level, msg, attrs...)
	}
	if cap(b) <= 16<<10 { // as slog does: keep no outsized buffer for good
		*p = b
		linePool.Put(p)
	}
}

// appendJSONLine appends to b the line slog.NewJSONHandler(w, nil).Handle
// writes for a Record of t, level and msg carrying attrs, newline included.
// It knows the value kinds of the access log (string, integers, float, bool,
// duration); false means attrs hold something else, or an empty key that slog
// would elide or group, and b is to be discarded.
//
// The rules are slog's (log/slog/json_handler.go, Go 1.26): the time as
// time.RFC3339Nano, omitted when zero; the level as Level.String; floats as
// encoding/json writes them; strings escaped as appendEscapedJSONString does
// (no HTML escaping, U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd).
func appendJSONLine(b []byte, t time.Time, level slog.Level, msg string, attrs []slog.Attr) ([]byte, bool) {
	b = append(b, '{')
	if !t.IsZero() {
		b = append(b, `"time":`...)
		if y := t.Year(); y < 0 || y >= 10000 {
			// slog writes its error, then the time anyway.
			b = appendJSONString(b, "!ERROR:time.Time year outside of range [0,9999]")
		}
		b = append(b, '"')
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":`...)
	} else {
		b = append(b, `"level":`...)
	}
	b = appendJSONString(b, level.String())
	b = append(b, `,"msg":`...)
	b = appendJSONString(b, msg)
	for _, a := range attrs {
		if a.Key == "" {
			return b, false
		}
		b = append(b, ',')
		b = appendJSONString(b, a.Key)
		b = append(b, ':')
		switch v := a.Value; v.Kind() {
		case slog.KindString:
			b = appendJSONString(b, v.String())
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindUint64:
			b = strconv.AppendUint(b, v.Uint64(), 10)
		case slog.KindFloat64:
			b = appendJSONFloat(b, v.Float64())
		case slog.KindBool:
			b = strconv.AppendBool(b, v.Bool())
		case slog.KindDuration:
			b = strconv.AppendInt(b, int64(v.Duration()), 10)
		default:
			return b, false
		}
	}
	return append(b, '}', '\n'), true
}

// appendJSONFloat appends f as encoding/json writes a float64 (which slog
// calls for floats): the shortest decimal, in exponent form below 1e-6 and
// from 1e21, the exponent unpadded. NaN and infinities, which encoding/json
// refuses, become slog's error string for them.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return appendJSONString(b, "!ERROR:json: unsupported value: "+strconv.FormatFloat(f, 'g', -1, 64))
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 -> e-7, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s quoted as slog's JSON handler quotes it. It is
// not internal/jsonx's string writer, which follows encoding/json: slog
// writes \b and \f as \u0008 and \u000c where encoding/json writes them
// short, and the access log must be slog's bytes exactly.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // the other control characters, \b and \f included
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonSafe is true for the ASCII bytes a JSON string holds as they are: all
// but the control characters, '"' and '\\' (DEL included, as slog leaves it).
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

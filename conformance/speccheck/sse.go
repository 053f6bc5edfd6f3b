package speccheck

import (
	"bytes"
	"strings"
)

// event is one SSE event's data, or a bare JSON line sent outside the SSE
// framing.
type event struct {
	data string
	bare bool
}

// splitEvents cuts an event-stream body into events: "data:" lines up to a
// blank line make one event (several data lines join with "\n", as the SSE
// standard says). Comments, other fields and non-JSON noise lines are
// framing and are dropped. When complete is false the body was cut off, and
// a last event without its terminating blank line may be partial, so it is
// dropped too.
func splitEvents(body []byte, complete bool) []event {
	var out []event
	var data []string
	pending := false
	flush := func() {
		if pending {
			out = append(out, event{data: strings.Join(data, "\n")})
		}
		data, pending = data[:0], false
	}
	for len(body) > 0 {
		line := body
		i := bytes.IndexByte(body, '\n')
		last := i < 0
		if last {
			body = nil
		} else {
			line, body = body[:i], body[i+1:]
		}
		if last && !complete {
			break // a partial line
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		switch {
		case len(line) == 0:
			flush()
		case line[0] == ':':
			// comment (": keep-alive")
		case bytes.HasPrefix(line, []byte("data:")):
			v := line[len("data:"):]
			v = bytes.TrimPrefix(v, []byte{' '})
			data = append(data, string(v))
			pending = true
		case line[0] == '{':
			flush()
			out = append(out, event{data: string(line), bare: true})
		default:
			// "event:", "id:", "retry:" or vendor noise lines
		}
	}
	if complete {
		flush()
	}
	return out
}

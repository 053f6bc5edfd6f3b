package sse

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Event is one decoded event. Data is only valid until the next call to Next.
type Event struct {
	Name string // the `event:` field, "" for the default "message"
	Data []byte
	Bare bool // a JSON line with no field name
}

// Decoder reads events from a stream.
type Decoder struct {
	r    *bufio.Reader
	data []byte // data of the event being assembled
	long []byte // assembles lines longer than the bufio buffer
	name string
	has  bool // a data field was seen for the current event
}

// NewDecoder returns a Decoder reading from r with a 4 KiB read buffer.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: bufio.NewReaderSize(r, 4096)}
}

// Next returns the next event that carries data. It returns io.EOF when the input
// ends cleanly between events, and the reader's error otherwise.
func (d *Decoder) Next() (Event, error) {
	d.data, d.name, d.has = d.data[:0], "", false
	for {
		line, err := d.readLine()
		if err != nil {
			if errors.Is(err, io.EOF) && d.has { // final event without its blank line
				return Event{Name: d.name, Data: d.data}, nil
			}
			return Event{}, err
		}
		if len(line) == 0 { // blank line: dispatch
			if d.has {
				return Event{Name: d.name, Data: d.data}, nil
			}
			d.name = ""
			continue
		}
		switch line[0] {
		case ':': // comment (": keep-alive")
			continue
		case '{':
			if !d.has {
				d.data = append(d.data, line...)
				return Event{Data: d.data, Bare: true}, nil
			}
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) { // no allocation: the compiler optimises string(b) in a switch
		case "data":
			if d.has {
				d.data = append(d.data, '\n')
			}
			d.data = append(d.data, value...)
			d.has = true
		case "event":
			d.name = string(value)
		}
		// id, retry and unknown fields are ignored.
	}
}

// Buffered reports whether the input already read holds a whole event that
// Next would return without reading more, and whose data is not blank: a
// stream's consumer asks it to tell a burst (the next event is in memory)
// from a pause (Next would wait on the network). It reads nothing, allocates
// nothing, and follows Next's rules line by line over the bufio buffer: a
// blank line ends an event that has a data field, a bare JSON line is an event
// of its own, comments and other fields are passed over.
//
// Events whose data is all white space (package wire skips them) are passed
// over as if they were not there, and an event longer than the buffer or one
// the end of input would end is not seen: in doubt it says false, which costs
// its caller a flush, never a wait.
func (d *Decoder) Buffered() bool {
	b, _ := d.r.Peek(d.r.Buffered()) // never reads: n is what is buffered
	has, blank := false, true        // the event being scanned: a data field seen, all of it blank
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return false // what is left is no whole line
		}
		line := bytes.TrimSuffix(b[:i], []byte("\r"))
		b = b[i+1:]
		if len(line) == 0 { // blank line: Next would dispatch if has
			if has && !blank {
				return true
			}
			has, blank = false, true
			continue
		}
		switch line[0] {
		case ':':
			continue
		case '{':
			if !has {
				return true // a bare JSON line: never blank
			}
		}
		field, value := line, []byte(nil)
		if j := bytes.IndexByte(line, ':'); j >= 0 {
			field, value = line[:j], line[j+1:]
		}
		if string(field) == "data" {
			has = true
			blank = blank && len(bytes.TrimSpace(value)) == 0
		}
	}
}

// readLine returns the next line without its line ending. The slice is valid until
// the next read.
func (d *Decoder) readLine() ([]byte, error) {
	line, err := d.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		d.long = append(d.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = d.r.ReadSlice('\n')
			d.long = append(d.long, line...)
		}
		line = d.long
	}
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		return nil, err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, nil
}

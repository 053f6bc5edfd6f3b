package redisproc

import (
	"errors"
	"net"
	"testing"
)

func TestStartAndClose(t *testing.T) {
	s, err := Start()
	if errors.Is(err, ErrNoServer) && !Required() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := ping(s.Addr()); err != nil {
		t.Fatalf("PING: %v", err)
	}
	if s.URL() != "redis://"+s.Addr()+"/0" {
		t.Errorf("URL %q", s.URL())
	}
	s.Close()
	s.Close() // twice is fine
	if c, err := net.Dial("tcp", s.Addr()); err == nil {
		c.Close()
		t.Error("the server still accepts connections after Close")
	}
}

package main

import (
	"fmt"
	"strings"

	"github.com/harborai/harbor-go/harbor"
)

// printer keeps the answer on stdout (so it can be piped) and puts the model's
// reasoning and the usage line on stderr, with headers so they never blend.
type printer struct {
	e       env
	section string // "", "reasoning" or "answer"
}

func newPrinter(e env) *printer { return &printer{e: e} }

func (p *printer) reasoning(s string) {
	if s == "" {
		return
	}
	if p.section != "reasoning" {
		p.endSection()
		p.section = "reasoning"
		fmt.Fprint(p.e.stderr, p.dim("── reasoning ──\n"))
	}
	fmt.Fprint(p.e.stderr, p.dim(s))
}

func (p *printer) answer(s string) {
	if s == "" {
		return
	}
	if p.section != "answer" {
		if p.section == "reasoning" {
			fmt.Fprint(p.e.stderr, p.dim("\n── answer ──\n"))
		}
		p.section = "answer"
	}
	fmt.Fprint(p.e.stdout, s)
}

func (p *printer) endSection() {
	switch p.section {
	case "answer":
		fmt.Fprintln(p.e.stdout)
	case "reasoning":
		fmt.Fprintln(p.e.stderr)
	}
	p.section = ""
}

func (p *printer) dim(s string) string {
	if !p.e.tty {
		return s
	}
	return "\x1b[2m" + s + "\x1b[0m"
}

func (p *printer) summary(model, finish string, u *harbor.Usage) {
	p.endSection()
	var b strings.Builder
	fmt.Fprintf(&b, "── %s", model)
	if finish != "" {
		fmt.Fprintf(&b, " · finish %s", finish)
	}
	if u != nil {
		fmt.Fprintf(&b, " · tokens: %d prompt", u.PromptTokens)
		if u.PromptCacheHitTokens > 0 {
			fmt.Fprintf(&b, " (%d cached)", u.PromptCacheHitTokens)
		}
		fmt.Fprintf(&b, " + %d completion", u.CompletionTokens)
		if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens > 0 {
			fmt.Fprintf(&b, " (%d reasoning)", d.ReasoningTokens)
		}
		fmt.Fprintf(&b, " = %d", u.TotalTokens)
	} else {
		b.WriteString(" · no usage reported")
	}
	b.WriteString("\n")
	fmt.Fprint(p.e.stderr, p.dim(b.String()))
}

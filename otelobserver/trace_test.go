package otelobserver_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/otelobserver"
)

// With Traceparent as harbor's trace source, a call made inside a span carries
// that span's trace id to the vendor and on its answer.
func TestTraceparentJoinsTheCallersTrace(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("test").Start(context.Background(), "handler")
	defer span.End()
	assert.Empty(t, otelobserver.Traceparent(context.Background()))

	m := harbortest.Start(t, harbortest.DeepSeek)
	c, err := m.NewClient(harbor.WithTraceSource(otelobserver.Traceparent))
	require.NoError(t, err)
	res, err := c.Chat.Completions.Create(ctx, &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{harbor.UserMessage("hi")}})
	require.NoError(t, err)
	assert.Equal(t, span.SpanContext().TraceID().String(), res.TraceID)
	assert.Contains(t, m.ChatRequests()[0].Header.Get("Traceparent"), span.SpanContext().TraceID().String())
}

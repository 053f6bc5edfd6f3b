package otelobserver

import (
	"context"

	"go.opentelemetry.io/otel/trace"
)

// Traceparent returns the W3C traceparent of the OpenTelemetry span in ctx, ""
// when there is none. Given to harbor.WithTraceSource, it makes every call's
// trace id (sent to the vendor, on the answer and in the logs) the caller's
// OpenTelemetry trace id:
//
//	client, err := harbor.New(harbor.WithObserver(obs), harbor.WithTraceSource(otelobserver.Traceparent))
func Traceparent(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	flags := "00"
	if sc.IsSampled() {
		flags = "01"
	}
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + flags
}

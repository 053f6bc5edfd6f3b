// Package speccheck checks HTTP traffic against harbor's OpenAPI specs of the
// vendor APIs (package spec), so that the specs, the mock vendors and the
// providers cannot drift apart while every test stays green.
//
// A [Spec] validates a request (method, path, parameters, security, JSON body
// schema) and a response (declared status, headers, JSON body schema, and for
// event streams every SSE data event). [Spec.Transport] wraps an
// [http.RoundTripper] so that everything a client sends and receives is
// checked as it goes by; the conformance suite puts it under every harbor
// client it builds, and live mode puts it in front of the real vendors.
//
// # Event streams
//
// OpenAPI 3.0 cannot describe the events of a text/event-stream body, so the
// specs say it with an extension on that media type:
//
//	text/event-stream:
//	  x-harbor-sse:
//	    event: ChatCompletionChunk   # schema of each data event
//	    error: ErrorResponse         # schema of an in-band error event (optional)
//	    done: "[DONE]"               # the end marker (absent: no marker exists)
//
// Each "data:" event must match event (or error, if the spec has one); a bare
// JSON line outside the SSE framing (Ark sends `{"error":…}` that way) must
// match error. Comments (": keep-alive"), "event:"/"id:"/"retry:" fields and
// blank lines are framing, not content. A data event equal to done is the end
// marker, and must be the last event; an end marker on a spec without one is
// a violation.
//
// # Routing
//
// Requests are matched to operations by method and path. Clients are pointed
// at mocks, proxies and gateways as well as the vendors' own hosts, so the
// host and any base-path prefix in front of the spec's paths are not checked
// (the conformance tables check the exact path harbor uses).
//
// A path parameter whose value may hold "/" (a "provider/model" id), which
// OpenAPI 3.0 cannot say, is marked on the parameter:
//
//	parameters:
//	  - name: model
//	    in: path
//	    x-harbor-slashes: true   # the path's last segment takes the rest of the path
//
// A request whose path is that route's up to the parameter, with slashes in
// the rest (sent raw or as %2F), is matched to it with the rest as the value.
package speccheck

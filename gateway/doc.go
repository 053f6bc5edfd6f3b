// Package gateway is harbor as a server: an OpenAI-compatible HTTP API (the
// Harbor API, spec/harbor.yaml) in front of one harbor.Client, so that any
// OpenAI client — the official SDKs, curl, LangChain — reaches DeepSeek,
// Doubao, Wenxin/Qianfan and OpenAI-compatible vendors through harbor's
// routing, fallback chains, cache, limits and metrics. `harbor serve` runs it
// from a YAML file; a program embeds it with New:
//
//	cfg, err := gateway.LoadConfig("harbor.yaml") // or a Config literal
//	srv, err := gateway.New(cfg)
//	go srv.ListenAndServe()                       // 127.0.0.1:8080 unless cfg.Listen says otherwise
//	defer srv.Shutdown(ctx)                       // drains streams up to server.shutdown_timeout
//
// The gateway is one more caller of harbor.Client: nothing in harbor knows it.
//
// # Routes
//
//	POST /v1/chat/completions   OpenAI's chat completions, JSON or text/event-stream
//	GET  /v1/models             the models, aliases and chains the key may use (created: when the gateway started,
//	                            harbor's model table having no dates)
//	GET  /v1/models/{model}     any name the chat route takes, with its id as asked: "deepseek/deepseek-v4-pro"
//	                            too, its slash sent raw or as %2F (the OpenAI SDKs send either)
//	GET  /health                liveness (always 200 while serving)
//	GET  /ready                 readiness: a provider with credentials, Redis if configured, not shutting down
//	GET  /stats                 harbor's MemoryStats, ConcurrencyStats, HealthCheck, CostStats and the gateway's
//	GET  /metrics               Prometheus: package prommetrics, harbor_gateway_* and, with Redis,
//	                            harbor_gateway_redis_up (a PING per scrape), harbor_shared_cache_errors_total and,
//	                            with shared_limits, harbor_gateway_shared_limits_errors_total
//
// The routes implement generated/harborapi.ServerInterface, generated from
// spec/harbor.yaml by go generate: oapi-codegen's std net/http server, not its
// strict server, whose typed response objects hide the ResponseWriter that a
// stream needs (a flush when the vendor pauses, a write deadline per write). Chat
// completions, the hot path, is routed by hand in front of the generated
// router, whose parameter binding and request copy it does not need (4
// allocations a request, measured by the package's benchmarks). Its request
// type is wire.ChatCompletionRequest (harbor's ChatRequest plus stream and
// stream_options), read in one pass without reflection by
// gateway/internal/fastreq, or by encoding/json when that gives up on a body
// (bad input, unusual JSON), so that values and errors are encoding/json's;
// answers are harbor's own ChatCompletion and Chunk (the latter with OpenAI's
// "finish_reason": null and "logprobs": null).
//
// # Virtual keys
//
// Callers send "Authorization: Bearer <virtual key>"; vendor keys stay in the
// gateway's environment and are never accepted from callers. The config holds
// each key's SHA-256 (hex) with an id; a presented key is hashed and compared
// with every configured hash in constant time. A key may be limited to models
// (names or * globs), to requests and tokens per minute (token buckets in
// this process; tokens are counted from each answer's usage, so a request is
// admitted while its bucket is not in debt) and to a budget in CNY, priced
// from each answer's usage by harbor's price table (Cost). Without keys the
// gateway serves anyone, which New allows on a loopback address only (or with
// allow_anonymous). `harbor keys create` prints a new key and its config
// line.
//
// Budgets and rate limits are per process unless Config.SharedLimits counts
// them in Redis for a whole fleet of gateways (sharedlimits.go): one hash per
// key id, token buckets and the budget updated by Lua scripts on Redis's
// clock, one round trip before a limited key's call and one after it. When
// Redis does not answer, on_redis_down decides: open counts in this process
// (a fleet of N then lets a key do up to N times its limits), closed refuses
// with 503 limits_unavailable. What a process counted that Redis did not take
// (the calls open admitted, charges that did not get through) it keeps per
// key — requests, tokens, CNY — and settles into Redis, exactly once, when
// Redis answers again (before the key's next call there, when /stats or
// /metrics reads its budget, at Shutdown): the fleet's count then includes
// the outage, less what the buckets refilled since. A Redis flushed or
// restarted empty forgets the counts: keys start again with full buckets and
// nothing spent, but for what is settled after. A stream is
// charged at its end, so one admitted under budget finishes even if it
// crosses the budget; the next call is refused. A stream its caller abandons
// before the end is not charged, since harbor reports no usage for it.
//
// # Errors
//
// Every error is OpenAI's body {"error": {"message", "type", "param", "code"}}:
//
//	400 invalid_json, invalid_type, invalid_value (param names the field), content_filter;
//	    malformed_request (the HTTP server could not read the request line or a header)
//	401 missing_api_key, invalid_api_key
//	402 budget_exceeded (type insufficient_quota): not 429, so that SDKs do not retry it
//	403 model_not_allowed (the key's models), admin_key_required (/stats, /metrics)
//	404 model_not_found (param model): no provider serves the model, or its vendor does not know it (its 404,
//	    or its own documented answer: DeepSeek's 400 for a retired name, Qianfan's 400 invalid_model);
//	    unknown_url: no such route
//	405 method_not_allowed: Allow and the message name the methods the route takes
//	408 request_timeout: the body did not arrive within server.read_timeout
//	413 request_too_large: the body is over server.max_body_bytes (refused unread when announced)
//	417 expectation_failed: an Expect other than 100-continue
//	429 rate_limit_exceeded (the key's rpm/tpm), upstream_rate_limited (the vendor's, after harbor's retries); Retry-After
//	431 headers_too_large: the request line and headers are over server.max_header_bytes
//	501 not_implemented: CONNECT, a Transfer-Encoding other than chunked
//	502 upstream_error (5xx, reset, cut or undecodable answer), upstream_authentication,
//	    upstream_permission, upstream_insufficient_balance (the gateway's own vendor account)
//	503 circuit_open, queue_full, too_many_streams, shutting_down, provider_not_configured,
//	    limits_unavailable (shared_limits with on_redis_down: closed); Retry-After when known
//	504 upstream_timeout
//	505 http_version_not_supported: not HTTP/1.x
//
// 499 is never sent: it is what the access log and the metrics record for a
// caller that hung up before an answer had started (error type canceled).
//
// The official OpenAI SDKs retry 408, 409, 429 and 5xx unless the answer
// says X-Should-Retry: false, which they obey first. The gateway sends it
// with the errors no retry can change before the operator acts: 503
// provider_not_configured, 502 upstream_authentication, upstream_permission
// and upstream_insufficient_balance, and the HTTP server's 501 and 505.
//
// A stream that fails after its first chunk cannot change its status: it
// ends with one "data: {"error": …}" event and no [DONE].
//
// The message of a 502 upstream_error or a 504 (and of such an error event)
// is the gateway's: the provider and what happened ("deepseek: the
// connection to the vendor failed (connection refused)", "timed out waiting
// for the vendor", "the vendor answered HTTP 503 Service Unavailable"), never
// harbor's, which quotes net/http's `Post "<vendor URL>": …` and the
// connection's host:port — deployment detail, for the access log only.
//
// # Requests
//
// Fields the request type does not have are accepted and ignored, as OpenAI
// does (a vendor might refuse them, and a field that is not harbor's could
// override one harbor sets); Config.PassthroughFields names fields to send to
// the vendor as they are. "stop" may be a string or an array; the role
// "developer" is sent as "system".
//
// # Limits
//
// Config.Server bounds what a caller can make the gateway hold: the body size
// (413), the time to send headers (ReadHeaderTimeout) and the whole request
// (ReadTimeout, then 408), idle keep-alive connections (IdleTimeout), the
// connections accepted at once (MaxConnections; others wait in the kernel's
// backlog), the streams open at once (MaxStreams, then 503), and every write
// of an answer (WriteTimeout: a caller that stops reading a stream is cut off
// and the vendor stream closed). Shutdown drains streams under way for up to
// ShutdownTimeout, then cuts them.
//
// # The HTTP server
//
// Serve and ListenAndServe run the gateway on its own HTTP/1.1 server
// (gateway/internal/h1server), not net/http's: each connection's requests are
// read, handled and answered on that connection's goroutine, with net/http's
// request parser, and a plain answer leaves as soon as it is whole, before
// its access log line and metrics. net/http's server also starts, for every
// request, a goroutine reading the connection to learn when the caller hangs
// up; this one starts that watch only for a request still running 50 ms after
// its body was read (a vendor call always is), and cancels the request's
// context the same way. Its sockets' reads and writes are raw system calls
// (internal/rawconn), which do not wake the Go runtime's monitor thread as
// net's do. It serves HTTP/1.1 and 1.0 (keep-alive, pipelining,
// chunked bodies, Expect: 100-continue) in plain text: TLS and HTTP/2 end at
// the load balancer in front (deploy/). Mounted in a server of your own as an
// http.Handler, the gateway works the same, at net/http's cost.
//
// # Trace ids and the access log
//
// Each request's trace id comes from a valid W3C traceparent header, else an
// X-Request-Id of 32 lowercase hex digits, else a new one; the vendor call
// carries it (harbor.ContextWithTraceparent), the answer returns it in
// X-Trace-Id (and X-Request-Id, which echoes the caller's own when sent). One
// JSON access-log line per request (slog.NewJSONHandler's bytes, written by
// the gateway's own encoder, or Config.AccessLog's) records method, path,
// status, latency, model, provider, tokens, cost, cache, key id (never the
// key), trace id, error type and, when a vendor call failed (or /ready's
// Redis), the whole error as harbor reports it ("error": secrets redacted, URL
// and addresses kept, for the operator). The error type — also the error_type
// label of harbor_gateway_http_requests_total — is harbor.ErrorType of a failed
// call (unknown_model: no provider serves the model, nothing was sent;
// not_found: the vendor does not know it) or the gateway's own reason
// (unauthenticated, model_not_allowed, unknown_url, method_not_allowed…). So
// both model 404s have the same body, and the log says who found the model
// missing. Lines are written as their request ends, or, with Log.AccessFlush
// (log.access_flush), in batches: at most that long after their request, and
// all of them at Shutdown.
package gateway

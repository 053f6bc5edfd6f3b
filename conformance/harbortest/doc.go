// Package harbortest lets you test code that uses harbor without network,
// keys or money: it starts a mock of a vendor on a loopback port, gives you a
// harbor client already pointed at it, lets you script the mock's next
// answers — failures or canned raw responses — and shows you what your code
// sent.
//
//	func TestSummarize(t *testing.T) {
//		m := harbortest.Start(t, harbortest.DeepSeek) // closed when the test ends
//		m.Enqueue(harbortest.RateLimited(""))         // the first call gets a 429…
//		got, err := Summarize(m.Client(), m.Model(), "a long text") // …which harbor retries
//		// check got and err, then what went over the wire:
//		reqs := m.ChatRequests()              // two requests: the 429'd one and the retry
//		retries := m.Client().Stats().Retries // 1: m.Client() is the same client every time
//	}
//
// # Vendors
//
// Each [Vendor] is a mock from package mockvendor speaking that vendor's real
// wire format: [DeepSeek], [Doubao] (Volcengine Ark), [Wenxin] (Baidu Qianfan
// v1, with its OAuth token endpoint and HTTP 200 error bodies), [Qianfan]
// (Baidu Qianfan v2) and [OpenAI] (OpenAI-compatible servers). The mocks
// answer with a small deterministic toy model ("Hello! You said: …"), so
// assertions can be exact; see the mockvendor package documentation.
//
// # Clients
//
// [Mock.Client] is the mock's *harbor.Client, configured for it: base URL,
// the fake credentials the mock accepts (Wenxin's secret key and Qianfan's
// appid included), nothing read from the environment, and retry waits of a
// few milliseconds so that tests of retry paths stay fast. It is one client
// per mock, made on first use, so its Stats show what your code did with it.
// [Mock.Model] names a model harbor routes to the vendor. [Mock.NewClient]
// makes a new client each time, with harbor options that override any of
// the kit's (WithMaxRetries(0), another key); [Mock.Options] gives the
// options alone, for code that builds its own client.
//
// # Scripting
//
// [Mock.Enqueue] queues faults ([Fault]): each chat request takes the next one, in
// order, and a zero Fault lets one request through. Presets name the common
// failures ([RateLimited], [ConnectionReset], [TruncatedStream],
// vendor-specific ones such as [QianfanV1TokenExpired]). A Fault can also be a
// canned raw reply — [ReplyJSON], [ReplySSE], or [Mock.Reply] with any status,
// headers, body or server-sent events — for answers the mock would never
// make: a new field, a malformed chunk, a capture from the real vendor. A
// Fault with Content keeps the vendor's own framing and changes only the
// answer's text: Fault{Content: `{"answer": "half`} is invalid JSON for a
// response_format request, to test the turn your code sends to repair it.
//
// The mocks answer response_format json_object with a JSON object, and
// json_schema (where the vendor supports it) and tool calls with JSON valid
// for the request's schema, so code that parses structured output runs
// offline too.
//
// # Spec check
//
// Clients of a Mock from [Start] check every request they send and every
// response they read against the vendor's OpenAPI spec (the spec/*.yaml files
// harbor's clients are generated from; see package speccheck) and fail the
// test on a violation — the mock itself is more lenient than the real vendor
// about some fields, the spec is not. Scripted off-spec replies are
// violations too: pass [WithoutSpecCheck] when that is the point of the test.
//
// # Inspecting
//
// [Mock.Requests] and [Mock.ChatRequests] return what the mock received
// (method, path, query, headers, exact body), [Mock.Reset] starts over, and
// the typed accessors ([Mock.QianfanV1Mock] and the others) reach the
// underlying mock's own knobs.
//
// Outside tests (examples, TestMain, tools) use [New] and Close the mock
// yourself. For non-Go tools, `harbor mock` serves the same mocks.
package harbortest

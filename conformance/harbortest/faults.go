package harbortest

import "github.com/harborai/harbor-go/conformance/mockvendor"

// The mockvendor types a test scripts and inspects a mock with, so that one
// import suffices.
type (
	// Fault is one scripted failure or canned reply; see mockvendor.Fault.
	Fault = mockvendor.Fault
	// Reply is a canned raw response; see mockvendor.Reply.
	Reply = mockvendor.Reply
	// Event is one server-sent event of a streamed Reply.
	Event = mockvendor.Event
	// RecordedRequest is a request as the mock received it.
	RecordedRequest = mockvendor.RecordedRequest
)

// Canned replies: the next chat response, byte for byte.
var (
	ReplyJSON = mockvendor.ReplyJSON // a JSON body with a status
	ReplySSE  = mockvendor.ReplySSE  // a stream of data events ("[DONE]" included only if given)
)

// Presets every mock answers in its own vendor's format, with a real HTTP
// status. (Wenxin's rate limits and most of its errors are HTTP 200 bodies:
// use the QianfanV1 presets for those.)
var (
	RateLimited         = mockvendor.RateLimited         // 429; the argument, if any, is sent as Retry-After
	ServerError         = mockvendor.ServerError         // 500
	Overloaded          = mockvendor.Overloaded          // 503
	InsufficientBalance = mockvendor.InsufficientBalance // 402
	Unauthorized        = mockvendor.Unauthorized        // 401, whatever key was sent
	InvalidParams       = mockvendor.InvalidParams       // 422
	ConnectionReset     = mockvendor.ConnectionReset     // the connection drops before any byte
	TruncatedStream     = mockvendor.TruncatedStream     // a stream ends cleanly early, without its end marker
	AbortedStream       = mockvendor.AbortedStream       // a stream's connection breaks mid-body
	StalledStream       = mockvendor.StalledStream       // a stream stops sending mid-body and hangs until the client leaves
)

// Vendor-specific presets; each only makes sense on its vendor's mock.
var (
	ArkRateLimited      = mockvendor.ArkRateLimited
	ArkTPMLimited       = mockvendor.ArkTPMLimited
	ArkOverdue          = mockvendor.ArkOverdue
	ArkSensitiveContent = mockvendor.ArkSensitiveContent
	ArkModelNotOpen     = mockvendor.ArkModelNotOpen
	ArkMidStreamError   = mockvendor.ArkMidStreamError

	QianfanV1Error           = mockvendor.QianfanV1Error
	QianfanV1RateLimited     = mockvendor.QianfanV1RateLimited
	QianfanV1TPMLimited      = mockvendor.QianfanV1TPMLimited
	QianfanV1Overloaded      = mockvendor.QianfanV1Overloaded
	QianfanV1TokenExpired    = mockvendor.QianfanV1TokenExpired
	QianfanV1TokenInvalid    = mockvendor.QianfanV1TokenInvalid
	QianfanV1QPSLimit        = mockvendor.QianfanV1QPSLimit
	QianfanV1IAMUnauthorized = mockvendor.QianfanV1IAMUnauthorized
	QianfanV1StreamError     = mockvendor.QianfanV1StreamError

	QianfanV2RateLimited = mockvendor.QianfanV2RateLimited
	QianfanV2TPMLimited  = mockvendor.QianfanV2TPMLimited
	QianfanV2StreamError = mockvendor.QianfanV2StreamError

	OpenAIInsufficientQuota = mockvendor.OpenAIInsufficientQuota
)

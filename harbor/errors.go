package harbor

import "github.com/harborai/harbor-go/llm"

// Error classes; every *Error matches exactly one with errors.Is. See llm for docs.
var (
	ErrUnknownModel        = llm.ErrUnknownModel
	ErrNoCredentials       = llm.ErrNoCredentials
	ErrQueueFull           = llm.ErrQueueFull
	ErrCanceled            = llm.ErrCanceled
	ErrStreamClosed        = llm.ErrStreamClosed
	ErrInvalidRequest      = llm.ErrInvalidRequest
	ErrAuthentication      = llm.ErrAuthentication
	ErrPermission          = llm.ErrPermission
	ErrInsufficientBalance = llm.ErrInsufficientBalance
	ErrNotFound            = llm.ErrNotFound
	ErrRateLimited         = llm.ErrRateLimited
	ErrContentFilter       = llm.ErrContentFilter
	ErrServer              = llm.ErrServer
	ErrTimeout             = llm.ErrTimeout
	ErrConnection          = llm.ErrConnection
	ErrStreamTruncated     = llm.ErrStreamTruncated
	ErrBadResponse         = llm.ErrBadResponse
)

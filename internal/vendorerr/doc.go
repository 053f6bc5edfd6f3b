// Package vendorerr builds the *llm.Error of everything that goes wrong between
// harbor and a vendor, in one way for every provider:
//
//   - Status: a non-2xx answer, from its status, headers and body (an OpenAI-shaped
//     {"error":{…}} object when the vendor sends one, else a snippet of the body);
//   - Transport: a request that could not be sent or an answer that could not be
//     read (timeouts, refused connections, cancellations, truncated bodies);
//   - BadResponse and NoChoices: a 2xx answer that does not decode, or holds no
//     choices;
//   - MidStream: an error object that arrived inside a 200 event stream;
//   - RequestID and RetryAfter: the headers such errors (and answers) carry.
//
// Every message goes through llm.Redact with the caller's secrets, and Snippet
// quotes at most 200 bytes of a body, so no key and no whole body ends up in an
// error.
//
// It is not for refining errors from a vendor's own codes — each provider does that
// in its errors.go, starting from what Status returns — nor for reading bodies or
// streams (package wire, which calls these builders).
package vendorerr

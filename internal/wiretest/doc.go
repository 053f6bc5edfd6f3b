// Package wiretest helps the providers' tests feed real answers of the vendor mocks
// (conformance/mockvendor) to their decoders, without a network.
//
// CheckEncoder and CheckDecoder compare a generated type's AppendJSON and
// DecodeJSON with encoding/json on filled and mutated values; Answer and Events
// fetch a mock vendor's answer. It is for tests only: no production package
// imports it.
package wiretest

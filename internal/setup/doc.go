// Package setup is what a provider's New does before any request: it resolves
// settings from llm.Config, then the environment (Getenv, Setting, Secret, BaseURL,
// KeyAndBase), checks them where they enter so that a typo or a pasted newline is
// reported there and never echoed (CheckSecret, CheckBaseURL, CheckOptions), picks
// the Doer, reads the provider's typed Options (OptionsOf), and hands the result to
// llm.Descriptor (AsProvider). harbor.New uses the same checks for its options, with
// the same words.
//
// Its errors (NoCredentials, BadBaseURL and the checks') are configuration errors,
// built here; errors of a call are package vendorerr's. It is not for anything a
// call does: building requests and reading answers is package wire's.
package setup

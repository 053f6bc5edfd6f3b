// Package schemagen builds a JSON instance that is valid for a JSON Schema. It
// is the mock vendors' stand-in for a model that honours response_format
// json_schema or a tool's parameter schema: what it builds depends only on the
// schema and the prompt, so the same request always gets the same answer.
//
// # What an instance looks like
//
//   - An object has every property its "properties" declare, in the schema's
//     order, then any "required" name it does not declare (optional
//     properties are included, so an answer shows every field a client may
//     read). maxProperties keeps the required ones first; minProperties adds
//     names additionalProperties or patternProperties allow; dependentRequired
//     (and draft-7 "dependencies" lists) add what an included name needs.
//     Below a nesting depth, and inside recursive $refs, only the required
//     properties are built, so a recursive schema ends.
//   - A string without pattern or format is the prompt itself (the toy
//     model echoes it), cut to maxLength or padded with "x" to minLength.
//     format date, date-time, time, email, hostname, ipv4, ipv6, uri,
//     uri-reference, iri, uri-template, uuid, duration, json-pointer and
//     regex get a fixed well-formed value. A pattern is honoured when Go's
//     regexp can parse it: a matching string is built from the parsed
//     expression (first alternative, fewest repetitions, more of them or
//     padding to reach minLength) and checked against the pattern.
//   - A number or integer honours minimum, maximum, exclusiveMinimum and
//     exclusiveMaximum (numbers, and draft-4 booleans) and multipleOf,
//     computed exactly on the schema's decimal literals; without bounds it
//     lies in [0, 100].
//   - An array honours minItems, maxItems, items, prefixItems (and draft-7
//     tuple items with additionalItems), contains with minContains (the first
//     items are built to match it) and uniqueItems (items are rebuilt with
//     other seeds until they differ). Without bounds it has one or two
//     items.
//   - A type list (["string","null"]) takes its first type other than null,
//     and null where only required properties are built. Without a type the
//     keywords tell it (properties: object, items: array, minLength: string,
//     minimum: number…), else a string.
//   - const is returned as is; enum picks one of its values (of the schema's
//     type when one is given).
//   - $ref is followed when it is a JSON pointer into the same document ("#",
//     "#/$defs/x", "#/definitions/x", any "#/…"), its siblings applying too.
//     allOf is merged into one schema; anyOf and oneOf take their first branch
//     whose type fits the surrounding schema (first without a $ref where only
//     required properties are built); if/then build an instance of if and
//     then.
//
// # Limitations
//
// Not honoured: not, else, dependentSchemas, propertyNames, maxContains,
// unevaluated* beyond what the rules above give, $anchor, $dynamicRef and
// references outside the document (an unresolved $ref is the empty schema).
// oneOf's first branch is not checked against the others, so an instance
// that matches two branches is possible. Merging (allOf, $ref siblings,
// if/then) is keyword by keyword: the tighter bound wins, required and
// properties are joined, types and enums intersected, multipleOf's least
// common multiple taken; two patterns or two formats keep the first. A
// pattern Go's regexp cannot parse (lookaround, backreferences) is ignored.
// The false schema, and schemas no instance satisfies, get a best effort
// that is not valid; so do counts (minLength, minItems, minProperties…) above
// 16384, which are taken as 16384, and schemas whose smallest instance is
// larger than 65536 values or 4 MiB of strings, where the generator stops. Such schemas are rare in response formats and tool
// parameters, where strict modes forbid most of these keywords anyway.
package schemagen

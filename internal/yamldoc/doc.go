// Package yamldoc is candor's one strict YAML reader, shared by the vendor's disclosure
// manifest (package attest) and the buyer's verification policy (package verify).
//
// [Parse] decodes exactly one YAML document into JSON values, refusing what those
// documents never need and another parser could read differently (anchors, merge keys,
// duplicate or case-folded keys, custom tags, several documents, deep nesting, large
// inputs), and keeps the source position of every value. [Document.Locate] places a schema
// violation at its line and column; each problem is a [Problem], and [Format] writes them
// as "file:line:col: field: message" lines.
package yamldoc

// Package diff compares what two releases can do: the capabilities, hosts, Go modules and
// findings of an old and a new build, ranked by risk.
//
// Each side is an [Input], read by a [Loader] from whatever a security team has at hand,
// detected by content: an executable, archive or image (scanned with the built-in rules), a
// scan report (candor scan --format json), or a disclosure attestation (a DSSE envelope, or
// an in-toto bundle of envelopes, one per line, of which the candor disclosure is taken). An
// attestation's signature is checked when the loader has trusted keys ([WithKeys]); without
// them the input says its signature was not checked.
//
// [Compare] matches the artifacts of the two sides (by name, members of archives by path; a
// single artifact on each side matches whatever its name) and returns a [Result]: every
// [Change], ranked so that a new remote-control, exfiltration or update capability comes
// first, then new hosts, new linked findings, the other changes, and removals last. An
// [Ignore] list ([ParseIgnore], [LoadIgnore]) names known changes, each with a reason: they
// are listed as ignored and do not count. [Result.HasNew] says whether anything new appeared.
//
// [Result.WriteText], [Result.WriteJSON] and [Result.WriteMarkdown] render a result; every
// string from an input is escaped for the terminal (text) or for Markdown and HTML (a
// pull-request comment), so a hostile host name cannot inject escape sequences, markup or
// links.
package diff

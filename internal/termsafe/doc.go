// Package termsafe escapes text before it reaches a terminal.
//
// Strings candor prints come from attestations, disclosures, policies, file names and
// scanned binaries: anyone who made one of those can put terminal escape sequences,
// bidirectional overrides, zero-width characters or invalid UTF-8 in it, to clear the
// screen, print a fake verdict or hide the real one. Every human-readable line goes
// through this package first:
//
//   - [String] for one value (a name, a path, a host): shown as it is when it holds only
//     printable characters and plain spaces, Go-quoted in ASCII otherwise, so that every
//     byte is visible, a value never spans lines, and a quoted value cannot be mistaken
//     for a plain one;
//   - [Line] for a one-line message that embeds values (a check's reason, a note);
//   - [Message] for a whole message that may span lines (an error): newlines and tabs
//     stay, everything else unsafe is written as a Go escape such as \x1b or \u202e;
//   - [JSON] for JSON output: the same characters written as JSON \u escapes, so the
//     document still decodes to exactly the same strings.
//
// The characters escaped are those [Unsafe] reports: C0 controls and DEL, C1 controls
// (U+0080 to U+009F, among them the one-character CSI U+009B), format characters
// (category Cf: bidirectional controls U+202A to U+202E and U+2066 to U+2069, zero-width
// characters, tag characters), the line and paragraph separators U+2028 and U+2029,
// invisible fillers, private-use, surrogate and unassigned code points, and bytes that
// are not valid UTF-8.
package termsafe

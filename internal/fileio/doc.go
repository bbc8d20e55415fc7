// Package fileio is candor's one place for file plumbing: how it opens, reads, maps,
// hashes and writes files. Every package uses it; a second copy of any of this is a bug
// waiting to differ.
//
// # Opening and reading
//
// The files candor is given (artifacts, attestations, policies, keys, configuration and
// the members of image layout directories) are opened with [OpenRegular].
//
// Every input is opened with [OpenRegular], which accepts only regular files, judged
// on the opened descriptor rather than on the path, so that nothing can be swapped in
// between the check and the use. A named pipe (FIFO) would block the open or the
// first read until a writer comes, forever if none does; a device such as /dev/zero
// or /dev/urandom never ends; a directory or socket is not data. All of these fail
// with [ErrNotRegular], naming the path and what it is, and they fail at once: on
// Unix the file is opened non-blocking (and without becoming the controlling
// terminal), so opening a FIFO with no writer returns immediately. Symbolic links are
// followed, and the file they lead to must be regular: a link to /dev/zero is a
// device.
//
// [ReadFile] reads a whole file of at most a given size, allocating from the size the
// descriptor reports and never more than the limit plus one byte; a larger file fails
// with [ErrTooLarge] before it is read. [ReadAtMost] is the same bounded read for a file
// already open.
//
// # Mapping
//
// [Map] maps a regular file read-only; [Load] maps it when it is large ([MapAtLeast]) and the
// system allows, and reads it into memory otherwise. A [Mapping] hands its pages back to the
// kernel as they are used ([Mapping.Release]), and hashing it survives the file shrinking
// under the mapping ([ErrShrunk]) instead of crashing.
//
// # Hashing
//
// [HashFile], [HashBytes], [HashReader] and [Mapping.Hash] hash bytes once in a set of
// algorithms ([Algs]: SHA-256 and SHA-512), through a [Hasher] that writes in steps of
// [HashStep] (1 MiB), so that hashing a huge slice never holds up a garbage collection.
//
// # Writing
//
// [WriteFile] replaces a file atomically and durably (a synced temporary file renamed over
// it, then the directory synced); [CreateFile] does the same for a file that must not exist
// yet, and refuses one that does with [io/fs.ErrExist].
//
// Errors from the operating system are wrapped, not replaced: errors.Is(err,
// fs.ErrNotExist) holds for a missing file, and a *fs.PathError can be found with
// errors.As.
package fileio

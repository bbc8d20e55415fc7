// Package fileio is how candor opens and reads the files it is given: artifacts,
// attestations, policies, keys, configuration and the members of image layout
// directories.
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
// with [ErrTooLarge] before it is read.
//
// Errors from the operating system are wrapped, not replaced: errors.Is(err,
// fs.ErrNotExist) holds for a missing file, and a *fs.PathError can be found with
// errors.As.
package fileio

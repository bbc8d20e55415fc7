// Package archive walks release archives, Debian packages and container images
// and hands their executable members to a caller, without holding a whole
// archive in memory. Only two things are ever written to disk, to temporary
// files, each bounded by Limits.MaxMemberBytes: an image that arrives nested
// in a stream, and the decompressed content of an image's compressed layers
// (see below).
//
// It reads, detected by content (magic bytes) and never by file name:
//   - tar, alone or compressed with gzip, bzip2, xz or zstd;
//   - zip;
//   - Debian packages (ar with debian-binary, control.tar.* and data.tar.*);
//   - container images: OCI image layouts (a directory, or a tar of one) and
//     docker save tarballs, whose layers are applied in order with whiteouts;
//   - any nesting of these (a zip inside a tar.gz inside a deb...).
//
// [WalkFile] and [Walk] call a [Visitor] for every executable member (ELF, PE
// or Mach-O, found by magic) and every symbolic link, each with its cleaned
// path inside the container. Paths never escape the container's root: leading
// slashes and ".." elements are removed, symbolic links are reported with
// their target resolved inside the root and are never followed to read.
//
// Every walk is bounded by [Limits]: total bytes read and decompressed, member
// count, nesting depth and single-member size. Exceeding one fails the walk
// with a [*LimitError] (matching [ErrLimit]) that names the member; a broken
// archive fails with [ErrMalformed] and the member where it broke.
//
// Images are read in two passes over the layers: the first lists every
// layer's entries and applies them in order (whiteouts, opaque directories,
// files replaced by directories and the reverse) to learn which executables
// survive in the final filesystem and which layer added each; the second
// reads only those. A compressed layer is decompressed once: the first pass
// keeps a copy of the tar in a temporary file for the second (within the
// budget; beyond it, the layer is decompressed again). Layer blobs whose
// names carry a digest are verified. An
// image nested in another container is read the same way: viewed twice when
// it is stored plainly, or first copied to a temporary file (no larger than
// Limits.MaxMemberBytes) when it arrives compressed or deflated.
//
// [WalkBlobs] walks an image whose files are elsewhere (a [BlobSource], such as
// a registry: manifest and config in memory, layers streamed): nothing of it is
// copied to disk but the spools above, each blob is checked against its size and
// digest as it is read, and the second pass reads again from the source only the
// layers it needs that were not spooled, checking them again.
//
// [WalkMapped] walks bytes already in memory, typically a mapped file: the
// content of an uncompressed member is then a view of those bytes, handed to
// the visitor as [Entry.Data] with no copy. [Walk] and WalkMapped accept and
// report exactly the same things; only the cost differs.
package archive

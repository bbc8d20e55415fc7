package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/scan/archive"
	"github.com/spf13/cobra"
)

// ArchiveOptions bound the archives, packages and images candor scan reads.
type ArchiveOptions struct {
	MaxTotalBytes  byteSize
	MaxMembers     int64
	MaxDepth       int
	MaxMemberBytes byteSize
}

// limitFlags names the flag that raises each limit, for error hints.
var limitFlags = map[archive.Limit]string{
	archive.LimitTotalBytes:  "max-archive-bytes",
	archive.LimitMembers:     "max-members",
	archive.LimitDepth:       "max-depth",
	archive.LimitMemberBytes: "max-member-bytes",
}

// AddFlags registers the limit flags.
func (o *ArchiveOptions) AddFlags(cmd *cobra.Command) {
	o.MaxTotalBytes = archive.DefaultMaxTotalBytes
	o.MaxMemberBytes = archive.DefaultMaxMemberBytes
	f := cmd.Flags()
	f.Var(&o.MaxTotalBytes, limitFlags[archive.LimitTotalBytes], "stop reading an archive or image after `SIZE` bytes, decompressed, at all nesting levels (suffixes KiB, MiB, GiB)")
	f.Int64Var(&o.MaxMembers, limitFlags[archive.LimitMembers], archive.DefaultMaxMembers, "stop after `N` entries in an archive or image, at all nesting levels")
	f.IntVar(&o.MaxDepth, limitFlags[archive.LimitDepth], archive.DefaultMaxDepth, "read archives nested at most `N` deep (an archive inside an archive is depth 2)")
	f.Var(&o.MaxMemberBytes, limitFlags[archive.LimitMemberBytes], "refuse an archive member over `SIZE` bytes that must be held whole (an executable or nested zip in memory, a compressed nested image in a temporary file)")
}

func (o *ArchiveOptions) limits() archive.Limits {
	return archive.Limits{MaxTotalBytes: int64(o.MaxTotalBytes), MaxMembers: o.MaxMembers, MaxDepth: o.MaxDepth, MaxMemberBytes: int64(o.MaxMemberBytes)}
}

func (o *ArchiveOptions) validate() error {
	if o.MaxTotalBytes <= 0 || o.MaxMembers <= 0 || o.MaxDepth <= 0 || o.MaxMemberBytes <= 0 {
		return errors.New("archive limits must be positive")
	}
	return nil
}

// byteSize is a flag value in bytes that accepts KiB, MiB, GiB and TiB suffixes (and K, M, G, T).
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Type() string { return "size" }

func (b *byteSize) Set(s string) error {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("want a positive size such as 512MiB or 4GiB")
	}
	*b = byteSize(n * mult)
	return nil
}

package fileio

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// ReleaseExecutable gives back the resident pages of the running program's read-only
// mappings of its own executable (its code and read-only data) with madvise
// MADV_DONTNEED. They are clean pages of the file, kept in the page cache: whatever the
// program runs next faults its pages back in, at the cost of a minor fault each. A candor
// binary links cloud KMS clients, sigstore and in-toto whose package initialisers touch
// pages all over its 50 MB, and the kernel maps the pages around each fault too: about
// 25 MiB of the executable is resident before a scan begins, most of it never needed
// again. Errors are ignored: this only changes what counts as the process's memory.
func ReleaseExecutable() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		// start-end perms offset dev inode path
		f := bytes.Fields(sc.Bytes())
		if len(f) < 6 || string(f[5]) != exe || bytes.IndexByte(f[1], 'w') >= 0 {
			continue
		}
		lo, hi, ok := bytes.Cut(f[0], []byte("-"))
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(string(lo), 16, 64)
		end, err2 := strconv.ParseUint(string(hi), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED)
	}
}

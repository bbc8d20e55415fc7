package archive

import (
	"path"
	"strings"
)

// Sep joins the path of a nested container and the path inside it:
// "app.tar.gz!/bin/app".
const Sep = "!/"

// cleanName turns an entry name from an archive into a path relative to the
// container's root: backslashes (zip files written on Windows) become
// slashes, and leading slashes and ".." elements can never climb out of the
// root. It returns "" for the root itself.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	p := path.Clean("/" + name)
	return strings.TrimPrefix(p, "/")
}

// join returns the path of name inside the container at prefix.
func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + Sep + name
}

// resolveLink returns where a symbolic link at link (a cleaned path) pointing
// at target leads, as a cleaned path inside the same root: an absolute target
// is taken from the root, and ".." stops at the root, the way a chroot sees it.
func resolveLink(link, target string) string {
	if strings.HasPrefix(target, "/") {
		return cleanName(target)
	}
	return cleanName(path.Join(path.Dir("/"+link), target))
}

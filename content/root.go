package content

import (
	"errors"
	"io/fs"
	"os"
)

// OpenDir opens the content root dir. Everything is read through an
// os.Root, so no symbolic link and no ".." leads out of the folder: an
// issue file, or a file: source, that is a link to a file elsewhere is
// a problem naming that file, never read. (os.DirFS follows links
// anywhere.) Links that stay inside the root are followed.
//
// The root stays open as long as the returned FS is used: the folder
// is the one opened, even if another is renamed into its place.
func OpenDir(dir string) (fs.FS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return r.FS(), nil
}

// escapesRoot reports whether err is an os.Root refusing a path that
// leads out of the root. The os package does not export that error.
func escapesRoot(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if err.Error() == "path escapes from parent" {
			return true
		}
	}
	return false
}

// outsideRoot is the message for a file that leads out of the root.
const outsideRoot = "leads outside the content root (a symbolic link or \"..\"): only files inside it are read"

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
// Only regular files and folders are opened: a named pipe, a socket or
// a device is refused (ErrNotRegular) without waiting. Opening a named
// pipe for reading otherwise blocks until some writer comes, and a
// reload waiting on it would hold the content lock for ever.
//
// The root stays open as long as the returned FS is used: the folder
// is the one opened, even if another is renamed into its place.
func OpenDir(dir string) (fs.FS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return rootFS{r: r, fsys: r.FS()}, nil
}

// rootFS is an os.Root's FS that opens files without blocking and
// refuses every file that is neither regular nor a folder. It has no
// ReadFile method, so fs.ReadFile goes through Open.
type rootFS struct {
	r    *os.Root
	fsys fs.FS // r.FS(), for Stat and ReadDir
}

// ErrNotRegular is the error of opening a file of the content root that
// is neither a regular file nor a folder: a named pipe, a socket, a
// device.
var ErrNotRegular = errors.New("not a regular file")

func (r rootFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	// O_NONBLOCK makes opening a named pipe return at once (reading a
	// regular file or a folder ignores it); the file's type is then
	// checked on what was opened, not on a name that may have changed
	// since it was looked at.
	f, err := r.r.OpenFile(name, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: notRegular(fi.Mode())}
	}
	return f, nil
}

func (r rootFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(r.fsys, name) }

func (r rootFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(r.fsys, name) }

// notRegular is ErrNotRegular saying what the file is instead.
func notRegular(m fs.FileMode) error {
	what := "not a regular file"
	switch t := m.Type(); {
	case t&fs.ModeNamedPipe != 0:
		what = "a named pipe, not a regular file"
	case t&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case t&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		what = "a device, not a regular file"
	case t&fs.ModeDir != 0:
		what = "a folder, not a file"
	}
	return notRegularError(what + ": only regular files are read")
}

type notRegularError string

func (e notRegularError) Error() string        { return string(e) }
func (e notRegularError) Is(target error) bool { return target == ErrNotRegular }

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

package verify

import (
	"context"
	"errors"
)

// hash computes the SHA-256 of every target file, in parallel.
func (r *runner) hash(ctx context.Context) error {
	errs := make([]error, len(r.targets))
	parallel(ctx, len(r.targets), r.workers, func(i int) {
		t := r.targets[i]
		if t.Path == "" || t.SHA256 != "" || t.vouched {
			return
		}
		t.SHA256, errs[i] = fileSHA256(t.Path)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// hashMore hashes each target file, in parallel, in the other algorithms (sha512) that the
// subjects which may name it list, in one more read of the file. Most attestations list
// sha256 only: then no file is read again.
func (r *runner) hashMore(ctx context.Context) error {
	errs := make([]error, len(r.targets))
	parallel(ctx, len(r.targets), r.workers, func(i int) {
		t := r.targets[i]
		if t.Path == "" || t.missing != "" || t.vouched {
			return
		}
		var algs []string
		for _, si := range t.sources {
			for _, a := range r.sources[si].atts {
				if a.err == nil {
					algs = a.Statement.needs(&t.Target, algs)
				}
			}
		}
		if t.from != nil {
			algs = t.from.Statement.needs(&t.Target, algs)
		}
		if len(algs) == 0 {
			return
		}
		d, err := fileDigests(t.Path, algs...)
		if err != nil {
			errs[i] = err
			return
		}
		t.Target = t.Target.withDigests(d)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

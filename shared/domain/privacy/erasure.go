package privacy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// runErasure erases the person from the org, step by step (erasureSteps),
// each step safe to run again: a tombstone first (so that mail and imports
// stop at once), then the import result parts and the files that name
// them (while their items still say what their names are), then their own
// exports, then the audit records naming them (while their items still
// say which enrollments they had), and last their items, anonymised or
// deleted. It ends with the job done and, in the same write, the audit
// log's person.erase.finished record: the anonymous id and counts, never
// the person.
func (s *Service) runErasure(ctx context.Context, j *Job, email bo.Email) error {
	if err := s.step(ctx, j, erasureSteps[0], 0); err != nil {
		return err
	}
	t, err := s.store.PutTombstone(ctx, Tombstone{OrgID: j.OrgID, Subject: j.Subject, AnonymousID: bo.NewID("anon", s.Now()),
		ErasureID: j.ID, ErasedAt: s.Now()})
	if err != nil {
		return err
	}
	j.AnonymousID = t.AnonymousID
	anon := bo.ErasedAddress(t.AnonymousID)
	data, err := s.store.PersonalData(ctx, j.OrgID, email)
	if err != nil {
		return err
	}
	red := Redactor{EmailKey: email.Key, Anon: anon.Key, Addresses: addresses(email, data)}
	for _, p := range data["profile"] {
		if n, _ := p["fullName"].(string); n != "" {
			red.Names = append(red.Names, n)
		}
		if x, _ := p["externalId"].(string); x != "" {
			red.ExternalIDs = append(red.ExternalIDs, x)
		}
	}
	counts := map[string]int{}

	if err := s.step(ctx, j, erasureSteps[1], 1); err != nil {
		return err
	}
	var redactErr error
	n, err := s.store.RewriteImportResults(ctx, j.OrgID, func(part []byte) ([]byte, bool) {
		out, changed, err := red.CSV(part)
		if err != nil {
			redactErr = err
			return part, false
		}
		return out, changed
	})
	if err = firstErr(err, redactErr); err != nil {
		return err
	}
	counts["importResultParts"] = n

	if err := s.step(ctx, j, erasureSteps[2], 2); err != nil {
		return err
	}
	keys, err := s.store.OrgFiles(ctx, j.OrgID)
	if err != nil {
		return err
	}
	for _, key := range keys {
		changed, err := s.redactFile(ctx, red, key)
		if err != nil {
			return err
		}
		if changed {
			counts["filesRewritten"]++
		}
	}

	if err := s.step(ctx, j, erasureSteps[3], 3); err != nil {
		return err
	}
	exports, err := s.store.DeletePersonalExports(ctx, j.OrgID, j.Subject)
	if err != nil {
		return err
	}
	for _, key := range exports {
		if err := s.files.Delete(ctx, key); err != nil {
			return err
		}
	}
	counts["personalExports"] = len(exports)

	if err := s.step(ctx, j, erasureSteps[4], 4); err != nil {
		return err
	}
	if counts["auditRecords"], err = s.eraseAudit(ctx, j.OrgID, email, data, red); err != nil {
		return err
	}

	if err := s.step(ctx, j, erasureSteps[5], 5); err != nil {
		return err
	}
	items, err := s.store.EraseItems(ctx, j.OrgID, email, anon)
	if err != nil {
		return err
	}
	for k, v := range items {
		counts[k] += v
	}
	// A re-run keeps the counts of the run that did the work.
	for k, v := range counts {
		j.Counts[k] += v
	}
	if err := s.finish(erasureFinished(ctx, s.Now(), *j), j, StatusDone); err != nil {
		return err
	}
	attrs := []any{slog.String("orgId", j.OrgID), slog.String("erasureId", j.ID), slog.String("requestedBy", j.RequestedBy)}
	for k, v := range counts {
		attrs = append(attrs, slog.Int(k, v))
	}
	s.Log.InfoContext(ctx, "erasure done", attrs...)
	return nil
}

// erasureFinished returns ctx carrying the audit record of an erasure's
// outcome, in the name of the admin who asked for it, for the job's last
// write: the person by digest, the anonymous id, and the job's counts in
// name order. It holds nothing of the person.
func erasureFinished(ctx context.Context, at time.Time, j Job) context.Context {
	pairs := []string{"erasureId", j.ID, "anonymousId", j.AnonymousID}
	names := make([]string, 0, len(j.Counts))
	for k := range j.Counts {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		pairs = append(pairs, k, strconv.Itoa(j.Counts[k]))
	}
	actor := j.Actor
	if actor.Subject == "" {
		actor.Subject = j.RequestedBy
	}
	return audit.For(audit.WithActor(ctx, actor), at, j.OrgID, "", audit.PersonEraseFinished,
		audit.Target{Type: audit.TargetPerson, ID: j.Subject}, audit.Set(pairs...))
}

// redactFile rewrites one file of the bucket without the person, when it
// names them. A file gone already (expired) is skipped.
func (s *Service) redactFile(ctx context.Context, red Redactor, key string) (bool, error) {
	rc, _, err := s.files.Open(ctx, key)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	in, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	out, changed, err := red.File(key, in)
	if err != nil || !changed {
		// A file that cannot be parsed but names the person is removed
		// rather than kept.
		if err != nil && bytes.Contains(bytes.ToLower(in), []byte(red.EmailKey)) {
			return true, s.files.Delete(ctx, key)
		}
		return false, nil
	}
	contentType := "text/csv; charset=utf-8"
	if strings.HasSuffix(key, ".zip") {
		contentType = "application/zip"
	}
	return true, s.files.Put(ctx, key, bytes.NewReader(out), contentType)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

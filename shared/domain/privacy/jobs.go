package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// RequestExport queues an export of everything the org holds about the
// address: asked by an org admin of the org, or by the signed-in person
// themself (their verified address). It returns EINVALID for a bad
// address, EFORBIDDEN for anyone else (an admin of another org included),
// and the queue's error after marking the job failed.
func (s *Service) RequestExport(ctx context.Context, caller bo.Caller, orgID, rawEmail string) (Job, error) {
	email, err := person(rawEmail)
	if err != nil {
		return Job{}, err
	}
	requester, err := s.exportAccess(ctx, caller, orgID, email)
	if err != nil {
		return Job{}, err
	}
	now := s.Now()
	expires := now.Add(ExportLifetime).Truncate(time.Second)
	j := Job{ID: bo.NewID("pde", now), OrgID: orgID, Kind: KindExport, Status: StatusRequested,
		Progress: Progress{Steps: 1}, Counts: map[string]int{}, Subject: bo.PersonDigest(orgID, email.Key), Requester: requester,
		RequestedBy: caller.Subject, Actor: audit.ActorOf(ctx), CreatedAt: now, UpdatedAt: now, ExpiresAt: &expires}
	j.FileKey = resources.PersonalDataPrefix + orgID + "/" + j.ID + ".zip"
	// The record names the person by digest: the log says an export was
	// asked for without keeping the address it was asked about.
	ctx = audit.For(ctx, now, orgID, "", audit.PersonExport, audit.Target{Type: audit.TargetPerson, ID: j.Subject},
		audit.Set("exportId", j.ID))
	return j, s.queue(ctx, j, email)
}

// exportAccess returns the digest of the caller's address when they may
// export the address's data in the org: an org admin, or the person.
func (s *Service) exportAccess(ctx context.Context, caller bo.Caller, orgID string, email bo.Email) (string, error) {
	me, err := caller.VerifiedEmail()
	if err != nil {
		return "", err
	}
	if me.Key == email.Key {
		audit.SetRole(ctx, audit.RoleLearner)
		return bo.PersonDigest(orgID, me.Key), nil
	}
	if err := s.admins.AuthorizeOrgAdmin(ctx, caller, orgID); err != nil {
		return "", err
	}
	return bo.PersonDigest(orgID, me.Key), nil
}

// GetExport returns an export with its progress and, once ready, a fresh
// download link valid ExportLinkLifetime. The org's admins and the person
// who asked may read it; anyone else gets ENOTFOUND, as for an unknown or
// expired export.
func (s *Service) GetExport(ctx context.Context, caller bo.Caller, orgID, id string) (Job, error) {
	me, err := caller.VerifiedEmail()
	if err != nil {
		return Job{}, err
	}
	j, err := s.store.GetPrivacyJob(ctx, orgID, KindExport, id)
	if err != nil {
		return Job{}, err
	}
	if j.Requester != bo.PersonDigest(orgID, me.Key) {
		if aerr := s.admins.AuthorizeOrgAdmin(ctx, caller, orgID); aerr != nil {
			return Job{}, bo.Errorf(bo.ENOTFOUND, "no such export")
		}
	}
	now := s.Now()
	if j.ExpiresAt != nil && !now.Before(*j.ExpiresAt) {
		return Job{}, bo.Errorf(bo.ENOTFOUND, "the export has expired")
	}
	if j.Status == StatusReady {
		url, until, err := s.files.PresignGet(ctx, j.FileKey, ExportLinkLifetime, "personal-data-"+j.ID+".zip")
		if err != nil {
			return Job{}, err
		}
		j.DownloadURL, j.DownloadExpiresAt = url, &until
	}
	return j, nil
}

// RequestErasure queues the erasure of the person from the org (org admins
// only). It returns EINVALID for a bad address, EFORBIDDEN for anyone but
// an org admin, ECONFLICT for an admin of the org (remove them as an admin
// first), and the queue's error after marking the job failed. Asking again
// for a person erased already runs again and changes nothing.
func (s *Service) RequestErasure(ctx context.Context, caller bo.Caller, orgID, rawEmail string) (Job, error) {
	email, err := person(rawEmail)
	if err != nil {
		return Job{}, err
	}
	if err := s.admins.AuthorizeOrgAdmin(ctx, caller, orgID); err != nil {
		return Job{}, err
	}
	if admin, err := s.store.IsOrgAdmin(ctx, orgID, email.Key); err != nil {
		return Job{}, err
	} else if admin {
		return Job{}, bo.Errorf(bo.ECONFLICT, "this person is an admin of the organisation: remove them as an admin first")
	}
	now := s.Now()
	j := Job{ID: bo.NewID("era", now), OrgID: orgID, Kind: KindErasure, Status: StatusRequested,
		Progress: Progress{Steps: len(erasureSteps)}, Counts: map[string]int{}, Subject: bo.PersonDigest(orgID, email.Key),
		RequestedBy: caller.Subject, Actor: audit.ActorOf(ctx), CreatedAt: now, UpdatedAt: now}
	ctx = audit.For(ctx, now, orgID, "", audit.PersonErase, audit.Target{Type: audit.TargetPerson, ID: j.Subject},
		audit.Set("erasureId", j.ID))
	return j, s.queue(ctx, j, email)
}

// GetErasure returns an erasure's progress and counts (org admins only;
// EFORBIDDEN otherwise, ENOTFOUND for an unknown one).
func (s *Service) GetErasure(ctx context.Context, caller bo.Caller, orgID, id string) (Job, error) {
	if err := s.admins.AuthorizeOrgAdmin(ctx, caller, orgID); err != nil {
		return Job{}, err
	}
	return s.store.GetPrivacyJob(ctx, orgID, KindErasure, id)
}

// queue writes the job, with the audit record attached to ctx in the same
// transaction, and puts its work item on the queue.
func (s *Service) queue(ctx context.Context, j Job, email bo.Email) error {
	if err := s.store.CreatePrivacyJob(ctx, j); err != nil {
		return err
	}
	kind := WorkExport
	if j.Kind == KindErasure {
		kind = WorkErasure
	}
	if err := s.work.Send(ctx, WorkItem{Kind: kind, OrgID: j.OrgID, JobID: j.ID, Email: email.Display}); err != nil {
		j.Status, j.Error, j.UpdatedAt = StatusFailed, "the request could not be queued; ask again", s.Now()
		if perr := s.store.PutPrivacyJob(ctx, j); perr != nil {
			err = fmt.Errorf("%w (and marking it failed: %v)", err, perr)
		}
		return fmt.Errorf("queue %s %s: %w", j.Kind, j.ID, err)
	}
	return nil
}

// Handle runs the work item of an export or an erasure (the worker's
// handler of both kinds). A job that is ready or done is not run again. A
// failure is recorded on the job and returned, so that the queue delivers
// the item again: both jobs start over and are idempotent (an erasure's
// writes are conditional, an export rewrites its zip whole).
func (s *Service) Handle(ctx context.Context, body string) error {
	var item WorkItem
	if err := json.Unmarshal([]byte(body), &item); err != nil || (item.Kind != WorkExport && item.Kind != WorkErasure) || item.JobID == "" {
		return fmt.Errorf("not a personal-data work item: %.200q", body)
	}
	email, err := bo.ParseEmail(item.Email)
	if err != nil {
		return fmt.Errorf("work item %s: the address is not valid", item.JobID)
	}
	kind := KindExport
	if item.Kind == WorkErasure {
		kind = KindErasure
	}
	j, err := s.store.GetPrivacyJob(ctx, item.OrgID, kind, item.JobID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		s.Log.WarnContext(ctx, "personal-data job gone; work item dropped", slog.String("jobId", item.JobID))
		return nil
	} else if err != nil {
		return err
	}
	if j.Status == StatusReady || j.Status == StatusDone {
		return nil
	}
	if j.Subject != bo.PersonDigest(j.OrgID, email.Key) {
		return fmt.Errorf("work item %s names someone other than its job's person", j.ID)
	}
	j.Status, j.Error, j.UpdatedAt = StatusRunning, "", s.Now()
	if err := s.store.PutPrivacyJob(ctx, j); err != nil {
		return err
	}
	if kind == KindExport {
		err = s.runExport(ctx, &j, email)
	} else {
		err = s.runErasure(ctx, &j, email)
	}
	if err != nil {
		j.Status, j.Error, j.UpdatedAt = StatusFailed, "the job failed and will be retried: "+bo.ErrorMessage(err), s.Now()
		if perr := s.store.PutPrivacyJob(ctx, j); perr != nil {
			err = errors.Join(err, perr)
		}
		return fmt.Errorf("%s %s: %w", j.Kind, j.ID, err)
	}
	return nil
}

// step records that the job moves on to the named step.
func (s *Service) step(ctx context.Context, j *Job, name string, done int) error {
	j.Progress.Step, j.Progress.Done, j.UpdatedAt = name, done, s.Now()
	return s.store.PutPrivacyJob(ctx, *j)
}

// finish records the job's end.
func (s *Service) finish(ctx context.Context, j *Job, status Status) error {
	now := s.Now()
	j.Status, j.Progress.Step, j.Progress.Done, j.UpdatedAt, j.FinishedAt = status, "", j.Progress.Steps, now, &now
	return s.store.PutPrivacyJob(ctx, *j)
}

package members

import (
	"context"
	"encoding/json"
	"fmt"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// WorkDeleteProgram is the kind of the work item that removes the members
// of a program being deleted, a batch at a time, and then deletes it.
const WorkDeleteProgram = "delete-program"

// WorkItem is a chunk of long-running work on the work queue: a program
// deletion or a member export. The worker dispatches on Kind (queue.Kinds).
type WorkItem struct {
	Kind      string `json:"kind"`
	OrgID     string `json:"orgId"`
	ProgramID string `json:"programId"`
	// ExportID names the export of a member export item.
	ExportID string `json:"exportId,omitempty"`
	// Actor is who started the work, for the record of its outcome.
	Actor *audit.Actor `json:"actor,omitempty"`
}

// Work puts work items on the work queue.
type Work interface {
	Send(ctx context.Context, item any) error
}

// DeletionStore is what deleting a program with members needs.
type DeletionStore interface {
	GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error)
	// MarkProgramDeleting stops new joins of the program.
	MarkProgramDeleting(ctx context.Context, orgID, programID string) error
	// DeleteProgram deletes the program once it has no members; ECONFLICT
	// while it has.
	DeleteProgram(ctx context.Context, orgID, programID string) error
	ListMembers(ctx context.Context, programID string, q bo.MemberQuery) (bo.MemberPage, error)
}

// deletionBatch is how many members one work item removes.
const deletionBatch = 100

// Deleter carries on the deletions Deletions started, on the work queue:
// it removes every member as an admin's removal without return does (each
// gets the exit email, once), a batch a work item, and deletes the program
// when none is left.
type Deleter struct {
	members *Service
	store   DeletionStore
	work    Work
}

// NewDeleter returns the Deleter of the worker, which removes the members
// with members.
func NewDeleter(members *Service, store DeletionStore, work Work) *Deleter {
	return &Deleter{members: members, store: store, work: work}
}

// Deletions starts program deletions (admin.ProgramDeletion): the admin
// function's side of a deletion, which needs no members service.
type Deletions struct {
	store DeletionStore
	work  Work
}

// NewDeletions returns the Deletions that queue their work on work.
func NewDeletions(store DeletionStore, work Work) *Deletions {
	return &Deletions{store: store, work: work}
}

// Start deletes a program at once when it has no members and otherwise
// stops new joins and queues the removal of its members; it reports whether
// the deletion goes on in the background. It returns ENOTFOUND for an
// unknown program.
func (d *Deletions) Start(ctx context.Context, orgID, programID string) (bool, error) {
	err := d.store.DeleteProgram(ctx, orgID, programID)
	if bo.ErrorCode(err) != bo.ECONFLICT {
		return false, err
	}
	if err := d.store.MarkProgramDeleting(ctx, orgID, programID); err != nil {
		return false, err
	}
	actor := audit.ActorOf(ctx)
	return true, d.work.Send(ctx, WorkItem{Kind: WorkDeleteProgram, OrgID: orgID, ProgramID: programID, Actor: &actor})
}

// Handle runs one work item from the queue: it removes a batch of the
// program's members and queues the next item, or deletes the program when
// no member is left. A redelivered item is safe: removed members are not
// members any more, and each exit email's id names its removal. It returns
// an error for an item it cannot read, and storage errors.
func (d *Deleter) Handle(ctx context.Context, body string) error {
	var item WorkItem
	if err := json.Unmarshal([]byte(body), &item); err != nil || item.Kind != WorkDeleteProgram {
		return fmt.Errorf("work item %q is not a program deletion", body)
	}
	p, err := d.store.GetProgram(ctx, item.OrgID, item.ProgramID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return nil // deleted by an earlier delivery
	} else if err != nil {
		return err
	}
	page, err := d.store.ListMembers(ctx, p.ID, bo.MemberQuery{Status: bo.MemberJoined, Sort: bo.MembersByEmail, Limit: deletionBatch, Now: d.members.Now()})
	if err != nil {
		return err
	}
	for _, l := range page.Items {
		if _, err := d.members.remove(ctx, p, l.EmailKey, false, false); err != nil && bo.ErrorCode(err) != bo.ECONFLICT {
			return err
		}
	}
	if len(page.Items) > 0 || page.NextCursor != "" {
		return d.work.Send(ctx, item)
	}
	done := ctx
	if item.Actor != nil {
		done = audit.WithActor(ctx, *item.Actor)
	}
	done = audit.For(done, d.members.Now(), item.OrgID, item.ProgramID, audit.ProgramDeleteFinished,
		audit.Target{Type: audit.TargetProgram, ID: item.ProgramID}, nil)
	err = d.store.DeleteProgram(done, item.OrgID, item.ProgramID)
	if bo.ErrorCode(err) == bo.ECONFLICT {
		return d.work.Send(ctx, item) // a member joined before joins stopped: go round again
	}
	return err
}

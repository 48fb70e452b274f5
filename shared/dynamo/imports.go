package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/invite"
)

var (
	_ invite.JobStore = (*Store)(nil)
	_ invite.RowStore = (*Store)(nil)
)

const typeImport = "ImportJob"

type importRecord struct {
	key
	meta
	ID         string           `dynamodbav:"id"`
	OrgID      string           `dynamodbav:"orgId"`
	ProgramID  string           `dynamodbav:"programId"`
	ContractID string           `dynamodbav:"contractId"`
	SendEmails bool             `dynamodbav:"sendEmails"`
	DryRun     bool             `dynamodbav:"dryRun"`
	Status     string           `dynamodbav:"status"`
	Error      string           `dynamodbav:"error,omitempty"`
	Counts     invite.JobCounts `dynamodbav:"progress"`
	Warnings   []string         `dynamodbav:"warnings"`
	CreatedBy  string           `dynamodbav:"createdBy"`
	StartedAt  *time.Time       `dynamodbav:"startedAt,omitempty"`
	FinishedAt *time.Time       `dynamodbav:"finishedAt,omitempty"`
}

func newImportRecord(j invite.Job) importRecord {
	if j.Counts.Outcomes == nil {
		j.Counts.Outcomes = map[invite.Outcome]int{}
	}
	if j.Warnings == nil {
		j.Warnings = []string{}
	}
	return importRecord{
		key: importKey(j.ProgramID, j.ID), meta: meta{Type: typeImport, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt},
		ID: j.ID, OrgID: j.OrgID, ProgramID: j.ProgramID, ContractID: j.ContractID, SendEmails: j.SendEmails, DryRun: j.DryRun,
		Status: string(j.Status), Error: j.Error, Counts: j.Counts, Warnings: j.Warnings, CreatedBy: j.CreatedBy,
		StartedAt: j.StartedAt, FinishedAt: j.FinishedAt,
	}
}

// CreateImport writes a new import job. It returns ECONFLICT when the id exists.
func (s *Store) CreateImport(ctx context.Context, j invite.Job) error {
	return s.putIf(ctx, marshal(newImportRecord(j)), "attribute_not_exists(PK)", nil, nil,
		bo.Errorf(bo.ECONFLICT, "import %s exists already", j.ID), "create import "+j.ID)
}

// GetImport returns an import job of the program, with the count of its
// invitations marked undeliverable (a second read, of its own item), or
// ENOTFOUND.
func (s *Store) GetImport(ctx context.Context, programID, importID string) (invite.Job, error) {
	var r importRecord
	if err := s.get(ctx, importKey(programID, importID), &r, "import "+importID+" not found"); err != nil {
		return invite.Job{}, err
	}
	undeliverable, err := s.importUndeliverable(ctx, programID, importID)
	if err != nil {
		return invite.Job{}, err
	}
	r.Counts.Undeliverable = undeliverable
	return invite.Job{
		ID: r.ID, OrgID: r.OrgID, ProgramID: r.ProgramID, ContractID: r.ContractID, SendEmails: r.SendEmails, DryRun: r.DryRun,
		Status: invite.JobStatus(r.Status), Error: r.Error, Counts: r.Counts, Warnings: r.Warnings, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
	}, nil
}

// UpdateImport writes the whole job over its stored item, which must exist.
func (s *Store) UpdateImport(ctx context.Context, j invite.Job) error {
	return s.putIf(ctx, marshal(newImportRecord(j)), "attribute_exists(PK)", nil, nil,
		bo.Errorf(bo.ENOTFOUND, "import %s not found", j.ID), "update import "+j.ID)
}

// PutInvitationRow writes one invitation of an import, and its link when
// tok is set, without touching counters (AddInvitationCounts counts a
// chunk at once). The link is written first, on its own: a link whose
// invitation then fails to be written names an invitation that does not
// exist, admits no one, and expires. No transaction, so that an import
// costs two plain writes a row. It returns ECONFLICT when the email is
// invited to or a member of the program.
func (s *Store) PutInvitationRow(ctx context.Context, l bo.Learner, tok *bo.InviteToken) error {
	if tok != nil {
		// A failed condition here can only be this very write retried by the
		// SDK after a lost answer: the token is 256 random bits.
		put := putToken(s.table, *tok, l.CreatedAt).Put
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item,
			ConditionExpression: put.ConditionExpression}); err != nil && !isConditionFailed(err) {
			return fmt.Errorf("put invitation link of %s: %w", l.EmailKey, err)
		}
	}
	// Most rows are new learners: try that first, and read only on a conflict.
	err := s.putLearner(ctx, s.learnerPut(l, nil))
	if !isConditionFailed(err) {
		return err
	}
	prev, err := s.removedBefore(ctx, l)
	if bo.ErrorCode(err) == bo.ECONFLICT {
		// The SDK retries a write whose answer was lost; the learner it then
		// meets may be this very invitation.
		if got, gerr := s.GetLearner(ctx, l.ProgramID, l.EmailKey); gerr == nil && got.InvitationID == l.InvitationID {
			return nil
		}
		return err
	} else if err != nil {
		return err
	}
	if prev == nil {
		return bo.Errorf(bo.ECONFLICT, "%s changed at the same time; run the import again", l.Email)
	}
	if err := s.putLearner(ctx, s.learnerPut(l, prev)); isConditionFailed(err) {
		return bo.Errorf(bo.ECONFLICT, "%s is already invited to or a member of this program", l.Email)
	} else {
		return err
	}
}

// putLearner runs a conditional put of a learner; the condition's failure
// comes back as the SDK's error, for the caller to read.
func (s *Store) putLearner(ctx context.Context, put *types.Put) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item,
		ConditionExpression: put.ConditionExpression, ExpressionAttributeNames: put.ExpressionAttributeNames,
		ExpressionAttributeValues: put.ExpressionAttributeValues})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("put learner: %w", err)
	}
	return err
}

// AddInvitationCounts counts n more invitations, sent and pending, on the
// program and the org, and n more pending on the contract: three atomic ADDs, once a chunk. They are not one
// transaction: a run that dies between them leaves a count short by one
// chunk at most, and these counts limit nothing (licences are taken on
// joining, under the contract's own condition).
func (s *Store) AddInvitationCounts(ctx context.Context, orgID, programID, contractID string, n int) error {
	for _, item := range []types.TransactWriteItem{
		addCounters(s.table, programKey(orgID, programID), map[string]int{"invited": n, "invitationsSent": n}),
		addCounters(s.table, contractKey(orgID, contractID), map[string]int{"pending": n}),
		addCounters(s.table, orgKey(orgID), map[string]int{"invited": n, "invitationsSent": n}),
	} {
		u := item.Update
		if _, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key,
			UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
			ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues}); err != nil {
			if isConditionFailed(err) {
				return bo.Errorf(bo.ENOTFOUND, "the program, contract or org of the import no longer exists")
			}
			return fmt.Errorf("count invitations: %w", err)
		}
	}
	return nil
}

// batchGetLimit is BatchGetItem's limit of keys per call.
const batchGetLimit = 100

// GetLearners returns the program's learners among the email keys, by key.
func (s *Store) GetLearners(ctx context.Context, programID string, emailKeys []string) (map[string]bo.Learner, error) {
	keys := make([]key, len(emailKeys))
	for i, k := range emailKeys {
		keys[i] = learnerKey(programID, k)
	}
	recs, err := batchGet[learnerRecord](ctx, s, keys)
	if err != nil {
		return nil, fmt.Errorf("get learners: %w", err)
	}
	out := make(map[string]bo.Learner, len(recs))
	for _, r := range recs {
		out[r.EmailKey] = r.learner()
	}
	return out, nil
}

package dynamo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/invite"
)

var (
	_ invite.JobStore = (*Store)(nil)
	_ invite.RowStore = (*Store)(nil)
)

const (
	typeImport       = "ImportJob"
	typeImportResult = "ImportResult"
	// importResultLifetime is how long a chunk's result lines are kept
	// (the table's TTL): well past any run of the import, which writes the
	// result file from them at its end.
	importResultLifetime = 7 * 24 * time.Hour
)

// importResultRecord is a part of a committed chunk's lines of an
// import's result file.
type importResultRecord struct {
	key
	meta
	Lines     []byte `dynamodbav:"lines"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

type importRecord struct {
	key
	meta
	ID         string           `dynamodbav:"id"`
	OrgID      string           `dynamodbav:"orgId"`
	ProgramID  string           `dynamodbav:"programId"`
	ContractID string           `dynamodbav:"contractId"`
	SendEmails bool             `dynamodbav:"sendEmails"`
	DryRun     bool             `dynamodbav:"dryRun"`
	Message    string           `dynamodbav:"message,omitempty"`
	Status     string           `dynamodbav:"status"`
	Error      string           `dynamodbav:"error,omitempty"`
	Counts     invite.JobCounts `dynamodbav:"progress"`
	Warnings   []string         `dynamodbav:"warnings"`
	// Checkpoint moves in each chunk's transaction (CommitChunk).
	Checkpoint invite.Checkpoint `dynamodbav:"checkpoint"`
	CreatedBy  string            `dynamodbav:"createdBy"`
	StartedAt  *time.Time        `dynamodbav:"startedAt,omitempty"`
	FinishedAt *time.Time        `dynamodbav:"finishedAt,omitempty"`
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
		ID: j.ID, OrgID: j.OrgID, ProgramID: j.ProgramID, ContractID: j.ContractID, SendEmails: j.SendEmails, DryRun: j.DryRun, Message: j.Message,
		Status: string(j.Status), Error: j.Error, Counts: j.Counts, Warnings: j.Warnings, CreatedBy: j.CreatedBy,
		StartedAt: j.StartedAt, FinishedAt: j.FinishedAt, Checkpoint: j.Checkpoint,
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
		ID: r.ID, OrgID: r.OrgID, ProgramID: r.ProgramID, ContractID: r.ContractID, SendEmails: r.SendEmails, DryRun: r.DryRun, Message: r.Message,
		Status: invite.JobStatus(r.Status), Error: r.Error, Counts: r.Counts, Warnings: r.Warnings, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		Checkpoint: r.Checkpoint,
	}, nil
}

// UpdateImport writes the whole job over its stored item, which must exist.
func (s *Store) UpdateImport(ctx context.Context, j invite.Job) error {
	return s.putIf(ctx, marshal(newImportRecord(j)), "attribute_exists(PK)", nil, nil,
		bo.Errorf(bo.ENOTFOUND, "import %s not found", j.ID), "update import "+j.ID)
}

// PutInvitationRow writes one invitation, and its link when tok is set,
// without touching counters: learners seeded one by one (tests, tools).
// Imports commit whole chunks with CommitChunk. The link is written first,
// on its own: a link whose invitation then fails to be written names an
// invitation that does not exist, admits no one, and expires. It returns
// ECONFLICT when the email is invited to or a member of the program.
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
// program and the org, and n more pending on the contract: three atomic
// ADDs, for learners seeded with PutInvitationRow. It returns ENOTFOUND when
// one of them no longer exists.
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

// CommitChunk writes a chunk of an import in one transaction: each row's
// invitation (on no learner, or on the removed learner read as Prev) and
// link, the program's and org's invited and the contract's pending counts
// moved by the number of rows, the chunk's result parts, and the job, on
// condition that the stored job is at checkpoint c.Prev and not done or
// failed. A transaction cancelled by another at the same time (no
// condition failed) is tried again. It returns *invite.RowConflicts
// naming the rows whose condition failed, invite.ErrJobMoved when the
// job's did, and ENOTFOUND when the program, contract or org no longer
// exists; in each case nothing was written.
func (s *Store) CommitChunk(ctx context.Context, c invite.ChunkCommit) error {
	j := c.Job
	items := make([]types.TransactWriteItem, 0, 2*len(c.Rows)+4+len(c.Results))
	rowOf := make([]int, 0, 2*len(c.Rows)) // the row of each invitation and link
	for i, r := range c.Rows {
		items, rowOf = append(items, types.TransactWriteItem{Put: s.learnerPut(r.Learner, r.Prev)}), append(rowOf, i)
	}
	for i, r := range c.Rows {
		if r.Token != nil {
			items, rowOf = append(items, putToken(s.table, *r.Token, r.Learner.CreatedAt)), append(rowOf, i)
		}
	}
	counters := len(items)
	if n := len(c.Rows); n > 0 {
		items = append(items,
			addCounters(s.table, programKey(j.OrgID, j.ProgramID), map[string]int{"invited": n, "invitationsSent": n}),
			addCounters(s.table, contractKey(j.OrgID, j.ContractID), map[string]int{"pending": n}),
			addCounters(s.table, orgKey(j.OrgID), map[string]int{"invited": n, "invitationsSent": n}))
	}
	jobAt := len(items)
	items = append(items, s.importAt(j, c.Prev))
	expires := j.UpdatedAt.Add(importResultLifetime).Unix()
	for p, lines := range c.Results {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: marshal(importResultRecord{
			key:  importResultKey(j.ID, j.Checkpoint.Chunks, p),
			meta: meta{Type: typeImportResult, CreatedAt: j.UpdatedAt, UpdatedAt: j.UpdatedAt}, Lines: lines, ExpiresAt: expires,
		})}})
	}
	for attempt := 0; ; attempt++ {
		if err := pauseBeforeRetry(ctx, attempt); err != nil {
			return fmt.Errorf("commit chunk %d of import %s: cancelled by other writes each time: %w", j.Checkpoint.Chunks, j.ID, err)
		}
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: aws.String(requestToken())})
		if err == nil {
			return nil
		}
		failed, cancelled := cancelledAt(err)
		if !cancelled {
			return fmt.Errorf("commit chunk %d of import %s: %w", j.Checkpoint.Chunks, j.ID, err)
		}
		if len(failed) == 0 {
			continue // another transaction on one of its items: try again
		}
		if slices.Contains(failed, jobAt) {
			return invite.ErrJobMoved
		}
		var conflicts invite.RowConflicts
		for _, i := range failed {
			if i >= counters {
				return bo.Errorf(bo.ENOTFOUND, "the program, contract or org of the import no longer exists")
			}
			conflicts.Rows = append(conflicts.Rows, rowOf[i])
		}
		slices.Sort(conflicts.Rows)
		conflicts.Rows = slices.Compact(conflicts.Rows)
		return &conflicts
	}
}

// importAt is the put of a job written by a run: on condition that the
// stored job is at checkpoint prev (or, at 0, has none, as a job written
// before checkpoints) and not done or failed.
func (s *Store) importAt(j invite.Job, prev int) types.TransactWriteItem {
	cond := "NOT (#st IN (:done, :failed)) AND #cp.#n = :prev"
	if prev == 0 {
		cond = "NOT (#st IN (:done, :failed)) AND (attribute_not_exists(#cp) OR #cp.#n = :prev)"
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: s.table, Item: marshal(newImportRecord(j)), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{"#st": "status", "#cp": "checkpoint", "#n": "chunks"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":done": str(string(invite.JobDone)), ":failed": str(string(invite.JobFailed)), ":prev": num(prev),
		},
	}}
}

// importResultsPage is how many result parts ImportResults reads a call:
// a few MB at most.
const importResultsPage = 16

// ImportResults calls fn with each result part of the import's committed
// chunks in order (strongly consistent Queries, a page at a time), and
// returns fn's error or the table's.
func (s *Store) ImportResults(ctx context.Context, importID string, fn func(part []byte) error) error {
	pk, prefix := importResultPrefix(importID)
	in := &dynamodb.QueryInput{
		TableName: s.table, ConsistentRead: aws.Bool(true), Limit: aws.Int32(importResultsPage),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(prefix)},
	}
	for {
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("read the results of import %s: %w", importID, err)
		}
		for _, item := range res.Items {
			var r importResultRecord
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return fmt.Errorf("decode the results of import %s: %w", importID, err)
			}
			if err := fn(r.Lines); err != nil {
				return err
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
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

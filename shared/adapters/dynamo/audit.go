package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

var _ audit.Store = (*Store)(nil)

const typeAudit = "AuditRecord"

// auditReadBudget is how many records one query of the log reads when a
// filter expression narrows it: a page is then cut at its limit, or comes
// back short with a cursor when the budget ran out first.
const auditReadBudget = 1000

type auditChange struct {
	Field string `dynamodbav:"field"`
	Old   string `dynamodbav:"old"`
	New   string `dynamodbav:"new"`
}

// auditRecord is one copy of a record: the one in the org's partition, or
// a copy in the partition of its actor, action, target or program. Every
// copy is whole, so that any filter reads one partition and nothing else.
type auditRecord struct {
	key
	meta
	ID           string        `dynamodbav:"id"`
	OrgID        string        `dynamodbav:"orgId"`
	At           time.Time     `dynamodbav:"at"`
	ActorSubject string        `dynamodbav:"actorSubject"`
	ActorEmail   string        `dynamodbav:"actorEmail"`
	ActorKey     string        `dynamodbav:"actorKey"`
	ActorRole    string        `dynamodbav:"actorRole"`
	Action       string        `dynamodbav:"action"`
	TargetType   string        `dynamodbav:"targetType"`
	TargetID     string        `dynamodbav:"targetId"`
	ProgramID    string        `dynamodbav:"programId"`
	Changes      []auditChange `dynamodbav:"changes"`
	RequestID    string        `dynamodbav:"requestId"`
	SourceIP     string        `dynamodbav:"sourceIp"`
	ExpiresAt    int64         `dynamodbav:"expiresAt"`
}

func (r auditRecord) record() audit.Record {
	out := audit.Record{
		ID: r.ID, OrgID: r.OrgID, At: r.At, Actor: audit.Actor{Subject: r.ActorSubject, Email: r.ActorEmail, Role: r.ActorRole},
		Action: r.Action, Target: audit.Target{Type: r.TargetType, ID: r.TargetID}, ProgramID: r.ProgramID,
		Changes: make([]audit.Change, len(r.Changes)), RequestID: r.RequestID, SourceIP: r.SourceIP,
	}
	for i, c := range r.Changes {
		out.Changes[i] = audit.Change{Field: c.Field, Old: c.Old, New: c.New}
	}
	return out
}

// SetAuditRetention sets how long the audit records this store writes are
// kept before the table's TTL deletes them (audit.DefaultRetention unless
// set).
func (s *Store) SetAuditRetention(d time.Duration) { s.auditRetention = d }

// auditItems returns the puts of a record's copies: in the org's
// partition, and in those of its actor, action, target and program (the
// last two when it has them).
func (s *Store) auditItems(rec audit.Record) []types.TransactWriteItem {
	retention := s.auditRetention
	if retention <= 0 {
		retention = audit.DefaultRetention
	}
	r := auditRecord{
		meta: meta{Type: typeAudit, CreatedAt: rec.At, UpdatedAt: rec.At},
		ID:   rec.ID, OrgID: rec.OrgID, At: rec.At, ActorSubject: rec.Actor.Subject, ActorEmail: rec.Actor.Email,
		ActorKey: rec.Actor.Key(), ActorRole: rec.Actor.Role, Action: rec.Action, TargetType: rec.Target.Type,
		TargetID: rec.Target.ID, ProgramID: rec.ProgramID, Changes: make([]auditChange, 0, len(rec.Changes)),
		RequestID: rec.RequestID, SourceIP: rec.SourceIP, ExpiresAt: rec.At.Add(retention).Unix(),
	}
	for _, c := range rec.Changes {
		if !audit.IsSecret(c.Field) {
			r.Changes = append(r.Changes, auditChange(c))
		}
	}
	pks := auditPKs(rec)
	items := make([]types.TransactWriteItem, len(pks))
	for i, pk := range pks {
		r.key = key{PK: pk, SK: auditSK(rec.At, rec.ID)}
		items[i] = types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: marshal(r)}}
	}
	return items
}

// auditPKs returns the partitions of a record's copies: the org's, its
// actor's, its action's, and its target's and program's when it has them.
func auditPKs(rec audit.Record) []string {
	pks := []string{auditPK(rec.OrgID), auditActorPK(rec.OrgID, rec.Actor.Key()), auditActionPK(rec.OrgID, rec.Action)}
	if rec.Target.Type != "" {
		pks = append(pks, auditTargetPK(rec.OrgID, rec.Target.Type, rec.Target.ID))
	}
	if rec.ProgramID != "" {
		pks = append(pks, auditProgramPK(rec.OrgID, rec.ProgramID))
	}
	return pks
}

// withAudit appends to items the copies of the record attached to ctx
// that no write has carried yet (audit.Claim), and returns done, to call
// with whether the transaction succeeded (a no-op without a record).
func (s *Store) withAudit(ctx context.Context, items []types.TransactWriteItem) ([]types.TransactWriteItem, func(bool)) {
	rec, done, ok := audit.Claim(ctx)
	if !ok {
		return items, func(bool) {}
	}
	return append(slices.Clip(items), s.auditItems(rec)...), done
}

// alone runs one write in a transaction with the record attached to ctx,
// when there is one; it reports false when there is none, for the caller to
// make the write on its own. A failed condition of the write is returned as
// the ConditionalCheckFailedException that the write alone would return, so
// callers handle both paths alike; a transaction cancelled by another at the
// same moment is ECONFLICT.
func (s *Store) alone(ctx context.Context, item types.TransactWriteItem) (bool, error) {
	items, done := s.withAudit(ctx, []types.TransactWriteItem{item})
	if len(items) == 1 {
		return false, nil
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: aws.String(requestToken())})
	done(err == nil)
	failed, cancelled := cancelledAt(err)
	switch {
	case cancelled && slices.Contains(failed, 0):
		return true, &types.ConditionalCheckFailedException{Message: aws.String("the conditional request failed")}
	case cancelled:
		// Another transaction on the same item at the same moment, which
		// the write alone would have waited for: the caller may retry.
		return true, bo.Errorf(bo.ECONFLICT, "another change was made at the same time; retry")
	}
	return true, err
}

// putItem is PutItem, in one transaction with the record attached to ctx
// when there is one. It returns the SDK's errors.
func (s *Store) putItem(ctx context.Context, in *dynamodb.PutItemInput) error {
	done, err := s.alone(ctx, types.TransactWriteItem{Put: &types.Put{
		TableName: in.TableName, Item: in.Item, ConditionExpression: in.ConditionExpression,
		ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues,
	}})
	if !done {
		_, err = s.db.PutItem(ctx, in)
	}
	return err
}

// updateItem is UpdateItem, in one transaction with the record attached to
// ctx when there is one; an update asking for the new item then reads it
// back (strongly consistent), as a transaction returns no item. It returns
// the SDK's errors.
func (s *Store) updateItem(ctx context.Context, in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
	done, err := s.alone(ctx, types.TransactWriteItem{Update: &types.Update{
		TableName: in.TableName, Key: in.Key, UpdateExpression: in.UpdateExpression, ConditionExpression: in.ConditionExpression,
		ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues,
	}})
	if !done {
		return s.db.UpdateItem(ctx, in)
	}
	if err != nil || in.ReturnValues != types.ReturnValueAllNew {
		return &dynamodb.UpdateItemOutput{}, err
	}
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: in.TableName, Key: in.Key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	return &dynamodb.UpdateItemOutput{Attributes: res.Item}, nil
}

// deleteItem is DeleteItem, in one transaction with the record attached to
// ctx when there is one. It returns the SDK's errors.
func (s *Store) deleteItem(ctx context.Context, in *dynamodb.DeleteItemInput) error {
	done, err := s.alone(ctx, types.TransactWriteItem{Delete: &types.Delete{
		TableName: in.TableName, Key: in.Key, ConditionExpression: in.ConditionExpression,
		ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues,
	}})
	if !done {
		_, err = s.db.DeleteItem(ctx, in)
	}
	return err
}

// ListAudit reads one page of the org's log, newest first, with one Query:
// the partition of the most selective filter given (target, actor, action,
// program, in that order; the org's otherwise), the time range as the sort
// key's range, and the other filters, with a program admin's programs, as
// a filter expression. A filtered query reads at most auditReadBudget
// records, so a page may come back short with a cursor.
func (s *Store) ListAudit(ctx context.Context, orgID string, q audit.Query) ([]audit.Record, string, error) {
	pk, filters := auditPartition(orgID, q)
	start, err := decodeCursor(q.Page.Cursor, pk, "")
	if err != nil {
		return nil, "", err
	}
	to := q.To
	if to.IsZero() {
		to = time.UnixMilli(9_999_999_999_999)
	}
	in := &dynamodb.QueryInput{
		TableName:              s.table,
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":from": str(auditTimeKey(q.From)), ":to": str(auditTimeKey(to)),
		},
		ScanIndexForward:  aws.Bool(false),
		ExclusiveStartKey: start,
		Limit:             aws.Int32(int32(q.Page.Limit)),
	}
	if len(filters) > 0 {
		names := map[string]string{}
		var conds []string
		for _, f := range filters {
			conds = append(conds, f.cond)
			for k, v := range f.values {
				in.ExpressionAttributeValues[k] = v
			}
			for k, v := range f.names {
				names[k] = v
			}
		}
		in.FilterExpression = aws.String(strings.Join(conds, " AND "))
		if len(names) > 0 {
			in.ExpressionAttributeNames = names
		}
		in.Limit = aws.Int32(auditReadBudget)
	}
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("query audit %s: %w", pk, err)
	}
	var recs []auditRecord
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &recs); err != nil {
		return nil, "", fmt.Errorf("decode audit %s: %w", pk, err)
	}
	next := encodeCursor(res.LastEvaluatedKey)
	if len(recs) > q.Page.Limit {
		recs = recs[:q.Page.Limit]
		last := recs[len(recs)-1].key
		next = encodeCursor(mustKey(last))
	}
	out := make([]audit.Record, len(recs))
	for i, r := range recs {
		out[i] = r.record()
	}
	return out, next, nil
}

// auditFilter is one condition of a log query's filter expression.
type auditFilter struct {
	cond   string
	names  map[string]string
	values map[string]types.AttributeValue
}

// auditPartition picks the partition that serves a query and the filters
// the partition does not (see ListAudit).
func auditPartition(orgID string, q audit.Query) (string, []auditFilter) {
	eq := func(attr, value string) auditFilter {
		return auditFilter{cond: "#" + attr + " = :" + attr, names: map[string]string{"#" + attr: attr},
			values: map[string]types.AttributeValue{":" + attr: str(value)}}
	}
	var pk string
	var filters []auditFilter
	programKeyed := false
	switch {
	case q.TargetType != "" && q.TargetID != "":
		pk = auditTargetPK(orgID, q.TargetType, q.TargetID)
	case q.Actor != "":
		pk = auditActorPK(orgID, q.Actor)
	case q.Action != "":
		pk = auditActionPK(orgID, q.Action)
	case q.ProgramID != "":
		pk, programKeyed = auditProgramPK(orgID, q.ProgramID), true
	case len(q.Programs) == 1:
		pk, programKeyed = auditProgramPK(orgID, q.Programs[0]), true
	default:
		pk = auditPK(orgID)
	}
	if q.Actor != "" && pk != auditActorPK(orgID, q.Actor) {
		filters = append(filters, eq("actorKey", q.Actor))
	}
	if q.Action != "" && pk != auditActionPK(orgID, q.Action) {
		filters = append(filters, eq("action", q.Action))
	}
	if q.TargetType != "" && q.TargetID == "" {
		filters = append(filters, eq("targetType", q.TargetType))
	}
	if q.ProgramID != "" && !programKeyed {
		filters = append(filters, eq("programId", q.ProgramID))
	}
	if len(q.Programs) > 0 && !programKeyed {
		f := auditFilter{names: map[string]string{"#pid": "programId"}, values: map[string]types.AttributeValue{}}
		var in []string
		for i, id := range q.Programs {
			k := fmt.Sprintf(":p%d", i)
			in = append(in, k)
			f.values[k] = str(id)
		}
		f.cond = "#pid IN (" + strings.Join(in, ", ") + ")"
		filters = append(filters, f)
	}
	return pk, filters
}

// writeAudit writes the record attached to ctx, if any and not written
// yet, on its own: the outcome of bulk work whose writes are not one
// transaction. It returns the table's error.
func (s *Store) writeAudit(ctx context.Context) error {
	items, done := s.withAudit(ctx, nil)
	if len(items) == 0 {
		return nil
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: aws.String(requestToken())})
	done(err == nil)
	if err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	return nil
}

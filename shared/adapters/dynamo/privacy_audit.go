package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/privacy"
)

// AuditNaming returns, each once and newest first, the org's audit records
// in the partitions that may name a person: every page of the partitions of
// their actor keys, of the targets and of the actions given, and of the targets of the
// org's messages whose hand-picked audience holds one of their addresses
// (in any case). Every partition is read with Queries, one a page; the
// org's messages with one more. It returns the table's error.
func (s *Store) AuditNaming(ctx context.Context, orgID string, p privacy.AuditPartitions) ([]audit.Record, error) {
	var pks []string
	for _, k := range p.ActorKeys {
		pks = append(pks, auditActorPK(orgID, k))
	}
	for _, t := range p.Targets {
		pks = append(pks, auditTargetPK(orgID, t.Type, t.ID))
	}
	for _, a := range p.Actions {
		pks = append(pks, auditActionPK(orgID, a))
	}
	msgs, err := s.orgMessages(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		audience := strings.ToLower(m.Audience)
		if slices.ContainsFunc(p.Addresses, func(a string) bool { return a != "" && strings.Contains(audience, strings.ToLower(a)) }) {
			pks = append(pks, auditTargetPK(orgID, audit.TargetMessage, m.ID))
		}
	}
	slices.Sort(pks)
	pks = slices.Compact(pks)
	seen := map[string]bool{}
	var out []audit.Record
	for _, pk := range pks {
		recs, err := s.auditPartition(ctx, pk)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r.record())
			}
		}
	}
	slices.SortFunc(out, func(a, b audit.Record) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// auditPartition reads every record of one audit partition, one Query a
// page, strongly consistent so that a run after a replacement sees it.
func (s *Store) auditPartition(ctx context.Context, pk string) ([]auditRecord, error) {
	in := &dynamodb.QueryInput{TableName: s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)}}
	return queryEvery[auditRecord](ctx, s, in, "audit partition "+pk)
}

// ReplaceAudit writes the copies of the updated record in place of old's,
// in one transaction: a copy whose partition stays (the org's, the
// action's, the program's) is overwritten where it still stands, one whose
// partition changes (an actor or target that named the person) is deleted
// where it still stands and put under its new partition. It reports false,
// writing nothing, when one of old's copies is gone: another run replaced
// them, or the table's TTL expired them. It returns the table's error.
func (s *Store) ReplaceAudit(ctx context.Context, old, updated audit.Record) (bool, error) {
	sk := auditSK(old.At, old.ID)
	newPKs := auditPKs(updated)
	var items []types.TransactWriteItem
	for _, pk := range auditPKs(old) {
		if !slices.Contains(newPKs, pk) {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table,
				Key: mustKey(key{PK: pk, SK: sk}), ConditionExpression: aws.String("attribute_exists(PK)")}})
		}
	}
	oldPKs := auditPKs(old)
	for i, item := range s.auditItems(updated) {
		if slices.Contains(oldPKs, newPKs[i]) {
			item.Put.ConditionExpression = aws.String("attribute_exists(PK)")
		}
		items = append(items, item)
	}
	gone := bo.Errorf(bo.ECONFLICT, "replaced already")
	err := s.transact(ctx, items, func(int) error { return gone })
	if err == gone {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("replace audit record %s: %w", old.ID, err)
	}
	return true, nil
}

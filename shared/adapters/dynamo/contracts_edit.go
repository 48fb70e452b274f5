package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
)

// inUseCondition is true when the licences in use of the contract, of
// either kind, are at most :licences: its members on a per-membership
// contract (and on one made before there were kinds), its enrollment
// licences on a per-enrollment one.
const inUseCondition = "((licenceKind = :perEnrollment AND enrollmentLicences <= :licences) OR " +
	"((attribute_not_exists(licenceKind) OR licenceKind = :perMembership) AND used <= :licences))"

// UpdateContract applies an edit of a contract in one UpdateItem whose
// condition holds the rules at the moment of the write, not as read
// before it: fewer licences only down to those in use, the end after the
// start. A failed condition is explained from the contract read after it:
// ELIMIT for too few licences (naming those in use), EINVALID for the end,
// ENOTFOUND for no contract. It returns the contract as stored.
func (s *Store) UpdateContract(ctx context.Context, orgID, contractID string, ch admin.ContractEdit, now time.Time) (bo.Contract, error) {
	set := []string{"updatedAt = :now"}
	conds := []string{"attribute_exists(PK)"}
	names := map[string]string{}
	values := map[string]types.AttributeValue{":now": str(now.UTC().Format(time.RFC3339Nano))}
	if ch.Name != nil {
		set, names["#name"], values[":name"] = append(set, "#name = :name"), "name", str(*ch.Name)
	}
	if ch.EndsAt != nil {
		set = append(set, "endsAt = :endsAt", "endsMs = :endsMs")
		conds = append(conds, "startsMs < :endsMs")
		values[":endsAt"] = str(ch.EndsAt.Format(time.RFC3339Nano))
		values[":endsMs"] = &types.AttributeValueMemberN{Value: fmt.Sprint(ch.EndsAt.UnixMilli())}
	}
	switch {
	case ch.Licences != nil:
		set = append(set, "licences = :licences", "unlimited = :false")
		conds = append(conds, inUseCondition)
		values[":licences"], values[":false"] = num(*ch.Licences), &types.AttributeValueMemberBOOL{Value: false}
		values[":perEnrollment"], values[":perMembership"] = str(string(bo.LicencePerEnrollment)), str(string(bo.LicencePerMembership))
	case ch.Unlimited:
		set = append(set, "licences = :zero", "unlimited = :true")
		values[":zero"], values[":true"] = num(0), &types.AttributeValueMemberBOOL{Value: true}
	}
	in := &dynamodb.UpdateItemInput{
		TableName: s.table, Key: mustKey(contractKey(orgID, contractID)),
		UpdateExpression:          aws.String("SET " + strings.Join(set, ", ")),
		ConditionExpression:       aws.String(strings.Join(conds, " AND ")),
		ExpressionAttributeValues: values, ReturnValues: types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	out, err := s.db.UpdateItem(ctx, in)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			return bo.Contract{}, bo.Errorf(bo.ENOTFOUND, "contract %s not found", contractID)
		}
		var r contractRecord
		if err := attributevalue.UnmarshalMap(ccf.Item, &r); err != nil {
			return bo.Contract{}, err
		}
		return bo.Contract{}, contractEditRefusal(r.contract(), ch)
	} else if err != nil {
		return bo.Contract{}, fmt.Errorf("update contract %s: %w", contractID, err)
	}
	var r contractRecord
	if err := attributevalue.UnmarshalMap(out.Attributes, &r); err != nil {
		return bo.Contract{}, err
	}
	return r.contract(), nil
}

// contractEditRefusal explains why an edit's condition failed on the
// contract c as it stood.
func contractEditRefusal(c bo.Contract, ch admin.ContractEdit) error {
	if ch.EndsAt != nil && !ch.EndsAt.After(c.StartsAt) {
		return bo.Invalid("endsAt must be after the contract's start, "+c.StartsAt.Format(time.RFC3339),
			bo.FieldError{Field: "endsAt", Message: "must be after startsAt"})
	}
	what := "members hold"
	if c.Kind == bo.LicencePerEnrollment {
		what = "enrollments hold"
	}
	return &bo.Error{Code: bo.ELIMIT, Message: fmt.Sprintf("contract %s cannot have fewer licences than the %d its %s", c.Name, c.Used, what),
		Details: []bo.FieldError{{Field: "licences", Message: fmt.Sprintf("must be at least %d, the licences in use", c.Used)}}}
}

// RenewContract writes next and marks prev renewed by it in one
// transaction, with the org's count of contracts: ECONFLICT when prev was
// renewed already (by another request at the same time), ENOTFOUND when
// it or the org is gone.
func (s *Store) RenewContract(ctx context.Context, prev, next bo.Contract) error {
	mark := types.TransactWriteItem{Update: &types.Update{
		TableName: s.table, Key: mustKey(contractKey(prev.OrgID, prev.ID)),
		UpdateExpression:    aws.String("SET renewedById = :next, updatedAt = :now"),
		ConditionExpression: aws.String("attribute_exists(PK) AND attribute_not_exists(renewedById)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":next": str(next.ID), ":now": str(next.CreatedAt.UTC().Format(time.RFC3339Nano)),
		},
	}}
	items := []types.TransactWriteItem{mark, putNew(s.table, newContractRecord(next)),
		addCounters(s.table, orgKey(next.OrgID), map[string]int{"contracts": 1})}
	return s.transact(ctx, items, func(i int) error {
		if i == 0 {
			if c, err := s.GetContract(ctx, prev.OrgID, prev.ID); err == nil && c.RenewedByID != "" {
				return bo.Errorf(bo.ECONFLICT, "contract %s was renewed already by %s", prev.Name, c.RenewedByID)
			}
			return bo.Errorf(bo.ENOTFOUND, "contract %s not found", prev.ID)
		}
		return bo.Errorf(bo.ECONFLICT, "contract %s exists already", next.ID)
	})
}

// enrollmentLicence is the contract's part of a member's enrollment: it
// counts one more enrollment licence when the enrollment is the member's
// first in the item (taken), under the cap and within the term of a
// per-enrollment contract (any other contract only counts it), and one
// more utilised licence on the member's first enrollment (utilised). It
// returns false when neither applies.
func (s *Store) enrollmentLicence(l bo.Learner, taken, utilised bool, now time.Time) (types.TransactWriteItem, bool) {
	deltas := map[string]int{}
	if taken {
		deltas["enrollmentLicences"] = 1
	}
	if utilised {
		deltas["utilised"] = 1
	}
	if len(deltas) == 0 {
		return types.TransactWriteItem{}, false
	}
	item := addCounters(s.table, contractKey(l.OrgID, l.ContractID), deltas)
	if taken {
		u := item.Update
		u.ConditionExpression = aws.String("attribute_exists(PK) AND (attribute_not_exists(licenceKind) OR licenceKind = :perMembership OR " +
			"(startsMs <= :ms AND endsMs > :ms AND (unlimited = :true OR enrollmentLicences < licences)))")
		u.ExpressionAttributeValues[":perMembership"] = str(string(bo.LicencePerMembership))
		u.ExpressionAttributeValues[":ms"] = &types.AttributeValueMemberN{Value: fmt.Sprint(now.UnixMilli())}
		u.ExpressionAttributeValues[":true"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	return item, true
}

// enrollmentRefusal explains why a per-enrollment contract refused an
// enrollment: outside its term, or every licence taken.
func (s *Store) enrollmentRefusal(ctx context.Context, l bo.Learner, now time.Time) error {
	return s.refusal(ctx, l.OrgID, l.ContractID, now, "the program takes no new enrollments",
		"no more enrollments: all %d enrollment licences of the program's contract are taken")
}

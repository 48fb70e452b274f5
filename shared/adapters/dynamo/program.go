package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
)

type programRecord struct {
	key
	meta
	// GSI1PK and GSI1SK place the program in the index of every program.
	GSI1PK          string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK          string `dynamodbav:"GSI1SK,omitempty"`
	OrgID           string `dynamodbav:"orgId"`
	ID              string `dynamodbav:"id"`
	Name            string `dynamodbav:"name"`
	Tagline         string `dynamodbav:"tagline"`
	Slug            string `dynamodbav:"slug"`
	EnrollmentLimit int    `dynamodbav:"enrollmentLimit"`
	// BannerKey is the object key of the program's banner image, with its
	// media type; absent without a banner.
	BannerKey         string `dynamodbav:"bannerKey,omitempty"`
	BannerContentType string `dynamodbav:"bannerContentType,omitempty"`
	// Members is the count of current members; a program with members cannot
	// be deleted outright.
	Members int `dynamodbav:"members"`
	bo.Counts
	// Deleting is set while the program is being deleted.
	Deleting bool `dynamodbav:"deleting,omitempty"`
	// RemindersOff is set when an org admin switched the invitation
	// reminder off; RemindersLastRun is the last Saturday it ran for the
	// program (2026-11-28).
	RemindersOff     bool   `dynamodbav:"remindersOff,omitempty"`
	RemindersLastRun string `dynamodbav:"remindersLastRun,omitempty"`
}

func (r programRecord) program() bo.Program {
	return bo.Program{
		OrgID: r.OrgID, ID: r.ID, Name: r.Name, Tagline: r.Tagline, Slug: r.Slug, EnrollmentLimit: r.EnrollmentLimit,
		BannerKey: r.BannerKey, BannerContentType: r.BannerContentType, Members: r.Members, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Counts: r.Counts,
		Reminders: bo.ProgramReminders{Off: r.RemindersOff, LastRun: r.RemindersLastRun},
	}
}

// slugRecord reserves a slug for one program and leads from the slug to it.
type slugRecord struct {
	key
	meta
	Slug      string `dynamodbav:"slug"`
	OrgID     string `dynamodbav:"orgId"`
	ProgramID string `dynamodbav:"programId"`
}

// CreateProgram writes the program, reserves its slug and counts it on the
// org, all or nothing. It returns ECONFLICT when the slug is taken.
func (s *Store) CreateProgram(ctx context.Context, p bo.Program) error {
	m := meta{Type: typeProgram, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	rec := programRecord{
		key: programKey(p.OrgID, p.ID), meta: m, OrgID: p.OrgID, ID: p.ID, Name: p.Name, Tagline: p.Tagline,
		Slug: p.Slug, EnrollmentLimit: p.EnrollmentLimit,
	}
	rec.GSI1PK, rec.GSI1SK = programIndexKeys(p.OrgID, p.ID)
	m.Type = typeSlug
	slug := slugRecord{key: slugKey(p.Slug), meta: m, Slug: p.Slug, OrgID: p.OrgID, ProgramID: p.ID}
	items := []types.TransactWriteItem{
		putNew(s.table, rec), putNew(s.table, slug), addCounters(s.table, orgKey(p.OrgID), map[string]int{"programs": 1}),
	}
	return s.transact(ctx, items, func(i int) error {
		switch i {
		case 0:
			return bo.Errorf(bo.ECONFLICT, "program %s exists already", p.ID)
		case 1:
			return &bo.Error{Code: bo.ECONFLICT, Message: "the slug " + p.Slug + " is taken; choose another",
				Details: []bo.FieldError{{Field: "slug", Message: "is taken"}}}
		}
		return bo.Errorf(bo.ENOTFOUND, "organisation %s not found", p.OrgID)
	})
}

// GetProgram returns a program of the org, or ENOTFOUND.
func (s *Store) GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error) {
	var r programRecord
	if err := s.get(ctx, programKey(orgID, programID), &r, "program "+programID+" not found"); err != nil {
		return bo.Program{}, err
	}
	return r.program(), nil
}

// GetProgramBySlug follows the slug to its program. It returns ENOTFOUND for
// a slug no program holds.
func (s *Store) GetProgramBySlug(ctx context.Context, slug string) (bo.Program, error) {
	var r slugRecord
	if err := s.get(ctx, slugKey(slug), &r, "no program at "+slug); err != nil {
		return bo.Program{}, err
	}
	return s.GetProgram(ctx, r.OrgID, r.ProgramID)
}

// ListPrograms returns a page of the org's programs, oldest first.
func (s *Store) ListPrograms(ctx context.Context, orgID string, page bo.Page) ([]bo.Program, string, error) {
	recs, next, err := queryPage[programRecord](ctx, s, orgPK(orgID), prefixProgram, page.Limit, page.Cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]bo.Program, len(recs))
	for i, r := range recs {
		out[i] = r.program()
	}
	return out, next, nil
}

// UpdateProgram writes the program's name, tagline, enrollment limit and
// banner (removing the banner's attributes when it has none). It returns
// ENOTFOUND when the program does not exist.
func (s *Store) UpdateProgram(ctx context.Context, p bo.Program) error {
	update := "SET #name = :name, tagline = :tagline, enrollmentLimit = :limit, updatedAt = :now, GSI1PK = :g1pk, GSI1SK = :g1sk"
	values := withProgramIndex(p.OrgID, p.ID, map[string]types.AttributeValue{
		":name": str(p.Name), ":tagline": str(p.Tagline), ":limit": num(p.EnrollmentLimit),
		":now": str(p.UpdatedAt.UTC().Format(time.RFC3339Nano)),
	})
	if p.BannerKey == "" {
		update += " REMOVE bannerKey, bannerContentType"
	} else {
		update = strings.Replace(update, "SET ", "SET bannerKey = :banner, bannerContentType = :bannerType, ", 1)
		values[":banner"], values[":bannerType"] = str(p.BannerKey), str(p.BannerContentType)
	}
	_, err := s.updateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       mustKey(programKey(p.OrgID, p.ID)),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#name": "name"},
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return bo.Errorf(bo.ENOTFOUND, "program %s not found", p.ID)
	} else if err != nil {
		return fmt.Errorf("update program %s: %w", p.ID, err)
	}
	return nil
}

// withProgramIndex adds the values :g1pk and :g1sk of the program's keys
// in the index of every program to values, for an update that (re)writes
// them.
func withProgramIndex(orgID, programID string, values map[string]types.AttributeValue) map[string]types.AttributeValue {
	pk, sk := programIndexKeys(orgID, programID)
	values[":g1pk"], values[":g1sk"] = str(pk), str(sk)
	return values
}

// DeleteProgram deletes the program, releases its slug and deletes its
// collections in one transaction, under the condition that it has no members,
// then its per-item counts. It returns ECONFLICT while it has members.
func (s *Store) DeleteProgram(ctx context.Context, orgID, programID string) error {
	p, err := s.GetProgram(ctx, orgID, programID)
	if err != nil {
		return err
	}
	cols, err := queryAll[collectionRecord](ctx, s, programPK(programID), prefixCollection)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName: s.table, Key: mustKey(programKey(orgID, programID)),
			ConditionExpression:       aws.String("attribute_exists(PK) AND (attribute_not_exists(members) OR members = :zero)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":zero": num(0)},
		}},
		{Delete: &types.Delete{TableName: s.table, Key: mustKey(slugKey(p.Slug))}},
		addCounters(s.table, orgKey(orgID), map[string]int{"programs": -1}),
	}
	for _, c := range cols {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: mustKey(c.key)}})
	}
	err = s.transact(ctx, items, func(i int) error {
		if i == 0 {
			return bo.Errorf(bo.ECONFLICT, "program %s has members: remove every member before deleting it", programID)
		}
		return bo.Errorf(bo.ECONFLICT, "program %s changed at the same time; retry", programID)
	})
	if err != nil {
		return err
	}
	return s.deleteItemCounts(ctx, programID)
}

var _ members.DeletionStore = (*Store)(nil)

// MarkProgramDeleting marks a program as being deleted: joins (which
// count members on the program under the condition that it is not being
// deleted) fail from then on. It returns ENOTFOUND for an unknown program.
func (s *Store) MarkProgramDeleting(ctx context.Context, orgID, programID string) error {
	_, err := s.updateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: mustKey(programKey(orgID, programID)),
		UpdateExpression:          aws.String("SET deleting = :true"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}},
	})
	if isConditionFailed(err) {
		return bo.Errorf(bo.ENOTFOUND, "program %s not found", programID)
	} else if err != nil {
		return fmt.Errorf("mark program %s deleting: %w", programID, err)
	}
	return nil
}

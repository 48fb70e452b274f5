package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
)

var _ members.UsersStore = (*Store)(nil)

// usersSearchWorkers bounds the Queries one users search has in flight.
const usersSearchWorkers = 16

// SearchLearners returns the first q.Limit people, each once, of the
// invitees and members of the programs, in email order (GSI1) or name
// order (GSI2), whose sort key begins with q.Search and comes after
// q.After: one Query of each program's INVITED and MEMBER partition of
// each shard (no filter, at most q.Limit+1 items each, usersSearchWorkers
// at a time), merged. Within one partition a person is one item, so each
// partition's first q.Limit+1 keys hold every key of the page. The page's
// people are then read whole (one of their learner items each) for their
// address and name as written.
func (s *Store) SearchLearners(ctx context.Context, programIDs []string, q members.UserQuery) ([]members.UserEntry, bool, error) {
	ixName, pkAttr, skAttr := resources.IndexLearnersByEmail, resources.AttrGSI1PK, resources.AttrGSI1SK
	if q.Sort == members.UsersByName {
		ixName, pkAttr, skAttr = resources.IndexLearnersByName, resources.AttrGSI2PK, resources.AttrGSI2SK
	}
	lo, hi := q.Search, q.Search+maxSortKey
	if q.After != "" && q.After+"\x00" > lo {
		lo = q.After + "\x00"
	}
	if lo == "" {
		lo = "\x00"
	}
	if lo > hi {
		return nil, false, nil
	}
	var pks []string
	for _, pid := range programIDs {
		for _, state := range []bo.LearnerState{bo.StateInvited, bo.StateMember} {
			for shard := range LearnerShards {
				pks = append(pks, learnerIndexPK(pid, string(state), shard))
			}
		}
	}
	var (
		mu    sync.Mutex
		found []learnerRecord
		more  bool
		first error
	)
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range min(usersSearchWorkers, len(pks)) {
		wg.Go(func() {
			for pk := range jobs {
				res, err := s.db.Query(ctx, &dynamodb.QueryInput{
					TableName: s.table, IndexName: aws.String(ixName),
					KeyConditionExpression:    aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi"),
					ExpressionAttributeNames:  map[string]string{"#pk": pkAttr, "#sk": skAttr},
					ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":lo": str(lo), ":hi": str(hi)},
					Limit:                     aws.Int32(int32(q.Limit + 1)),
				})
				var recs []learnerRecord
				if err == nil {
					err = attributevalue.UnmarshalListOfMaps(res.Items, &recs)
				}
				mu.Lock()
				if err != nil && first == nil {
					first = fmt.Errorf("search users: %s: %w", pk, err)
				}
				found = append(found, recs...)
				more = more || (err == nil && len(res.LastEvaluatedKey) > 0)
				mu.Unlock()
			}
		})
	}
	for _, pk := range pks {
		jobs <- pk
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return nil, false, first
	}
	key := func(r learnerRecord) string { return sortKey(r, q.Sort == members.UsersByName) }
	slices.SortFunc(found, func(a, b learnerRecord) int { return strings.Compare(key(a), key(b)) })
	var picked []learnerRecord
	seen := map[string]bool{}
	for _, r := range found {
		if seen[r.EmailKey] {
			continue
		}
		if len(picked) == q.Limit {
			more = true
			break
		}
		seen[r.EmailKey] = true
		picked = append(picked, r)
	}
	whole, err := s.wholeLearners(ctx, picked)
	if err != nil {
		return nil, false, fmt.Errorf("search users: %w", err)
	}
	out := make([]members.UserEntry, 0, len(whole))
	for _, r := range whole {
		out = append(out, members.UserEntry{EmailKey: r.EmailKey, Email: r.Email, FullName: r.FullName, SortKey: key(r)})
	}
	return out, more, nil
}

// Standings returns the person's learner items in every program, from
// GSI6 (one Query of EMAIL#<email>, paged).
func (s *Store) Standings(ctx context.Context, emailKey string) ([]members.Standing, error) {
	in := &dynamodb.QueryInput{
		TableName: s.table, IndexName: aws.String(resources.IndexProgramsByEmail),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": resources.AttrGSI6PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(emailIndexPK(emailKey))},
	}
	var out []members.Standing
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		res, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("standings of %s: %w", emailKey, err)
		}
		var page []standing
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &page); err != nil {
			return nil, fmt.Errorf("decode standings of %s: %w", emailKey, err)
		}
		for _, st := range page {
			out = append(out, members.Standing{OrgID: st.OrgID, ProgramID: st.ProgramID, State: bo.LearnerState(st.State)})
		}
	}
	return out, nil
}

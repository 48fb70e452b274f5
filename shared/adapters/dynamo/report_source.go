package dynamo

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reports"
)

var _ reports.Source = (*Store)(nil)

// reportPageItems bounds one Query page of a report's reads: with 16
// queries under way (a learner and an enrollment query on each of the
// eight shards), each holding the page being merged and the next one, a
// report holds at most 16 x 2 x 500 items (a few tens of megabytes
// decoded; BenchmarkReport100k measures the peak).
var reportPageItems int32 = 500

// reportGroupsAhead is how many learners (with their enrollments) each
// shard's merge may have ready before the report takes them.
const reportGroupsAhead = 64

// page is one decoded page of a Query, or the error that ended it.
type page[T any] struct {
	items []T
	err   error
}

// pages reads every page of the query in the background (in a goroutine
// of wg), one page ahead of the reader (it holds the next page until the
// reader takes it), until the query ends, ctx ends or
// a page fails (the last page sent then carries the error). The channel is
// closed at the end.
func pages[T any](ctx context.Context, wg *sync.WaitGroup, s *Store, in *dynamodb.QueryInput) <-chan page[T] {
	out := make(chan page[T])
	wg.Go(func() {
		defer close(out)
		for {
			res, err := s.db.Query(ctx, in)
			var p page[T]
			if err != nil {
				p.err = fmt.Errorf("query %s: %w", aws.ToString(in.KeyConditionExpression), err)
			} else if err := attributevalue.UnmarshalListOfMaps(res.Items, &p.items); err != nil {
				p.err = fmt.Errorf("decode report items: %w", err)
			}
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
			if p.err != nil || len(res.LastEvaluatedKey) == 0 {
				return
			}
			in.ExclusiveStartKey = res.LastEvaluatedKey
		}
	})
	return out
}

// stream walks the items of a pages channel one at a time.
type stream[T any] struct {
	pages <-chan page[T]
	items []T
	err   error
	done  bool
}

// peek returns the current item, or false at the end or on an error
// (then in err).
func (st *stream[T]) peek() (*T, bool) {
	for len(st.items) == 0 && !st.done {
		p, ok := <-st.pages
		switch {
		case !ok:
			st.done = true
		case p.err != nil:
			st.err, st.done = p.err, true
		default:
			st.items = p.items
		}
	}
	if len(st.items) == 0 {
		return nil, false
	}
	return &st.items[0], true
}

// next moves past the current item.
func (st *stream[T]) next() { st.items = st.items[1:] }

// reportQuery is a strongly consistent Query of the items of partition pk
// whose sort key begins with prefix, a page of reportPageItems at a time.
func (s *Store) reportQuery(pk, prefix string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName: s.table, ConsistentRead: aws.Bool(true), Limit: aws.Int32(reportPageItems),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(prefix)},
	}
}

// group is one learner with their enrollments, or the error that ended a
// shard's merge.
type group struct {
	l   bo.Learner
	es  []bo.Enrollment
	err error
}

// shardGroups merges the learners and the enrollments of one shard of a
// program, both in email order, into groups sent on out, which it closes
// at the end. Enrollments without a learner (none are written) are
// skipped. It returns once its queries have stopped.
func (s *Store) shardGroups(ctx context.Context, programID string, shard int, f reports.Filter, out chan<- group) {
	defer close(out)
	ctx, cancel := context.WithCancel(ctx)
	var queries sync.WaitGroup
	defer queries.Wait()
	defer cancel()
	pk := learnerShardPK(programID, shard)
	learners := stream[learnerRecord]{pages: pages[learnerRecord](ctx, &queries, s, s.reportQuery(pk, prefixLearner))}
	eq := s.reportQuery(pk, prefixEnroll)
	var conds []string
	if f.Type != "" {
		conds = append(conds, "itemType = :type")
		eq.ExpressionAttributeValues[":type"] = str(string(f.Type))
	}
	if f.ItemID != "" {
		conds = append(conds, "itemId = :item")
		eq.ExpressionAttributeValues[":item"] = str(f.ItemID)
	}
	if len(conds) > 0 {
		eq.FilterExpression = aws.String(strings.Join(conds, " AND "))
	}
	enrollments := stream[enrollmentRecord]{pages: pages[enrollmentRecord](ctx, &queries, s, eq)}
	send := func(g group) bool {
		select {
		case out <- g:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		lr, ok := learners.peek()
		if !ok {
			break
		}
		g := group{l: lr.learner(), es: []bo.Enrollment{}}
		for {
			er, ok := enrollments.peek()
			if !ok || er.EmailKey > g.l.EmailKey {
				break
			}
			if er.EmailKey == g.l.EmailKey {
				g.es = append(g.es, er.enrollment())
			}
			enrollments.next()
		}
		if enrollments.err != nil {
			send(group{err: enrollments.err})
			return
		}
		if !send(g) {
			return
		}
		learners.next()
	}
	if learners.err != nil {
		send(group{err: learners.err})
	}
}

// EachLearner calls fn for every learner of the program with their
// enrollments that pass the filter, in email order, reading the learner
// partitions of the table (not an index) with strongly consistent
// Queries, so that every write made before the call is seen. Each of the
// eight shards merges its learners with their enrollments (two paginated
// Queries, both in email order) in its own goroutine, and the shards are
// merged by email here: a few pages per shard are held, never the
// program. It stops at fn's first error and returns it, or the first
// error of a Query, once its reads have stopped.
func (s *Store) EachLearner(ctx context.Context, programID string, f reports.Filter, fn func(bo.Learner, []bo.Enrollment) error) error {
	ctx, cancel := context.WithCancel(ctx)
	var merges sync.WaitGroup
	defer merges.Wait()
	defer cancel()
	shards := make([]chan group, LearnerShards)
	heads := make([]*group, LearnerShards)
	for i := range shards {
		shards[i] = make(chan group, reportGroupsAhead)
		merges.Go(func() { s.shardGroups(ctx, programID, i, f, shards[i]) })
	}
	// pull fills the head of shard i, leaving it nil at the shard's end.
	pull := func(i int) error {
		heads[i] = nil
		if g, ok := <-shards[i]; ok {
			if g.err != nil {
				return g.err
			}
			heads[i] = &g
		}
		return nil
	}
	for i := range shards {
		if err := pull(i); err != nil {
			return err
		}
	}
	for {
		first := -1
		for i, h := range heads {
			if h != nil && (first < 0 || h.l.EmailKey < heads[first].l.EmailKey) {
				first = i
			}
		}
		if first < 0 {
			return ctx.Err()
		}
		if err := fn(heads[first].l, heads[first].es); err != nil {
			return err
		}
		if err := pull(first); err != nil {
			return err
		}
	}
}

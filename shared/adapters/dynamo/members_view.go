package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
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

var _ members.ViewStore = (*Store)(nil)

const (
	// viewQueryLimit is how many items one Query of a shard evaluates.
	viewQueryLimit = 250
	// viewShardBudget bounds the items one request evaluates in one shard:
	// a page of a filter that matches few learners stops there and hands
	// back a cursor, rather than reading the whole program.
	viewShardBudget = 1000
)

// viewIndex is the index and attributes that serve a sort order.
type viewIndex struct {
	name, pk, sk string
}

var viewIndexes = map[bo.MemberSort]viewIndex{
	bo.MembersByEmail:       {resources.IndexLearnersByEmail, resources.AttrGSI1PK, resources.AttrGSI1SK},
	bo.MembersByName:        {resources.IndexLearnersByName, resources.AttrGSI2PK, resources.AttrGSI2SK},
	bo.MembersByJoined:      {resources.IndexLearnersByJoined, resources.AttrGSI1PK, resources.AttrGSI3SK},
	bo.MembersByInvited:     {resources.IndexLearnersByInvited, resources.AttrGSI1PK, resources.AttrGSI4SK},
	bo.MembersByActivity:    {resources.IndexLearnersByActivity, resources.AttrGSI1PK, resources.AttrGSI5SK},
	bo.MembersByEnrollments: {resources.IndexLearnersByEnrollments, resources.AttrGSI1PK, resources.AttrGSI7SK},
	bo.MembersByCompletions: {resources.IndexLearnersByCompletions, resources.AttrGSI1PK, resources.AttrGSI8SK},
}

// viewCursor is where a page of one members view ends: the sort key after
// which the next page starts, with the view it belongs to.
type viewCursor struct {
	Program string          `json:"p"`
	Status  bo.MemberStatus `json:"s"`
	Sort    bo.MemberSort   `json:"o"`
	Desc    bool            `json:"d,omitempty"`
	Search  string          `json:"q,omitempty"`
	Filter  string          `json:"f,omitempty"`
	After   string          `json:"k"`
}

// viewPlan is how the members view reads a query: the index of its sort,
// the state its status lists, the range of sort keys to read and the
// filter that narrows what is read to the status and the other conditions.
type viewPlan struct {
	ix    viewIndex
	state bo.LearnerState
	// prefix keeps the sort keys that begin with a search on its own
	// index (GSI1 by email, GSI2 by name).
	prefix string
	// below keeps the sort keys less than it: the start of an inactivity
	// window, on an index whose keys are at most the learner's last
	// activity (GSI3 join date, GSI4 invitation date, GSI5 last activity).
	below  string
	filter string
	names  map[string]string
	values map[string]types.AttributeValue
}

// planView returns the plan of a query (see the members view's lines in
// keys.go's access patterns).
func planView(q bo.MemberQuery) viewPlan {
	p := viewPlan{ix: viewIndexes[q.Sort], state: bo.StateMember, names: map[string]string{}, values: map[string]types.AttributeValue{}}
	var conds []string
	zero := func() { p.values[":zero"] = num(0) }
	inactiveDays := 0
	switch q.Status {
	case bo.MemberInvitedNever:
		p.state = bo.StateInvited
	case bo.MemberRemoved:
		p.state = bo.StateDeletedMember
	case bo.MemberNoEnrollments:
		zero()
		conds = append(conds, "(attribute_not_exists(currentEnrollments) OR currentEnrollments = :zero)")
	case bo.MemberNoCompletions:
		zero()
		conds = append(conds, "currentEnrollments > :zero", "(attribute_not_exists(completions) OR completions = :zero)")
		if p.ix.sk == resources.AttrGSI8SK {
			// By completions, no completions is the keys of a count of 0:
			// below every "0000000001#<email>".
			p.below = countCut(1)
		}
	case bo.MemberInactive30:
		zero()
		conds = append(conds, "currentEnrollments > :zero")
		inactiveDays = 30
	case bo.MemberInactive90:
		inactiveDays = 90
	case bo.MemberCompleted30:
		// Not a key range: a completion's time is the event's completedAt,
		// which need not be at or before the last activity's.
		p.values[":since"] = &types.AttributeValueMemberN{Value: fmt.Sprint(q.Now.AddDate(0, 0, -30).UnixMilli())}
		conds = append(conds, "lastCompletionMs >= :since")
	}
	if inactiveDays > 0 {
		// Inactive: last activity (the GSI5 key, a UTC day) before the
		// UTC day of the cut. The join and invitation dates are at most the
		// last activity, so on their indexes too the window is a range of
		// keys, which is necessary but not enough there: the filter stays.
		cut := activityCut(q.Now.AddDate(0, 0, -inactiveDays))
		switch p.ix.sk {
		case resources.AttrGSI3SK, resources.AttrGSI4SK, resources.AttrGSI5SK:
			p.below = cut
		}
		if p.ix.sk != resources.AttrGSI5SK {
			p.names["#activity"] = resources.AttrGSI5SK
			p.values[":cut"] = str(cut)
			conds = append(conds, "#activity < :cut")
		}
	}
	if q.Search != "" {
		if p.ix.sk == resources.AttrGSI1SK || p.ix.sk == resources.AttrGSI2SK {
			p.prefix = q.Search
		} else {
			p.values[":q"] = str(q.Search)
			conds = append(conds, "(begins_with(emailKey, :q) OR begins_with(nameKey, :q))")
		}
	}
	if len(q.ContractIDs) > 0 {
		var in []string
		for i, id := range q.ContractIDs {
			name := fmt.Sprintf(":contract%d", i)
			p.values[name] = str(id)
			in = append(in, name)
		}
		conds = append(conds, "contractId IN ("+strings.Join(in, ", ")+")")
	}
	if len(q.CourseIDs) > 0 {
		var any []string
		for i, id := range q.CourseIDs {
			name := fmt.Sprintf(":course%d", i)
			p.values[name] = str(id)
			any = append(any, "contains(currentItems, "+name+")")
		}
		conds = append(conds, "("+strings.Join(any, " OR ")+")")
	}
	if q.Undeliverable {
		p.values[":undeliverable"] = &types.AttributeValueMemberBOOL{Value: true}
		conds = append(conds, "undeliverable = :undeliverable")
	}
	p.filter = strings.Join(conds, " AND ")
	return p
}

// query returns the Query of one shard's index partition pk, in the
// plan's key range after the sort key after ("" from the start), either
// way, with the plan's filter.
func (p viewPlan) query(table *string, pk, after string, desc bool) *dynamodb.QueryInput {
	n := map[string]string{"#pk": p.ix.pk, "#sk": p.ix.sk}
	v := map[string]types.AttributeValue{":pk": str(pk)}
	maps.Copy(n, p.names)
	maps.Copy(v, p.values)
	cond := "#pk = :pk"
	lo, hi := p.prefix, p.prefix+maxSortKey
	if p.below != "" {
		hi = min(hi, p.below)
	}
	switch {
	case after != "" && !desc:
		lo = max(lo, after+"\x00")
	case after != "" && desc:
		hi = min(hi, after)
	}
	if lo != "" || hi != maxSortKey {
		cond += " AND #sk BETWEEN :lo AND :hi"
		v[":lo"], v[":hi"] = str(lo), str(hi)
		if lo == "" {
			v[":lo"] = str("\x00")
		}
	} else {
		delete(n, "#sk")
	}
	in := &dynamodb.QueryInput{
		TableName: table, IndexName: aws.String(p.ix.name), KeyConditionExpression: aws.String(cond),
		ExpressionAttributeNames: n, ExpressionAttributeValues: v, ScanIndexForward: aws.Bool(!desc),
	}
	if p.filter != "" {
		in.FilterExpression = aws.String(p.filter)
	}
	return in
}

// shardRead is what one request read of one shard.
type shardRead struct {
	recs      []learnerRecord
	exhausted bool   // the shard has nothing after what was read
	last      string // the sort key of the last item evaluated
	read      int
	err       error
}

// ListMembers returns one page of the members view: the learners of the
// program in the query's state, from the index of its sort order, in that
// order either way, on the 8 shards in parallel, narrowed by the status's
// and the query's other conditions. Each shard evaluates at most
// viewShardBudget items a request; a page may then be short, and its cursor
// continues after the last item every shard has evaluated.
func (s *Store) ListMembers(ctx context.Context, programID string, q bo.MemberQuery) (bo.MemberPage, error) {
	plan := planView(q)
	ix := plan.ix
	list := viewCursor{Program: programID, Status: q.Status, Sort: q.Sort, Desc: q.Desc, Search: q.Search,
		Filter: fmt.Sprint(strings.Join(q.ContractIDs, ","), "|", strings.Join(q.CourseIDs, ","), "|", q.Undeliverable)}
	after := ""
	if q.Cursor != "" {
		var got viewCursor
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err == nil {
			err = json.Unmarshal(b, &got)
		}
		list.After = got.After
		if err != nil || got != list || got.After == "" {
			return bo.MemberPage{}, bo.Invalid("invalid cursor: use the nextCursor of the previous page of the same view",
				bo.FieldError{Field: "cursor", Message: "is not a cursor of this view"})
		}
		after = got.After
	}
	reads := make([]shardRead, LearnerShards)
	var wg sync.WaitGroup
	for shard := range LearnerShards {
		wg.Go(func() {
			reads[shard] = s.readShard(ctx, plan, learnerIndexPK(programID, string(plan.state), shard), after, q.Desc, q.Limit+1)
		})
	}
	wg.Wait()
	var all []learnerRecord
	page := bo.MemberPage{}
	cutoff, bounded := "", false
	for _, r := range reads {
		if r.err != nil {
			return bo.MemberPage{}, r.err
		}
		page.Read += r.read
		all = append(all, r.recs...)
		if !r.exhausted && r.last != "" {
			if !bounded || (q.Desc && r.last > cutoff) || (!q.Desc && r.last < cutoff) {
				cutoff, bounded = r.last, true
			}
		}
	}
	key := func(r learnerRecord) string { return sortKeyOf(r, ix.sk) }
	slices.SortFunc(all, func(a, b learnerRecord) int {
		if q.Desc {
			return strings.Compare(key(b), key(a))
		}
		return strings.Compare(key(a), key(b))
	})
	more := false
	var picked []learnerRecord
	for _, r := range all {
		k := key(r)
		if bounded && ((q.Desc && k < cutoff) || (!q.Desc && k > cutoff)) {
			more = true
			break
		}
		if len(picked) == q.Limit {
			more = true
			break
		}
		picked = append(picked, r)
		list.After = k
	}
	whole, err := s.wholeLearners(ctx, picked)
	if err != nil {
		return bo.MemberPage{}, fmt.Errorf("members view: %w", err)
	}
	for _, r := range whole {
		page.Items = append(page.Items, r.learner())
	}
	if bounded && !more {
		more, list.After = true, cutoff // every shard was read up to the cutoff
	}
	if more && list.After != "" {
		b, _ := json.Marshal(list)
		page.NextCursor = base64.RawURLEncoding.EncodeToString(b)
	}
	if page.Items == nil {
		page.Items = []bo.Learner{}
	}
	return page, nil
}

// sortKeyOf returns a learner's sort key in the index whose sort key
// attribute is sk.
func sortKeyOf(r learnerRecord, sk string) string {
	switch sk {
	case resources.AttrGSI1SK:
		return r.GSI1SK
	case resources.AttrGSI2SK:
		return r.GSI2SK
	case resources.AttrGSI3SK:
		return r.GSI3SK
	case resources.AttrGSI4SK:
		return r.GSI4SK
	case resources.AttrGSI7SK:
		return r.GSI7SK
	case resources.AttrGSI8SK:
		return r.GSI8SK
	}
	return r.GSI5SK
}

// readShard reads one shard of a view from its index, after the cursor's
// key, until it has want matches, the shard ends, or the budget is spent.
func (s *Store) readShard(ctx context.Context, plan viewPlan, pk, after string, desc bool, want int) shardRead {
	ix := plan.ix
	in := plan.query(s.table, pk, after, desc)
	in.Limit = aws.Int32(viewQueryLimit)
	if plan.filter == "" {
		// Without a filter every item read is a match: read no more than a page.
		in.Limit = aws.Int32(int32(min(want, viewQueryLimit)))
	}
	var out shardRead
	for {
		res, err := s.db.Query(ctx, in)
		if err != nil {
			out.err = fmt.Errorf("members view: query %s: %w", pk, err)
			return out
		}
		out.read += int(res.ScannedCount)
		var recs []learnerRecord
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &recs); err != nil {
			out.err = fmt.Errorf("members view: decode: %w", err)
			return out
		}
		for _, r := range recs {
			if desc && after != "" && sortKeyOf(r, ix.sk) == after {
				continue // BETWEEN is inclusive; the cursor's item was on the last page
			}
			out.recs = append(out.recs, r)
		}
		if len(res.LastEvaluatedKey) == 0 {
			out.exhausted = true
			return out
		}
		if av, ok := res.LastEvaluatedKey[ix.sk].(*types.AttributeValueMemberS); ok {
			out.last = av.Value
		}
		if len(out.recs) >= want || out.read >= viewShardBudget {
			return out
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

// streamQueryLimit is how many items one Query of a shard evaluates when a
// whole selection is streamed (a member export): a batch of rows, and a
// few hundred kilobytes, well under a Query's 1 MB.
const streamQueryLimit = 500

// shardStream is one shard's place in a streamed selection: the items read
// and not yet merged, and the Query that reads the next ones.
type shardStream struct {
	in   *dynamodb.QueryInput
	buf  []learnerRecord
	done bool // nothing is left to read
	err  error
}

// StreamMembers reads the whole selection of the query (its Limit and
// Cursor are not used), as ListMembers reads it, without a read budget: it
// reads the 8 shards of the index on, each from where it stopped (refilling
// the empty ones in parallel), and merges them in sort-key order, so that
// every item of the key range is read once. It calls fn with batches of up
// to streamQueryLimit learners in the view's order, and returns fn's first
// error, or the store's.
func (s *Store) StreamMembers(ctx context.Context, programID string, q bo.MemberQuery, fn func(batch []bo.Learner) error) error {
	plan := planView(q)
	streams := make([]*shardStream, LearnerShards)
	for shard := range LearnerShards {
		in := plan.query(s.table, learnerIndexPK(programID, string(plan.state), shard), "", q.Desc)
		in.Limit = aws.Int32(streamQueryLimit)
		streams[shard] = &shardStream{in: in}
	}
	key := func(r learnerRecord) string { return sortKeyOf(r, plan.ix.sk) }
	before := func(a, b string) bool { return (!q.Desc && a < b) || (q.Desc && a > b) }
	batch := make([]learnerRecord, 0, streamQueryLimit)
	emit := func() error {
		whole, err := s.wholeLearners(ctx, batch)
		if err != nil {
			return fmt.Errorf("members selection: %w", err)
		}
		out := make([]bo.Learner, len(whole))
		for i, r := range whole {
			out[i] = r.learner()
		}
		return fn(out)
	}
	for {
		if err := s.fillStreams(ctx, streams); err != nil {
			return err
		}
		// Merge while every shard with items left has some in hand.
		for {
			var next *shardStream
			short := false
			for _, st := range streams {
				if len(st.buf) == 0 {
					short = short || !st.done
					continue
				}
				if next == nil || before(key(st.buf[0]), key(next.buf[0])) {
					next = st
				}
			}
			if short {
				break
			}
			if next == nil {
				if len(batch) > 0 {
					return emit()
				}
				return nil
			}
			batch = append(batch, next.buf[0])
			next.buf = next.buf[1:]
			if len(batch) == cap(batch) {
				if err := emit(); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
	}
}

// fillStreams reads, in parallel, the next items of every shard whose
// buffer is empty and that has more, until it has some or the shard ends.
func (s *Store) fillStreams(ctx context.Context, streams []*shardStream) error {
	var wg sync.WaitGroup
	for _, st := range streams {
		if len(st.buf) > 0 || st.done {
			continue
		}
		wg.Go(func() {
			for len(st.buf) == 0 && !st.done {
				res, err := s.db.Query(ctx, st.in)
				if err != nil {
					st.err = fmt.Errorf("members selection: query %s: %w", aws.ToString(st.in.IndexName), err)
					return
				}
				if err := attributevalue.UnmarshalListOfMaps(res.Items, &st.buf); err != nil {
					st.err = fmt.Errorf("members selection: decode: %w", err)
					return
				}
				st.in.ExclusiveStartKey = res.LastEvaluatedKey
				st.done = len(res.LastEvaluatedKey) == 0
			}
		})
	}
	wg.Wait()
	for _, st := range streams {
		if st.err != nil {
			return st.err
		}
	}
	return nil
}
